"""The State's reports against tables counted by hand: the CAF's hours by age group, the
"cantine à 1 €" claim per income bracket, the caterer's weekly order."""
from __future__ import annotations

from datetime import date

import pytest

from chalicelib.domain.accounts import Child, apply_child_edit
from chalicelib.domain.commune import default_settings, parse_settings
from chalicelib.domain.csv_export import Hours, cell
from chalicelib.domain.errors import ValidationError
from chalicelib.domain.pricing import Bracket, Tariff
from chalicelib.domain.state_reports import (
    AGE_UNKNOWN,
    SIX_AND_OVER,
    UNDER_6,
    BilledInvoice,
    CareDay,
    ChildInfo,
    DayMeals,
    FamilyIncome,
    age_group,
    caf_activity,
    caf_period,
    claim_period,
    counts_for_caf,
    meal_aid_claim,
    meal_order,
    order_week,
)


def texts(rows):
    return [[cell(v) for v in row] for row in rows]


# -- CAF ---------------------------------------------------------------------------------

@pytest.mark.parametrize("birth, day, group", [
    (date(2022, 3, 10), date(2026, 11, 16), UNDER_6),        # 4 years old
    (date(2019, 5, 2), date(2026, 11, 16), SIX_AND_OVER),    # 7 years old
    (date(2020, 11, 20), date(2026, 11, 19), UNDER_6),       # the day before 6
    (date(2020, 11, 20), date(2026, 11, 20), SIX_AND_OVER),  # 6 on the day
    (date(2020, 2, 29), date(2026, 2, 28), UNDER_6),         # born 29 February
    (date(2020, 2, 29), date(2026, 3, 1), SIX_AND_OVER),
    (None, date(2026, 11, 16), AGE_UNKNOWN),
])
def test_the_age_group_is_the_age_on_the_day_itself(birth, day, group):
    assert age_group(birth, day) == group


@pytest.mark.parametrize("mode, booked, status, justified, counted", [
    ("booked", True, None, False, True),          # booked, nothing pointed: billed
    ("booked", True, "present", False, True),
    ("booked", True, "absent", False, True),      # absent unexcused: billed
    ("booked", True, "absent", True, False),      # excused: not billed, not declared
    ("booked", False, "present", False, True),    # came without booking: billed
    ("booked", False, None, False, False),
    ("attendance", False, "present", False, True),
    ("attendance", False, "absent", False, False),
    ("attendance", True, None, False, False),     # a pointed service counts presence only
    ("off", True, "present", False, False),
])
def test_a_day_counts_for_the_caf_as_the_invoice_counts_it(mode, booked, status, justified,
                                                           counted):
    assert counts_for_caf(mode, booked, status, justified) is counted


CHILDREN = {
    "lea": ChildInfo("1001", "LEA MARTIN", date(2022, 3, 10)),   # 4 years old
    "max": ChildInfo("1001", "MAX MARTIN", date(2019, 5, 2)),    # 7 years old
    "tom": ChildInfo("1002", "TOM DURAND", date(2020, 11, 20)),  # 6 on 20 November
    "sam": ChildInfo("1003", "SAM PETIT", None),                 # no birth date
}
MINUTES = {"meal": 0, "care_morning": 60, "care_evening": 120}
SERVICES = [("meal", "Repas"), ("care_morning", "Garderie matin"),
            ("care_evening", "Garderie soir")]


def d(day: str) -> date:
    return date.fromisoformat(day)


def test_caf_hours_per_child_month_and_service_split_by_age():
    care = [CareDay("lea", d("2026-11-16"), "care_evening"),
            CareDay("lea", d("2026-11-17"), "care_evening"),
            CareDay("lea", d("2026-11-19"), "care_evening"),
            CareDay("lea", d("2026-11-19"), "meal"),            # not hours of care
            CareDay("max", d("2026-11-16"), "care_morning"),
            CareDay("max", d("2026-11-17"), "care_morning"),
            CareDay("max", d("2026-11-19"), "care_evening"),
            CareDay("tom", d("2026-11-19"), "care_evening"),    # 5 years old
            CareDay("tom", d("2026-11-20"), "care_evening"),    # 6 years old
            CareDay("sam", d("2026-11-16"), "care_morning"),
            CareDay("max", d("2026-12-01"), "care_morning"),
            CareDay("gone", d("2026-11-16"), "care_morning")]   # unknown child: left out
    assert texts(caf_activity(care, CHILDREN, MINUTES, SERVICES)) == [
        # month, family, child, born, service, days, < 6, >= 6, unknown, total
        ["novembre 2026", "1001", "LEA MARTIN", "10/03/2022", "Garderie soir", "3",
         "6,00", "0,00", "0,00", "6,00"],
        ["novembre 2026", "1001", "MAX MARTIN", "02/05/2019", "Garderie matin", "2",
         "0,00", "2,00", "0,00", "2,00"],
        ["novembre 2026", "1001", "MAX MARTIN", "02/05/2019", "Garderie soir", "1",
         "0,00", "2,00", "0,00", "2,00"],
        ["novembre 2026", "1002", "TOM DURAND", "20/11/2020", "Garderie soir", "2",
         "2,00", "2,00", "0,00", "4,00"],
        ["novembre 2026", "1003", "SAM PETIT", "", "Garderie matin", "1",
         "0,00", "0,00", "1,00", "1,00"],
        ["novembre 2026", "", "Total du mois", "", "Garderie matin", "3",
         "0,00", "2,00", "1,00", "3,00"],
        ["novembre 2026", "", "Total du mois", "", "Garderie soir", "6",
         "8,00", "4,00", "0,00", "12,00"],
        ["décembre 2026", "1001", "MAX MARTIN", "02/05/2019", "Garderie matin", "1",
         "0,00", "1,00", "0,00", "1,00"],
        ["décembre 2026", "", "Total du mois", "", "Garderie matin", "1",
         "0,00", "1,00", "0,00", "1,00"],
    ]


