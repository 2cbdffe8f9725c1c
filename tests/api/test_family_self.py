""""Vos informations": a family keeps its phones, address and second e-mail up to date, and
downloads everything the commune holds about it. A new second address is the family's
only once its owner follows the link sent to it (issue 15): until then it neither signs in
nor receives reset links, and asking for it never tells whether it is used elsewhere."""
from __future__ import annotations

import json
import re

import pytest

from tests.client import Api, body
from tests.demo import ADMIN, FAMILY_EMAIL, FAMILY_PASSWORD
DETAILS = {"phones": ["06 12 34 56 78", "+33 4 78 00 00 00"],
           "address": "3 rue des Écoles, 69000 Lyon", "second_email": "papa.test@example.org"}


def ok(response, status=200):
    assert response.status_code == status, response.body
    return body(response)


def error(response):
    return body(response)["error"]


def confirmation_token(outbox, email):
    """The token of the last confirmation link sent to ``email``."""
    mail = next(m for m in outbox() if m["to"] == [email] and "confirmer-adresse" in m["text"])
    return re.search(r"confirmer-adresse\.html#token=([0-9]+\.[A-Za-z0-9_\-]+)",
                     mail["text"]).group(1)


def confirm(client, outbox, email):
    """The owner of ``email`` follows the link, in a browser where no one is signed in."""
    return Api(client).post("/auth/email/confirm", {"token": confirmation_token(outbox, email)})


def test_a_family_updates_its_phones_address_and_second_email(parent, client, outbox):
    shown = ok(parent.put("/family", DETAILS))
    assert shown["phones"] == DETAILS["phones"]
    assert shown["address"] == DETAILS["address"]
    assert shown["emails"] == [FAMILY_EMAIL]                  # not before its owner says so
    assert shown["pending_email"] == "papa.test@example.org"
    assert (shown["number"], shown["name"], shown["today"]) == ("1001", "TEST", "2026-11-23")
    again = ok(parent.get("/family"))
    assert {k: again[k] for k in ("phones", "address", "emails", "pending_email")} == {
        k: shown[k] for k in ("phones", "address", "emails", "pending_email")}
    confirmed = ok(confirm(client, outbox, "papa.test@example.org"))
    assert confirmed["email"] == "papa.test@example.org"
    final = ok(parent.get("/family"))
    assert (final["emails"], final["pending_email"]) == (
        [FAMILY_EMAIL, "papa.test@example.org"], None)


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


def test_the_second_email_signs_in_once_confirmed_until_the_family_removes_it(parent, client,
                                                                             outbox):
    ok(parent.put("/family", {"second_email": "Papa.Test@Example.org"}))
    # Not yet: no sign-in, no reset link for an address its owner has not confirmed.
    assert Api(client).login("papa.test@example.org", FAMILY_PASSWORD).status_code == 401
    ok(Api(client).post("/auth/password/forgot", {"email": "papa.test@example.org"}), 202)
    assert not [m for m in outbox() if "reinitialiser" in m["text"]]
    ok(confirm(client, outbox, "papa.test@example.org"))
    other = Api(client)
    assert ok(other.login("papa.test@example.org", FAMILY_PASSWORD))["family_number"] == "1001"

    shown = ok(parent.put("/family", {"second_email": None}))
    assert shown["emails"] == [FAMILY_EMAIL]
    refused = Api(client).login("papa.test@example.org", FAMILY_PASSWORD)
    assert refused.status_code == 401
    assert error(refused)["code"] == "invalid_credentials"
    ok(Api(client).login(FAMILY_EMAIL, FAMILY_PASSWORD))


def test_asking_for_an_address_used_elsewhere_answers_like_a_free_one(parent, client, outbox):
    taken = ok(parent.put("/family", {"second_email": "mairie@example.org"}))
    free = ok(parent.put("/family", {"second_email": "libre@example.org"}))
    assert {k: v for k, v in taken.items() if k != "pending_email"} == \
        {k: v for k, v in free.items() if k != "pending_email"}
    assert (taken["pending_email"], free["pending_email"]) == ("mairie@example.org",
                                                              "libre@example.org")
    # Each address got its link, alike: only their owners read them.
    assert confirmation_token(outbox, "mairie@example.org")
    assert confirmation_token(outbox, "libre@example.org")


