"""The town hall manages families, children and staff accounts from the staff console."""
from __future__ import annotations

import pytest

from datetime import timedelta

from tests.client import Api, body, credentials_from, link_token
from tests.demo import ADMIN, FAMILY_EMAIL, FAMILY_PASSWORD, NEW_PASSWORD
from tests.demo import STAFF_EMAIL as ADMIN_EMAIL
INCOME = {"qf": 850, "effective_from": "2026-09-01"}


def ok(response, status=200):
    assert response.status_code == status, response.body
    return body(response)


def error(response):
    return body(response)["error"]


def create_family(admin, name, *emails, **extra):
    emails = emails or (f"{name.split()[0].lower()}@example.org",)
    return ok(admin.post("/staff/families", {"name": name, "emails": list(emails), **extra}),
              201)["number"]


def family(admin, number="1001"):
    return ok(admin.get(f"/staff/families/{number}"))


def search(admin, query=""):
    return ok(admin.get(f"/staff/families?q={query}" if query else "/staff/families"))


def names(found):
    return [f["name"] for f in found["families"]]


# -- search ------------------------------------------------------------------------------

@pytest.fixture
def directory(admin):
    """Three more families, with accents and mixed case."""
    return {name: create_family(admin, name, email) for name, email in [
        ("DUPONT Élodie", "elodie.dupont@example.org"),
        ("DUPUIS", "dupuis@example.org"),
        ("ÉTIENNE", "etienne@example.org")]}


@pytest.mark.parametrize("query, expected", [
    ("dup", ["DUPONT Élodie", "DUPUIS"]),
    ("DUP", ["DUPONT Élodie", "DUPUIS"]),
    ("dupont", ["DUPONT Élodie"]),
    ("dupont%20elo", ["DUPONT Élodie"]),
    ("Dupont%20%C3%89LO", ["DUPONT Élodie"]),       # "Dupont ÉLO"
    ("etienne", ["ÉTIENNE"]),
    ("%C3%A9t", ["ÉTIENNE"]),                       # "ét"
    ("martin", []),
])
def test_staff_find_a_family_by_the_start_of_its_name_ignoring_accents_and_case(
        admin, directory, query, expected):
    found = search(admin, query)
    assert names(found) == expected
    assert found["next"] is None


def test_an_empty_search_lists_every_family_by_name_on_one_page(admin, directory):
    found = search(admin)
    assert names(found) == ["DUPONT Élodie", "DUPUIS", "ÉTIENNE", "TEST"]
    assert found["next"] is None
    test = found["families"][-1]
    assert test == {"number": "1001", "name": "TEST", "emails": [FAMILY_EMAIL],
                    "archived": False, "anonymised": False, "children_count": 1}


@pytest.mark.parametrize("query, expected", [
    ("1001", ["TEST"]),
    ("9999", []),
    (FAMILY_EMAIL, ["TEST"]),
    ("FAMILLE.Test%40Example.org", ["TEST"]),
    ("elodie.dupont%40example.org", ["DUPONT Élodie"]),
    (ADMIN_EMAIL, []),                              # a staff address is not a family
    ("personne%40example.org", []),
])
def test_staff_find_a_family_by_its_number_or_one_of_its_addresses(admin, directory, query,
                                                                   expected):
    assert names(search(admin, query)) == expected


def test_a_long_list_is_paged_with_a_cursor_that_walks_every_family_once(admin, directory,
                                                                         services,
                                                                         monkeypatch):
    full_page = services.accounts.search_families
    monkeypatch.setattr(services.accounts, "search_families",
                        lambda text, cursor: full_page(text, cursor, limit=2))
    seen, cursor, pages = [], None, 0
    while True:
        page = search(admin, f"&cursor={cursor}" if cursor else "")
        pages += 1
        seen += names(page)
        cursor = page["next"]
        if cursor is None:
            break
        assert pages < 5
    assert seen == ["DUPONT Élodie", "DUPUIS", "ÉTIENNE", "TEST"]
    assert pages >= 2


def test_a_forged_cursor_is_refused_naming_the_field(admin):
    response = admin.get("/staff/families?cursor=pas-un-curseur")
    assert response.status_code == 400
    assert error(response)["details"] == {"field": "cursor"}


# -- creating and editing a family -------------------------------------------------------

def test_a_family_created_with_its_income_bracket_shows_it(admin):
    number = create_family(admin, "MARTIN", "martin@example.org", income=INCOME,
                           phones=["06 12 34 56 78"], address="1 place de la Mairie")
    shown = family(admin, number)
    assert shown["income"] == INCOME
    assert shown["phones"] == ["06 12 34 56 78"]
    assert shown["address"] == "1 place de la Mairie"
    assert shown["archived"] is False


