"""The month's draft, family by family: what is billed, what is left out, what is flagged."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

from chalicelib.domain.accounts import Child, Family
from chalicelib.domain.calendar import Closure
from chalicelib.domain.commune import default_settings
from chalicelib.domain.invoicing import IssuedInvoice, draft_row, usual_total
from chalicelib.domain.pricing import Use, parse_tariff

SETTINGS = default_settings()
TARIFFS = tuple(parse_tariff({"service": code, "effective_from": "2026-09-01",
                              "prices": [{"max_qf": None, "price_cents": price}]})
                for code, price in (("meal", 350), ("care_morning", 150),
                                    ("care_evening", 200)))
FAMILY = Family("1001", "TEST", ("famille.test@example.org",), address="1 rue Haute",
                children=(Child("1001-1", "TOTO", "TEST"),))
MONDAY = date(2026, 11, 30)


def meal(day, **kw):
    return Use("1001-1", day, "meal", booked=kw.pop("booked", True), **kw)


def codes(row):
    return [a.code for a in row.anomalies]


def test_a_booked_school_day_is_billed_with_its_day():
    row = draft_row(FAMILY, [meal(MONDAY)], SETTINGS, TARIFFS, None, None)
    assert (row.total_cents, row.to_issue, row.anomalies) == (350, True, ())
    assert row.lines[0].days == ("2026-11-30",)


def test_uses_outside_service_days_are_left_out_and_reported():
    settings = replace(SETTINGS, closures=(Closure("f1", MONDAY, MONDAY, "Grève"),))
    uses = [meal(MONDAY), meal(date(2026, 11, 29)), meal(date(2026, 11, 11)),
            meal(date(2026, 11, 25)), meal(date(2026, 12, 1))]
    row = draft_row(FAMILY, uses, settings, TARIFFS, None, None)
    assert row.total_cents == 350 and row.lines[0].days == ("2026-12-01",)
    assert row.ignored == 4
    messages = [a.message for a in row.anomalies if a.code == "not_a_service_day"]
    assert any("Grève" in m for m in messages) and any("Armistice" in m for m in messages)


def test_a_use_of_a_child_the_family_does_not_have_is_not_billed():
    row = draft_row(FAMILY, [Use("9999-1", MONDAY, "meal", booked=True)], SETTINGS, TARIFFS,
                    None, None)
    assert row.total_cents == 0 and codes(row) == ["unknown_child"]


def test_a_missing_tariff_blocks_the_row_but_prices_the_rest():
    # A meal tariff from 2 September leaves Tuesday 1 September, a school day, unpriced.
    tariffs = tuple(replace(t, effective_from=date(2026, 9, 2)) if t.service == "meal" else t
                    for t in TARIFFS)
    row = draft_row(FAMILY, [meal(MONDAY), meal(date(2026, 9, 1))], SETTINGS, tariffs,
                    None, None)
    assert row.blocking and not row.to_issue
    assert row.total_cents == 350
    assert [a.code for a in row.anomalies if a.level == "blocking"] == ["missing_tariff"]


def test_presence_without_booking_is_billed_and_flagged():
    use = Use("1001-1", MONDAY, "meal", booked=False, status="present")
    row = draft_row(FAMILY, [use], SETTINGS, TARIFFS, None, None)
    assert row.total_cents == 350 and codes(row) == ["present_not_booked"]


def test_missing_contact_details_and_an_unusual_total_are_flagged():
    family = replace(FAMILY, emails=(), address="  ")
    days = [date(2026, 11, d) for d in (2, 3, 5, 6, 9, 10, 12, 13, 16, 17)]
    row = draft_row(family, [meal(d) for d in days], SETTINGS, TARIFFS, None,
                    usual_total([700, 1050]))
    assert set(codes(row)) == {"no_email", "no_address", "unusual_total"}
    assert not row.blocking


def test_an_invoiced_family_is_shown_with_its_invoice_and_the_difference():
    row = draft_row(FAMILY, [meal(MONDAY)], SETTINGS, TARIFFS,
                    IssuedInvoice("2026-000001", 550), None)
    assert row.invoice == "2026-000001" and not row.to_issue
    assert codes(row) == ["differs_from_invoice"]


def test_a_family_with_nothing_to_bill_nor_to_look_at_has_no_row():
    assert draft_row(FAMILY, [], SETTINGS, TARIFFS, None, None) is None
