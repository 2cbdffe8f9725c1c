"""Property-based: the deadline engine over random rules, school weeks, zones and instants,
including both DST changes — it never accepts a change after its deadline and never
refuses one before, checked against an oracle written independently here."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import given, settings, strategies as st

from chalicelib.domain.calendar import SchoolCalendar
from chalicelib.domain.deadlines import (DeadlinePolicy, SchoolDaysBeforeRule, WeeklyRule,
                                         booking_deadline, can_change)

PARIS = ZoneInfo("Europe/Paris")
# Weeks around both DST changes of 2027 are drawn often: that is where bugs hide.
DST_DAYS = [date(2027, 3, 29) + timedelta(days=n) for n in range(-10, 10)] + \
           [date(2027, 11, 1) + timedelta(days=n) for n in range(-10, 10)]
days = st.one_of(st.sampled_from(DST_DAYS),
                 st.dates(min_value=date(2026, 9, 1), max_value=date(2028, 6, 30)))
times = st.builds(time, st.integers(0, 23), st.sampled_from([0, 1, 15, 30, 59]))
rules = st.one_of(
    st.builds(WeeklyRule, st.integers(1, 7), times),
    st.builds(SchoolDaysBeforeRule, st.integers(1, 5), times))
school_weeks = st.sets(st.integers(1, 7), min_size=1, max_size=7)


def paris_instant(day: date, at: time) -> datetime:
    """Wall-clock Paris time as an instant; a time skipped by DST moves an hour later,
    an ambiguous one takes its first (summer) occurrence."""
    naive = datetime.combine(day, at)
    for fold in (0, 1):
        candidate = naive.replace(tzinfo=PARIS, fold=fold)
        back = candidate.astimezone(timezone.utc).astimezone(PARIS).replace(tzinfo=None)
        if back == naive:
            return candidate.astimezone(timezone.utc)
    return (naive + timedelta(hours=1)).replace(tzinfo=PARIS).astimezone(timezone.utc)


def oracle(day: date, rule, calendar: SchoolCalendar) -> datetime:
    """The deadline, computed the long way round."""
    if isinstance(rule, WeeklyRule):
        target = day - timedelta(days=day.weekday()) - timedelta(days=7) \
            + timedelta(days=rule.weekday - 1)
    else:
        target, found = day, 0
        while found < rule.days:
            target -= timedelta(days=1)
            if calendar.is_school_day(target):
                found += 1
    return paris_instant(target, rule.time)


@settings(max_examples=300, deadline=None)
@given(day=days, rule=rules, week=school_weeks, zone=st.sampled_from("ABC"),
       offset=st.integers(-3 * 86400, 3 * 86400))
def test_a_change_is_accepted_exactly_until_the_deadline(day, rule, week, zone, offset):
    calendar = SchoolCalendar(week, zone)
    policy = DeadlinePolicy(rule)
    limit = oracle(day, rule, calendar)
    for now in (limit + timedelta(seconds=offset), limit - timedelta(seconds=1), limit):
        accepted = can_change(day, False, True, policy, calendar, now.astimezone(PARIS))
        assert accepted == (now < limit), (day, rule, now, limit)
    assert booking_deadline(day, policy, calendar).astimezone(timezone.utc) == limit


@settings(max_examples=150, deadline=None)
@given(day=days, later=st.integers(1, 40), rule=rules, week=school_weeks,
       zone=st.sampled_from("ABC"))
def test_deadlines_come_before_their_day_and_never_go_backwards(day, later, rule, week, zone):
    calendar = SchoolCalendar(week, zone)
    policy = DeadlinePolicy(rule)
    first = booking_deadline(day, policy, calendar)
    second = booking_deadline(day + timedelta(days=later), policy, calendar)
    midnight = datetime.combine(day, time(0), tzinfo=PARIS)
    assert first.astimezone(timezone.utc) < midnight.astimezone(timezone.utc)
    assert first.astimezone(timezone.utc) <= second.astimezone(timezone.utc)
