"""Pricing: brackets, tariff and QF dates, billing rules, grouping into lines, tariff input."""
from __future__ import annotations

import copy
from datetime import date

import pytest

from chalicelib.domain.errors import DomainError, ValidationError
from chalicelib.domain.pricing import (
    Bracket, ChildRef, Line, MissingTariff, Surcharge, Tariff, Use, bracket_price, family_qf,
    parse_tariff, percent_half_up, price_uses, tariff_for, tariff_to_dict, total,
)

NOV = date(2026, 11, 1)
LABELS = {"meal": "Repas", "care_morning": "Garderie matin", "care_evening": "Garderie soir"}
BOOKED_MODES = {"meal": "booked", "care_morning": "booked", "care_evening": "booked"}
ATTENDANCE_MODES = {"meal": "booked", "care_morning": "attendance",
                    "care_evening": "attendance"}
BRACKETS = (Bracket(567, 100), Bracket(800, 250), Bracket(1200, 350), Bracket(None, 415))
MEAL = Tariff("meal", NOV, BRACKETS)
EVENING = Tariff("care_evening", NOV, (Bracket(None, 115),), unit="block", block_minutes=30,
                 late_fee_cents=800)
ALICE = ChildRef("42-1", "Alice", 1)
BOB = ChildRef("42-2", "Bob", 2)


def day(n: int) -> date:
    return date(2026, 11, n)


def meal(n: int, booked: bool = True, status: str | None = None, justified: bool = False,
         child: str = "42-1", service: str = "meal", **kwargs) -> Use:
    return Use(child, day(n), service, booked, status, justified, **kwargs)


def price(uses, tariffs=(MEAL,), children=(ALICE, BOB), modes=BOOKED_MODES, qf=None,
          qf_from=None) -> list[Line]:
    return price_uses(uses, children, tariffs, LABELS, modes, qf, qf_from)


def summary(lines: list[Line]) -> list[tuple]:
    return [(l.child_id, l.kind, l.label, l.quantity, l.unit_price_cents, l.amount_cents)
            for l in lines]


# -- arithmetic ------------------------------------------------------------------------

def test_seventeen_meals_at_4_15_cost_exactly_70_55():
    lines = price([meal(n) for n in range(2, 19)])
    assert summary(lines) == [("42-1", "service", "Repas", 17, 415, 7055)]
    assert total(lines) == 7055


@pytest.mark.parametrize("amount, percent, expected", [
    (415, 150, 623),   # 622.5 -> 623: a half cent goes up
    (415, 10, 42),     # 41.5 -> 42
    (414, 10, 41),     # 41.4 -> 41
    (100, 0, 0),
    (0, 50, 0),
])
def test_percentages_are_rounded_half_up_in_integer_cents(amount, percent, expected):
    assert percent_half_up(amount, percent) == expected


def test_total_sums_the_amounts_and_is_zero_for_no_lines():
    lines = [Line("a", "A", "meal", "service", "Repas", 3, 415, 1245),
             Line("a", "A", "meal", "late_fee", "Repas – retard", 1, 800, 800)]
    assert total(lines) == 2045
    assert total([]) == 0
    assert total(iter(lines)) == 2045


# -- brackets, tariff dates, QF dates --------------------------------------------------

@pytest.mark.parametrize("qf, expected", [
    (0, 100),
    (567, 100),      # at the bound: the bound is inclusive
    (568, 250),      # just above
    (800, 250),
    (801, 350),
    (1200, 350),
    (1201, 415),
    (99_999, 415),
    (None, 415),     # unknown QF: the highest bracket
])
def test_the_bracket_price_depends_on_the_qf(qf, expected):
    assert bracket_price(MEAL, qf) == expected


def test_a_single_bracket_tariff_has_one_price_for_everyone():
    assert bracket_price(EVENING, 0) == bracket_price(EVENING, None) == 115


