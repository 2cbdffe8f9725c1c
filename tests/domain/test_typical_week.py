"""Typical week rules: which days of a period a recurrence selects (ISO week parity, one
week in two), what applying a week changes, and what a request may hold."""
from __future__ import annotations

from datetime import date

import pytest

from chalicelib.domain.commune import default_settings
from chalicelib.domain.errors import ValidationError
from chalicelib.domain.typical_week import (
    EVEN_WEEKS,
    EVERY_OTHER_WEEK,
    EVERY_WEEK,
    ODD_WEEKS,
    Application,
    changes_for,
    parse_application,
    parse_typical_week,
    selected_days,
    week_selected,
    week_to_dict,
)

D = date.fromisoformat
SETTINGS = default_settings()  # Mon, Tue, Thu, Fri; meal and both care services booked


@pytest.mark.parametrize("day, start, recurrence, expected", [
    # ISO weeks: 2026 has 53 of them; Mon 2026-12-28 is week 53, Mon 2027-01-04 week 1.
    ("2026-12-28", "2026-12-01", ODD_WEEKS, True),
    ("2027-01-03", "2026-12-01", ODD_WEEKS, True),     # Sunday, still week 53
    ("2027-01-04", "2026-12-01", ODD_WEEKS, True),     # week 1: two odd weeks in a row
    ("2027-01-11", "2026-12-01", ODD_WEEKS, False),    # week 2
    ("2027-01-11", "2026-12-01", EVEN_WEEKS, True),
    ("2026-12-21", "2026-12-01", EVEN_WEEKS, True),    # week 52
    ("2026-12-28", "2026-12-01", EVEN_WEEKS, False),
    ("2027-01-01", "2026-12-01", EVEN_WEEKS, False),   # Friday of week 53 (2026)
    ("2025-12-29", "2025-12-01", ODD_WEEKS, True),     # 2026-W01 starts in 2025
    # One week in two counts from the week of the first day, whatever weekday it is.
    ("2026-12-03", "2026-12-03", EVERY_OTHER_WEEK, True),
    ("2026-11-30", "2026-12-03", EVERY_OTHER_WEEK, True),  # same week (before the start)
    ("2026-12-07", "2026-12-03", EVERY_OTHER_WEEK, False),
    ("2026-12-14", "2026-12-03", EVERY_OTHER_WEEK, True),
    ("2026-12-28", "2026-12-03", EVERY_OTHER_WEEK, True),   # across week 53 …
    ("2027-01-04", "2026-12-03", EVERY_OTHER_WEEK, False),  # … no double week here
    ("2027-01-11", "2026-12-03", EVERY_OTHER_WEEK, True),
    ("2027-01-12", "2026-12-03", EVERY_WEEK, True),
])
def test_which_weeks_a_recurrence_selects(day, start, recurrence, expected):
    assert week_selected(D(day), D(start), recurrence) is expected


@pytest.mark.parametrize("start, end, recurrence, weekdays, expected", [
    ("2026-11-30", "2026-12-13", EVERY_WEEK, {1, 4},
     ["2026-11-30", "2026-12-03", "2026-12-07", "2026-12-10"]),
    ("2026-11-30", "2026-12-13", EVERY_OTHER_WEEK, {1, 4}, ["2026-11-30", "2026-12-03"]),
    ("2026-12-02", "2026-12-13", EVERY_OTHER_WEEK, {1, 4}, ["2026-12-03"]),
    # Week 49 (odd) and 50 (even).
    ("2026-11-30", "2026-12-13", ODD_WEEKS, {1, 2}, ["2026-11-30", "2026-12-01"]),
    ("2026-11-30", "2026-12-13", EVEN_WEEKS, {5}, ["2026-12-11"]),
    # Across the new year: weeks 52 (even), 53 (odd), 1 (odd), 2 (even).
    ("2026-12-21", "2027-01-17", ODD_WEEKS, {1},
     ["2026-12-28", "2027-01-04"]),
    ("2026-12-21", "2027-01-17", EVEN_WEEKS, {1},
     ["2026-12-21", "2027-01-11"]),
    ("2026-12-21", "2027-01-17", EVERY_OTHER_WEEK, {1},
     ["2026-12-21", "2027-01-04"]),
    ("2026-12-05", "2026-12-05", EVERY_WEEK, {1, 2, 4, 5}, []),  # a Saturday only
])
def test_the_days_a_period_selects(start, end, recurrence, weekdays, expected):
    assert [d.isoformat() for d in selected_days(D(start), D(end), recurrence,
                                                  weekdays)] == expected


