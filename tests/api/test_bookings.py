"""Bookings end to end: the month calendar, all-or-nothing saves, periods, current bookings.

The clock starts on Monday 2026-11-23 10:00 in Paris; the demo commune books meal and both
care services by Thursday 17:00 for the following week, on Mon, Tue, Thu and Fri, zone A.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from chalicelib.storage.bookings import BookingRepository
from tests.client import Api, body, credentials_from

PARIS = ZoneInfo("Europe/Paris")
from tests.demo import FAMILY
CHILD = "1001-1"
ACTIVE = {"meal", "care_morning", "care_evening"}


def paris(*parts):
    return datetime(*parts, tzinfo=PARIS)


def change(iso, service="meal", booked=True):
    return {"date": iso, "service": service, "booked": booked}


def save(api, *changes, child=CHILD):
    return api.put(f"/children/{child}/bookings", {"changes": list(changes)})


def period(api, payload, child=CHILD):
    return api.post(f"/children/{child}/bookings/period", payload)


def month(api, yyyy_mm, child=CHILD):
    response = api.get(f"/children/{child}/calendar?month={yyyy_mm}")
    assert response.status_code == 200, response.body
    return body(response)


def day(api, iso, child=CHILD):
    return next(d for d in month(api, iso[:7], child)["days"] if d["date"] == iso)


def booked(api, *months, child=CHILD):
    """Every (date, service) booked in these months, as the calendar shows it."""
    return {(d["date"], code) for m in months for d in month(api, m, child)["days"]
            for code, cell in d["services"].items() if cell["booked"]}


def saved_and_skipped(response):
    """What a period answer saved and skipped (it also counts days per reason)."""
    answer = body(response)
    return {"saved": answer["saved"], "skipped": answer["skipped"]}


def error(response):
    return body(response)["error"]


def travel(clock, parent, moment):
    """Move the clock; sessions idle for an hour expire, so the parent signs in again."""
    clock.set(moment)
    response = parent.login(*FAMILY)
    assert response.status_code == 200, response.body


@pytest.fixture
def neighbour(client, admin, outbox):
    """A second family, signed in with its own password, and its child's id."""
    created = admin.post("/staff/families", {"name": "DUPONT",
                                             "emails": ["dupont@example.org"]})
    assert created.status_code == 201, created.body
    number, temporary = credentials_from(outbox()[0]["text"])
    api = Api(client)
    assert api.login(number, temporary).status_code == 200
    changed = api.post("/auth/password/change", {"current_password": temporary,
                                                 "password": "une phrase assez longue"})
    assert changed.status_code == 204, changed.body
    child = admin.post(f"/staff/families/{number}/children",
                       {"first_name": "LOU", "last_name": "DUPONT"})
    assert child.status_code == 201, child.body
    api.child = body(child)["id"]
    return api


# -- the month calendar ------------------------------------------------------------------

def test_the_calendar_lists_every_day_of_the_month_in_order(parent):
    december = month(parent, "2026-12")
    assert december["month"] == "2026-12"
    assert december["child"] == {"id": CHILD, "first_name": "TOTO", "last_name": "TEST"}
    assert [d["date"] for d in december["days"]] == [
        (date(2026, 12, 1) + timedelta(days=i)).isoformat() for i in range(31)]
    assert len(month(parent, "2027-02")["days"]) == 28


def test_the_calendar_shows_only_active_services(parent):
    december = month(parent, "2026-12")
    assert {s["code"] for s in december["services"]} == ACTIVE
    assert all(set(d["services"]) == ACTIVE for d in december["days"])


def test_christmas_shows_its_public_and_school_holiday_and_cannot_be_booked(parent):
    december = {d["date"]: d for d in month(parent, "2026-12")["days"]}
    assert december["2026-12-25"]["public_holiday"] == "Noël"
    assert "Noël" in december["2026-12-21"]["school_holiday"]
    assert december["2026-12-21"]["public_holiday"] is None
    assert december["2026-12-18"]["school_holiday"] is None
    for iso in ("2026-12-21", "2026-12-25"):
        for cell in december[iso]["services"].values():
            assert cell["editable"] is False
            assert cell["deadline"] is None


