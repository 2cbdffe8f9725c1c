"""Taking attendance: the agent's list of the day and what is recorded for each child.

TOTO (family 1001) is booked for lunch and the evening care on Monday 2026-11-30; the
agent works that Monday evening. Evening care closes at 18:30.
"""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.client import AGENT_EMAIL, Api, body, sign_in, staff_member
from tests.demo import ADMIN, FAMILY

PARIS = ZoneInfo("Europe/Paris")
DAY = "2026-11-30"
MONDAY_EVENING = datetime(2026, 11, 30, 18, 45, tzinfo=PARIS)


def ok(response, status=200):
    assert response.status_code == status, response.body
    return body(response)


def error(response):
    return body(response)["error"]


@pytest.fixture
def monday(client, parent, clock, outbox):
    """TOTO booked for Monday's lunch and evening care; then the clock moves to Monday
    18:45 and the admin and an agent sign in. Returns (admin, agent)."""
    changes = [{"date": DAY, "service": s, "booked": True} for s in ("meal", "care_evening")]
    ok(parent.put("/children/1001-1/bookings", {"changes": changes}))
    clock.set(MONDAY_EVENING)
    admin = sign_in(Api(client), *ADMIN)
    agent = staff_member(client, admin, outbox, AGENT_EMAIL, "Agent", "agent")
    return admin, agent


# Not the shared ``agent`` and ``admin`` (tests/conftest.py) on purpose: those sign in
# before the clock moves, and a session idle for a week has ended by Monday evening.
@pytest.fixture
def agent(monday):
    return monday[1]


@pytest.fixture
def admin(monday):
    return monday[0]


def roll(agent, service, day=DAY):
    return ok(agent.get(f"/staff/attendance?date={day}&service={service}"))


def record(agent, **fields):
    payload = {"date": DAY, "service": "care_evening", "child_id": "1001-1",
               "status": "present", **fields}
    return agent.put("/staff/attendance", {k: v for k, v in payload.items() if v is not ...})


# -- the list ----------------------------------------------------------------------------

def test_the_list_shows_the_children_booked_for_that_day_and_service(agent):
    lunch = roll(agent, "meal")
    assert (lunch["date"], lunch["service"], lunch["label"], lunch["mode"]) == (
        DAY, "meal", "Repas", "booked")
    [toto] = lunch["children"]
    assert toto == {"child_id": "1001-1", "first_name": "TOTO", "last_name": "TEST",
                    "family_number": "1001", "family_name": "TEST", "class_name": "",
                    "meal_type": "standard", "allergies": "", "pickup_people": [],
                    "booked": True, "record": None, "sick": False}
    evening = roll(agent, "care_evening")
    assert [c["child_id"] for c in evening["children"]] == ["1001-1"]
    assert evening["closing_time"] == "18:30"
    assert roll(agent, "care_morning")["children"] == []
    assert roll(agent, "meal", "2026-12-01")["children"] == []


def test_a_child_recorded_present_without_a_booking_appears_as_not_booked(admin, agent):
    lili = ok(admin.post("/staff/families/1001/children",
                         {"first_name": "LILI", "last_name": "TEST"}), 201)["id"]
    # Not booked: the agent finds her among the others, to mark her present.
    before = roll(agent, "meal")
    assert [c["child_id"] for c in before["children"]] == ["1001-1"]
    assert [(c["child_id"], c["first_name"]) for c in before["others"]] == [(lili, "LILI")]

    ok(record(agent, service="meal", child_id=lili))
    lunch = roll(agent, "meal")
    assert lunch["others"] == []
    by_id = {c["child_id"]: c for c in lunch["children"]}
    assert set(by_id) == {"1001-1", lili}
    assert by_id["1001-1"]["booked"] is True and by_id["1001-1"]["record"] is None
    assert by_id[lili]["booked"] is False
    assert by_id[lili]["record"]["status"] == "present"


