"""Which (day, service) pairs the weekly lock freezes: ``days_to_freeze``.

Demo commune: school on Mon Tue Thu Fri, zone A, every booked service closes on the
Thursday 17:00 (Paris) before its week. Deadlines are strict: at 17:00:00 it has passed.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta, timezone

import pytest

from chalicelib.domain.calendar import PARIS, Closure
from chalicelib.domain.commune import default_settings
from chalicelib.domain.deadlines import DeadlinePolicy, SchoolDaysBeforeRule
from chalicelib.domain.lock import days_to_freeze, last_change_at

UTC = timezone.utc
SETTINGS = default_settings()
MEAL = SETTINGS.service("meal")

WEEK_OF_NOV_30 = [date(2026, 11, 30), date(2026, 12, 1), date(2026, 12, 3), date(2026, 12, 4)]
WEEK_OF_JUNE_14 = [date(2027, 6, 14), date(2027, 6, 15), date(2027, 6, 17), date(2027, 6, 18)]


def school_days(start: date, end: date) -> list[date]:
    """Mon, Tue, Thu, Fri between two dates, for ranges without holidays."""
    days, day = [], start
    while day <= end:
        if day.isoweekday() in (1, 2, 4, 5):
            days.append(day)
        day += timedelta(days=1)
    return days


def paris(*parts) -> datetime:
    return datetime(*parts, tzinfo=PARIS)


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def frozen_of(now, settings=SETTINGS, service=MEAL):
    days, mark = days_to_freeze(service, settings, now)
    return days, mark


# -- the Thursday 17:00 boundary, winter and summer --------------------------------------

@pytest.mark.parametrize("now, week, frozen", [
    (paris(2026, 11, 26, 16, 59), WEEK_OF_NOV_30, False),
    (paris(2026, 11, 26, 16, 59, 59, 999999), WEEK_OF_NOV_30, False),
    (paris(2026, 11, 26, 17, 0), WEEK_OF_NOV_30, True),
    (paris(2026, 11, 26, 17, 1), WEEK_OF_NOV_30, True),
    (utc(2026, 11, 26, 15, 59, 59), WEEK_OF_NOV_30, False),  # winter: 17:00 Paris = 16:00 UTC
    (utc(2026, 11, 26, 16, 0), WEEK_OF_NOV_30, True),
    (paris(2027, 6, 10, 16, 59), WEEK_OF_JUNE_14, False),
    (paris(2027, 6, 10, 17, 1), WEEK_OF_JUNE_14, True),
    (utc(2027, 6, 10, 14, 59, 59), WEEK_OF_JUNE_14, False),  # summer: 17:00 Paris = 15:00 UTC
    (utc(2027, 6, 10, 15, 0), WEEK_OF_JUNE_14, True),
])
def test_the_following_week_freezes_exactly_when_thursday_17h_in_paris_has_passed(now, week,
                                                                                 frozen):
    days, mark = frozen_of(now)
    assert all((day in days) is frozen for day in week)
    assert mark == (week[-1] if frozen else week[0] - timedelta(days=3))


def test_a_first_run_also_freezes_the_recent_past_but_not_the_open_week():
    days, mark = frozen_of(paris(2026, 11, 26, 16, 59))
    # The first run looks two weeks back (Armistice, 11 Nov, falls just before).
    assert days == school_days(date(2026, 11, 12), date(2026, 11, 27))
    assert mark == date(2026, 11, 27)


def test_the_week_after_the_change_to_summer_time_freezes_at_17h_winter_time():
    # Clocks go forward on Sunday 28 March 2027; its week closes Thursday 25 at 17:00+01:00.
    # Easter Monday (29 March) is no school day: Tuesday 30 is the first day frozen.
    before, _ = frozen_of(utc(2027, 3, 25, 15, 59))
    after, mark = frozen_of(utc(2027, 3, 25, 16, 0))
    assert date(2027, 3, 30) not in before
    assert date(2027, 3, 29) not in after
    assert [d for d in after if d >= date(2027, 3, 29)] == [
        date(2027, 3, 30), date(2027, 4, 1), date(2027, 4, 2)]
    assert mark == date(2027, 4, 2)


# -- the mark -----------------------------------------------------------------------------

@pytest.mark.parametrize("mark, expected_days, expected_mark", [
    (None, school_days(date(2026, 11, 12), date(2026, 12, 4)), date(2026, 12, 4)),
    (date(2026, 11, 27), WEEK_OF_NOV_30, date(2026, 12, 4)),
    (date(2026, 11, 30), WEEK_OF_NOV_30[1:], date(2026, 12, 4)),
    (date(2026, 12, 4), [], None),   # already frozen: a rerun finds nothing new
    (date(2026, 12, 6), [], None),   # a mark past the open days changes nothing either
])
def test_a_run_starts_the_day_after_the_last_frozen_day(mark, expected_days, expected_mark):
    marks = {"meal": mark} if mark else {}
    settings = replace(SETTINGS, locked_through=marks)
    assert frozen_of(paris(2026, 11, 26, 17, 1), settings) == (expected_days, expected_mark)


def test_each_service_follows_its_own_mark():
    settings = replace(SETTINGS, locked_through={"meal": date(2026, 12, 4),
                                                 "care_evening": date(2026, 11, 27)})
    now = paris(2026, 11, 26, 17, 1)
    assert days_to_freeze(settings.service("meal"), settings, now) == ([], None)
    assert days_to_freeze(settings.service("care_evening"), settings, now) == (
        WEEK_OF_NOV_30, date(2026, 12, 4))


def test_a_service_parents_do_not_book_is_never_frozen():
    study = SETTINGS.service("study")
    assert study.mode == "off"
    assert days_to_freeze(study, SETTINGS, paris(2026, 11, 26, 17, 1)) == ([], None)


# -- a per-day rule ------------------------------------------------------------------------

DAY_BEFORE_9 = DeadlinePolicy(SchoolDaysBeforeRule(1, time(9, 0)))


@pytest.mark.parametrize("now, expected_days, expected_mark", [
    # The previous school day at 09:00: Friday 27 closes on Thursday 26 at 09:00.
    (paris(2026, 11, 26, 8, 59), [date(2026, 11, 26)], date(2026, 11, 26)),
    (paris(2026, 11, 26, 9, 0), [date(2026, 11, 26), date(2026, 11, 27)], date(2026, 11, 27)),
    # Monday 30 closes on Friday 27 at 09:00; Tuesday 1 on Monday 30.
    (paris(2026, 11, 27, 9, 0), [date(2026, 11, 26), date(2026, 11, 27), date(2026, 11, 30)],
     date(2026, 11, 30)),
])
def test_a_per_day_rule_freezes_day_by_day(now, expected_days, expected_mark):
    meal = replace(MEAL, deadline=DAY_BEFORE_9)
    settings = replace(SETTINGS, services=tuple(meal if s.code == "meal" else s
                                                for s in SETTINGS.services),
                       locked_through={"meal": date(2026, 11, 24)})
    assert days_to_freeze(meal, settings, now) == (expected_days, expected_mark)


def test_the_last_change_instant_is_the_later_of_booking_and_cancelling():
    meal = replace(MEAL, deadline=DeadlinePolicy(SchoolDaysBeforeRule(3, time(9, 0)),
                                                 SchoolDaysBeforeRule(1, time(9, 0))))
    assert last_change_at(date(2026, 12, 3), meal, SETTINGS) == paris(2026, 12, 1, 9, 0)
    settings = replace(SETTINGS, locked_through={"meal": date(2026, 11, 30)})
    # Booking Tuesday 1 closed on Thursday 26, but cancelling it stays open until Monday
    # 30 at 09:00: nothing freezes before.
    assert days_to_freeze(meal, settings, paris(2026, 11, 30, 8, 59)) == ([], None)
    assert days_to_freeze(meal, settings, paris(2026, 12, 1, 9, 0)) == (
        [date(2026, 12, 1), date(2026, 12, 3)], date(2026, 12, 3))


# -- closures ------------------------------------------------------------------------------

@pytest.mark.parametrize("closed, expected_days, expected_mark", [
    (date(2026, 12, 1), [date(2026, 11, 30), date(2026, 12, 3), date(2026, 12, 4)],
     date(2026, 12, 4)),
    # Closed on the Friday: the mark stays on the last day actually frozen.
    (date(2026, 12, 4), [date(2026, 11, 30), date(2026, 12, 1), date(2026, 12, 3)],
     date(2026, 12, 3)),
])
def test_a_closed_day_is_skipped_and_never_frozen(closed, expected_days, expected_mark):
    settings = replace(SETTINGS, closures=(Closure("f1", closed, closed, "Grève"),),
                       locked_through={"meal": date(2026, 11, 27)})
    assert frozen_of(paris(2026, 11, 26, 17, 1), settings) == (expected_days, expected_mark)


def test_a_closure_over_a_whole_week_lets_the_walk_reach_the_next_week():
    closure = Closure("f1", date(2026, 11, 30), date(2026, 12, 4), "Classe verte")
    settings = replace(SETTINGS, closures=(closure,),
                       locked_through={"meal": date(2026, 11, 27)})
    assert frozen_of(paris(2026, 11, 26, 17, 1), settings) == ([], None)
    # The week after closes on Thursday 3 December.
    assert frozen_of(paris(2026, 12, 3, 17, 0), settings) == (
        [date(2026, 12, 7), date(2026, 12, 8), date(2026, 12, 10), date(2026, 12, 11)],
        date(2026, 12, 11))
