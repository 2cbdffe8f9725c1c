from datetime import date, datetime, time, timedelta, timezone

import pytest

from chalicelib.domain.calendar import PARIS, Closure, SchoolCalendar
from chalicelib.domain.deadlines import (
    DeadlinePolicy, SchoolDaysBeforeRule, WeeklyRule, booking_deadline, can_change,
    cancellation_deadline, deadline, parse_policy, parse_rule, policy_to_dict,
    rule_to_dict,
)
from chalicelib.domain.errors import ValidationError

FOUR_DAYS = (1, 2, 4, 5)
CAL = SchoolCalendar(FOUR_DAYS, "A")
THURSDAY_17 = WeeklyRule(4, time(17, 0))
DAY_BEFORE_9 = SchoolDaysBeforeRule(1, time(9, 0))
UTC = timezone.utc


def paris(y, mo, d, h, mi, fold=0):
    return datetime(y, mo, d, h, mi, tzinfo=PARIS, fold=fold)


# Saint-Just-d'Avray: weekly Thursday 17:00 for the whole following week.

@pytest.mark.parametrize("day", [date(2026, 12, 7) + timedelta(days=i) for i in range(7)])
def test_saint_just_every_day_of_the_week_closes_the_thursday_before_at_17h(day):
    assert deadline(day, THURSDAY_17, CAL).isoformat() == "2026-12-03T17:00:00+01:00"


@pytest.mark.parametrize("now, allowed", [
    (paris(2026, 12, 3, 16, 59), True),
    (datetime(2026, 12, 3, 16, 59, 59, 999999, tzinfo=PARIS), True),
    (paris(2026, 12, 3, 17, 0), False),
    (paris(2026, 12, 3, 17, 1), False),
    (datetime(2026, 12, 3, 15, 59, tzinfo=UTC), True),
    (datetime(2026, 12, 3, 16, 0, tzinfo=UTC), False),
])
def test_saint_just_booking_is_allowed_strictly_before_the_deadline(now, allowed):
    policy = DeadlinePolicy(THURSDAY_17)
    assert can_change(date(2026, 12, 10), False, True, policy, CAL, now) is allowed
    assert can_change(date(2026, 12, 10), True, False, policy, CAL, now) is allowed


# Sercus: the previous school day at 09:00.

@pytest.mark.parametrize("day, expected", [
    (date(2026, 12, 7), "2026-12-04T09:00:00+01:00"),   # Monday -> Friday
    (date(2026, 12, 8), "2026-12-07T09:00:00+01:00"),   # Tuesday -> Monday
    (date(2026, 12, 10), "2026-12-08T09:00:00+01:00"),  # Thursday -> Tuesday
    (date(2026, 12, 11), "2026-12-10T09:00:00+01:00"),  # Friday -> Thursday
    (date(2027, 1, 4), "2026-12-18T09:00:00+01:00"),    # after the Christmas break
    (date(2026, 11, 2), "2026-10-16T09:00:00+02:00"),   # after Toussaint, summer time
    (date(2027, 3, 30), "2027-03-26T09:00:00+01:00"),   # Easter Monday 2027-03-29 skipped
    (date(2027, 5, 10), "2027-05-04T09:00:00+02:00"),   # Ascension Thursday and bridge Friday
])
def test_sercus_closes_on_the_previous_school_day_at_9h(day, expected):
    assert deadline(day, DAY_BEFORE_9, CAL).isoformat() == expected


def test_sercus_a_closure_pushes_the_deadline_back_over_it():
    cal = SchoolCalendar(FOUR_DAYS, "A", [
        Closure("c1", date(2026, 12, 8), date(2026, 12, 8), "Grève"),
    ])
    assert deadline(date(2026, 12, 10), DAY_BEFORE_9, cal) == paris(2026, 12, 7, 9, 0)


def test_two_school_days_before_counts_two_school_days():
    rule = SchoolDaysBeforeRule(2, time(9, 0))
    assert deadline(date(2026, 12, 10), rule, CAL) == paris(2026, 12, 7, 9, 0)


# DST: 17:00 Paris is 16:00 UTC in winter and 15:00 UTC in summer.