@pytest.mark.parametrize("on, expected_from", [
    (date(2026, 10, 31), None),                  # before any tariff
    (date(2026, 11, 1), NOV),                    # from its first day
    (date(2026, 11, 15), NOV),                   # the later one is not in force yet
    (date(2026, 11, 16), date(2026, 11, 16)),    # the change applies from its date
    (date(2027, 3, 1), date(2026, 11, 16)),
])
def test_the_tariff_in_force_is_the_latest_started_one(on, expected_from):
    tariffs = [Tariff("meal", date(2026, 11, 16), BRACKETS),
               Tariff("meal", NOV, BRACKETS),
               Tariff("care_evening", date(2026, 1, 1), BRACKETS)]
    found = tariff_for(tariffs, "meal", on)
    assert (found.effective_from if found else None) == expected_from
    assert tariff_for(iter(tariffs), "study", on) is None


@pytest.mark.parametrize("qf, effective_from, on, expected", [
    (500, date(2026, 11, 16), date(2026, 11, 15), None),
    (500, date(2026, 11, 16), date(2026, 11, 16), 500),
    (500, date(2026, 11, 16), date(2026, 12, 1), 500),
    (None, date(2026, 11, 16), date(2026, 12, 1), None),
    (None, None, date(2026, 12, 1), None),
    (500, None, date(2026, 12, 1), 500),   # undated QF (older data): nothing limits it
])
def test_the_family_qf_applies_from_its_date_of_effect(qf, effective_from, on, expected):
    assert family_qf(qf, effective_from, on) == expected


def test_a_tariff_change_mid_month_applies_from_its_date_only():
    dearer = Tariff("meal", day(16), tuple(Bracket(b.max_qf, b.price_cents + 10)
                                           for b in BRACKETS))
    lines = price([meal(n) for n in (5, 12, 16, 19, 26)], tariffs=(dearer, MEAL))
    assert summary(lines) == [("42-1", "service", "Repas", 2, 415, 830),
                              ("42-1", "service", "Repas", 3, 425, 1275)]


def test_a_qf_taking_effect_mid_month_lowers_the_price_from_that_day_only():
    lines = price([meal(n) for n in (5, 12, 16, 19)], qf=500, qf_from=day(16))
    assert summary(lines) == [("42-1", "service", "Repas", 2, 415, 830),
                              ("42-1", "service", "Repas", 2, 100, 200)]


# -- booked services -------------------------------------------------------------------

UNBOOKED_PERCENT = Tariff("meal", NOV, BRACKETS, unbooked=Surcharge("percent", 50))
UNBOOKED_FIXED = Tariff("meal", NOV, BRACKETS, unbooked=Surcharge("fixed", 549))


@pytest.mark.parametrize("use, tariff, expected", [
    (meal(2, True, "present"), MEAL, [("service", "Repas", 1, 415)]),
    (meal(2, True, None), MEAL, [("service", "Repas", 1, 415)]),           # booking stands
    (meal(2, True, "absent"), MEAL, [("service", "Repas", 1, 415)]),       # unjustified
    (meal(2, True, "absent", justified=True), MEAL, []),                   # justified: free
    (meal(2, False, None), MEAL, []),
    (meal(2, False, "absent"), MEAL, []),
    (meal(2, False, "present"), MEAL, [("service", "Repas", 1, 415)]),     # no surcharge set
    (meal(2, False, "present"), UNBOOKED_PERCENT,
     [("unbooked", "Repas (sans réservation)", 1, 623)]),                  # 622.5 -> 623
    (meal(2, False, "present"), UNBOOKED_FIXED,
     [("unbooked", "Repas (sans réservation)", 1, 549)]),
    (meal(2, True, "present"), UNBOOKED_FIXED, [("service", "Repas", 1, 415)]),
])
def test_booked_service_billing_rules(use, tariff, expected):
    lines = price([use], tariffs=(tariff,))
    assert [(l.kind, l.label, l.quantity, l.unit_price_cents) for l in lines] == expected


def test_unbooked_meals_come_after_booked_ones_on_their_own_line():
    uses = [meal(2, False, "present"), meal(3, True, "present"), meal(5, False, "present")]
    lines = price(uses, tariffs=(UNBOOKED_PERCENT,))
    assert summary(lines) == [("42-1", "service", "Repas", 1, 415, 415),
                              ("42-1", "unbooked", "Repas (sans réservation)", 2, 623, 1246)]