def test_armistice_is_a_public_holiday_in_the_november_calendar(parent):
    november = {d["date"]: d for d in month(parent, "2026-11")["days"]}
    assert november["2026-11-11"]["public_holiday"] == "Armistice"
    assert november["2026-11-12"]["public_holiday"] is None


@pytest.mark.parametrize("iso, editable, deadline", [
    ("2026-11-23", False, "2026-11-19T17:00:00+01:00"),  # today: its deadline has passed
    ("2026-11-27", False, "2026-11-19T17:00:00+01:00"),  # rest of this week
    ("2026-11-30", True, "2026-11-26T17:00:00+01:00"),   # next week: Thursday 17:00
    ("2026-12-04", True, "2026-11-26T17:00:00+01:00"),
    ("2026-11-25", False, None),                         # Wednesday: no school
    ("2026-11-28", False, None),                         # Saturday
])
def test_each_checkbox_says_whether_it_is_editable_and_until_when(parent, iso, editable,
                                                                  deadline):
    cells = day(parent, iso)["services"]
    for code in ACTIVE:
        assert cells[code] == {"booked": False, "editable": editable, "deadline": deadline}


@pytest.mark.parametrize("iso, deadline", [
    ("2027-03-29", None),                         # Easter Monday
    ("2027-03-30", "2027-03-25T17:00:00+01:00"),  # deadline before the clocks change
    ("2027-04-05", "2027-04-01T17:00:00+02:00"),
    ("2027-06-07", "2027-06-03T17:00:00+02:00"),  # summer time
])
def test_deadlines_carry_the_paris_offset_of_their_own_date(parent, iso, deadline):
    assert day(parent, iso)["services"]["meal"]["deadline"] == deadline


@pytest.mark.parametrize("query", [
    "month=2026-13", "month=2026-00", "month=2026-1", "month=202612", "month=december",
    "month=9999-12", "month=0001-01",
])
def test_a_bad_month_is_refused(parent, query):
    response = parent.get(f"/children/{CHILD}/calendar?{query}".rstrip("?"))
    assert response.status_code == 400, response.body
    assert error(response)["details"]["field"] == "month"


@pytest.mark.parametrize("query", ["month=", ""])
def test_no_month_is_the_communes_current_month(parent, query):
    # The booking page's first call: the commune's month, whatever the device's clock.
    response = parent.get(f"/children/{CHILD}/calendar?{query}".rstrip("?"))
    assert response.status_code == 200, response.body
    assert body(response)["month"] == "2026-11"


@pytest.mark.parametrize("child", ["1001-2", "9999-1", "x"])
def test_an_unknown_child_is_not_found(parent, child):
    response = parent.get(f"/children/{child}/calendar?month=2026-12")
    assert response.status_code == 404, response.body
    assert error(response)["code"] == "not_found"


def test_another_familys_child_is_not_found_rather_than_forbidden(parent, neighbour):
    assert neighbour.get(f"/children/{neighbour.child}/calendar?month=2026-12") \
        .status_code == 200
    for response in (
            parent.get(f"/children/{neighbour.child}/calendar?month=2026-12"),
            save(parent, change("2026-12-07"), child=neighbour.child),
            period(parent, {"from": "2026-12-07", "to": "2026-12-11", "services": ["meal"],
                            "weekdays": [1], "booked": True}, child=neighbour.child),
            neighbour.get(f"/children/{CHILD}/calendar?month=2026-12"),
            save(neighbour, change("2026-12-07"), child=CHILD)):
        assert response.status_code == 404, response.body
        assert error(response)["code"] == "not_found"
    assert booked(neighbour, "2026-12", child=neighbour.child) == set()
    assert booked(parent, "2026-12") == set()


def test_staff_do_not_see_family_calendars(admin):
    assert admin.get(f"/children/{CHILD}/calendar?month=2026-12").status_code == 404


def test_an_anonymous_visitor_must_sign_in_to_see_a_calendar(api):
    assert api.get(f"/children/{CHILD}/calendar?month=2026-12").status_code == 401


