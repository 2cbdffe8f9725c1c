"""Town-hall staff create families (number + temporary password by e-mail) and children."""
import re

import pytest

from tests.client import body, credentials_from
from tests.demo import FAMILY_NUMBER, FAMILY_PASSWORD
DUPONT = {"name": "DUPONT", "emails": ["maman.dupont@example.org", "papa.dupont@example.org"],
          "phones": ["06 12 34 56 78"], "address": "3 rue des Écoles, 69000 Lyon"}


def create(admin, **changes):
    return admin.post("/staff/families", {**DUPONT, **changes})


def error(response):
    return body(response)["error"]


def test_creating_a_family_gives_it_a_number_and_emails_its_credentials(admin, outbox):
    response = create(admin)
    assert response.status_code == 201, response.body
    number = body(response)["number"]
    assert number.isdigit() and number != FAMILY_NUMBER
    [mail] = outbox()
    assert sorted(mail["to"]) == sorted(DUPONT["emails"])
    assert f"\nIdentifiant : {number}\n" in mail["text"]
    mailed_number, password = credentials_from(mail["text"])
    assert mailed_number == number
    assert len(password) >= 12


def test_the_new_family_signs_in_with_its_temporary_password_and_must_change_it(admin,
                                                                               other_api,
                                                                               outbox):
    number = body(create(admin))["number"]
    _, password = credentials_from(outbox()[0]["text"])
    response = other_api.login(number, password)
    assert response.status_code == 200
    assert body(response).items() >= {"role": "family", "name": "DUPONT",
                                      "must_change_password": True,
                                      "family_number": number}.items()


@pytest.mark.parametrize("login", ["maman.dupont@example.org", " Papa.Dupont@EXAMPLE.org "])
def test_a_family_with_two_addresses_signs_in_with_either(admin, other_api, outbox, login):
    number = body(create(admin))["number"]
    _, password = credentials_from(outbox()[0]["text"])
    response = other_api.login(login, password)
    assert response.status_code == 200
    assert body(response)["family_number"] == number


def test_two_creations_get_consecutive_numbers(admin):
    first = body(create(admin))["number"]
    second = body(create(admin, emails=["autre@example.org"]))["number"]
    assert int(second) == int(first) + 1


@pytest.mark.parametrize("emails", [
    ["famille.test@example.org"],                          # another family's address
    ["FAMILLE.Test@Example.org"],                          # the same, in another case
    ["nouvelle@example.org", "famille.test@example.org"],  # the second one is taken
    ["mairie@example.org"],                                # a staff member's address
])
def test_an_address_already_in_use_is_refused_with_409(admin, outbox, emails):
    response = create(admin, emails=emails)
    assert response.status_code == 409
    assert error(response)["code"] == "email_taken"
    assert error(response)["details"] == {"field": "emails"}
    assert outbox() == []


def test_a_refused_creation_never_hands_out_a_number_twice_nor_claims_an_address(admin,
                                                                                 outbox):
    first = body(create(admin))["number"]
    refused = create(admin, emails=["libre@example.org", "maman.dupont@example.org"])
    assert refused.status_code == 409
    assert create(admin, name="").status_code == 400
    response = create(admin, name="MARTIN", emails=["libre@example.org"])
    assert response.status_code == 201, response.body
    second = body(response)["number"]
    assert int(second) > int(first)
    assert credentials_from(outbox()[0]["text"])[0] == second


def test_an_address_claimed_by_a_concurrent_creation_is_still_a_409_email_taken(admin,
                                                                                services,
                                                                                monkeypatch):
    first = body(create(admin))["number"]
    # Another request claims the address between the availability check and the write.
    monkeypatch.setattr(services.accounts, "find_login", lambda email: None)
    raced = create(admin, emails=["libre@example.org", "maman.dupont@example.org"])
    monkeypatch.undo()
    assert raced.status_code == 409
    assert error(raced)["code"] == "email_taken"
    response = create(admin, name="MARTIN", emails=["libre@example.org"])
    assert response.status_code == 201, response.body
    assert int(body(response)["number"]) > int(first)


