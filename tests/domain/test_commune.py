"""Commune settings: the defaults a new commune starts from, and how staff edits are read."""
from __future__ import annotations

import copy
from dataclasses import replace
from datetime import date, time

import pytest

from chalicelib.domain.calendar import Closure
from chalicelib.domain.commune import (
    SERVICE_CODES,
    default_settings,
    parse_settings,
    service_to_dict,
    settings_to_dict,
)
from chalicelib.domain.deadlines import DeadlinePolicy, SchoolDaysBeforeRule, WeeklyRule
from chalicelib.domain.errors import ValidationError

THURSDAY_17 = DeadlinePolicy(WeeklyRule(4, time(17, 0)))
WEEKLY = {"type": "weekly", "weekday": 4, "time": "17:00"}
DAY_BEFORE_9 = {"type": "school_days_before", "days": 1, "time": "09:00"}
CURRENT = replace(default_settings(), version=3,
                  closures=(Closure("f1", date(2026, 12, 10), date(2026, 12, 10), "Grève"),))


def service(code="meal", label="Repas", mode="booked", booking=None, cancellation=None,
            closing_time=None):
    return {"code": code, "label": label, "mode": mode, "closing_time": closing_time,
            "deadline": {"booking": copy.deepcopy(booking or WEEKLY),
                         "cancellation": copy.deepcopy(cancellation)}}


# -- default_settings --------------------------------------------------------------------

def test_the_default_commune_has_a_four_day_week_in_zone_a():
    settings = default_settings()
    assert settings.name == "Commune de démonstration"
    assert (settings.zone, settings.school_days) == ("A", (1, 2, 4, 5))
    assert (settings.closures, settings.version) == ((), None)
    assert default_settings("Sercus").name == "Sercus"


@pytest.mark.parametrize("code, label, mode, deadline, closing_time", [
    ("meal", "Repas", "booked", THURSDAY_17, None),
    ("care_morning", "Garderie matin", "booked", THURSDAY_17, time(8, 30)),
    ("care_evening", "Garderie soir", "booked", THURSDAY_17, time(18, 30)),
    ("centre_morning", "Centre matin", "off", None, None),
    ("centre_evening", "Centre soir", "off", None, None),
    ("study", "Etude", "off", None, None),
])
def test_default_services_table(code, label, mode, deadline, closing_time):
    configured = default_settings().service(code)
    assert (configured.label, configured.mode, configured.deadline,
            configured.closing_time) == (label, mode, deadline, closing_time)


def test_default_services_come_in_display_order_and_only_booked_ones_are_active():
    settings = default_settings()
    assert tuple(s.code for s in settings.services) == SERVICE_CODES
    assert [s.code for s in settings.active_services()] == ["meal", "care_morning",
                                                            "care_evening"]
    assert [s.code for s in settings.bookable_services()] == ["meal", "care_morning",
                                                              "care_evening"]


def test_default_settings_show_as_the_api_describes_them():
    shown = settings_to_dict(default_settings())
    assert (shown["zone"], shown["school_days"], shown["closures"]) == ("A", [1, 2, 4, 5], [])
    meal = shown["services"][0]
    assert (meal["code"], meal["label"], meal["mode"], meal["closing_time"]) == (
        "meal", "Repas", "booked", None)
    assert meal["deadline"] == {"booking": WEEKLY, "cancellation": None}
    assert shown["services"][1]["closing_time"] == "08:30"
    assert shown["services"][-1]["deadline"] is None


# -- parse_settings: accepted edits ------------------------------------------------------

def test_an_empty_edit_keeps_everything():
    assert parse_settings({}, CURRENT) == CURRENT


@pytest.mark.parametrize("edit, expected", [
    ({"zone": "C"}, {"zone": "C"}),
    ({"school_days": [5, 1, 2]}, {"school_days": (1, 2, 5)}),
    ({"school_days": [1, 2, 3, 4, 5, 6, 7]}, {"school_days": (1, 2, 3, 4, 5, 6, 7)}),
    ({"name": "  Saint-Just-d'Avray  "}, {"name": "Saint-Just-d'Avray"}),
    ({"name": "Sercus\n\tNord"}, {"name": "Sercus Nord"}),
    ({"closures": []}, {}),                  # closures have their own endpoints
    ({"version": 1}, {}),                    # the version is the service's business
])
def test_an_edit_changes_only_what_it_names(edit, expected):
    parsed = parse_settings(edit, CURRENT)
    assert parsed == replace(CURRENT, **expected)


def test_a_service_edit_keeps_the_services_left_out_and_the_display_order():
    parsed = parse_settings({"services": [
        service("care_evening", "Garderie du soir", booking=DAY_BEFORE_9),
        service("meal", "  Repas   du midi ", cancellation=DAY_BEFORE_9)]}, CURRENT)
    assert tuple(s.code for s in parsed.services) == SERVICE_CODES
    assert parsed.service("meal").label == "Repas du midi"
    assert parsed.service("meal").deadline == DeadlinePolicy(
        WeeklyRule(4, time(17, 0)), SchoolDaysBeforeRule(1, time(9, 0)))
    assert parsed.service("care_evening").deadline == DeadlinePolicy(
        SchoolDaysBeforeRule(1, time(9, 0)))
    assert parsed.service("care_evening").closing_time is None
    assert parsed.service("care_morning") == CURRENT.service("care_morning")
    assert parsed.closures == CURRENT.closures
    assert parsed.version == CURRENT.version