def test_a_percent_surcharge_applies_to_the_family_price_and_a_fixed_one_replaces_it():
    bob_unbooked = meal(2, False, "present", child="42-2")
    percent = Tariff("meal", NOV, BRACKETS, unbooked=Surcharge("percent", 100),
                     sibling_reduction_percent=10)
    fixed = Tariff("meal", NOV, BRACKETS, unbooked=Surcharge("fixed", 1000),
                   sibling_reduction_percent=10)
    # QF 500: 1.00 €, less 10 % for a second child = 0.90 €, doubled = 1.80 €.
    assert price([bob_unbooked], tariffs=(percent,), qf=500, qf_from=NOV)[0].amount_cents == 180
    assert price([bob_unbooked], tariffs=(fixed,), qf=500, qf_from=NOV)[0].amount_cents == 1000


def test_services_that_are_off_or_have_no_mode_are_not_billed():
    uses = [meal(2, True, "present"), meal(2, True, "present", service="study")]
    assert price(uses, modes={"meal": "off"}) == []
    assert price(uses, modes={}) == []


# -- sibling reduction -----------------------------------------------------------------

def test_the_second_child_gets_the_sibling_reduction_rounded_half_up():
    tariff = Tariff("meal", NOV, BRACKETS, sibling_reduction_percent=10)
    third = ChildRef("42-3", "Chloé", 3)
    uses = [meal(2, child="42-1"), meal(2, child="42-2"), meal(3, child="42-2"),
            meal(2, child="42-3")]
    lines = price(uses, tariffs=(tariff,), children=(ALICE, BOB, third))
    # 4.15 € less 10 % (0.415 € -> 0.42 €) = 3.73 €.
    assert summary(lines) == [("42-1", "service", "Repas", 1, 415, 415),
                              ("42-2", "service", "Repas", 2, 373, 746),
                              ("42-3", "service", "Repas", 1, 373, 373)]


def test_no_sibling_reduction_when_the_tariff_has_none():
    lines = price([meal(2, child="42-2")])
    assert lines[0].unit_price_cents == 415


# -- care per block, attendance mode, late fees ----------------------------------------

def care(n: int, status: str | None = "present", arrival: str | None = None,
         departure: str | None = None, late: int = 0, child: str = "42-1",
         booked: bool = False) -> Use:
    return Use(child, day(n), "care_evening", booked, status, False, arrival, departure, late)


@pytest.mark.parametrize("arrival, departure, blocks", [
    ("16:30", "17:31", 3),   # 61 minutes: three started half-hours
    ("16:30", "17:30", 2),   # exactly two
    ("16:30", "16:30", 1),   # present counts at least one block
    ("16:30", "16:31", 1),
    ("16:30", None, 1),      # a time is missing: one block
    (None, "18:00", 1),
    (None, None, 1),
    ("", "", 1),
])
def test_care_is_billed_per_started_block(arrival, departure, blocks):
    lines = price([care(2, arrival=arrival, departure=departure)], tariffs=(EVENING,),
                  modes=ATTENDANCE_MODES)
    assert summary(lines) == [("42-1", "service", "Garderie soir", blocks, 115, blocks * 115)]


@pytest.mark.parametrize("status, billed", [("present", 1), ("absent", 0), (None, 0)])
def test_attendance_mode_bills_presence_only_whatever_the_booking(status, billed):
    session = Tariff("care_evening", NOV, (Bracket(None, 200),))
    for booked in (False, True):
        lines = price([care(2, status, booked=booked)], tariffs=(session,),
                      modes=ATTENDANCE_MODES)
        assert sum(l.quantity for l in lines) == billed


def test_attendance_mode_sums_blocks_over_the_month_with_missing_times():
    uses = [care(2, arrival="16:30", departure="17:31"), care(3),
            care(5, departure="18:00"), care(6, "absent")]
    lines = price(uses, tariffs=(EVENING,), modes=ATTENDANCE_MODES)
    assert summary(lines) == [("42-1", "service", "Garderie soir", 5, 115, 575)]