@pytest.mark.parametrize("changes, field", [
    ({"name": None}, "name"),
    ({"name": "   "}, "name"),
    ({"name": "X" * 101}, "name"),
    ({"emails": None}, "emails"),
    ({"emails": []}, "emails"),
    ({"emails": ["a@example.org", "b@example.org", "c@example.org"]}, "emails"),
    ({"emails": "a@example.org"}, "emails"),
    ({"emails": ["pas-une-adresse"]}, "emails"),
    ({"emails": ["a@example.org", "b@example"]}, "emails"),
    ({"emails": ["a@example.org", "A@example.org"]}, "emails"),
    ({"phones": ["pas un numéro"]}, "phones"),
])
def test_invalid_family_data_is_refused_naming_the_field(admin, outbox, changes, field):
    payload = {**DUPONT, **changes}
    payload = {k: v for k, v in payload.items() if v is not None}
    response = admin.post("/staff/families", payload)
    assert response.status_code == 400
    assert error(response)["code"] == "invalid_request"
    assert error(response)["details"]["field"].split("[")[0] == field
    assert outbox() == []


def test_staff_add_a_child_that_the_family_then_sees(admin, other_api):
    response = admin.post(f"/staff/families/{FAMILY_NUMBER}/children",
                          {"first_name": "Lili", "last_name": "TEST"})
    assert response.status_code == 201
    child_id = body(response)["id"]
    assert child_id not in ("", "1001-1")
    other_api.login(FAMILY_NUMBER, FAMILY_PASSWORD)
    children = body(other_api.get("/family"))["children"]
    assert {"id": child_id, "first_name": "Lili", "last_name": "TEST"} in children
    assert len(children) == 2


def test_adding_a_child_to_an_unknown_family_is_404(admin):
    response = admin.post("/staff/families/9999/children",
                          {"first_name": "Lili", "last_name": "TEST"})
    assert response.status_code == 404
    assert error(response)["code"] == "not_found"


@pytest.mark.parametrize("payload, field", [
    ({"last_name": "TEST"}, "first_name"),
    ({"first_name": "Lili"}, "last_name"),
    ({"first_name": " ", "last_name": "TEST"}, "first_name"),
])
def test_a_child_needs_a_first_and_a_last_name(admin, payload, field):
    response = admin.post(f"/staff/families/{FAMILY_NUMBER}/children", payload)
    assert response.status_code == 400
    assert error(response)["details"] == {"field": field}


STAFF_CALLS = [
    ("/staff/families", DUPONT),
    (f"/staff/families/{FAMILY_NUMBER}/children", {"first_name": "Lili", "last_name": "X"}),
]


@pytest.mark.parametrize("path, payload", STAFF_CALLS)
def test_a_family_calling_a_staff_endpoint_is_forbidden(api, outbox, path, payload):
    api.login(FAMILY_NUMBER, FAMILY_PASSWORD)
    response = api.post(path, payload)
    assert response.status_code == 403
    assert error(response)["code"] == "forbidden"
    assert outbox() == []
    assert len(body(api.get("/family"))["children"]) == 1


@pytest.mark.parametrize("path, payload", STAFF_CALLS)
def test_an_anonymous_caller_of_a_staff_endpoint_must_sign_in(api, outbox, path, payload):
    response = api.post(path, payload)
    assert response.status_code == 401
    assert outbox() == []


def concrete(path):
    values = {"number": FAMILY_NUMBER, "child_id": "1001-1"}
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), "inconnu"), path)


def test_every_staff_endpoint_is_forbidden_to_a_family_and_needs_a_session(app, api,
                                                                          other_api):
    from chalicelib.api.routing import ENDPOINTS, STAFF
    staff_endpoints = [e for e in ENDPOINTS if e.audience == STAFF]
    assert {("POST", "/staff/families"), ("POST", "/staff/families/{number}/children")} <= {
        (e.method, e.path) for e in staff_endpoints}
    api.login(FAMILY_NUMBER, FAMILY_PASSWORD)
    for endpoint in staff_endpoints:
        payload = {} if endpoint.method != "GET" else None
        as_family = api.request(endpoint.method, concrete(endpoint.path), payload)
        assert as_family.status_code == 403, endpoint
        anonymous = other_api.request(endpoint.method, concrete(endpoint.path), payload)
        assert anonymous.status_code == 401, endpoint
