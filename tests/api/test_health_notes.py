"""Health notes (allergies, PAI) go to those who care for the child and to no one else
(CNIL, school catering and périscolaire): the admin and the agents who take attendance read
them; the kitchen gets counts per meal type, never a name nor a note; no CSV file carries
them, whatever the role; the family finds them in its own export."""
from __future__ import annotations

import json

import pytest

from tests.client import Api, body, sign_in
from tests.demo import FAMILY

NOTE = "Arachide : PAI, trousse dans le sac"
DAY = "2026-11-30"
EXPORTS = ("headcounts", "bookings", "attendance", "families", "invoices", "ledger")


@pytest.fixture
def noted(client, admin):
    """TOTO has a PAI note and lunch booked on Monday 30 November."""
    answer = admin.put("/staff/families/1001/children/1001-1",
                       {"allergies": NOTE, "meal_type": "panier_pai"})
    assert answer.status_code == 200, answer.body
    parent = sign_in(Api(client), *FAMILY)
    saved = parent.put("/children/1001-1/bookings", {"changes": [
        {"date": DAY, "service": "meal", "booked": True}]})
    assert saved.status_code == 200, saved.body
    return parent


def text(response) -> str:
    raw = response.body
    return raw.decode("utf-8") if isinstance(raw, bytes) else str(raw)


def test_the_admin_and_the_agents_read_the_note_where_they_care_for_the_child(
        noted, admin, agent):
    for staff in (admin, agent):
        family = body(staff.get("/staff/families/1001"))
        assert family["children"][0]["allergies"] == NOTE
        listed = body(staff.get(f"/staff/attendance?date={DAY}&service=meal"))
        assert [c["allergies"] for c in listed["children"]] == [NOTE]


def test_the_kitchen_gets_counts_per_meal_type_and_never_the_note(noted, kitchen):
    assert kitchen.get("/staff/families/1001").status_code == 403
    assert kitchen.get(f"/staff/attendance?date={DAY}&service=meal").status_code == 403
    counts = kitchen.get(f"/staff/headcounts?from={DAY}&to={DAY}")
    assert counts.status_code == 200
    assert "Arachide" not in text(counts) and "TOTO" not in text(counts)
    meal = next(d for d in body(counts)["days"] if d["service"] == "meal")
    assert meal["by_meal_type"]["panier_pai"] == 1


@pytest.mark.parametrize("role", ["admin", "agent", "kitchen"])
def test_no_csv_file_carries_a_health_note_whatever_the_role(noted, role, request):
    staff = request.getfixturevalue(role)
    read = 0
    for name in EXPORTS:
        response = staff.get(f"/staff/exports/{name}.csv?from={DAY}&to={DAY}")
        if response.status_code == 403:
            continue
        assert response.status_code == 200, (name, response.body)
        assert "Arachide" not in text(response), name
        read += 1
    assert read >= 1


def test_the_family_finds_its_notes_in_its_own_export(noted):
    exported = noted.get("/family/export")
    assert exported.status_code == 200
    child = json.loads(text(exported))["family"]["children"][0]
    assert child["allergies"] == NOTE and child["meal_type"] == "panier_pai"
    # Its ordinary pages show the child's name only.
    assert "Arachide" not in text(noted.get("/family"))