# -- saving day by day -------------------------------------------------------------------

def test_two_saves_on_different_days_both_take_effect(parent):
    assert body(save(parent, change("2026-12-07"), change("2026-12-07", "care_morning"))) \
        == {"saved": 2, "waiting": []}
    assert body(save(parent, change("2026-12-08", "care_evening"))) == {"saved": 1, "waiting": []}
    assert booked(parent, "2026-12") == {("2026-12-07", "meal"),
                                         ("2026-12-07", "care_morning"),
                                         ("2026-12-08", "care_evening")}
    cell = day(parent, "2026-12-07")["services"]["meal"]
    assert cell == {"booked": True, "editable": True, "deadline": "2026-12-03T17:00:00+01:00"}


def test_cancelling_before_the_deadline_unbooks_the_day(parent):
    save(parent, change("2026-12-07"), change("2026-12-08"))
    assert body(save(parent, change("2026-12-07", booked=False))) == {"saved": 1, "waiting": []}
    assert booked(parent, "2026-12") == {("2026-12-08", "meal")}


@pytest.mark.parametrize("refused", [
    change("2026-11-24"),                  # this week: Thursday 19 November has passed
    change("2026-12-09"),                  # Wednesday
    change("2026-12-12"),                  # Saturday
    change("2026-12-25"),                  # Christmas
    change("2026-12-21"),                  # Christmas holidays
    change("2026-12-08", "study"),         # a service that is off
    change("2026-12-08", "pizza"),         # a service that does not exist
], ids=["past-deadline", "wednesday", "saturday", "christmas", "holidays", "off", "unknown"])
def test_one_refused_change_refuses_the_whole_save(parent, refused):
    response = save(parent, change("2026-12-07"), refused, change("2026-12-10", "care_morning"))
    assert response.status_code == 422, response.body
    assert error(response)["code"] == "booking_refused"
    assert len(error(response)["details"]) == 1
    assert booked(parent, "2026-11", "2026-12") == set()


def test_every_refused_change_is_listed_with_its_reason(parent):
    response = save(parent, change("2026-11-24"), change("2026-12-07"),
                    change("2026-12-09", "care_evening"), change("2026-12-25"),
                    change("2026-12-08", "study"))
    assert response.status_code == 422, response.body
    assert error(response)["details"] == [
        {"date": "2026-11-24", "service": "meal", "reason": "deadline_passed"},
        {"date": "2026-12-09", "service": "care_evening", "reason": "not_bookable"},
        {"date": "2026-12-25", "service": "meal", "reason": "closed"},
        {"date": "2026-12-08", "service": "study", "reason": "not_bookable"},
    ]
    assert booked(parent, "2026-12") == set()


def test_a_refused_cancellation_keeps_the_other_bookings_as_they_were(parent, clock):
    save(parent, change("2026-11-30"), change("2026-12-07"))
    travel(clock, parent, paris(2026, 11, 27, 9, 0))
    response = save(parent, change("2026-12-07", booked=False),
                    change("2026-11-30", booked=False))
    assert response.status_code == 422, response.body
    assert error(response)["details"] == [
        {"date": "2026-11-30", "service": "meal", "reason": "deadline_passed"}]
    assert booked(parent, "2026-11", "2026-12") == {("2026-11-30", "meal"),
                                                    ("2026-12-07", "meal")}


@pytest.mark.parametrize("now, accepted", [
    (paris(2026, 11, 26, 16, 59), True),
    (paris(2026, 11, 26, 17, 0), False),
    (paris(2026, 11, 26, 17, 1), False),
])
def test_next_mondays_booking_closes_on_thursday_at_17h(parent, clock, now, accepted):
    travel(clock, parent, now)
    assert day(parent, "2026-11-30")["services"]["meal"]["editable"] is accepted
    response = save(parent, change("2026-11-30"))
    if accepted:
        assert response.status_code == 200, response.body
    else:
        assert response.status_code == 422, response.body
        assert error(response)["details"] == [
            {"date": "2026-11-30", "service": "meal", "reason": "deadline_passed"}]
    assert (("2026-11-30", "meal") in booked(parent, "2026-11")) is accepted