@pytest.mark.parametrize("item, mode, has_deadline, closing_time", [
    (service("study", "Etude", "attendance"), "attendance", False, None),
    (service("meal", "Repas", "off"), "off", False, None),
    (service("care_morning", "Garderie matin", closing_time="08:20"), "booked", True,
     time(8, 20)),
    (service("care_morning", "Garderie matin", closing_time=""), "booked", True, None),
    (dict(service("study", "Etude", "attendance"), deadline=None), "attendance", False, None),
])
def test_a_service_keeps_a_deadline_only_when_parents_book_it(item, mode, has_deadline,
                                                              closing_time):
    parsed = parse_settings({"services": [item]}, CURRENT).service(item["code"])
    assert parsed.mode == mode
    assert (parsed.deadline is not None) is has_deadline
    assert parsed.closing_time == closing_time


# -- parse_settings: refused edits -------------------------------------------------------

def _with(path, value):
    item = service()
    target = item
    keys = path.split(".")
    for key in keys[:-1]:
        target = target[key]
    target[keys[-1]] = value
    return {"services": [item]}


@pytest.mark.parametrize("edit, field", [
    ([], "settings"),
    ("zone=B", "settings"),
    ({"name": ""}, "name"),
    ({"name": None}, "name"),
    ({"name": "x" * 101}, "name"),
    ({"zone": "D"}, "zone"),
    ({"zone": "a"}, "zone"),
    ({"school_days": []}, "school_days"),
    ({"school_days": [8]}, "school_days"),
    ({"school_days": [0, 1]}, "school_days"),
    ({"school_days": [1, 1]}, "school_days"),
    ({"school_days": [True]}, "school_days"),
    ({"school_days": ["1"]}, "school_days"),
    ({"school_days": None}, "school_days"),
    ({"services": None}, "services"),
    ({"services": []}, "services"),
    ({"services": {"meal": "booked"}}, "services"),
    ({"services": [service(), service()]}, "services"),
    ({"services": [service(), "care"]}, "services[1]"),
    (_with("code", "pizza"), "services[0].code"),
    (_with("label", ""), "services[0].label"),
    (_with("label", "x" * 41), "services[0].label"),
    (_with("label", None), "services[0].label"),
    (_with("mode", "x"), "services[0].mode"),
    (_with("deadline", None), "services[0].deadline"),
    (_with("deadline", "jeudi"), "services[0].deadline"),
    (_with("deadline.booking", None), "services[0].deadline.booking"),
    (_with("deadline.booking.time", "25:00"), "services[0].deadline.booking.time"),
    (_with("deadline.booking.time", "7:00"), "services[0].deadline.booking.time"),
    (_with("deadline.booking.weekday", 8), "services[0].deadline.booking.weekday"),
    (_with("deadline.booking.weekday", True), "services[0].deadline.booking.weekday"),
    (_with("deadline.booking.type", "daily"), "services[0].deadline.booking.type"),
    (_with("deadline.booking", dict(DAY_BEFORE_9, days=31)),
     "services[0].deadline.booking.days"),
    (_with("deadline.cancellation", dict(DAY_BEFORE_9, time="09:60")),
     "services[0].deadline.cancellation.time"),
    (_with("closing_time", "24:00"), "services[0].closing_time"),
    (_with("closing_time", 1830), "services[0].closing_time"),
])
def test_an_invalid_edit_names_the_field_at_fault(edit, field):
    with pytest.raises(ValidationError) as caught:
        parse_settings(edit, CURRENT)
    assert caught.value.details == {"field": field}


def test_the_demo_prices_are_integer_cents_per_service():
    prices = {s.code: s.price_cents for s in default_settings().services if s.bookable}
    assert prices == {"meal": 350, "care_morning": 150, "care_evening": 200}


@pytest.mark.parametrize("price", [-1, 3.5, "350", True, 100_001])
def test_a_price_that_is_not_whole_cents_is_refused(price):
    edit = {"services": [{"code": "study", "label": "Etude", "mode": "off",
                          "price_cents": price}]}
    with pytest.raises(ValidationError) as refused:
        parse_settings(edit, CURRENT)
    assert refused.value.field == "services[0].price_cents"


def test_a_booked_service_may_have_places_per_day_and_shows_them():
    current = default_settings()
    edited = parse_settings({"services": [
        {**service_to_dict(current.service("care_evening")), "places": 12}]}, current)
    assert edited.service("care_evening").places == 12
    assert edited.service("meal").places is None  # no limit unless set
    assert settings_to_dict(edited)["services"][2]["places"] == 12


@pytest.mark.parametrize("places", [0, -1, 1.5, "12", True, 10_001])
def test_places_must_be_a_whole_number_from_one(places):
    current = default_settings()
    with pytest.raises(ValidationError) as refused:
        parse_settings({"services": [
            {**service_to_dict(current.service("care_evening")), "places": places}]}, current)
    assert refused.value.field == "services[0].places"


def test_only_a_booked_service_has_places():
    current = default_settings()
    with pytest.raises(ValidationError) as refused:
        parse_settings({"services": [{"code": "study", "label": "Etude", "mode": "attendance",
                                      "places": 10}]}, current)
    assert refused.value.field == "services[0].places"