def test_a_creation_refused_for_its_income_creates_nothing(admin, outbox):
    refused = admin.post("/staff/families", {"name": "MARTIN", "emails": ["martin@example.org"],
                                             "income": {"qf": 850}})
    assert refused.status_code == 400
    assert error(refused)["details"] == {"field": "income.effective_from"}
    assert outbox() == []
    assert names(search(admin, "martin")) == []
    # The address is still free: the corrected form goes through.
    create_family(admin, "MARTIN", "martin@example.org", income=INCOME)


def test_staff_edit_a_familys_name_addresses_phones_address_and_income(admin):
    edit = {"name": "TEST-MARTIN", "emails": ["nouvelle@example.org", "second@example.org"],
            "phones": ["06 11 22 33 44", "+33 4 78 00 00 00"],
            "address": "2 rue des Lilas, 69000 Lyon", "income": INCOME}
    shown = ok(admin.put("/staff/families/1001", edit))
    assert {k: shown[k] for k in edit} == edit
    assert {k: family(admin)[k] for k in edit} == edit
    assert names(search(admin, "test-m")) == ["TEST-MARTIN"]


@pytest.mark.parametrize("income, field", [
    pytest.param({"qf": 850}, "income.effective_from", id="quotient-without-date"),
    pytest.param({"qf": 850, "effective_from": None}, "income.effective_from",
                 id="quotient-with-null-date"),
    pytest.param({"qf": 850, "effective_from": "01/09/2026"}, "income.effective_from",
                 id="french-date"),
    pytest.param({"effective_from": "2026-09-01"}, "income.qf", id="date-without-quotient"),
    pytest.param({"qf": None, "effective_from": "2026-09-01"}, "income.qf",
                 id="date-with-null-quotient"),
    pytest.param({"qf": -1, "effective_from": "2026-09-01"}, "income.qf",
                 id="negative-quotient"),
    pytest.param({"qf": "850", "effective_from": "2026-09-01"}, "income.qf",
                 id="quotient-as-text"),
])
def test_the_quotient_and_its_date_go_together(admin, income, field):
    ok(admin.put("/staff/families/1001", {"income": INCOME}))
    response = admin.put("/staff/families/1001", {"income": income})
    assert response.status_code == 400, response.body
    assert error(response)["details"] == {"field": field}
    assert family(admin)["income"] == INCOME


@pytest.mark.parametrize("income", [None, {"qf": None, "effective_from": None}])
def test_staff_clear_the_income_bracket_with_neither_quotient_nor_date(admin, income):
    ok(admin.put("/staff/families/1001", {"income": INCOME}))
    shown = ok(admin.put("/staff/families/1001", {"income": income}))
    assert shown["income"] == {"qf": None, "effective_from": None}


def test_an_address_of_another_family_cannot_be_given_to_this_one(admin):
    other = create_family(admin, "DUPUIS", "dupuis@example.org")
    response = admin.put(f"/staff/families/{other}", {"emails": [FAMILY_EMAIL]})
    assert response.status_code == 409
    assert error(response)["code"] == "email_taken"
    assert family(admin, other)["emails"] == ["dupuis@example.org"]


def test_after_an_address_change_the_old_address_no_longer_signs_in_and_the_new_one_does(
        admin, client):
    ok(admin.put("/staff/families/1001", {"emails": ["nouvelle@example.org"]}))
    parent = Api(client)
    refused = parent.login(FAMILY_EMAIL, FAMILY_PASSWORD)
    assert refused.status_code == 401
    assert error(refused)["code"] == "invalid_credentials"
    assert ok(parent.login("Nouvelle@Example.org", FAMILY_PASSWORD))["family_number"] == "1001"
    # The freed address can go to another family.
    create_family(admin, "DUPUIS", FAMILY_EMAIL)


# -- archiving, credentials --------------------------------------------------------------

def test_an_archived_family_cannot_sign_in_exactly_as_with_a_wrong_password(admin, parent,
                                                                           client):
    wrong = Api(client).login("1001", "pas le bon mot de passe")
    shown = ok(admin.post("/staff/families/1001/archive"))
    assert shown["archived"] is True

    assert parent.get("/family").status_code == 401          # its session ended
    for login in ("1001", FAMILY_EMAIL):
        refused = Api(client).login(login, FAMILY_PASSWORD)
        assert refused.status_code == 401
        assert body(refused) == body(wrong)
        assert error(refused)["code"] == "invalid_credentials"
    assert search(admin, "1001")["families"][0]["archived"] is True