def test_a_service_switched_to_attendance_mode_lists_every_active_child(admin, agent):
    other = ok(admin.post("/staff/families", {"name": "DUPUIS",
                                              "emails": ["dupuis@example.org"]}), 201)["number"]
    kept = ok(admin.post(f"/staff/families/{other}/children",
                         {"first_name": "ANNA", "last_name": "DUPUIS"}), 201)["id"]
    left = ok(admin.post(f"/staff/families/{other}/children",
                         {"first_name": "BOB", "last_name": "DUPUIS"}), 201)["id"]
    ok(admin.post(f"/staff/families/{other}/children/{left}/archive"))
    ok(admin.put("/staff/settings", {"services": [
        {"code": "care_morning", "label": "Garderie matin", "mode": "attendance",
         "closing_time": "08:30"}]}))

    morning = roll(agent, "care_morning")
    assert morning["mode"] == "attendance"
    assert [(c["child_id"], c["booked"]) for c in morning["children"]] == [
        (kept, False), ("1001-1", False)]                     # by last name, then first
    ok(record(agent, service="care_morning", child_id=kept, arrival="07:45"))
    assert roll(agent, "care_morning")["children"][0]["record"]["arrival"] == "07:45"


# -- recording ---------------------------------------------------------------------------

@pytest.mark.parametrize("departure, late", [
    ("18:30", 0),
    ("18:42", 12),
    ("19:05", 35),
    ("17:55", 0),
    (None, 0),
])
def test_a_late_pick_up_is_counted_in_minutes_after_closing(agent, departure, late):
    saved = ok(record(agent, arrival="16:30", departure=departure))
    assert saved == {"date": DAY, "service": "care_evening", "child_id": "1001-1",
                     "status": "present", "arrival": "16:30", "departure": departure,
                     "justified": False, "reason": "", "late_minutes": late}
    [toto] = roll(agent, "care_evening")["children"]
    assert toto["record"]["late_minutes"] == late
    assert toto["record"]["departure"] == departure


def test_an_absence_is_recorded_justified_with_its_reason(agent):
    saved = ok(record(agent, service="meal", status="absent", justified=True,
                      reason="  Malade (certificat) ", arrival="12:00"))
    assert (saved["status"], saved["justified"], saved["reason"]) == ("absent", True,
                                                                      "Malade (certificat)")
    assert (saved["arrival"], saved["departure"], saved["late_minutes"]) == (None, None, 0)
    [toto] = roll(agent, "meal")["children"]
    assert toto["record"]["justified"] is True


def test_a_new_record_replaces_the_previous_one_for_the_same_slot(agent):
    ok(record(agent, service="meal", status="absent", justified=False))
    ok(record(agent, service="meal", status="present", justified=True, reason="x"))
    [toto] = roll(agent, "meal")["children"]
    assert toto["record"] == {"status": "present", "arrival": None, "departure": None,
                              "justified": False, "reason": "", "late_minutes": 0}


@pytest.mark.parametrize("fields, field", [
    pytest.param({"arrival": "17:00", "departure": "16:45"}, "departure",
                 id="departure-before-arrival"),
    pytest.param({"arrival": "25:00"}, "arrival", id="no-such-hour"),
    pytest.param({"departure": "18h42"}, "departure", id="not-hh-mm"),
    pytest.param({"date": "2026-12-01"}, "date", id="tomorrow"),
    pytest.param({"date": "2026-09-01"}, "date", id="too-long-ago"),
    pytest.param({"date": "30/11/2026"}, "date", id="french-date"),
    pytest.param({"child_id": "1001-9"}, "child_id", id="unknown-child"),
    pytest.param({"child_id": "9999-1"}, "child_id", id="unknown-family"),
    pytest.param({"child_id": "TOTO"}, "child_id", id="not-an-id"),
    pytest.param({"child_id": ...}, "child_id", id="no-child"),
    pytest.param({"status": "late"}, "status", id="unknown-status"),
    pytest.param({"service": "study"}, "service", id="service-switched-off"),
    pytest.param({"service": "piscine"}, "service", id="unknown-service"),
    pytest.param({"service": ...}, "service", id="no-service"),
    pytest.param({"status": "absent", "justified": "oui"}, "justified",
                 id="justified-not-a-boolean"),
])
def test_an_invalid_record_is_refused_naming_the_field_and_nothing_is_saved(agent, fields,
                                                                           field):
    response = record(agent, **fields)
    assert response.status_code == 400, response.body
    assert error(response)["details"] == {"field": field}
    for service in ("meal", "care_evening"):
        assert all(c["record"] is None for c in roll(agent, service)["children"])


def test_a_family_can_neither_read_nor_record_attendance(parent, agent):
    sign_in(parent, *FAMILY)  # the clock moved: sign in again
    for response in (parent.get(f"/staff/attendance?date={DAY}&service=meal"),
                     record(parent, service="meal")):
        assert response.status_code == 403
        assert error(response)["code"] == "forbidden"
    assert roll(agent, "meal")["children"][0]["record"] is None
