"""Passwords and names through the API (issue 15, point 4): a password holding the family's
number, name or address, or invisible characters, is refused on every path that sets one;
passwords compare in their normal form; names and free text lose bidi and zero-width
characters wherever they come in."""
from __future__ import annotations

import pytest

from tests.client import Api, body, credentials_from, link_token
ZERO_WIDTH = "\u200b"


@pytest.fixture
def charlie(client, admin, outbox):
    """Family CHARLIE, signed in with its temporary password: (api, number, temporary)."""
    created = admin.post("/staff/families", {"name": "CHARLIE",
                                             "emails": ["charlie.dupont@example.org"]})
    assert created.status_code == 201, created.body
    number, temporary = credentials_from(outbox()[0]["text"])
    family = Api(client)
    assert family.login(number, temporary).status_code == 200
    return family, number, temporary


def refused(response, words: str):
    assert response.status_code == 400, response.body
    error = body(response)["error"]
    assert error["code"] == "weak_password" and error["details"] == {"field": "password"}
    assert words in error["message"]


def test_a_password_made_of_the_number_and_the_name_is_refused(charlie):
    family, number, temporary = charlie
    for password in (f"{number}CHARLIE{number}", f"le code {number} de la cantine",
                     "dupont et ses enfants"):
        refused(family.post("/auth/password/change", {"current_password": temporary,
                                                      "password": password}), "numéro")


def test_a_password_padded_with_zero_width_characters_is_refused(charlie):
    family, _, temporary = charlie
    padded = ZERO_WIDTH.join("cheval agrafe lune")
    refused(family.post("/auth/password/change", {"current_password": temporary,
                                                  "password": padded}), "invisible")


def test_a_reset_link_refuses_the_same_passwords_and_stays_usable(client, charlie, outbox):
    _, number, _ = charlie
    anonymous = Api(client)
    assert anonymous.post("/auth/password/forgot",
                          {"email": "charlie.dupont@example.org"}).status_code == 202
    token = link_token(next(m["text"] for m in outbox() if "token=" in m["text"]))
    refused(anonymous.post("/auth/password/reset", {"token": token,
                                                    "password": f"CHARLIE{number}CHARLIE"}),
            "numéro")
    refused(anonymous.post("/auth/password/reset", {"token": token,
                                                    "password": "cheval\u202eagrafe lune"}),
            "invisible")
    ok = anonymous.post("/auth/password/reset", {"token": token,
                                                 "password": "cheval agrafe lune"})
    assert ok.status_code == 204, ok.body


def test_a_password_typed_in_another_unicode_form_signs_in(client, charlie):
    family, number, temporary = charlie
    decomposed = "e\u0301le\u0300ve du cours moyen"
    changed = family.post("/auth/password/change", {"current_password": temporary,
                                                    "password": decomposed})
    assert changed.status_code == 204, changed.body
    assert Api(client).login(number, "élève du cours moyen").status_code == 200


def test_names_and_free_text_lose_bidi_and_zero_width_characters(admin):
    created = admin.post("/staff/families", {
        "name": "\u202eEILRAHC", "emails": ["rtl@example.org"],
        "address": f"3 rue{ZERO_WIDTH} des\u2066 Écoles"})
    assert created.status_code == 201, created.body
    number = body(created)["number"]
    child = admin.post(f"/staff/families/{number}/children",
                       {"first_name": f"Zo{ZERO_WIDTH}é", "last_name": "E\u200dILRAHC"})
    assert child.status_code == 201, child.body
    details = body(admin.get(f"/staff/families/{number}"))
    assert (details["name"], details["address"]) == ("EILRAHC", "3 rue des Écoles")
    [kid] = details["children"]
    assert (kid["first_name"], kid["last_name"]) == ("Zoé", "EILRAHC")
    found = body(admin.get("/staff/families?q=EILR"))["families"]
    assert [f["number"] for f in found] == [number]
    closure = admin.post("/staff/closures", {"start": "2026-12-07", "end": "2026-12-07",
                                             "label": "Grève\u202e\u200b des agents"})
    assert body(closure)["label"] == "Grève des agents"
    account = admin.post("/staff/accounts", {"email": "agent.rtl@example.org",
                                             "name": "\u2067Agent\u2069 Martin", "role": "agent"})
    assert body(account)["name"] == "Agent Martin"