def test_the_owner_of_an_address_used_elsewhere_is_told_when_confirming(parent, client,
                                                                        outbox):
    ok(parent.put("/family", {"second_email": "mairie@example.org"}))
    response = confirm(client, outbox, "mairie@example.org")
    assert response.status_code == 409
    assert error(response)["code"] == "email_unavailable"
    assert ok(parent.get("/family"))["emails"] == [FAMILY_EMAIL]
    staff = Api(client)
    assert staff.login(*ADMIN).status_code == 200


def test_a_second_address_never_blocks_its_real_owner_from_an_account(parent, admin, outbox):
    ok(parent.put("/family", {"second_email": "voisine@example.org"}))   # never confirmed
    created = admin.post("/staff/families", {"name": "VOISINE",
                                             "emails": ["voisine@example.org"]})
    assert created.status_code == 201, created.body


@pytest.mark.parametrize("mangle", [
    lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),   # altered secret
    lambda t: "1002." + t.split(".", 1)[1],                          # another family
    lambda t: t.split(".", 1)[1],                                    # no family number
    lambda t: "",
])
def test_a_wrong_or_altered_link_confirms_nothing(parent, client, outbox, mangle):
    ok(parent.put("/family", {"second_email": "papa.test@example.org"}))
    token = confirmation_token(outbox, "papa.test@example.org")
    response = Api(client).post("/auth/email/confirm", {"token": mangle(token)})
    assert response.status_code == 400 and error(response)["code"] == "invalid_token"
    assert ok(parent.get("/family"))["emails"] == [FAMILY_EMAIL]


def test_a_link_serves_once_expires_and_is_replaced_by_a_newer_request(parent, client,
                                                                        outbox, clock):
    from datetime import timedelta
    ok(parent.put("/family", {"second_email": "un@example.org"}))
    first = confirmation_token(outbox, "un@example.org")
    ok(parent.put("/family", {"second_email": "deux@example.org"}))
    stale = Api(client).post("/auth/email/confirm", {"token": first})
    assert error(stale)["code"] == "invalid_token"
    second = confirmation_token(outbox, "deux@example.org")
    clock.set(clock.now() + timedelta(hours=25))
    late = Api(client).post("/auth/email/confirm", {"token": second})
    assert error(late)["code"] == "invalid_token"
    ok(parent.login("1001", FAMILY_PASSWORD))                            # a day later
    ok(parent.put("/family", {"second_email": "deux@example.org"}))     # asked again
    token = confirmation_token(outbox, "deux@example.org")
    ok(Api(client).post("/auth/email/confirm", {"token": token}))
    again = Api(client).post("/auth/email/confirm", {"token": token})
    assert error(again)["code"] == "invalid_token"


def test_the_form_cannot_fill_a_strangers_mailbox(parent, outbox):
    for i in range(6):
        ok(parent.put("/family", {"second_email": "victime@example.org"}))
        ok(parent.put("/family", {"second_email": None}))
    sent = [m for m in outbox() if m["to"] == ["victime@example.org"]]
    assert len(sent) == 3


def test_the_change_shows_in_the_staff_console_and_in_the_audit_log(parent, admin, client,
                                                                   outbox):
    ok(parent.put("/family", DETAILS))
    ok(confirm(client, outbox, "papa.test@example.org"))
    seen = ok(admin.get("/staff/families/1001"))
    assert seen["phones"] == DETAILS["phones"]
    assert seen["address"] == DETAILS["address"]
    assert seen["emails"] == [FAMILY_EMAIL, "papa.test@example.org"]
    [entry] = ok(admin.get("/staff/audit?from=2026-11-23&to=2026-11-23"))["entries"]
    assert entry["who"] == "famille 1001"
    assert (entry["action"], entry["target"]) == ("famille.informations", "1001")
    assert (entry["before"]["address"], entry["after"]["address"]) == ("",
                                                                      DETAILS["address"])
    assert entry["after"]["emails"] == [FAMILY_EMAIL]
    assert entry["after"]["pending_email"] == "papa.test@example.org"


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