@pytest.mark.parametrize("now, accepted", [
    (paris(2026, 11, 26, 16, 59), True),
    (paris(2026, 11, 26, 17, 0), False),
])
def test_cancelling_obeys_the_same_deadline(parent, clock, now, accepted):
    assert save(parent, change("2026-11-30")).status_code == 200
    travel(clock, parent, now)
    response = save(parent, change("2026-11-30", booked=False))
    assert response.status_code == (200 if accepted else 422), response.body
    assert (("2026-11-30", "meal") in booked(parent, "2026-11")) is not accepted


SEPARATE_CANCELLATION = {"services": [{
    "code": "meal", "label": "Repas", "mode": "booked", "closing_time": None,
    "deadline": {"booking": {"type": "weekly", "weekday": 4, "time": "17:00"},
                 "cancellation": {"type": "school_days_before", "days": 1, "time": "09:00"}}}]}


@pytest.mark.parametrize("now, accepted", [
    (paris(2026, 12, 4, 8, 59), True),
    (paris(2026, 12, 4, 9, 0), False),
])
def test_a_separate_cancellation_rule_lets_parents_cancel_until_its_own_deadline(
        parent, admin, clock, now, accepted):
    assert admin.put("/staff/settings", SEPARATE_CANCELLATION).status_code == 200
    assert save(parent, change("2026-12-07")).status_code == 200
    travel(clock, parent, now)  # Friday, after Thursday's booking deadline
    assert day(parent, "2026-12-07")["services"]["meal"] == {
        "booked": True, "editable": accepted, "deadline": "2026-12-04T09:00:00+01:00"}
    response = save(parent, change("2026-12-07", booked=False))
    assert response.status_code == (200 if accepted else 422), response.body
    assert booked(parent, "2026-12") == (set() if accepted else {("2026-12-07", "meal")})


def test_a_separate_cancellation_rule_leaves_the_booking_deadline_alone(parent, admin,
                                                                        clock):
    assert admin.put("/staff/settings", SEPARATE_CANCELLATION).status_code == 200
    travel(clock, parent, paris(2026, 12, 4, 8, 59))
    assert day(parent, "2026-12-08")["services"]["meal"] == {
        "booked": False, "editable": False, "deadline": "2026-12-03T17:00:00+01:00"}
    response = save(parent, change("2026-12-08"))
    assert response.status_code == 422, response.body
    assert error(response)["details"] == [
        {"date": "2026-12-08", "service": "meal", "reason": "deadline_passed"}]


@pytest.mark.parametrize("no_op", [
    change("2026-11-24", booked=False),   # past, not booked
    change("2026-12-25", booked=False),   # Christmas, not booked
    change("2026-12-09", booked=False),   # Wednesday, not booked
])
def test_a_change_that_changes_nothing_is_never_refused(parent, no_op):
    response = save(parent, no_op, change("2026-12-07"))
    assert response.status_code == 200, response.body
    assert body(response) == {"saved": 1, "waiting": []}


def test_confirming_a_past_booking_as_booked_is_not_refused(parent, clock):
    save(parent, change("2026-11-30"))
    travel(clock, parent, paris(2026, 12, 1, 12, 0))
    response = save(parent, change("2026-11-30"), change("2026-12-07"))
    assert response.status_code == 200, response.body
    assert body(response) == {"saved": 1, "waiting": []}


def test_a_day_long_past_is_refused_as_past_its_deadline(parent):
    response = save(parent, change("2001-01-08"))
    assert response.status_code == 422, response.body
    assert error(response)["details"] == [
        {"date": "2001-01-08", "service": "meal", "reason": "deadline_passed"}]


def test_a_period_long_past_is_skipped_as_past_its_deadline(parent):
    response = period(parent, {"from": "2001-01-08", "to": "2001-01-14", "services": ["meal"],
                               "weekdays": [1], "booked": True})
    assert response.status_code == 200, response.body
    assert saved_and_skipped(response) == {"saved": 0, "skipped": [
        {"date": "2001-01-08", "service": "meal", "reason": "deadline_passed"}]}


