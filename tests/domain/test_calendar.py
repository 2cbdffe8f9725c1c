from datetime import date

import pytest

from chalicelib.domain.calendar import Closure, DayInfo, SchoolCalendar, parse_closure
from chalicelib.domain.errors import ValidationError

FOUR_DAYS = (1, 2, 4, 5)
FIVE_DAYS = (1, 2, 3, 4, 5)


@pytest.fixture
def zone_a() -> SchoolCalendar:
    return SchoolCalendar(FOUR_DAYS, "A")


@pytest.mark.parametrize("day, school_holiday", [
    # The package reports each break from its first Saturday to its last Sunday.
    (date(2026, 10, 16), None),
    (date(2026, 10, 17), "Vacances de la Toussaint"),
    (date(2026, 11, 1), "Vacances de la Toussaint"),
    (date(2026, 11, 2), None),
    (date(2026, 12, 18), None),
    (date(2026, 12, 19), "Vacances de Noël"),
    (date(2027, 1, 3), "Vacances de Noël"),
    (date(2027, 1, 4), None),
    (date(2027, 2, 12), None),
    (date(2027, 2, 13), "Vacances d'hiver"),
    (date(2027, 2, 28), "Vacances d'hiver"),
    (date(2027, 3, 1), None),
])
def test_zone_a_school_holidays_run_from_first_saturday_to_last_sunday(zone_a, day,
                                                                       school_holiday):
    info = zone_a.day(day)
    assert info.school_holiday == school_holiday
    assert info.school_day is (school_holiday is None and day.isoweekday() in FOUR_DAYS)


@pytest.mark.parametrize("day, name", [
    (date(2026, 11, 11), "Armistice"),
    (date(2026, 12, 25), "Noël"),
    (date(2027, 1, 1), "Jour de l'an"),
    (date(2027, 3, 29), "Lundi de Pâques"),
    (date(2026, 11, 12), None),
])
def test_public_holidays_have_french_names(day, name):
    assert SchoolCalendar(FIVE_DAYS, "A").day(day).public_holiday == name


def test_a_public_holiday_on_a_school_weekday_is_not_a_school_day():
    info = SchoolCalendar(FIVE_DAYS, "A").day(date(2026, 11, 11))
    assert info == DayInfo(date(2026, 11, 11), "Armistice", None, None, False)


def test_a_day_can_be_both_public_and_school_holiday(zone_a):
    info = zone_a.day(date(2026, 12, 25))
    assert (info.public_holiday, info.school_holiday) == ("Noël", "Vacances de Noël")


def test_wednesday_is_not_a_school_day_in_a_four_day_week(zone_a):
    assert not zone_a.is_school_day(date(2026, 12, 9))
    assert SchoolCalendar(FIVE_DAYS, "A").is_school_day(date(2026, 12, 9))


def test_the_zone_decides_the_winter_break():
    # Zone C 2027 winter break is 02-06..02-21, zone A 02-13..02-28.
    assert SchoolCalendar(FOUR_DAYS, "C").day(date(2027, 2, 8)).school_holiday == \
        "Vacances d'hiver"
    assert SchoolCalendar(FOUR_DAYS, "A").is_school_day(date(2027, 2, 8))


@pytest.mark.parametrize("day", [date(1985, 12, 25), date(2031, 12, 23), date(2031, 12, 22)])
def test_a_year_outside_the_package_data_has_no_school_holiday_and_does_not_crash(zone_a, day):
    info = zone_a.day(day)
    assert info.school_holiday is None
    assert info.school_day is (day.isoweekday() in FOUR_DAYS and info.public_holiday is None)


def test_a_closure_shows_its_label_and_stops_school():
    cal = SchoolCalendar(FOUR_DAYS, "A", [
        Closure("c1", date(2026, 12, 8), date(2026, 12, 10), "Grève"),
    ])
    assert [cal.day(date(2026, 12, d)).closure for d in (7, 8, 10, 11)] == \
        [None, "Grève", "Grève", None]
    assert not cal.is_school_day(date(2026, 12, 8))
    assert cal.is_school_day(date(2026, 12, 11))


@pytest.mark.parametrize("day, n, expected", [
    (date(2026, 12, 10), 1, date(2026, 12, 8)),   # Thursday -> Tuesday (Wednesday off)
    (date(2026, 12, 7), 1, date(2026, 12, 4)),    # Monday -> Friday
    (date(2026, 12, 10), 2, date(2026, 12, 7)),
    (date(2027, 1, 4), 1, date(2026, 12, 18)),    # across the Christmas break
    (date(2027, 3, 30), 1, date(2027, 3, 26)),    # across Easter Monday
    (date(2026, 12, 9), 1, date(2026, 12, 8)),    # works from a non-school day too
])
def test_previous_school_day_counts_back_over_school_days_only(zone_a, day, n, expected):
    assert zone_a.previous_school_day(day, n) == expected


def test_previous_school_day_rejects_n_below_one(zone_a):
    with pytest.raises(ValueError):
        zone_a.previous_school_day(date(2026, 12, 10), 0)


def test_month_days_lists_every_day_in_order(zone_a):
    days = zone_a.month_days(2027, 2)
    assert [d.date for d in days] == [date(2027, 2, i) for i in range(1, 29)]
    assert len(zone_a.month_days(2026, 12)) == 31
    assert [d.date.day for d in days if d.school_day] == [1, 2, 4, 5, 8, 9, 11, 12]


@pytest.mark.parametrize("school_days, zone, field", [
    ((), "A", "school_days"),
    ((0, 1), "A", "school_days"),
    ((1, 8), "A", "school_days"),
    ((True,), "A", "school_days"),
    (FOUR_DAYS, "D", "zone"),
    (FOUR_DAYS, "a", "zone"),
])
def test_an_invalid_calendar_setting_is_refused_with_its_field(school_days, zone, field):
    with pytest.raises(ValidationError) as err:
        SchoolCalendar(school_days, zone)
    assert err.value.field == field


def test_parse_closure_accepts_a_valid_range():
    closure = parse_closure({"start": "2026-12-08", "end": "2026-12-08", "label": " Grève "},
                            closure_id="c1")
    assert closure == Closure("c1", date(2026, 12, 8), date(2026, 12, 8), "Grève")


@pytest.mark.parametrize("data, field", [
    ({"end": "2026-12-08", "label": "x"}, "start"),
    ({"start": "08/12/2026", "end": "2026-12-08", "label": "x"}, "start"),
    ({"start": "20261208", "end": "2026-12-08", "label": "x"}, "start"),
    ({"start": "2026-02-30", "end": "2026-12-08", "label": "x"}, "start"),
    ({"start": 20261208, "end": "2026-12-08", "label": "x"}, "start"),
    ({"start": "2026-12-08", "end": None, "label": "x"}, "end"),
    ({"start": "2026-12-09", "end": "2026-12-08", "label": "x"}, "end"),
    ({"start": "2026-12-08", "end": "2026-12-08"}, "label"),
    ({"start": "2026-12-08", "end": "2026-12-08", "label": "   "}, "label"),
    ({"start": "2026-12-08", "end": "2026-12-08", "label": "x" * 101}, "label"),
    ({"start": "2026-12-08", "end": "2026-12-08", "label": 3}, "label"),
    ("2026-12-08", "closure"),
])
def test_parse_closure_names_the_bad_field(data, field):
    with pytest.raises(ValidationError) as err:
        parse_closure(data)
    assert err.value.field == field