@pytest.mark.parametrize("minutes, text", [(60, "1,00"), (90, "1,50"), (45, "0,75"),
                                           (20, "0,33"), (40, "0,67"), (0, "0,00"),
                                           (150, "2,50")])
def test_hours_are_shown_with_two_decimals_and_a_comma(minutes, text):
    assert cell(Hours(minutes)) == text


@pytest.mark.parametrize("query, period", [
    ({"month": "2026-11"}, (d("2026-11-01"), d("2026-11-30"))),
    ({"from": "2026-09-01", "to": "2026-11-30"}, (d("2026-09-01"), d("2026-11-30"))),
    ({}, (d("2026-11-01"), d("2026-11-30"))),   # last month, the one to declare
])
def test_the_caf_period_is_a_month_or_a_span_of_days(query, period):
    assert caf_period(query, d("2026-12-05")) == period


@pytest.mark.parametrize("query", [{"month": "2026-13"}, {"from": "2026-09-01"},
                                   {"from": "2026-09-01", "to": "2027-03-01"},
                                   {"from": "2026-12-01", "to": "2026-11-01"}])
def test_a_bad_caf_period_is_refused(query):
    with pytest.raises(ValidationError):
        caf_period(query, d("2026-12-05"))


def test_the_service_duration_defaults_and_can_be_set():
    settings = default_settings()
    assert {s.code: s.hours_minutes for s in settings.services} == {
        "meal": 0, "care_morning": 60, "care_evening": 120, "centre_morning": 240,
        "centre_evening": 240, "study": 60}
    edited = parse_settings({"services": [{
        "code": "care_evening", "label": "Garderie soir", "mode": "attendance",
        "duration_minutes": 150}]}, settings)
    assert edited.service("care_evening").hours_minutes == 150
    with pytest.raises(ValidationError) as refused:
        parse_settings({"services": [{"code": "care_evening", "label": "Garderie soir",
                                      "mode": "attendance", "duration_minutes": 1.5}]},
                       settings)
    assert refused.value.field == "services[0].duration_minutes"


def test_a_birth_date_is_optional_and_checked():
    child = Child("c1", "LEA", "MARTIN")
    assert apply_child_edit(child, {"birth_date": "2022-03-10"}).birth_date == d("2022-03-10")
    assert apply_child_edit(child, {}).birth_date is None
    dated = apply_child_edit(child, {"birth_date": "2022-03-10"})
    assert apply_child_edit(dated, {"birth_date": None}).birth_date is None
    assert apply_child_edit(dated, {"school": "Jules Ferry"}).birth_date == d("2022-03-10")
    for bad in ("10/03/2022", "2022-02-30", 20220310):
        with pytest.raises(ValidationError) as refused:
            apply_child_edit(child, {"birth_date": bad})
        assert refused.value.field == "birth_date"


# -- "cantine à 1 €" -----------------------------------------------------------------------

MEAL_TARIFF = Tariff("meal", d("2026-09-01"), (Bracket(567, 50), Bracket(1000, 100),
                                               Bracket(None, 350)))
INCOMES = {"F1": FamilyIncome(400, d("2026-09-01")), "F2": FamilyIncome(900, d("2026-09-01")),
           "F3": FamilyIncome(1500, d("2026-09-01")),
           "F4": FamilyIncome(800, d("2026-10-15")),   # known from 15 October only
           "F5": FamilyIncome(None, None)}


def line(child, price, days, service="meal", kind="service"):
    return {"child_id": child, "service": service, "kind": kind, "quantity": len(days),
            "unit_price_cents": price, "amount_cents": price * len(days),
            "days": [f"2026-{x}" for x in days]}


