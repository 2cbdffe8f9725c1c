"""Which deadline is near, which period it governs, who is reminded, what a receipt says."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from chalicelib.domain.commune import default_settings, parse_settings
from chalicelib.domain.deadlines import DeadlinePolicy, SchoolDaysBeforeRule
from chalicelib.domain.errors import ValidationError
from chalicelib.domain.reminders import (
    Period,
    ReminderSettings,
    history_days,
    near_periods,
    needs_reminder,
    receipt,
)

PARIS = ZoneInfo("Europe/Paris")
WEEK = (date(2026, 11, 30), date(2026, 12, 1), date(2026, 12, 3), date(2026, 12, 4))


def paris(*parts) -> datetime:
    return datetime(*parts, tzinfo=PARIS)


def sercus():
    """Per-day deadlines: the previous school day at 09:00."""
    base = default_settings()
    rule = DeadlinePolicy(SchoolDaysBeforeRule(1, time(9, 0)))
    return replace(base, services=tuple(replace(s, deadline=rule) if s.bookable else s
                                        for s in base.services))


@pytest.mark.parametrize("now, expected", [
    # Wednesday evening before the Thursday 17:00 deadline: the whole next week.
    (paris(2026, 11, 25, 20, 0), WEEK),
    (paris(2026, 11, 26, 16, 59), WEEK),
    # At 17:00 the deadline has passed: nothing to remind of.
    (paris(2026, 11, 26, 17, 0), ()),
    # More than 24 hours before.
    (paris(2026, 11, 25, 16, 59), ()),
])
def test_the_weekly_deadline_is_near_the_day_before(now, expected):
    periods = near_periods(default_settings(), now)
    assert tuple(d for p in periods for d in p.days) == expected
    if expected:
        assert periods[0].key == "2026-11-26T16:00:00Z"
        assert periods[0].services == ("care_evening", "care_morning", "meal")


def test_a_per_day_deadline_governs_one_day():
    # Sercus: Monday 30/11 closes on Friday 27/11 at 09:00; Thursday evening reminds it.
    [period] = near_periods(sercus(), paris(2026, 11, 26, 20, 0))
    assert period.days == (date(2026, 11, 30),)
    assert period.key == "2026-11-27T08:00:00Z"


def test_a_week_of_holidays_gets_no_reminder():
    # Thursday 17/12 17:00 closes the week of 21/12: Christmas holidays (zone A).
    assert near_periods(default_settings(), paris(2026, 12, 16, 20, 0)) == []


def test_reminders_switched_off_find_nothing():
    settings = replace(default_settings(), reminders=ReminderSettings(enabled=False))
    assert near_periods(settings, paris(2026, 11, 25, 20, 0)) == []


def test_the_same_deadline_has_the_same_key_on_both_sides_of_a_dst_change():
    settings = replace(default_settings(), reminders=ReminderSettings(True, 120))
    # Thursday 29/10 17:00 (winter time) closes the week of 2/11; DST ends on 25/10.
    before = near_periods(settings, paris(2026, 10, 24, 20, 0))
    after = near_periods(settings, paris(2026, 10, 26, 20, 0))
    assert [p.key for p in before] == [p.key for p in after] == ["2026-10-29T16:00:00Z"]


PERIOD = Period(datetime(2026, 11, 26, 16, 0), WEEK, ("meal",))
MEAL = frozenset({"meal"})


def usual(days_a_week: int) -> dict[date, frozenset[str]]:
    """The four previous weeks booked on the first ``days_a_week`` school days."""
    return {d: MEAL for d in history_days(PERIOD) if d.isoweekday() in (1, 2, 4, 5)[:days_a_week]}


@pytest.mark.parametrize("usual_days, booked_now, reminded", [
    (0, 0, True),    # nothing booked: reminded, even a child who never eats there
    (4, 0, True),
    (4, 1, True),    # 1 < 4 / 2: far less than usual
    (4, 2, False),   # half of usual is not "far less"
    (2, 1, False),
    (0, 1, False),
])
def test_a_child_is_reminded_with_nothing_or_far_less_than_usual(usual_days, booked_now,
                                                                  reminded):
    booked = usual(usual_days) | {d: MEAL for d in WEEK[:booked_now]}
    assert needs_reminder(PERIOD, booked) is reminded


def test_a_service_off_the_period_does_not_count():
    period = replace(PERIOD, services=("care_evening",))
    assert needs_reminder(period, {d: MEAL for d in WEEK}) is True


def test_the_receipt_lists_added_and_removed_days_with_their_deadlines():
    settings = default_settings()
    summary = receipt([(date(2026, 12, 1), "meal", True), (date(2026, 12, 1), "care_evening", True),
                       (date(2026, 11, 30), "meal", False),
                       (date(2026, 12, 3), "meal", True), (date(2026, 12, 3), "meal", False)],
                      settings)
    [added] = summary.added
    assert added.day == date(2026, 12, 1)
    assert added.services == ("meal", "care_evening")  # the guides' order
    assert added.deadline == paris(2026, 11, 26, 17, 0)
    [removed] = summary.removed
    assert removed.day == date(2026, 11, 30) and removed.services == ("meal",)
    # Booked and unbooked in one save: no change.
    assert all(line.day != date(2026, 12, 3) for line in summary.added + summary.removed)


def test_an_empty_save_makes_an_empty_receipt():
    assert receipt([], default_settings()).empty


@pytest.mark.parametrize("value, field", [
    ({"enabled": "oui"}, "reminders.enabled"),
    ({"hours_before": 0}, "reminders.hours_before"),
    ({"hours_before": 169}, "reminders.hours_before"),
    ({"hours_before": True}, "reminders.hours_before"),
    ({"hours_before": 2.5}, "reminders.hours_before"),
    ({"often": 1}, "reminders.often"),
    ("yes", "reminders"),
])
def test_bad_reminder_settings_are_refused(value, field):
    with pytest.raises(ValidationError) as caught:
        parse_settings({"reminders": value}, default_settings())
    assert caught.value.field == field


def test_reminder_settings_are_kept_when_left_out_and_changed_when_given():
    settings = parse_settings({"reminders": {"hours_before": 48}}, default_settings())
    assert settings.reminders == ReminderSettings(True, 48)
    assert parse_settings({}, settings).reminders == ReminderSettings(True, 48)
