""""Vos informations": a family keeps its phones, address and second e-mail up to date, and
downloads everything the commune holds about it."""
from __future__ import annotations

import json

import pytest

from tests.api.conftest import Api, body

FAMILY_EMAIL, FAMILY_PASSWORD = "famille.test@example.org", "demo-famille-2026"
DETAILS = {"phones": ["06 12 34 56 78", "+33 4 78 00 00 00"],
           "address": "3 rue des Écoles, 69000 Lyon", "second_email": "papa.test@example.org"}


def ok(response, status=200):
    assert response.status_code == status, response.body
    return body(response)


def error(response):
    return body(response)["error"]


def sign_in(api, login, password):
    ok(api.login(login, password))
    return api


@pytest.fixture
def parent(api):
    return sign_in(api, "1001", FAMILY_PASSWORD)


@pytest.fixture
def admin(other_api):
    return sign_in(other_api, "mairie@example.org", "demo-mairie-2026")


def test_a_family_updates_its_phones_address_and_second_email(parent):
    shown = ok(parent.put("/family", DETAILS))
    assert shown["phones"] == DETAILS["phones"]
    assert shown["address"] == DETAILS["address"]
    assert shown["emails"] == [FAMILY_EMAIL, "papa.test@example.org"]
    assert (shown["number"], shown["name"], shown["today"]) == ("1001", "TEST", "2026-11-23")
    again = ok(parent.get("/family"))
    assert {k: again[k] for k in ("phones", "address", "emails")} == {
        k: shown[k] for k in ("phones", "address", "emails")}


@pytest.mark.parametrize("payload, field", [
    ({"phones": ["pas un numéro"]}, "phones[0]"),
    ({"phones": ["06 12 34 56 78", "12"]}, "phones[1]"),
    ({"phones": ["0612345678"] * 4}, "phones"),
    ({"phones": "06 12 34 56 78"}, "phones"),
    ({"address": "x" * 301}, "address"),
    ({"second_email": "pas-une-adresse"}, "second_email[1]"),
    ({"second_email": FAMILY_EMAIL}, "second_email[1]"),
    ({"name": "AUTRE"}, "name"),
    ({"emails": ["autre@example.org"]}, "emails"),
    ({"phones": ["06 12 34 56 78"], "name": "AUTRE"}, "name"),
])
def test_a_refused_edit_names_the_field_and_changes_nothing(parent, payload, field):
    response = parent.put("/family", payload)
    assert response.status_code == 400, response.body
    assert error(response)["details"] == {"field": field}
    shown = ok(parent.get("/family"))
    assert (shown["name"], shown["emails"], shown["phones"], shown["address"]) == (
        "TEST", [FAMILY_EMAIL], [], "")


def test_the_second_email_signs_in_until_the_family_removes_it(parent, client):
    ok(parent.put("/family", {"second_email": "Papa.Test@Example.org"}))
    other = Api(client)
    assert ok(other.login("papa.test@example.org", FAMILY_PASSWORD))["family_number"] == "1001"

    shown = ok(parent.put("/family", {"second_email": None}))
    assert shown["emails"] == [FAMILY_EMAIL]
    refused = Api(client).login("papa.test@example.org", FAMILY_PASSWORD)
    assert refused.status_code == 401
    assert error(refused)["code"] == "invalid_credentials"
    ok(Api(client).login(FAMILY_EMAIL, FAMILY_PASSWORD))


def test_an_address_already_used_by_another_account_is_refused(parent):
    response = parent.put("/family", {"second_email": "mairie@example.org"})
    assert response.status_code == 409
    assert error(response)["code"] == "email_taken"
    assert ok(parent.get("/family"))["emails"] == [FAMILY_EMAIL]


def test_the_change_shows_in_the_staff_console_and_in_the_audit_log(parent, admin):
    ok(parent.put("/family", DETAILS))
    seen = ok(admin.get("/staff/families/1001"))
    assert seen["phones"] == DETAILS["phones"]
    assert seen["address"] == DETAILS["address"]
    assert seen["emails"] == [FAMILY_EMAIL, "papa.test@example.org"]
    [entry] = ok(admin.get("/staff/audit?from=2026-11-23&to=2026-11-23"))["entries"]
    assert entry["who"] == "famille 1001"
    assert (entry["action"], entry["target"]) == ("famille.informations", "1001")
    assert (entry["before"]["address"], entry["after"]["address"]) == ("",
                                                                      DETAILS["address"])
    assert entry["after"]["emails"] == [FAMILY_EMAIL, "papa.test@example.org"]


# -- the family's copy of its data -------------------------------------------------------

def test_the_data_export_holds_the_family_its_bookings_and_attendance_and_nothing_else(
        parent, admin):
    ok(parent.put("/family", DETAILS))
    ok(parent.put("/children/1001-1/bookings", {"changes": [
        {"date": "2026-11-30", "service": "meal", "booked": True},
        {"date": "2026-11-30", "service": "care_evening", "booked": True},
        {"date": "2026-12-03", "service": "meal", "booked": True}]}))
    ok(admin.put("/staff/attendance", {"date": "2026-11-23", "service": "meal",
                                       "child_id": "1001-1", "status": "absent",
                                       "justified": True, "reason": "Malade"}))
    neighbour = ok(admin.post("/staff/families", {
        "name": "VOISIN", "emails": ["voisin@example.org"]}), 201)["number"]
    other_child = ok(admin.post(f"/staff/families/{neighbour}/children",
                                {"first_name": "ZOÉ", "last_name": "VOISIN"}), 201)["id"]
    ok(admin.put("/staff/attendance", {"date": "2026-11-23", "service": "meal",
                                       "child_id": other_child, "status": "present"}))

    response = parent.get("/family/export")
    assert response.status_code == 200, response.body
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="donnees-famille-1001.json"')
    data = body(response)
    assert data["family"]["number"] == "1001"
    assert data["family"]["address"] == DETAILS["address"]
    assert [c["first_name"] for c in data["family"]["children"]] == ["TOTO"]
    [toto] = data["records"]
    assert toto["id"] == "1001-1"
    assert toto["bookings"] == [
        {"date": "2026-11-30", "services": ["care_evening", "meal"]},
        {"date": "2026-12-03", "services": ["meal"]}]
    [absence] = toto["attendance"]
    assert absence["status"] == "absent"
    assert (absence["date"], absence["service"], absence["reason"]) == ("2026-11-23", "meal",
                                                                         "Malade")

    text = json.dumps(data, ensure_ascii=False)
    for foreign in ("VOISIN", "ZOÉ", "voisin@example.org", other_child, neighbour + "-"):
        assert foreign not in text
    for secret in ("password", "$argon2", FAMILY_PASSWORD, "must_change"):
        assert secret not in text


def test_staff_have_no_family_export(admin):
    assert admin.get("/family/export").status_code == 404