def test_applying_sets_exactly_the_week_and_skips_days_off():
    week = {1: frozenset({"meal", "care_evening"}), 2: frozenset(), 4: frozenset({"meal"}),
            5: frozenset()}
    # Zone A: Noël holidays 2026-12-19 … 2027-01-03; Friday 2027-01-01 is a holiday too.
    application = Application(("1001-1",), D("2026-12-14"), D("2027-01-10"), EVERY_WEEK)
    changes, skipped = changes_for(week, application, ["meal", "care_morning",
                                                        "care_evening"], SETTINGS.calendar())
    days = sorted({c.date.isoformat() for c in changes})
    assert days == ["2026-12-14", "2026-12-15", "2026-12-17", "2026-12-18",
                    "2027-01-04", "2027-01-05", "2027-01-07", "2027-01-08"]
    monday = {(c.service, c.booked) for c in changes if c.date == D("2026-12-14")}
    assert monday == {("meal", True), ("care_evening", True), ("care_morning", False)}
    assert {(c.service, c.booked) for c in changes if c.date == D("2026-12-15")} == {
        ("meal", False), ("care_morning", False), ("care_evening", False)}
    assert len({r.date for r in skipped}) == 8  # the two holiday weeks' school weekdays
    assert all(r.reason == "closed" for r in skipped)


def test_a_typical_week_names_school_days_and_bookable_services_only():
    week = parse_typical_week({"days": {"1": ["meal"], "4": ["care_morning", "meal"]}},
                              SETTINGS)
    assert week == {1: {"meal"}, 2: frozenset(), 4: {"meal", "care_morning"},
                    5: frozenset()}
    assert week_to_dict(week, SETTINGS) == {"1": ["meal"], "2": [],
                                            "4": ["meal", "care_morning"], "5": []}


@pytest.mark.parametrize("data, field", [
    ({}, "days"),
    ({"days": []}, "days"),
    ({"days": {"3": ["meal"]}}, "days.3"),          # Wednesday: no school
    ({"days": {"monday": ["meal"]}}, "days.monday"),
    ({"days": {"1": "meal"}}, "days.1"),
    ({"days": {"1": ["meal", "meal"]}}, "days.1"),
    ({"days": {"1": ["study"]}}, "days.1[0]"),     # off in this commune
    ({"days": {"1": ["nope"]}}, "days.1[0]"),
])
def test_a_bad_typical_week_is_refused_on_its_field(data, field):
    with pytest.raises(ValidationError) as caught:
        parse_typical_week(data, SETTINGS)
    assert caught.value.field == field


GOOD = {"children": ["1001-1"], "from": "2026-12-01", "to": "2026-12-31",
        "recurrence": ODD_WEEKS}


@pytest.mark.parametrize("change, field", [
    ({"children": []}, "children"),
    ({"children": ["1001-1", "1001-1"]}, "children"),
    ({"children": "1001-1"}, "children"),
    ({"from": "2026-13-01"}, "from"),
    ({"to": "2026-11-30"}, "to"),
    ({"to": "2028-01-31"}, "to"),                    # more than a school year
    ({"recurrence": "weekly"}, "recurrence"),
    ({"recurrence": None}, "recurrence"),
])
def test_a_bad_application_is_refused_on_its_field(change, field):
    with pytest.raises(ValidationError) as caught:
        parse_application({**GOOD, **change})
    assert caught.value.field == field


def test_a_good_application_is_read():
    assert parse_application(GOOD) == Application(("1001-1",), D("2026-12-01"),
                                                  D("2026-12-31"), ODD_WEEKS)