def test_an_unarchived_family_signs_in_again(admin, client):
    ok(admin.post("/staff/families/1001/archive"))
    shown = ok(admin.post("/staff/families/1001/unarchive"))
    assert shown["archived"] is False
    assert ok(Api(client).login("1001", FAMILY_PASSWORD))["family_number"] == "1001"


def test_re_sent_credentials_keep_the_password_until_the_link_is_used(admin, parent, client,
                                                                      outbox):
    response = admin.post("/staff/families/1001/credentials")
    assert response.status_code == 202, response.body
    assert body(response)["sent_to"] == [FAMILY_EMAIL]
    [mail] = outbox()
    assert mail["to"] == [FAMILY_EMAIL]
    assert "Identifiant : 1001\n" in mail["text"]
    # A re-send, worded as such: not a new account, no password in clear.
    assert "renvoie vos identifiants" in mail["text"]
    assert "a été créé" not in mail["text"]
    assert "Mot de passe provisoire" not in mail["text"]

    # Nothing changed for the family until it follows the link.
    assert parent.get("/family").status_code == 200
    assert ok(Api(client).login("1001", FAMILY_PASSWORD))["family_number"] == "1001"

    token = link_token(mail["text"])
    new_password = "Un nouveau mot de passe 2027"
    assert Api(client).post("/auth/password/reset",
                            {"token": token, "password": new_password}).status_code == 204
    assert Api(client).login("1001", FAMILY_PASSWORD).status_code == 401
    assert ok(Api(client).login("1001", new_password))["must_change_password"] is False
    # Single use.
    again = Api(client).post("/auth/password/reset", {"token": token, "password": "Encore un autre 2027"})
    assert error(again)["code"] == "invalid_token"


def test_re_sent_credentials_reach_a_family_whose_temporary_password_expired(admin, client,
                                                                           outbox, clock):
    number = create_family(admin, "Nouvelle")
    clock.set(clock.now() + timedelta(days=20))     # its temporary password is over
    ok(admin.login(*ADMIN))
    ok(admin.post(f"/staff/families/{number}/credentials"), 202)
    [mail] = [m for m in outbox() if m["subject"].startswith("Rappel de vos identifiants")]
    assert mail["to"] == ["nouvelle@example.org"]
    assert Api(client).post("/auth/password/reset", {
        "token": link_token(mail["text"]), "password": "Le mot de passe choisi 2027"}
    ).status_code == 204
    assert ok(Api(client).login(number, "Le mot de passe choisi 2027"))[
        "must_change_password"] is False


def test_credentials_are_not_re_sent_to_an_archived_family(admin, outbox):
    ok(admin.post("/staff/families/1001/archive"))
    refused = admin.post("/staff/families/1001/credentials")
    assert refused.status_code == 409
    assert error(refused)["code"] == "family_archived"
    assert outbox() == []


# -- children ----------------------------------------------------------------------------

def test_staff_edit_a_childs_school_class_diet_allergies_and_pick_up_people(admin):
    edit = {"school": "École Jules Ferry", "class_name": "CE1", "meal_type": "panier_pai",
            "allergies": "Arachides : PAI, trousse dans le cartable",
            "pickup_people": ["Mamie Josette", "M. Martin (voisin)"]}
    shown = ok(admin.put("/staff/families/1001/children/1001-1", edit))
    assert {k: shown[k] for k in edit} == edit
    [child] = family(admin)["children"]
    assert {k: child[k] for k in edit} == edit
    assert (child["first_name"], child["last_name"], child["archived"]) == ("TOTO", "TEST",
                                                                          False)


@pytest.mark.parametrize("meal_type, accepted", [
    ("standard", True),
    ("sans_porc", True),
    ("vegetarien", True),
    ("panier_pai", True),
    ("halal", False),        # diets are stated as food, never as a religion
    ("casher", False),
    ("kasher", False),
    ("Végétarien", False),
    ("", False),
    (None, False),
])
def test_a_child_has_one_of_the_four_meal_types(admin, meal_type, accepted):
    response = admin.put("/staff/families/1001/children/1001-1", {"meal_type": meal_type})
    if accepted:
        assert ok(response)["meal_type"] == meal_type
    else:
        assert response.status_code == 400
        assert error(response)["details"] == {"field": "meal_type"}
        assert family(admin)["children"][0]["meal_type"] == "standard"