def test_a_day_before_the_calendars_years_is_a_400_naming_the_date(parent):
    response = save(parent, change("0001-01-01"))
    assert response.status_code == 400, response.body
    assert error(response)["code"] == "date_out_of_range"
    assert error(response)["details"] == {"field": "changes[0].date"}


@pytest.mark.parametrize("payload, field", [
    ({}, "changes"),
    ({"changes": []}, "changes"),
    ({"changes": "2026-12-07"}, "changes"),
    ({"changes": {"date": "2026-12-07", "service": "meal", "booked": True}}, "changes"),
    ({"changes": ["2026-12-07"]}, "changes[0]"),
    ({"changes": [change("2026-02-30")]}, "changes[0].date"),
    ({"changes": [change("07/12/2026")]}, "changes[0].date"),
    ({"changes": [change("20261207")]}, "changes[0].date"),
    ({"changes": [{"date": "2026-12-07", "booked": True}]}, "changes[0].service"),
    ({"changes": [change("2026-12-07", booked="yes")]}, "changes[0].booked"),
    ({"changes": [change("2026-12-07", booked=1)]}, "changes[0].booked"),
    ({"changes": [{"date": "2026-12-07", "service": "meal"}]}, "changes[0].booked"),
    ({"changes": [change("2026-12-07"), change("2026-12-07", booked=False)]}, "changes[1]"),
    ({"changes": [change((date(2026, 12, 7) + timedelta(days=i)).isoformat())
                  for i in range(401)]}, "changes"),
])
def test_malformed_changes_are_refused_naming_the_field(parent, payload, field):
    response = parent.put(f"/children/{CHILD}/bookings", payload)
    assert response.status_code == 400, response.body
    assert error(response)["details"]["field"] == field
    assert booked(parent, "2026-12") == set()


# -- no lost update ----------------------------------------------------------------------

def _write_between_read_and_write(monkeypatch, services, writes):
    """Make the next reads of bookings each followed by one write through the service."""
    original = BookingRepository.days
    pending = list(writes)
    family = services.accounts.get_family("1001")

    busy = []

    def days(self, child_id, start, end):
        stored = original(self, child_id, start, end)
        if pending and not busy:  # the other writer's own read is not interrupted
            busy.append(True)
            try:
                services.bookings.save(family, CHILD, {"changes": [pending.pop(0)]},
                                       services.clock.now())
            finally:
                busy.clear()
        return stored

    monkeypatch.setattr(BookingRepository, "days", days)
    return pending


def test_a_concurrent_write_to_the_same_day_is_not_lost(parent, services, monkeypatch):
    pending = _write_between_read_and_write(monkeypatch, services,
                                            [change("2026-12-07", "care_morning")])
    response = save(parent, change("2026-12-07"))
    assert pending == []
    monkeypatch.undo()
    after = booked(parent, "2026-12")
    assert ("2026-12-07", "care_morning") in after
    if response.status_code == 200:
        assert after == {("2026-12-07", "meal"), ("2026-12-07", "care_morning")}
    else:
        assert response.status_code == 409, response.body
        assert error(response)["code"] == "conflict_retry"


def test_a_concurrent_period_booking_over_the_same_days_is_not_lost(parent, services,
                                                                    monkeypatch):
    pending = _write_between_read_and_write(monkeypatch, services,
                                            [change("2026-12-08", "care_evening")])
    response = period(parent, {"from": "2026-12-07", "to": "2026-12-11", "services": ["meal"],
                               "weekdays": [1, 2, 3, 4, 5], "booked": True})
    assert pending == []
    monkeypatch.undo()
    after = booked(parent, "2026-12")
    assert ("2026-12-08", "care_evening") in after
    if response.status_code == 200:
        assert after == {("2026-12-07", "meal"), ("2026-12-08", "meal"),
                         ("2026-12-10", "meal"), ("2026-12-11", "meal"),
                         ("2026-12-08", "care_evening")}
    else:
        assert response.status_code == 409, response.body
        assert error(response)["code"] == "conflict_retry"


