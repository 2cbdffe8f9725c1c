"""Booking rules: what a parent may change, when, and how requests are read."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta

import pytest

from chalicelib.domain.bookings import (CLOSED, DEADLINE_PASSED, NOT_BOOKABLE, Change, Period,
                                        change_why, expand_period, month_bounds, parse_changes,
                                        parse_period, refusal_code, service_cell)
from chalicelib.domain.calendar import PARIS, Closure, SchoolCalendar
from chalicelib.domain.commune import ATTENDANCE, CommuneSettings, default_settings
from chalicelib.domain.deadlines import DeadlinePolicy, SchoolDaysBeforeRule, WeeklyRule
from chalicelib.domain.errors import ValidationError

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=PARIS)  # Monday
THURSDAY_17 = WeeklyRule(4, time(17, 0))
DAY_BEFORE_9 = SchoolDaysBeforeRule(1, time(9, 0))


def refusal_reason(change: Change, booked_before: bool, settings: CommuneSettings,
                   calendar: SchoolCalendar, now: datetime) -> str | None:
    """The refusal code a save would answer for this change, or None (as the service
    decides: the reason, then its code)."""
    why = change_why(change, booked_before, settings, calendar, now)
    return None if why is None else refusal_code(why)


def _settings():
    base = default_settings()
    separate = DeadlinePolicy(THURSDAY_17, DAY_BEFORE_9)
    services = tuple(
        replace(s, deadline=separate) if s.code == "care_morning"
        else replace(s, mode=ATTENDANCE, deadline=None) if s.code == "study"
        else s for s in base.services)
    return replace(base, services=services,
                   closures=(Closure("f1", date(2026, 12, 10), date(2026, 12, 11), "Grève"),))


# meal: Thursday 17:00; care_morning: booked by Thursday 17:00, cancelled until the previous
# school day 09:00; study: attendance only; centre_morning: off. Closure 10-11 December.
SETTINGS = _settings()
CALENDAR = SETTINGS.calendar()


def d(iso):
    return date.fromisoformat(iso)


def paris(*parts):
    return datetime(*parts, tzinfo=PARIS)


# -- refusal_reason ----------------------------------------------------------------------

@pytest.mark.parametrize("iso, service, booked, before, now, reason", [
    ("2026-12-07", "meal", True, False, NOW, None),
    ("2026-12-07", "meal", False, True, NOW, None),
    ("2026-11-30", "meal", True, False, paris(2026, 11, 26, 16, 59), None),
    ("2026-11-30", "meal", True, False, paris(2026, 11, 26, 17, 0), DEADLINE_PASSED),
    ("2026-11-30", "meal", False, True, paris(2026, 11, 26, 17, 0), DEADLINE_PASSED),
    ("2026-11-24", "meal", True, False, NOW, DEADLINE_PASSED),
    ("2026-11-24", "meal", False, True, NOW, DEADLINE_PASSED),
    ("2026-11-24", "meal", False, False, NOW, None),       # no-op on a past day
    ("2026-11-24", "meal", True, True, NOW, None),
    ("2026-12-25", "meal", True, False, NOW, CLOSED),      # Noël
    ("2026-12-21", "meal", True, False, NOW, CLOSED),      # Christmas holidays
    ("2027-05-06", "meal", True, False, NOW, CLOSED),      # Ascension
    ("2027-05-07", "meal", True, False, NOW, CLOSED),      # "pont" of the school calendar
    ("2026-12-10", "meal", True, False, NOW, CLOSED),      # closure
    ("2026-12-10", "meal", False, False, NOW, None),
    ("2026-12-09", "meal", True, False, NOW, NOT_BOOKABLE),  # Wednesday
    ("2026-12-12", "meal", True, False, NOW, NOT_BOOKABLE),  # Saturday
    ("2026-12-08", "study", True, False, NOW, NOT_BOOKABLE),  # attendance only
    ("2026-12-08", "centre_morning", True, False, NOW, NOT_BOOKABLE),  # off
    ("2026-12-08", "pizza", True, False, NOW, NOT_BOOKABLE),  # unknown
    ("2027-12-28", "meal", True, False, NOW, CLOSED),
    ("2028-01-06", "meal", True, False, NOW, NOT_BOOKABLE),  # beyond the 400-day horizon
    # Separate cancellation rule: booking closes Thursday, cancelling the Friday at 09:00.
    ("2026-12-07", "care_morning", False, True, paris(2026, 12, 4, 8, 59), None),
    ("2026-12-07", "care_morning", False, True, paris(2026, 12, 4, 9, 0), DEADLINE_PASSED),
    ("2026-12-07", "care_morning", True, False, paris(2026, 12, 4, 8, 59), DEADLINE_PASSED),
    ("0001-01-01", "meal", True, False, NOW, DEADLINE_PASSED),  # long past, not a crash
])
def test_refusal_reason_table(iso, service, booked, before, now, reason):
    assert refusal_reason(Change(d(iso), service, booked), before, SETTINGS, CALENDAR,
                          now) == reason


def test_a_frozen_day_refuses_an_otherwise_allowed_change_as_locked():
    # Its deadline is still ahead (the rule changed after the lock): "verrouillé", not
    # "date limite dépassée".
    change = Change(d("2026-12-07"), "meal", True)
    assert refusal_reason(change, False, SETTINGS, CALENDAR, NOW) is None
    locked = replace(SETTINGS, locked_through={"meal": d("2026-12-07")})
    assert refusal_reason(change, False, locked, CALENDAR, NOW) == "locked"
    # Only that service, only up to that day.
    assert refusal_reason(Change(d("2026-12-07"), "care_evening", True), False, locked,
                          CALENDAR, NOW) is None
    assert refusal_reason(Change(d("2026-12-08"), "meal", True), False, locked,
                          CALENDAR, NOW) is None


# -- service_cell ------------------------------------------------------------------------

@pytest.mark.parametrize("iso, service, booked, now, expected", [
    ("2026-12-07", "meal", False, NOW,
     {"booked": False, "editable": True, "deadline": "2026-12-03T17:00:00+01:00"}),
    ("2026-12-07", "meal", True, NOW,
     {"booked": True, "editable": True, "deadline": "2026-12-03T17:00:00+01:00"}),
    ("2026-11-24", "meal", True, NOW,
     {"booked": True, "editable": False, "deadline": "2026-11-19T17:00:00+01:00"}),
    ("2026-11-30", "meal", False, paris(2026, 11, 26, 17, 0),
     {"booked": False, "editable": False, "deadline": "2026-11-26T17:00:00+01:00"}),
    # A booked day shows the cancellation deadline, an empty one the booking deadline.
    ("2026-12-07", "care_morning", True, paris(2026, 12, 4, 8, 59),
     {"booked": True, "editable": True, "deadline": "2026-12-04T09:00:00+01:00"}),
    ("2026-12-07", "care_morning", False, paris(2026, 12, 4, 8, 59),
     {"booked": False, "editable": False, "deadline": "2026-12-03T17:00:00+01:00"}),
    ("2027-06-07", "meal", False, NOW,
     {"booked": False, "editable": True, "deadline": "2027-06-03T17:00:00+02:00"}),
    ("2026-12-09", "meal", False, NOW, {"booked": False, "editable": False, "deadline": None}),
    ("2026-12-25", "meal", False, NOW, {"booked": False, "editable": False, "deadline": None}),
    ("2026-12-10", "meal", True, NOW, {"booked": True, "editable": False, "deadline": None}),
    ("2026-12-08", "study", False, NOW, {"booked": False, "editable": False, "deadline": None}),
    ("2028-01-06", "meal", False, NOW, {"booked": False, "editable": False, "deadline": None}),
])
def test_service_cell_table(iso, service, booked, now, expected):
    cell = service_cell(CALENDAR.day(d(iso)), SETTINGS.service(service), booked, CALENDAR, now)
    assert cell == expected


def test_a_frozen_cell_is_not_editable_but_still_shows_its_deadline():
    cell = service_cell(CALENDAR.day(d("2026-12-07")), SETTINGS.service("meal"), False,
                        CALENDAR, NOW, frozen=True)
    assert cell == {"booked": False, "editable": False,
                    "deadline": "2026-12-03T17:00:00+01:00"}


@pytest.mark.parametrize("iso", ["2026-11-30", "2026-12-07", "2026-12-10", "2026-12-25",
                                 "2026-12-09", "2027-06-07"])
@pytest.mark.parametrize("booked", [False, True])
def test_a_cell_is_editable_exactly_when_toggling_it_would_be_accepted(iso, booked):
    for now in (NOW, paris(2026, 11, 26, 17, 0), paris(2026, 12, 4, 8, 59)):
        for code in ("meal", "care_morning", "study"):
            cell = service_cell(CALENDAR.day(d(iso)), SETTINGS.service(code), booked,
                                CALENDAR, now)
            reason = refusal_reason(Change(d(iso), code, not booked), booked, SETTINGS,
                                    CALENDAR, now)
            assert cell["editable"] is (reason is None), (now, code)


# -- expand_period -----------------------------------------------------------------------

@pytest.mark.parametrize("start, end, services, weekdays, booked, expected", [
    ("2026-11-30", "2026-12-06", ("meal",), {1, 2, 4, 5}, True,
     [("2026-11-30", "meal"), ("2026-12-01", "meal"), ("2026-12-03", "meal"),
      ("2026-12-04", "meal")]),
    ("2026-11-30", "2026-12-01", ("meal", "care_evening"), {1, 2}, False,
     [("2026-11-30", "meal"), ("2026-11-30", "care_evening"), ("2026-12-01", "meal"),
      ("2026-12-01", "care_evening")]),
    ("2026-11-30", "2026-12-13", ("meal",), {3}, True,
     [("2026-12-02", "meal"), ("2026-12-09", "meal")]),
    ("2026-12-05", "2026-12-06", ("meal",), {1, 2, 3, 4, 5}, True, []),
    ("2026-12-07", "2026-12-07", ("meal",), {1}, True, [("2026-12-07", "meal")]),
    ("2026-12-21", "2026-12-27", ("meal",), {1, 2, 3, 4, 5, 6, 7}, True,
     [(f"2026-12-{n}", "meal") for n in range(21, 28)]),  # rules are applied later
])
def test_expand_period_table(start, end, services, weekdays, booked, expected):
    period = Period(d(start), d(end), services, frozenset(weekdays), booked)
    assert expand_period(period) == [Change(d(iso), code, booked) for iso, code in expected]


# -- parse_changes -----------------------------------------------------------------------

@pytest.mark.parametrize("raw, expected", [
    ([{"date": "2026-12-07", "service": "meal", "booked": True}],
     [Change(date(2026, 12, 7), "meal", True)]),
    ([{"date": "2026-12-07", "service": "meal", "booked": False},
      {"date": "2026-12-07", "service": "care_evening", "booked": True},
      {"date": "2026-12-08", "service": "meal", "booked": True}],
     [Change(date(2026, 12, 7), "meal", False), Change(date(2026, 12, 7), "care_evening", True),
      Change(date(2026, 12, 8), "meal", True)]),
])
def test_parse_changes_keeps_valid_changes_in_order(raw, expected):
    assert parse_changes({"changes": raw}) == expected


def test_parse_changes_accepts_four_hundred_changes_over_a_hundred_days():
    raw = [{"date": (date(2026, 12, 7) + timedelta(days=i // 4)).isoformat(),
            "service": ("meal", "care_morning", "care_evening", "study")[i % 4],
            "booked": True} for i in range(400)]
    assert len(parse_changes({"changes": raw})) == 400


def test_parse_changes_refuses_more_days_than_one_transaction_holds():
    raw = [{"date": (date(2026, 12, 7) + timedelta(days=i)).isoformat(), "service": "meal",
            "booked": True} for i in range(101)]
    with pytest.raises(ValidationError) as refused:
        parse_changes({"changes": raw})
    assert refused.value.field == "changes"


@pytest.mark.parametrize("data, field", [
    ({}, "changes"),
    ({"changes": None}, "changes"),
    ({"changes": []}, "changes"),
    ({"changes": "x"}, "changes"),
    ({"changes": [{"date": f"2026-12-{n:02d}", "service": s, "booked": True}
                  for n in range(1, 32) for s in ("a", "b", "c", "d", "e", "f", "g", "h",
                                                   "i", "j", "k", "l", "m", "n")]}, "changes"),
    ({"changes": [None]}, "changes[0]"),
    ({"changes": [{"date": "2026-12-7", "service": "meal", "booked": True}]},
     "changes[0].date"),
    ({"changes": [{"date": "2026-W50-1", "service": "meal", "booked": True}]},
     "changes[0].date"),
    ({"changes": [{"date": 20261207, "service": "meal", "booked": True}]}, "changes[0].date"),
    ({"changes": [{"date": "2026-12-07", "service": "", "booked": True}]},
     "changes[0].service"),
    ({"changes": [{"date": "2026-12-07", "service": 1, "booked": True}]},
     "changes[0].service"),
    ({"changes": [{"date": "2026-12-07", "service": "meal", "booked": "true"}]},
     "changes[0].booked"),
    ({"changes": [{"date": "2026-12-07", "service": "meal", "booked": 0}]},
     "changes[0].booked"),
    ({"changes": [{"date": "2026-12-07", "service": "meal", "booked": True},
                  {"date": "2026-12-08", "service": "meal", "booked": True},
                  {"date": "2026-12-07", "service": "meal", "booked": True}]}, "changes[2]"),
])
def test_parse_changes_refuses_bad_input_naming_the_field(data, field):
    with pytest.raises(ValidationError) as caught:
        parse_changes(data)
    assert caught.value.details == {"field": field}


# -- parse_period ------------------------------------------------------------------------

PERIOD = {"from": "2026-11-30", "to": "2027-07-03", "services": ["meal", "care_evening"],
          "weekdays": [1, 2, 4, 5], "booked": True}


def test_parse_period_reads_a_school_year():
    assert parse_period(PERIOD, SETTINGS) == Period(
        date(2026, 11, 30), date(2027, 7, 3), ("meal", "care_evening"),
        frozenset({1, 2, 4, 5}), True)


@pytest.mark.parametrize("overrides", [
    {"from": "2026-12-07", "to": "2026-12-07"},
    {"from": "2026-11-30", "to": "2028-01-04"},     # exactly 400 days
    {"services": ["study"]},                        # known but not bookable: skipped later
    {"weekdays": [7]},
    {"booked": False},
])
def test_parse_period_accepts_edge_values(overrides):
    assert isinstance(parse_period(dict(PERIOD, **overrides), SETTINGS), Period)


@pytest.mark.parametrize("overrides, field", [
    ({"from": None}, "from"),
    ({"from": "30/11/2026"}, "from"),
    ({"to": "2027-02-29"}, "to"),
    ({"from": "2026-12-08", "to": "2026-12-07"}, "to"),
    ({"from": "2026-11-30", "to": "2028-01-05"}, "to"),     # 401 days
    ({"services": None}, "services"),
    ({"services": []}, "services"),
    ({"services": [1]}, "services"),
    ({"services": ["meal", "meal"]}, "services"),
    ({"services": ["meal", "pizza"]}, "services[1]"),
    ({"weekdays": None}, "weekdays"),
    ({"weekdays": []}, "weekdays"),
    ({"weekdays": [0]}, "weekdays"),
    ({"weekdays": [1, 8]}, "weekdays"),
    ({"weekdays": [False]}, "weekdays"),
    ({"weekdays": ["1"]}, "weekdays"),
    ({"booked": None}, "booked"),
    ({"booked": 1}, "booked"),
])
def test_parse_period_refuses_bad_input_naming_the_field(overrides, field):
    with pytest.raises(ValidationError) as caught:
        parse_period(dict(PERIOD, **overrides), SETTINGS)
    assert caught.value.details == {"field": field}


# -- month_bounds ------------------------------------------------------------------------

@pytest.mark.parametrize("month, first, last", [
    ("2026-12", date(2026, 12, 1), date(2026, 12, 31)),
    ("2027-01", date(2027, 1, 1), date(2027, 1, 31)),
    ("2027-02", date(2027, 2, 1), date(2027, 2, 28)),
    ("2028-02", date(2028, 2, 1), date(2028, 2, 29)),
    ("2027-04", date(2027, 4, 1), date(2027, 4, 30)),
])
def test_month_bounds_table(month, first, last):
    assert month_bounds(month) == (first, last)


@pytest.mark.parametrize("month", [
    None, 202612, "", "2026", "2026-1", "2026-13", "2026-00", "202612", "2026/12",
    "12-2026", "2026-12-01", "abcd-ef",
    "2026-+1", "2026- 1",     # int() is lenient: the format must be checked first
    "9999-12", "0001-01",     # outside any calendar the product can compute
])
def test_month_bounds_refuses_anything_but_a_yyyy_mm_month(month):
    with pytest.raises(ValidationError) as caught:
        month_bounds(month)
    assert caught.value.details == {"field": "month"}