def test_a_child_of_another_family_or_an_unknown_child_is_not_found(admin):
    other = create_family(admin, "DUPUIS", "dupuis@example.org")
    for path in (f"/staff/families/{other}/children/1001-1",
                 "/staff/families/1001/children/1001-9"):
        assert admin.put(path, {"class_name": "CP"}).status_code == 404


def test_an_archived_child_stays_on_file_but_leaves_the_familys_count(admin):
    shown = ok(admin.post("/staff/families/1001/children/1001-1/archive"))
    assert shown["archived"] is True
    assert family(admin)["children"][0]["archived"] is True
    assert search(admin, "1001")["families"][0]["children_count"] == 0


# -- staff accounts ----------------------------------------------------------------------

def open_account(admin, outbox, email, role):
    created = ok(admin.post("/staff/accounts", {"email": email, "name": role.title(),
                                                "role": role}), 201)
    assert created == {"email": email, "name": role.title(), "role": role}
    mail = next(m for m in outbox() if m["to"] == [email])
    return credentials_from(mail["text"])[1]


def sign_in_staff(client, email, temporary):
    api = Api(client)
    ok(api.login(email, temporary))
    assert api.post("/auth/password/change", {"current_password": temporary,
                                              "password": NEW_PASSWORD}).status_code == 204
    return api


@pytest.mark.parametrize("role", ["admin", "agent", "kitchen"])
def test_the_admin_opens_a_staff_account_with_a_role_and_it_is_listed(admin, outbox, role):
    temporary = open_account(admin, outbox, f"{role}@example.org", role)
    assert len(temporary) >= 12
    accounts = ok(admin.get("/staff/accounts"))["accounts"]
    assert {"email": f"{role}@example.org", "name": role.title(), "role": role} in accounts
    assert {"email": ADMIN_EMAIL, "name": "Mairie", "role": "admin"} in accounts


@pytest.mark.parametrize("payload, field", [
    ({"email": "x@example.org", "name": "X", "role": "superadmin"}, "role"),
    ({"email": "x@example.org", "name": "X", "role": "Agent"}, "role"),
    ({"email": "x@example.org", "name": "X"}, "role"),
    ({"email": "pas-une-adresse", "name": "X", "role": "agent"}, "email"),
    ({"email": "x@example.org", "name": " ", "role": "agent"}, "name"),
])
def test_a_staff_account_needs_an_address_a_name_and_a_known_role(admin, outbox, payload,
                                                                  field):
    response = admin.post("/staff/accounts", payload)
    assert response.status_code == 400
    assert error(response)["details"] == {"field": field}
    assert outbox() == []


def test_a_changed_role_takes_effect_on_the_members_next_request(admin, client, outbox):
    agent = sign_in_staff(client, "agent@example.org",
                          open_account(admin, outbox, "agent@example.org", "agent"))
    assert agent.get("/staff/attendance").status_code == 200
    updated = ok(admin.put("/staff/accounts/agent@example.org", {"role": "kitchen"}))
    assert updated["role"] == "kitchen"
    assert agent.get("/staff/attendance").status_code == 403
    assert agent.get("/staff/headcounts").status_code == 200
    assert admin.put("/staff/accounts/agent@example.org",
                     {"role": "chef"}).status_code == 400


@pytest.mark.parametrize("method, payload", [("PUT", {"role": "agent"}), ("DELETE", None)])
def test_an_admin_can_neither_demote_nor_delete_themself(admin, method, payload):
    response = admin.request(method, f"/staff/accounts/{ADMIN_EMAIL}", payload)
    assert response.status_code == 403
    assert error(response)["code"] == "forbidden"
    me = ok(admin.get("/auth/me"))
    assert me["staff_role"] == "admin"


def test_a_deleted_account_ends_its_sessions_and_frees_its_address(admin, client, outbox):
    agent = sign_in_staff(client, "agent@example.org",
                          open_account(admin, outbox, "agent@example.org", "agent"))
    response = admin.request("DELETE", "/staff/accounts/agent@example.org")
    assert response.status_code == 204, response.body
    assert agent.get("/staff/attendance").status_code == 401
    accounts = ok(admin.get("/staff/accounts"))["accounts"]
    assert "agent@example.org" not in [a["email"] for a in accounts]
    refused = Api(client).login("agent@example.org", NEW_PASSWORD)
    assert error(refused)["code"] == "invalid_credentials"
    # The address can be used again.
    open_account(admin, outbox, "agent@example.org", "kitchen")