def test_a_save_that_keeps_meeting_concurrent_writes_answers_conflict_and_loses_nothing(
        parent, services, monkeypatch):
    pending = _write_between_read_and_write(monkeypatch, services, [
        change("2026-12-07", "care_morning"), change("2026-12-07", "care_evening"),
        change("2026-12-07", "care_morning", booked=False)])
    response = save(parent, change("2026-12-07"))
    assert pending == []
    monkeypatch.undo()
    after = booked(parent, "2026-12")
    if response.status_code == 200:
        assert ("2026-12-07", "meal") in after
    else:
        assert response.status_code == 409, response.body
        assert error(response)["code"] == "conflict_retry"
        assert ("2026-12-07", "meal") not in after
    # The other writer's last word stands either way.
    assert ("2026-12-07", "care_morning") not in after
    assert ("2026-12-07", "care_evening") in after


def test_a_save_of_more_days_than_one_transaction_holds_is_refused_whole(parent, admin):
    # All or nothing needs one DynamoDB transaction (100 items at most): a bigger save is
    # refused before anything is written, and the parent is pointed to period booking.
    assert admin.put("/staff/settings", {"school_days": [1, 2, 3, 4, 5, 6, 7]}) \
        .status_code == 200
    months = ("2026-12", "2027-01", "2027-02", "2027-03", "2027-04")
    days = [d["date"] for m in months for d in month(parent, m)["days"]
            if d["services"]["meal"]["editable"]]
    assert len(days) > 100
    response = save(parent, *[change(iso) for iso in days])
    assert response.status_code == 400, response.body
    assert error(response)["details"]["field"] == "changes"
    assert "période" in error(response)["message"]
    assert {iso for iso, code in booked(parent, *months) if code == "meal"} == set()
    # A hundred days is still one save.
    assert save(parent, *[change(iso) for iso in days[:100]]).status_code == 200


# -- period booking ----------------------------------------------------------------------

CHRISTMAS_PERIOD = {"from": "2026-12-14", "to": "2027-01-08", "services": ["meal"],
                    "weekdays": [1, 2, 4, 5], "booked": True}
CHRISTMAS_SCHOOL_DAYS = {"2026-12-14", "2026-12-15", "2026-12-17", "2026-12-18",
                         "2027-01-04", "2027-01-05", "2027-01-07", "2027-01-08"}
CHRISTMAS_HOLIDAYS = ["2026-12-21", "2026-12-22", "2026-12-24", "2026-12-25",
                      "2026-12-28", "2026-12-29", "2026-12-31", "2027-01-01"]


def test_a_period_across_christmas_books_the_school_days_and_skips_the_holidays(parent):
    response = period(parent, CHRISTMAS_PERIOD)
    assert response.status_code == 200, response.body
    assert saved_and_skipped(response) == {"saved": 8, "skipped": [
        {"date": iso, "service": "meal", "reason": "closed"} for iso in CHRISTMAS_HOLIDAYS]}
    assert booked(parent, "2026-12", "2027-01") == {(iso, "meal")
                                                    for iso in CHRISTMAS_SCHOOL_DAYS}


def test_cancelling_a_period_unbooks_it(parent):
    period(parent, dict(CHRISTMAS_PERIOD, services=["meal", "care_evening"]))
    response = period(parent, dict(CHRISTMAS_PERIOD, booked=False))
    assert response.status_code == 200, response.body
    assert saved_and_skipped(response) == {"saved": 8, "skipped": []}
    assert booked(parent, "2026-12", "2027-01") == {(iso, "care_evening")
                                                    for iso in CHRISTMAS_SCHOOL_DAYS}