@pytest.mark.parametrize("per_minutes, late, quantity", [
    (None, 12, 1),    # flat fee per late pickup
    (None, 45, 1),
    (15, 12, 1),      # 18:42 against an 18:30 closing: one started quarter-hour
    (15, 15, 1),
    (15, 16, 2),
    (15, 31, 3),
    (15, 0, 0),       # on time: no fee
])
def test_late_pickup_fee_flat_or_per_started_period(per_minutes, late, quantity):
    tariff = Tariff("care_evening", NOV, (Bracket(None, 200),), late_fee_cents=500,
                    late_fee_per_minutes=per_minutes)
    lines = price([care(2, departure="18:42", late=late)], tariffs=(tariff,),
                  modes=ATTENDANCE_MODES)
    fees = [l for l in lines if l.kind == "late_fee"]
    assert [(f.label, f.quantity, f.unit_price_cents, f.amount_cents) for f in fees] == (
        [("Garderie soir – retard", quantity, 500, quantity * 500)] if quantity else [])


def test_late_fees_add_up_over_the_month_without_sibling_reduction():
    tariff = Tariff("care_evening", NOV, (Bracket(None, 200),), late_fee_cents=800,
                    sibling_reduction_percent=50)
    uses = [care(2, late=5, child="42-2"), care(3, late=20, child="42-2"), care(5, child="42-2")]
    lines = price(uses, tariffs=(tariff,), modes=ATTENDANCE_MODES)
    assert summary(lines) == [("42-2", "service", "Garderie soir", 3, 100, 300),
                              ("42-2", "late_fee", "Garderie soir – retard", 2, 800, 1600)]


def test_no_late_fee_when_the_tariff_sets_none_or_the_child_was_absent():
    free = Tariff("care_evening", NOV, (Bracket(None, 200),))
    assert [l.kind for l in price([care(2, late=30)], tariffs=(free,),
                                  modes=ATTENDANCE_MODES)] == ["service"]
    fee = Tariff("care_evening", NOV, (Bracket(None, 200),), late_fee_cents=800)
    assert price([care(2, "absent", late=30)], tariffs=(fee,), modes=ATTENDANCE_MODES) == []


def test_a_booked_care_picked_up_late_is_billed_with_its_fee():
    uses = [care(2, booked=True, arrival="16:30", departure="18:42", late=12)]
    lines = price(uses, tariffs=(EVENING,))
    assert summary(lines) == [("42-1", "service", "Garderie soir", 5, 115, 575),
                              ("42-1", "late_fee", "Garderie soir – retard", 1, 800, 800)]


# -- grouping and order ----------------------------------------------------------------

def test_lines_follow_child_rank_then_label_order_then_kind():
    tariffs = (UNBOOKED_PERCENT, EVENING, Tariff("care_morning", NOV, (Bracket(None, 150),)))
    uses = [care(2, late=3, child="42-2"), meal(2, child="42-2"),
            meal(3, False, "present", child="42-1"), meal(2, child="42-1"),
            Use("42-1", day(2), "care_morning", True, "present")]
    lines = price(uses, tariffs=tariffs, children=(BOB, ALICE), modes=ATTENDANCE_MODES)
    assert [(l.child_name, l.label) for l in lines] == [
        ("Alice", "Repas"), ("Alice", "Repas (sans réservation)"),
        ("Alice", "Garderie matin"),
        ("Bob", "Repas"), ("Bob", "Garderie soir"), ("Bob", "Garderie soir – retard")]
    assert all(l.amount_cents == l.quantity * l.unit_price_cents for l in lines)


def test_a_service_missing_from_labels_is_listed_last_under_its_code():
    tariffs = (MEAL, Tariff("study", NOV, (Bracket(None, 100),)))
    uses = [Use("42-1", day(2), "study", True), meal(2)]
    lines = price(uses, tariffs=tariffs, modes={"meal": "booked", "study": "booked"})
    assert [l.label for l in lines] == ["Repas", "study"]


