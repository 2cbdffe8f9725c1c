"""What a family sees of itself, and what it cannot reach before choosing its password."""
from datetime import timedelta

import pytest

from tests.client import body, credentials_from, link_token
from tests.demo import ADMIN, FAMILY
NEW_PASSWORD = "cheval agrafe lune"

DEMO_FAMILY = {
    "number": "1001", "name": "TEST", "emails": ["famille.test@example.org"],
    "phones": [], "address": "",
    "children": [{"id": "1001-1", "first_name": "TOTO", "last_name": "TEST"}],
}


@pytest.fixture
def new_family(services, outbox):
    """A family just created by the town hall: (number, temporary password)."""
    services.families.create_family(
        {"name": "MARTIN", "emails": ["martin@example.org"], "phones": ["0612345678"],
         "address": "1 place de la Mairie"}, services.clock.now())
    return credentials_from(outbox()[0]["text"])


def family_fields(response):
    """The fields the spec promises (other fields may be added alongside)."""
    return {key: body(response)[key] for key in DEMO_FAMILY}


def change(api, current, new=NEW_PASSWORD):
    return api.post("/auth/password/change", {"current_password": current, "password": new,
                                              "end_other_sessions": True})


def test_a_family_reads_its_number_name_contacts_and_children(api):
    api.login(*FAMILY)
    response = api.get("/family")
    assert response.status_code == 200
    assert family_fields(response) == DEMO_FAMILY


def test_an_anonymous_caller_cannot_read_a_family(api):
    response = api.get("/family")
    assert response.status_code == 401
    assert "children" not in response.body.decode()


def test_a_staff_member_has_no_family_page(api):
    api.login(*ADMIN)
    response = api.get("/family")
    assert response.status_code == 404
    assert body(response)["error"]["code"] == "not_found"


def test_until_the_temporary_password_is_changed_family_pages_are_refused(api, new_family):
    number, password = new_family
    api.login(number, password)
    refused = api.get("/family")
    assert refused.status_code == 403
    assert body(refused)["error"]["code"] == "password_change_required"
    me = api.get("/auth/me")
    assert me.status_code == 200 and body(me)["must_change_password"] is True
    assert change(api, password).status_code == 204
    assert body(api.get("/auth/me"))["must_change_password"] is False
    family = api.get("/family")
    assert family.status_code == 200
    assert body(family)["number"] == number and body(family)["name"] == "MARTIN"


def test_a_family_can_sign_out_before_changing_its_temporary_password(api, new_family):
    number, password = new_family
    api.login(number, password)
    assert api.post("/auth/logout").status_code == 204
    assert api.get("/auth/me").status_code == 401


def test_after_changing_it_the_temporary_password_no_longer_works(api, other_api, new_family):
    number, password = new_family
    api.login(number, password)
    change(api, password)
    assert other_api.login(number, password).status_code == 401
    response = other_api.login(number, NEW_PASSWORD)
    assert body(response)["must_change_password"] is False


@pytest.mark.parametrize("days, status", [(13, 200), (15, 401)])
def test_a_temporary_password_expires_after_14_days(api, clock, new_family, days, status):
    number, password = new_family
    clock.set(clock.now() + timedelta(days=days))
    response = api.login(number, password)
    assert response.status_code == status
    if status == 401:
        assert api.get("/auth/me").status_code == 401


def test_an_expired_temporary_password_is_replaced_through_the_reset_link(api, clock, outbox,
                                                                         new_family):
    number, _ = new_family
    clock.set(clock.now() + timedelta(days=15))
    api.post("/auth/password/forgot", {"email": "martin@example.org"})
    token = link_token(outbox()[0]["text"])
    assert api.post("/auth/password/reset",
                    {"token": token, "password": NEW_PASSWORD}).status_code == 204
    response = api.login(number, NEW_PASSWORD)
    assert response.status_code == 200
    assert body(response)["must_change_password"] is False
    assert api.get("/family").status_code == 200


def test_a_family_never_sees_another_familys_data(api, other_api, outbox):
    api.login(*ADMIN)
    created = api.post("/staff/families", {"name": "BERNARD", "emails": ["bernard@example.org"]})
    number_b = body(created)["number"]
    child_b = body(api.post(f"/staff/families/{number_b}/children",
                            {"first_name": "Jules", "last_name": "BERNARD"}))["id"]
    _, password = credentials_from(outbox()[0]["text"])
    other_api.login(number_b, password)
    assert change(other_api, password).status_code == 204

    family_b = family_fields(other_api.get("/family"))
    assert family_b == {"number": number_b, "name": "BERNARD", "emails": ["bernard@example.org"],
                        "phones": [], "address": "",
                        "children": [{"id": child_b, "first_name": "Jules",
                                      "last_name": "BERNARD"}]}
    api.login(*FAMILY)
    assert family_fields(api.get("/family")) == DEMO_FAMILY


def family_endpoints():
    from chalicelib.api.routing import ENDPOINTS, FAMILY
    endpoints = [e for e in ENDPOINTS if e.audience == FAMILY]
    assert ("GET", "/family") in {(e.method, e.path) for e in endpoints}
    return endpoints


def call(api, endpoint):
    path = endpoint.path.replace("{child_id}", "1001-1")
    return api.request(endpoint.method, path, None if endpoint.method == "GET" else {})


def test_every_family_endpoint_waits_for_the_temporary_password_to_be_changed(app, api,
                                                                             new_family):
    number, password = new_family
    api.login(number, password)
    for endpoint in family_endpoints():
        response = call(api, endpoint)
        assert response.status_code == 403, endpoint
        assert body(response)["error"]["code"] == "password_change_required", endpoint


def test_every_family_endpoint_needs_a_session_and_does_not_exist_for_staff(app, api,
                                                                           other_api):
    api.login(*ADMIN)
    for endpoint in family_endpoints():
        assert call(other_api, endpoint).status_code == 401, endpoint
        assert call(api, endpoint).status_code == 404, endpoint