def test_a_period_starting_this_week_skips_the_days_past_their_deadline(parent):
    response = period(parent, {"from": "2026-11-23", "to": "2026-12-04",
                               "services": ["care_morning"], "weekdays": [1, 2, 3, 4, 5],
                               "booked": True})
    assert response.status_code == 200, response.body
    skipped = {(s["date"], s["reason"]) for s in body(response)["skipped"]}
    assert skipped == {("2026-11-23", "deadline_passed"), ("2026-11-24", "deadline_passed"),
                       ("2026-11-25", "not_bookable"), ("2026-11-26", "deadline_passed"),
                       ("2026-11-27", "deadline_passed"), ("2026-12-02", "not_bookable")}
    assert body(response)["saved"] == 4
    assert booked(parent, "2026-11", "2026-12") == {
        (iso, "care_morning") for iso in ("2026-11-30", "2026-12-01", "2026-12-03",
                                          "2026-12-04")}


def test_a_period_on_a_closure_skips_it_as_closed(parent, admin):
    admin.post("/staff/closures", {"start": "2026-12-10", "end": "2026-12-10",
                                   "label": "Grève"})
    response = period(parent, {"from": "2026-12-07", "to": "2026-12-11", "services": ["meal"],
                               "weekdays": [4, 5], "booked": True})
    assert saved_and_skipped(response) == {"saved": 1, "skipped": [
        {"date": "2026-12-10", "service": "meal", "reason": "closed"}]}


def test_a_whole_school_year_is_booked_in_one_request(parent):
    response = period(parent, {"from": "2026-11-30", "to": "2027-07-03",
                               "services": ["meal", "care_morning", "care_evening"],
                               "weekdays": [1, 2, 4, 5], "booked": True})
    assert response.status_code == 200, response.body
    result = body(response)
    skipped = {(s["date"], s["service"]) for s in result["skipped"]}
    assert {s["reason"] for s in result["skipped"]} == {"closed"}
    listing = body(parent.get("/family/bookings?from=2026-11-30&to=2027-07-03"))
    days = listing["children"][0]["days"]
    booked_pairs = {(d["date"], code) for d in days for code in d["services"]}
    assert result["saved"] == len(booked_pairs)
    assert listing["children"][0]["totals"] == {code: len(days) for code in ACTIVE}
    # Each Mon/Tue/Thu/Fri of the year is either booked or skipped, never both or neither.
    wanted = set()
    current = date(2026, 11, 30)
    while current <= date(2027, 7, 3):
        if current.isoweekday() in (1, 2, 4, 5):
            wanted |= {(current.isoformat(), code) for code in ACTIVE}
        current += timedelta(days=1)
    assert booked_pairs | skipped == wanted
    assert booked_pairs & skipped == set()
    for closed in ("2026-12-25", "2027-02-15", "2027-03-29", "2027-04-12", "2027-05-06",
                   "2027-05-07", "2027-05-17"):
        assert (closed, "meal") in skipped
    for school in ("2026-11-30", "2027-01-04", "2027-03-30", "2027-07-02"):
        assert (school, "meal") in booked_pairs


@pytest.mark.parametrize("overrides, field", [
    ({"from": "2026-12-32"}, "from"),
    ({"to": None}, "to"),
    ({"from": "2026-12-11", "to": "2026-12-07"}, "to"),
    ({"from": "2026-11-30", "to": "2028-01-10"}, "to"),
    ({"services": []}, "services"),
    ({"services": "meal"}, "services"),
    ({"services": ["meal", "meal"]}, "services"),
    ({"services": ["meal", "pizza"]}, "services[1]"),
    ({"weekdays": []}, "weekdays"),
    ({"weekdays": [0]}, "weekdays"),
    ({"weekdays": [8]}, "weekdays"),
    ({"weekdays": [True]}, "weekdays"),
    ({"weekdays": "1-5"}, "weekdays"),
    ({"booked": "oui"}, "booked"),
    ({"booked": None}, "booked"),
])
def test_a_malformed_period_is_refused_naming_the_field(parent, overrides, field):
    payload = dict({"from": "2026-12-07", "to": "2026-12-11", "services": ["meal"],
                    "weekdays": [1, 2, 4, 5], "booked": True}, **overrides)
    response = period(parent, payload)
    assert response.status_code == 400, response.body
    assert error(response)["details"]["field"] == field
    assert booked(parent, "2026-12") == set()


# -- current bookings --------------------------------------------------------------------

