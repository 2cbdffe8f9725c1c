"""What bookings cost in DynamoDB requests, counted under moto through the container.

The clock is Monday 2026-11-23 10:00 in Paris: every December week is still open.
"""
from __future__ import annotations

import math

import pytest

from tests.requests_counter import count_dynamodb_requests

CHILD = "1001-1"
ACTIVE = ("meal", "care_morning", "care_evening")
SCHOOL_YEAR = {"from": "2026-11-30", "to": "2027-07-03", "services": list(ACTIVE),
               "weekdays": [1, 2, 4, 5], "booked": True}


@pytest.fixture
def now(services):
    return services.clock.now()


def open_december_changes(services, family, now, booked=True):
    """Every editable checkbox of December 2026, as a save request."""
    grid = services.bookings.month(family, CHILD, "2026-12", now)
    return [{"date": d["date"], "service": code, "booked": booked}
            for d in grid["days"] for code, cell in d["services"].items() if cell["editable"]]


def test_the_month_calendar_takes_at_most_three_requests(services, family, now):
    services.bookings.book_period(family, CHILD, SCHOOL_YEAR, now)
    with count_dynamodb_requests() as calls:
        grid = services.bookings.month(family, CHILD, "2026-12", now)
    assert sum(calls.values()) <= 3, calls
    assert any(cell["booked"] for d in grid["days"] for cell in d["services"].values())


def test_saving_a_whole_month_takes_three_requests_plus_one_per_25_changes(services, family,
                                                                          now):
    changes = open_december_changes(services, family, now)
    assert len(changes) == 11 * len(ACTIVE)  # 1-18 December, Mon Tue Thu Fri
    with count_dynamodb_requests() as calls:
        saved = services.bookings.save(family, CHILD, {"changes": changes}, now)["saved"]
    assert saved == len(changes)
    assert sum(calls.values()) <= 3 + math.ceil(len(changes) / 25), calls


def test_cancelling_a_whole_month_costs_no_more_than_booking_it(services, family, now):
    services.bookings.save(family, CHILD,
                           {"changes": open_december_changes(services, family, now)}, now)
    changes = open_december_changes(services, family, now, booked=False)
    with count_dynamodb_requests() as calls:
        saved = services.bookings.save(family, CHILD, {"changes": changes}, now)["saved"]
    assert saved == len(changes) == 33
    assert sum(calls.values()) <= 3 + math.ceil(len(changes) / 25), calls


def test_booking_a_school_year_for_one_child_takes_at_most_twelve_requests(services, family,
                                                                          now):
    with count_dynamodb_requests() as calls:
        result = services.bookings.book_period(family, CHILD, SCHOOL_YEAR, now)
    assert result["saved"] == 96 * len(ACTIVE)  # 96 school days from 30 November to 2 July
    assert sum(calls.values()) <= 12, calls


def test_booking_a_school_year_twice_writes_nothing_the_second_time(services, family, now):
    services.bookings.book_period(family, CHILD, SCHOOL_YEAR, now)
    with count_dynamodb_requests() as calls:
        result = services.bookings.book_period(family, CHILD, SCHOOL_YEAR, now)
    assert result["saved"] == 0
    assert "TransactWriteItems" not in calls
    assert sum(calls.values()) <= 12, calls


# -- money -----------------------------------------------------------------------------------

def billed_november(services, family, now, families: int = 1):
    """``families`` families booked on Monday 30 November; December 1st, November billed."""
    from datetime import datetime
    from zoneinfo import ZoneInfo
    from chalicelib.domain.accounts import Child
    numbers = [family.number]
    for index in range(families - 1):
        other = services.families.create_family(
            {"name": f"AUTRE{index}", "emails": [f"autre{index}@example.org"]}, now)
        services.accounts.add_child(other.number, Child("", "ENFANT", f"AUTRE{index}"))
        numbers.append(other.number)
    for number in numbers:
        services.bookings.save(services.accounts.get_family(number), f"{number}-1", {
            "changes": [{"date": "2026-11-30", "service": "meal", "booked": True}]}, now)
    services.clock.set(datetime(2026, 12, 1, 8, 0, tzinfo=ZoneInfo("Europe/Paris")))
    services.invoicing.build_draft("2026-11", "staff", "test", services.clock.now)
    services.invoicing.confirm_month("2026-11", "staff", "test", services.clock.now)
    return numbers


def test_recording_a_payment_takes_six_requests(services, family, now):
    billed_november(services, family, now)
    with count_dynamodb_requests() as calls:
        services.billing.record_payment("1001", {"amount_cents": 100, "method": "cheque",
                                                 "invoice": "2026-000001"}, "key-00000001",
                                        services.clock.now(), "test")
    # the family, the key's mark, the first invoice year (one batch), the invoice aimed at,
    # its direct debit (one sent to the bank would collect it twice), and the transaction
    # (mark and ledger line)
    assert calls == {"GetItem": 4, "BatchGetItem": 1, "TransactWriteItems": 1}, calls


def test_a_months_invoices_with_their_state_take_two_queries_a_family(services, family, now):
    billed_november(services, family, now, families=3)
    with count_dynamodb_requests() as calls:
        rows = services.billing.month_invoices("2026-11")
    assert len(rows) == 3
    # the month's invoices (index) and the families (one batch), then per family its
    # invoices and its ledger: the state of an invoice depends on every line of the account
    assert calls == {"Query": 1 + 2 * 3, "BatchGetItem": 1}, calls