@pytest.mark.parametrize("day, expected_local, expected_utc", [
    (date(2027, 3, 29), "2027-03-25T17:00:00+01:00", datetime(2027, 3, 25, 16, 0, tzinfo=UTC)),
    (date(2027, 4, 5), "2027-04-01T17:00:00+02:00", datetime(2027, 4, 1, 15, 0, tzinfo=UTC)),
    (date(2026, 10, 26), "2026-10-22T17:00:00+02:00", datetime(2026, 10, 22, 15, 0, tzinfo=UTC)),
    (date(2026, 11, 2), "2026-10-29T17:00:00+01:00", datetime(2026, 10, 29, 16, 0, tzinfo=UTC)),
    (date(2027, 11, 1), "2027-10-28T17:00:00+02:00", datetime(2027, 10, 28, 15, 0, tzinfo=UTC)),
    (date(2027, 11, 8), "2027-11-04T17:00:00+01:00", datetime(2027, 11, 4, 16, 0, tzinfo=UTC)),
])
def test_a_weekly_deadline_keeps_17h_paris_on_both_sides_of_a_dst_change(
        day, expected_local, expected_utc):
    result = deadline(day, THURSDAY_17, CAL)
    assert result.isoformat() == expected_local
    assert result == expected_utc


def test_a_rule_time_in_the_skipped_spring_hour_moves_one_hour_later():
    # 2027-03-28 02:30 does not exist: read with the winter offset, i.e. 03:30 summer time.
    result = deadline(date(2027, 3, 29), WeeklyRule(7, time(2, 30)), CAL)
    assert result.isoformat() == "2027-03-28T03:30:00+02:00"
    assert result == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)