def test_the_family_sees_its_booked_days_and_totals(parent):
    save(parent, change("2026-12-07"), change("2026-12-07", "care_morning"),
         change("2026-12-10"), change("2026-12-11", "care_evening"))
    save(parent, change("2026-12-11", "care_evening", booked=False))
    response = parent.get("/family/bookings?from=2026-12-01&to=2026-12-31")
    assert response.status_code == 200, response.body
    listing = body(response)
    assert (listing["from"], listing["to"]) == ("2026-12-01", "2026-12-31")
    assert {s["code"] for s in listing["services"]} == ACTIVE
    [child] = listing["children"]
    assert (child["id"], child["first_name"]) == (CHILD, "TOTO")
    assert child["days"] == [{"date": "2026-12-07", "services": ["meal", "care_morning"]},
                             {"date": "2026-12-10", "services": ["meal"]}]
    assert child["totals"] == {"meal": 2, "care_morning": 1, "care_evening": 0}


def test_current_bookings_start_today_by_default(parent, clock):
    save(parent, change("2026-11-30"), change("2026-12-07"))
    travel(clock, parent, paris(2026, 12, 1, 8, 0))
    listing = body(parent.get("/family/bookings"))
    assert listing["from"] == "2026-12-01"
    assert listing["children"][0]["days"] == [{"date": "2026-12-07", "services": ["meal"]}]


def test_a_range_limits_the_current_bookings(parent):
    save(parent, change("2026-11-30"), change("2026-12-07"), change("2026-12-08"))
    listing = body(parent.get("/family/bookings?from=2026-12-01&to=2026-12-07"))
    assert listing["children"][0]["days"] == [{"date": "2026-12-07", "services": ["meal"]}]


def test_other_families_bookings_never_appear(parent, neighbour):
    assert save(neighbour, change("2026-12-08", "care_evening"),
                child=neighbour.child).status_code == 200
    save(parent, change("2026-12-07"))
    mine = body(parent.get("/family/bookings?from=2026-12-01&to=2026-12-31"))["children"]
    theirs = body(neighbour.get("/family/bookings?from=2026-12-01&to=2026-12-31"))["children"]
    assert [(c["id"], c["days"]) for c in mine] == [
        (CHILD, [{"date": "2026-12-07", "services": ["meal"]}])]
    assert [(c["id"], c["days"]) for c in theirs] == [
        (neighbour.child, [{"date": "2026-12-08", "services": ["care_evening"]}])]


def test_a_service_switched_off_leaves_no_empty_day_in_current_bookings(parent, admin):
    save(parent, change("2026-12-07"), change("2026-12-08", "care_evening"))
    off = {"code": "care_evening", "label": "Garderie soir", "mode": "off",
           "deadline": None, "closing_time": None}
    assert admin.put("/staff/settings", {"services": [off]}).status_code == 200
    [child] = body(parent.get("/family/bookings?from=2026-12-01&to=2026-12-31"))["children"]
    assert child["days"] == [{"date": "2026-12-07", "services": ["meal"]}]
    assert child["totals"] == {"meal": 1, "care_morning": 0}


def test_giving_only_a_start_lists_the_bookings_from_that_day_on(parent):
    save(parent, change("2027-03-01"), change("2027-03-02", "care_evening"))
    response = parent.get("/family/bookings?from=2027-03-01")
    assert response.status_code == 200, response.body
    listing = body(response)
    assert listing["from"] == "2027-03-01"
    assert listing["children"][0]["days"] == [
        {"date": "2027-03-01", "services": ["meal"]},
        {"date": "2027-03-02", "services": ["care_evening"]}]


@pytest.mark.parametrize("query, field", [
    ("from=2026-12-31&to=2026-12-01", "to"),
    ("from=demain", "from"),
    ("from=2026-12-01&to=2026-13-01", "to"),
    ("from=2026-01-01&to=2027-12-31", "to"),
])
def test_a_bad_range_of_current_bookings_is_refused(parent, query, field):
    response = parent.get(f"/family/bookings?{query}")
    assert response.status_code == 400, response.body
    assert error(response)["details"]["field"] == field