INVOICES = [
    BilledInvoice("F1", "2026-09", (
        line("a", 50, ["09-07", "09-08", "09-10"]),
        line("b", 50, ["09-07", "09-08"]),
        line("a", 50, ["09-11"], kind="sick_carence"),        # billed, not served
        line("a", 100, ["09-07"], service="care_morning"),    # not a meal
    ), False),
    BilledInvoice("F1", "2026-10", (line("a", 50, ["10-01", "10-02", "10-05", "10-06"]),),
                  True),                                       # cancelled by a credit note
    BilledInvoice("F2", "2026-10", (
        line("c", 100, ["10-01", "10-02", "10-05", "10-06"]),
        line("c", 150, ["10-08"], kind="unbooked"),           # surcharged: above 1 €
    ), False),
    BilledInvoice("F3", "2026-11", (line("e", 350, ["11-02", "11-03"]),), False),
    BilledInvoice("F4", "2026-10", (
        line("d", 350, ["10-01", "10-02"]),                   # before its QF: full price
        line("d", 100, ["10-20", "10-22"]),
    ), False),
    BilledInvoice("F5", "2026-12", (line("f", 0, ["12-01"]),), False),
    BilledInvoice("F2", "2027-01", (line("c", 100, ["01-04"]),), False),  # out of period
]


def test_the_claim_counts_meals_billed_at_one_euro_or_less_per_bracket():
    assert texts(meal_aid_claim(INVOICES, INCOMES, [MEAL_TARIFF], "2026-09", "2026-12")) == [
        # period, bracket, from, to, meals, children, families, aid
        ["septembre 2026 – décembre 2026", "QF de 0 à 567", "0", "567", "5", "2", "1",
         "15,00"],
        ["septembre 2026 – décembre 2026", "QF de 568 à 1000", "568", "1000", "6", "2", "2",
         "18,00"],
        ["septembre 2026 – décembre 2026", "Quotient non connu à la date du repas", "", "",
         "1", "1", "1", "3,00"],
        ["septembre 2026 – décembre 2026", "Total", "", "", "12", "5", "4", "36,00"],
    ]


def test_a_claim_with_no_meal_is_a_total_of_zero():
    assert texts(meal_aid_claim([], {}, [MEAL_TARIFF], "2026-09", "2026-12")) == [
        ["septembre 2026 – décembre 2026", "Total", "", "", "0", "0", "0", "0,00"]]


@pytest.mark.parametrize("query, months", [
    ({"from": "2026-09", "to": "2026-12"}, ("2026-09", "2026-12")),
    ({"from": "2026-09"}, ("2026-09", "2026-12")),
    ({"from": "2026-11", "to": "2027-02"}, ("2026-11", "2027-02")),
])
def test_a_claim_covers_four_calendar_months(query, months):
    assert claim_period(query) == months


@pytest.mark.parametrize("query", [{}, {"from": "2026-09", "to": "2026-11"},
                                   {"from": "2026-09", "to": "2027-01"},
                                   {"from": "2026-13"}, {"from": "2026-09-01"}])
def test_a_claim_period_that_is_not_four_months_is_refused(query):
    with pytest.raises(ValidationError):
        claim_period(query)


# -- the caterer's order -----------------------------------------------------------------

def test_the_weekly_order_is_the_locked_counts_less_the_sick_then_provisional_days():
    days = [
        DayMeals(d("2026-12-01"), True, {"standard": 8, "sans_porc": 2},
                 {"sans_porc": 3}),                       # more sick than counted: 0
        DayMeals(d("2026-11-30"), True,
                 {"standard": 10, "sans_porc": 3, "vegetarien": 2, "panier_pai": 1},
                 {"standard": 1}),
        DayMeals(d("2026-12-03"), False, {"standard": 9, "vegetarien": 1}, {}),
    ]
    assert texts(meal_order(days)) == [
        # date, day, status, standard, sans porc, végétarien, PAI, total, sick taken off
        ["30/11/2026", "lundi", "Verrouillé", "9", "3", "2", "1", "15", "1"],
        ["01/12/2026", "mardi", "Verrouillé", "8", "0", "0", "0", "8", "2"],
        ["03/12/2026", "jeudi", "Prévisionnel", "9", "0", "1", "0", "10", "0"],
        ["", "Total semaine", "", "26", "3", "3", "1", "33", "3"],
    ]


def test_the_order_week_is_given_by_its_monday():
    assert order_week({"week": "2026-11-30"}) == d("2026-11-30")
    for query in ({}, {"week": "2026-12-01"}, {"week": "2026-02-30"}, {"week": "30/11/2026"}):
        with pytest.raises(ValidationError):
            order_week(query)