@pytest.mark.parametrize("day, expected_utc", [
    (date(2026, 10, 26), datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
    (date(2027, 11, 1), datetime(2027, 10, 31, 0, 30, tzinfo=UTC)),
])
def test_a_rule_time_in_the_repeated_autumn_hour_takes_the_first_occurrence(day, expected_utc):
    result = deadline(day, WeeklyRule(7, time(2, 30)), CAL)
    assert result.isoformat() == f"{day - timedelta(days=1)}T02:30:00+02:00"
    # PEP 495: an ambiguous wall time never compares equal across zones: go through UTC.
    assert result.astimezone(UTC) == expected_utc


@pytest.mark.parametrize("now, allowed", [
    (paris(2026, 10, 25, 2, 29), True),            # first 02:29, summer time
    (paris(2026, 10, 25, 2, 30), False),
    (paris(2026, 10, 25, 2, 15, fold=1), False),   # second 02:15: later, though it reads earlier
    (paris(2026, 10, 25, 3, 10), False),
])
def test_can_change_compares_instants_during_the_repeated_hour(now, allowed):
    policy = DeadlinePolicy(WeeklyRule(7, time(2, 30)))
    assert can_change(date(2026, 10, 26), False, True, policy, CAL, now) is allowed


@pytest.mark.parametrize("now, allowed", [
    (paris(2027, 3, 28, 1, 59), True),
    (paris(2027, 3, 28, 3, 29), True),
    (paris(2027, 3, 28, 3, 30), False),
])
def test_can_change_around_a_deadline_in_the_skipped_hour(now, allowed):
    policy = DeadlinePolicy(WeeklyRule(7, time(2, 30)))
    assert can_change(date(2027, 3, 29), False, True, policy, CAL, now) is allowed


# Cancellation with its own deadline.

CANCEL_LATER = DeadlinePolicy(THURSDAY_17, DAY_BEFORE_9)


def test_cancellation_deadline_falls_back_on_the_booking_rule():
    policy = DeadlinePolicy(THURSDAY_17)
    assert cancellation_deadline(date(2026, 12, 7), policy, CAL) == \
        booking_deadline(date(2026, 12, 7), policy, CAL)


@pytest.mark.parametrize("before, after, now, allowed", [
    (False, True, paris(2026, 12, 4, 17, 30), False),  # late booking refused
    (True, False, paris(2026, 12, 4, 8, 59), True),    # cancelling still allowed
    (True, False, paris(2026, 12, 4, 9, 0), False),
    (True, True, paris(2026, 12, 6, 12, 0), True),     # no change is always fine
    (False, False, paris(2026, 12, 6, 12, 0), True),
])
def test_cancelling_monday_uses_the_cancellation_deadline_and_booking_the_booking_one(
        before, after, now, allowed):
    assert can_change(date(2026, 12, 7), before, after, CANCEL_LATER, CAL, now) is allowed


def test_a_cancellation_deadline_may_be_earlier_than_the_booking_one():
    policy = DeadlinePolicy(DAY_BEFORE_9, THURSDAY_17)
    now = paris(2026, 12, 4, 8, 0)
    assert can_change(date(2026, 12, 7), False, True, policy, CAL, now)
    assert not can_change(date(2026, 12, 7), True, False, policy, CAL, now)


def test_can_change_refuses_a_naive_now():
    with pytest.raises(ValueError):
        can_change(date(2026, 12, 7), False, True, CANCEL_LATER, CAL, datetime(2026, 12, 1))


# Parsing, serialising, describing.

@pytest.mark.parametrize("data, rule", [
    ({"type": "weekly", "weekday": 4, "time": "17:00"}, THURSDAY_17),
    ({"type": "school_days_before", "days": 1, "time": "09:00"}, DAY_BEFORE_9),
    ({"type": "school_days_before", "days": 30, "time": "23:59"},
     SchoolDaysBeforeRule(30, time(23, 59))),
])
def test_a_rule_round_trips_through_its_dict(data, rule):
    assert parse_rule(data, "deadline") == rule
    assert rule_to_dict(rule) == data


def test_a_policy_round_trips_with_and_without_cancellation():
    for policy in (CANCEL_LATER, DeadlinePolicy(THURSDAY_17)):
        assert parse_policy(policy_to_dict(policy), "deadlines") == policy
    assert policy_to_dict(DeadlinePolicy(THURSDAY_17))["cancellation"] is None
    assert parse_policy({"booking": rule_to_dict(THURSDAY_17)}, "d") == DeadlinePolicy(THURSDAY_17)


@pytest.mark.parametrize("data, field", [
    ("weekly", "meal"),
    ({"weekday": 4, "time": "17:00"}, "meal.type"),
    ({"type": "daily", "time": "17:00"}, "meal.type"),
    ({"type": "weekly", "weekday": 0, "time": "17:00"}, "meal.weekday"),
    ({"type": "weekly", "weekday": 8, "time": "17:00"}, "meal.weekday"),
    ({"type": "weekly", "weekday": "4", "time": "17:00"}, "meal.weekday"),
    ({"type": "weekly", "weekday": True, "time": "17:00"}, "meal.weekday"),
    ({"type": "weekly", "time": "17:00"}, "meal.weekday"),
    ({"type": "weekly", "weekday": 4, "time": "24:00"}, "meal.time"),
    ({"type": "weekly", "weekday": 4, "time": "17:60"}, "meal.time"),
    ({"type": "weekly", "weekday": 4, "time": "9:00"}, "meal.time"),
    ({"type": "weekly", "weekday": 4, "time": "17:00:00"}, "meal.time"),
    ({"type": "weekly", "weekday": 4}, "meal.time"),
    ({"type": "school_days_before", "days": 0, "time": "09:00"}, "meal.days"),
    ({"type": "school_days_before", "days": 31, "time": "09:00"}, "meal.days"),
    ({"type": "school_days_before", "days": 1.0, "time": "09:00"}, "meal.days"),
    ({"type": "school_days_before", "days": 1, "time": 900}, "meal.time"),
])
def test_parse_rule_names_the_bad_field(data, field):
    with pytest.raises(ValidationError) as err:
        parse_rule(data, "meal")
    assert err.value.field == field
    assert err.value.details == {"field": field}


@pytest.mark.parametrize("data, field", [
    (None, "deadlines"),
    ({}, "deadlines.booking"),
    ({"booking": {"type": "weekly", "weekday": 9, "time": "17:00"}}, "deadlines.booking.weekday"),
    ({"booking": rule_to_dict(THURSDAY_17), "cancellation": {"type": "x"}},
     "deadlines.cancellation.type"),
    ({"booking": rule_to_dict(THURSDAY_17),
      "cancellation": {"type": "school_days_before", "days": 1, "time": "9h"}},
     "deadlines.cancellation.time"),
])
def test_parse_policy_names_the_bad_field(data, field):
    with pytest.raises(ValidationError) as err:
        parse_policy(data, "deadlines")
    assert err.value.field == field
