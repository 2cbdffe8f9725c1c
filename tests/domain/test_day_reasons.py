"""Why a day cannot be booked, in the words of the parents' guides: a stable code and a
French label, for the calendar's days, each checkbox and the days a period skips."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time

import pytest

from chalicelib.domain.bookings import (Change, Refusal, cell_why, change_why, refusal_code,
                                        skipped_summary)
from chalicelib.domain.calendar import PARIS, Closure, DayReason, SchoolCalendar, why_closed
from chalicelib.domain.commune import ATTENDANCE, default_settings
from chalicelib.domain.deadlines import DeadlinePolicy, SchoolDaysBeforeRule, short_deadline

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=PARIS)  # Monday
CALENDAR = SchoolCalendar((1, 2, 4, 5), "A",
                          (Closure("f1", date(2026, 12, 10), date(2026, 12, 10), "Grève"),))
SETTINGS = replace(default_settings(), closures=CALENDAR.closures)


def d(iso):
    return date.fromisoformat(iso)


@pytest.mark.parametrize("iso, code, label", [
    ("2026-12-07", None, None),                                        # a school Monday
    ("2026-12-09", "no_school", "pas d'école ce jour-là"),             # Wednesday
    ("2026-12-12", "no_school", "pas d'école ce jour-là"),             # Saturday
    ("2026-12-22", "school_holiday", "Vacances de Noël"),
    ("2026-12-25", "public_holiday", "jour férié (Noël)"),             # both: the holiday wins
    ("2026-11-11", "public_holiday", "jour férié (Armistice)"),
    ("2026-12-10", "closure", "fermeture (Grève)"),
])
def test_why_closed_names_the_reason_of_a_day_without_school(iso, code, label):
    reason = why_closed(CALENDAR.day(d(iso)))
    assert (reason and reason.code, reason and reason.label) == (code, label)


def test_a_deadline_reads_as_weekday_day_month_and_paris_time():
    assert short_deadline(datetime(2026, 11, 26, 16, 0, tzinfo=PARIS).astimezone()) \
        == "jeudi 26/11 16:00"
    assert short_deadline(datetime(2027, 6, 3, 17, 0, tzinfo=PARIS)) == "jeudi 03/06 17:00"


@pytest.mark.parametrize("iso, booked, frozen, now, code, label", [
    ("2026-12-07", False, False, NOW, None, None),
    ("2026-11-30", False, False, datetime(2026, 11, 26, 17, 0, tzinfo=PARIS),
     "deadline_passed", "date limite dépassée (jeudi 26/11 17:00)"),
    ("2026-11-24", True, False, NOW,
     "deadline_passed", "date limite dépassée (jeudi 19/11 17:00)"),
    ("2026-12-09", False, False, NOW, "no_school", "pas d'école ce jour-là"),
    ("2026-12-21", False, False, NOW, "school_holiday", "Vacances de Noël"),
    ("2026-12-10", False, False, NOW, "closure", "fermeture (Grève)"),
    # Frozen by the lock while the deadline is still ahead: "verrouillé".
    ("2026-12-07", False, True, NOW, "locked", "verrouillé"),
    ("2028-01-06", False, False, NOW, "not_open", "pas encore ouvert à la réservation"),
])
def test_each_greyed_checkbox_says_why(iso, booked, frozen, now, code, label):
    info = CALENDAR.day(d(iso))
    reason = cell_why(info, SETTINGS.service("meal"), booked, CALENDAR, now, frozen)
    assert (reason and reason.code, reason and reason.label) == (code, label)


def test_an_attendance_service_needs_no_booking():
    garderie = replace(SETTINGS.service("care_morning"), mode=ATTENDANCE, deadline=None)
    reason = cell_why(CALENDAR.day(d("2026-12-07")), garderie, False, CALENDAR, NOW)
    assert reason == DayReason("no_booking", "pas besoin de réserver")


def test_a_frozen_day_whose_relaxed_deadline_is_tomorrow_is_locked_not_past_its_deadline():
    # The rule became "the school day before at 09:00" after the lock froze 7 December.
    relaxed = DeadlinePolicy(SchoolDaysBeforeRule(1, time(9, 0)))
    meal = replace(SETTINGS.service("meal"), deadline=relaxed)
    settings = replace(SETTINGS, services=(meal,), locked_through={"meal": d("2026-12-07")})
    now = datetime(2026, 12, 3, 12, 0, tzinfo=PARIS)  # deadline: Friday 4 December 09:00
    change = Change(d("2026-12-07"), "meal", True)
    why = change_why(change, False, settings, CALENDAR, now)
    assert why == DayReason("locked", "verrouillé")
    assert refusal_code(why) == "locked"


def test_a_period_summary_counts_days_not_day_times_service_per_reason():
    refusals = []
    for iso in ("2026-12-21", "2026-12-22", "2026-12-24", "2026-12-25", "2026-12-09",
                "2026-12-16"):
        for service in ("meal", "care_evening"):
            change = Change(d(iso), service, True)
            why = change_why(change, False, SETTINGS, CALENDAR, NOW)
            assert why is not None  # every one of these days is refused
            refusals.append(Refusal(d(iso), service, refusal_code(why), why))
    assert skipped_summary(refusals) == [
        {"code": "school_holiday", "label": "Vacances de Noël", "days": 3},
        {"code": "public_holiday", "label": "jour férié (Noël)", "days": 1},
        {"code": "no_school", "label": "pas d'école ce jour-là", "days": 2},
    ]
