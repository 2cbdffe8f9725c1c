"""A secretary's first week, on the API: what the staff console is built on."""
from __future__ import annotations

import urllib.parse

import pytest

from tests.client import body


def ok(response, status=200):
    assert response.status_code == status, response.body
    return body(response)


def found(admin, text):
    answer = ok(admin.get("/staff/families?q=" + urllib.parse.quote(text)))
    return [f["number"] for f in answer["families"]]


# -- 1. family search ---------------------------------------------------------------------

@pytest.mark.parametrize("text", ["toto", "Toto", "famille.test", "famille.test@exa",
                                  "FAMILLE", "test"])
def test_a_family_is_found_by_its_childs_first_name_or_part_of_its_address(admin, text):
    assert found(admin, text) == ["1001"]


def test_a_child_added_from_the_console_is_found_at_once_accents_aside(admin):
    number = ok(admin.post("/staff/families", {"name": "MARTIN",
                                               "emails": ["m.martin@example.org"]}), 201)["number"]
    assert found(admin, "Chloé") == []
    ok(admin.post(f"/staff/families/{number}/children",
                  {"first_name": "Chloé", "last_name": "Martin"}), 201)
    assert found(admin, "chloe") == [number]
    assert found(admin, "CHLO") == [number]
    assert found(admin, "chloe martin") == [number]


# -- 2. the journal in French -------------------------------------------------------------

def test_each_journal_entry_reads_as_a_french_sentence_with_the_childs_name(admin):
    ok(admin.put("/staff/attendance", {"date": "2026-11-23", "service": "meal",
                                        "child_id": "1001-1", "status": "absent"}))
    ok(admin.put("/staff/families/1001/children/1001-1", {"class_name": "CP"}))
    number = ok(admin.post("/staff/families", {"name": "DUPONT",
                                               "emails": ["lea.dupont@example.org"]}), 201)["number"]
    ok(admin.post(f"/staff/families/{number}/children",
                  {"first_name": "Léa", "last_name": "Dupont"}), 201)
    entries = ok(admin.get("/staff/audit"))["entries"]
    labels = sorted(e["label"] for e in entries)  # one instant: the order is arbitrary
    assert labels == [
        f"Enfant ajouté – Léa Dupont (famille n° {number} DUPONT)",
        "Enfant modifié – TOTO TEST (famille n° 1001 TEST) : classe",
        f"Famille créée – famille n° {number} DUPONT",
        "Pointage – TOTO TEST – lundi 23/11 – Repas : absence",
    ]
    # The codes stay in the answer for whoever needs them.
    assert {e["action"] for e in entries} == {"pointage", "enfant.modification",
                                              "famille.création", "enfant.création"}


# -- 3. garderie cards: PAI and pick-up people, unbooked children too ---------------------

def test_a_child_not_booked_at_the_garderie_still_comes_with_its_pai_and_pickup_people(admin):
    ok(admin.put("/staff/families/1001/children/1001-1",
                 {"allergies": "arachide", "pickup_people": ["Mamie Jeanne"]}))
    roll = ok(admin.get("/staff/attendance?date=2026-11-23&service=care_morning"))
    [toto] = [c for c in roll["children"] + roll["others"] if c["child_id"] == "1001-1"]
    assert toto["allergies"] == "arachide"
    assert toto["pickup_people"] == ["Mamie Jeanne"]


# -- 4. head counts: meal types on meal rows only -----------------------------------------

def test_only_meal_rows_are_broken_down_by_meal_type(admin):
    days = ok(admin.get("/staff/headcounts?from=2026-11-23&to=2026-11-24"))["days"]
    assert {(d["service"], d["diets"]) for d in days} == {
        ("meal", True), ("care_morning", False), ("care_evening", False)}