def test_no_uses_no_lines():
    assert price([]) == []


# -- refusals --------------------------------------------------------------------------

def test_a_billable_use_without_a_tariff_stops_the_run_with_the_missing_days():
    late_tariff = Tariff("meal", day(4), BRACKETS)
    uses = [meal(2), meal(3, child="42-2"), meal(3), meal(4),
            care(2, booked=True),                              # booked care, no tariff at all
            meal(1, True, "absent", justified=True),           # not billed: needs no price
            meal(1, False, None, child="42-2")]
    with pytest.raises(MissingTariff) as caught:
        price(uses, tariffs=(late_tariff,))
    error = caught.value
    assert isinstance(error, DomainError)
    assert (error.status, error.code) == (409, "missing_tariff")
    assert error.details == [{"service": "care_evening", "date": "2026-11-02"},
                             {"service": "meal", "date": "2026-11-02"},
                             {"service": "meal", "date": "2026-11-03"}]
    assert "tarif" in error.message


@pytest.mark.parametrize("uses, field", [
    ([meal(2, child="99-1")], "child_id"),
    ([meal(2), meal(2, False, "present")], "uses"),
    ([care(2, arrival="17:00", departure="16:00", booked=True)], "departure"),
    ([care(2, arrival="5pm", departure="18:00", booked=True)], "arrival"),
])
def test_inconsistent_uses_are_refused(uses, field):
    with pytest.raises(ValidationError) as caught:
        price(uses, tariffs=(MEAL, EVENING))
    assert caught.value.field == field


# -- parse_tariff / tariff_to_dict -----------------------------------------------------

VALID = {"service": "care_evening", "effective_from": "2026-11-01",
         "prices": [{"max_qf": 567, "price_cents": 100}, {"max_qf": 800, "price_cents": 250},
                    {"max_qf": None, "price_cents": 415}],
         "unit": "block", "block_minutes": 30, "late_fee_cents": 500,
         "late_fee_per_minutes": 15, "unbooked": {"kind": "percent", "value": 50},
         "sibling_reduction_percent": 10}


def test_a_full_tariff_is_parsed_and_written_back_unchanged():
    tariff = parse_tariff(copy.deepcopy(VALID))
    assert tariff == Tariff("care_evening", NOV,
                            (Bracket(567, 100), Bracket(800, 250), Bracket(None, 415)),
                            "block", 30, 500, 15, Surcharge("percent", 50), 10)
    assert tariff_to_dict(tariff) == VALID
    assert parse_tariff(tariff_to_dict(tariff)) == tariff


def test_optional_tariff_fields_take_their_defaults():
    tariff = parse_tariff({"service": "meal", "effective_from": "2026-11-01",
                           "prices": [{"max_qf": None, "price_cents": 415}]})
    assert tariff == Tariff("meal", NOV, (Bracket(None, 415),))
    assert tariff_to_dict(tariff)["unbooked"] is None


def _with(path: str, value):
    data = copy.deepcopy(VALID)
    target, *keys = data, *path.split(".")
    for key in keys[:-1]:
        target = target[int(key)] if isinstance(target, list) else target[key]
    last = keys[-1]
    if isinstance(target, list):
        target[int(last)] = value
    elif value is _DROP:
        del target[last]
    else:
        target[last] = value
    return data


_DROP = object()


@pytest.mark.parametrize("path, value, field", [
    ("service", "piscine", "tariff.service"),
    ("service", _DROP, "tariff.service"),
    ("effective_from", "01/11/2026", "tariff.effective_from"),
    ("effective_from", "2026-02-30", "tariff.effective_from"),
    ("effective_from", None, "tariff.effective_from"),
    ("prices", [], "tariff.prices"),
    ("prices", {"max_qf": None, "price_cents": 1}, "tariff.prices"),
    ("prices", [{"max_qf": None, "price_cents": 1}] * 21, "tariff.prices"),
    ("prices.1", "250", "tariff.prices[1]"),
    ("prices.1.price_cents", 2.5, "tariff.prices[1].price_cents"),
    ("prices.1.price_cents", 250.0, "tariff.prices[1].price_cents"),
    ("prices.1.price_cents", "250", "tariff.prices[1].price_cents"),
    ("prices.1.price_cents", True, "tariff.prices[1].price_cents"),
    ("prices.1.price_cents", -1, "tariff.prices[1].price_cents"),
    ("prices.1.price_cents", 100_001, "tariff.prices[1].price_cents"),
    ("prices.1.price_cents", _DROP, "tariff.prices[1].price_cents"),
    ("prices.0.max_qf", -5, "tariff.prices[0].max_qf"),
    ("prices.0.max_qf", False, "tariff.prices[0].max_qf"),
    ("prices.0.max_qf", None, "tariff.prices[0].max_qf"),      # only the last is open
    ("prices.1.max_qf", 567, "tariff.prices[1].max_qf"),       # not strictly increasing
    ("prices.1.max_qf", 500, "tariff.prices[1].max_qf"),
    ("prices.2.max_qf", 2000, "tariff.prices[2].max_qf"),      # the last must be open
    ("unit", "hour", "tariff.unit"),
    ("block_minutes", None, "tariff.block_minutes"),           # required with block
    ("block_minutes", 0, "tariff.block_minutes"),
    ("block_minutes", 30.0, "tariff.block_minutes"),
    ("late_fee_cents", -1, "tariff.late_fee_cents"),
    ("late_fee_cents", 8.5, "tariff.late_fee_cents"),
    ("late_fee_cents", None, "tariff.late_fee_cents"),
    ("late_fee_per_minutes", 0, "tariff.late_fee_per_minutes"),
    ("late_fee_per_minutes", True, "tariff.late_fee_per_minutes"),
    ("unbooked", "50%", "tariff.unbooked"),
    ("unbooked", {"kind": "double", "value": 2}, "tariff.unbooked.kind"),
    ("unbooked", {"kind": "percent", "value": 101}, "tariff.unbooked.value"),
    ("unbooked", {"kind": "percent", "value": -10}, "tariff.unbooked.value"),
    ("unbooked", {"kind": "fixed", "value": 5.49}, "tariff.unbooked.value"),
    ("unbooked", {"kind": "fixed"}, "tariff.unbooked.value"),
    ("sibling_reduction_percent", 101, "tariff.sibling_reduction_percent"),
    ("sibling_reduction_percent", -1, "tariff.sibling_reduction_percent"),
    ("sibling_reduction_percent", 12.5, "tariff.sibling_reduction_percent"),
])
def test_parse_tariff_refuses_bad_input_naming_the_field(path, value, field):
    with pytest.raises(ValidationError) as caught:
        parse_tariff(_with(path, value))
    assert caught.value.field == field
    assert caught.value.details == {"field": field}
    assert caught.value.message and caught.value.message[0].isupper()


def test_block_minutes_are_refused_with_a_per_session_tariff():
    data = _with("unit", "session")
    with pytest.raises(ValidationError) as caught:
        parse_tariff(data)
    assert caught.value.field == "tariff.block_minutes"
    data["block_minutes"] = None
    assert parse_tariff(data).unit == "session"


def test_parse_tariff_prefixes_fields_with_the_given_name_and_refuses_non_objects():
    with pytest.raises(ValidationError) as caught:
        parse_tariff(_with("prices.1.price_cents", -1), field="tariffs[3]")
    assert caught.value.field == "tariffs[3].prices[1].price_cents"
    with pytest.raises(ValidationError) as caught:
        parse_tariff(["meal"])
    assert caught.value.field == "tariff"


@pytest.mark.parametrize("kind, value", [("percent", 0), ("percent", 100), ("fixed", 0),
                                         ("fixed", 549), ("fixed", 1000)])
def test_parse_tariff_accepts_surcharges_within_bounds(kind, value):
    parsed = parse_tariff(_with("unbooked", {"kind": kind, "value": value}))
    assert parsed.unbooked == Surcharge(kind, value)
