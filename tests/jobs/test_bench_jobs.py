"""The jobs' request budgets, checked on a small run of scripts/bench/bench_jobs.py.

The bounds below are read from the code, operation by operation, so that a job which
starts sending one more request per family (or per child, or per booking) fails here:
only the batched reads (BatchGetItem, 100 keys a request) and the invoice's one
transaction per invoice may grow with the families. ``make bench`` prints the same figures
at 100, 1,000, 5,000 and 50,000 families.
"""
from __future__ import annotations

import calendar
import math

import pytest

from chalicelib.domain.commune import default_settings
from scripts.bench.bench_jobs import (BOOKED_MONTH, LOCK_WEEK, RUN_RECORDS, measure_invoice,
                                measure_lock, parse_args, row)

FAMILIES = 30
RUN_RECORD_WRITES = {f"PutItem {RUN_RECORDS}": 1, f"UpdateItem {RUN_RECORDS}": 1}

# The demo commune the benchmark runs in (scripts.bench.bench_jobs loads the demo data).
SETTINGS = default_settings()
BOOKABLE = len(SETTINGS.bookable_services())  # meal, care_morning, care_evening
ACTIVE = len(SETTINGS.active_services())
DAYS_IN_MONTH = calendar.monthrange(*map(int, BOOKED_MONTH.split("-")))[1]


def batches(keys: int) -> int:
    """BatchGetItem requests for ``keys`` keys (100 a request)."""
    return math.ceil(keys / 100)


@pytest.fixture(scope="module")
def lock():
    return measure_lock(FAMILIES, memory=False)


@pytest.fixture(scope="module")
def invoice():
    return measure_invoice(FAMILIES, memory=False)


def invoice_fixed_requests() -> dict[str, int]:
    """What one scheduled tick that drafts and confirms a month sends whatever the number
    of families (chalicelib/services/invoicing.py: scheduled_run, _build, _compute,
    _confirm), the per-family transactions and batched reads and writes aside:"""
    return {
        "PutItem": 3,       # the two run records (draft, confirm), started; the draft's header
        "UpdateItem": 4,    # ... both finished; the draft built, then confirmed
        # the draft's header and the settings (schedule), the settings (build and uses),
        # the header again once built, the calendar re-read at confirmation (a day closed
        # since the draft is refused), the invoice counter
        "GetItem": 6,
        # stale runs (once per run record), the draft (build, then confirm), the tariffs,
        # the month's invoices (build, confirm), the 3 previous months' (usual totals),
        # then for each day of the month its bookings and the attendance of each active
        # service (one index query each); the sick days of the month and the month
        # before (a run begun then: its jour de carence), one index query each; the active
        # direct-debit mandates (the demo commune offers direct debit; no family has one)
        "Query": 2 + 2 + 1 + 2 + 3 + DAYS_IN_MONTH * (1 + ACTIVE) + 2 + 1,
    }


def lock_bounds(families: int) -> dict[str, int]:
    """What one lock run freezing LOCK_WEEK for every booked service may send
    (chalicelib/services/lock.py, run, _freeze and _advance): a constant per day and
    service, plus the families read 100 at a time."""
    days, slots = len(LOCK_WEEK), len(LOCK_WEEK) * BOOKABLE
    return {
        "PutItem": 1 + slots + BOOKABLE,   # run record, one count per slot, one mark per service
        "UpdateItem": 1,                   # the run record, finished
        "GetItem": 1 + 2 * BOOKABLE,       # settings, then per service: re-read, next_closure
        # each day's bookings, once for all services; the runs that died, closed at start
        "Query": days + 1,
        # each slot reads the families it has not seen yet, 100 a request: every family
        # once over the run, plus at most one partly filled request per slot
        "BatchGetItem": batches(families) + slots,
    }


# -- the invoice run ---------------------------------------------------------------------

def test_the_invoice_run_sends_one_transaction_per_family_and_reads_in_batches(invoice):
    by_operation = dict(invoice["requests_by_operation"])
    assert invoice["invoices"] == FAMILIES
    # invoice, ledger, number, mark, and the check that the draft was not rebuilt
    assert by_operation.pop("TransactWriteItems") == FAMILIES
    # the families, read once by the draft and once by the confirmation
    assert by_operation.pop("BatchGetItem") <= 2 * batches(FAMILIES)
    # the draft's rows, 25 a request
    assert by_operation.pop("BatchWriteItem") <= math.ceil(FAMILIES / 25)
    fixed = invoice_fixed_requests()
    assert set(by_operation) <= set(fixed), by_operation
    for operation, count in by_operation.items():
        assert count <= fixed[operation], (operation, count, fixed[operation])


def test_the_invoice_run_meets_its_target_of_three_requests_per_family_plus_batching(invoice):
    overhead = (sum(invoice_fixed_requests().values()) + 2 * batches(FAMILIES)
                + math.ceil(FAMILIES / 25))
    assert invoice["requests"] <= 3 * FAMILIES + overhead
    # What a reader of docs/performance.md sees: 30 families cost little more than the
    # month's fixed queries.
    assert invoice["requests"] - overhead <= FAMILIES
    # The same read the other way: beyond the month's fixed part, each family costs its
    # transaction and its share of the batched reads and writes.
    assert invoice["requests"] - sum(invoice_fixed_requests().values()) == \
        FAMILIES + invoice["requests_by_operation"]["BatchGetItem"] \
        + invoice["requests_by_operation"]["BatchWriteItem"]
    # A rerun reads the month's header, not the month: it costs almost nothing.
    beyond = invoice["requests"] - invoice["second_run_requests"]
    assert invoice["requests_per_family_beyond_idle_run"] == beyond / FAMILIES
    assert invoice["second_run_requests"] <= 5


def test_a_second_invoice_run_writes_nothing_but_its_run_record(invoice):
    assert invoice["second_result"]["invoiced"] == 0
    assert invoice["second_run_writes_by_table"] == RUN_RECORD_WRITES
    assert invoice["second_run_writes_besides_run_record"] == {}
    assert invoice["second_run_writes"] == 0
    # Nothing per family either: the invoiced families are not even read again.
    second = invoice["second_run_by_operation"]
    assert "BatchGetItem" not in second and "TransactWriteItems" not in second
    assert invoice["second_run_requests"] <= sum(invoice_fixed_requests().values())


# -- the weekly lock ---------------------------------------------------------------------

def test_the_lock_run_sends_a_constant_per_day_and_service_not_per_family(lock):
    assert lock["slots"] == len(LOCK_WEEK) * BOOKABLE == lock["result"]["frozen"]
    bounds = lock_bounds(FAMILIES)
    assert set(lock["requests_by_operation"]) <= set(bounds), lock["requests_by_operation"]
    for operation, count in lock["requests_by_operation"].items():
        assert count <= bounds[operation], (operation, count, bounds[operation])
    # Fewer requests than families: nothing is read or written family by family.
    assert lock["requests"] <= sum(bounds.values()) < 2 * FAMILIES


def test_a_second_lock_run_writes_nothing_but_its_run_record(lock):
    assert lock["second_result"]["frozen"] == 0
    assert lock["second_run_writes_by_table"] == RUN_RECORD_WRITES
    assert lock["second_run_writes_besides_run_record"] == {}
    assert lock["second_run_writes"] == 0
    # the settings; the run record; the stale runs it closes (Query) before it starts
    assert lock["second_run_by_operation"] == {"GetItem": 1, "PutItem": 1, "Query": 1,
                                               "UpdateItem": 1}


# -- the report ----------------------------------------------------------------------------

def test_the_figures_carry_what_the_table_prints(lock, invoice):
    for figures in (lock, invoice):
        assert figures["families"] == FAMILIES
        assert FAMILIES <= figures["children"] <= 2 * FAMILIES
        assert figures["requests"] == sum(figures["requests_by_operation"].values())
        assert figures["requests_per_family"] == figures["requests"] / FAMILIES
        assert figures["seconds"] > 0
        assert figures["peak_mb"] is None  # memory=False: no tracemalloc pass
        line = row(figures)
        assert line.startswith(f"| {figures['job']} | {FAMILIES} | ")
        assert line.endswith("| aucune |")
        # Within DynamoDB's limits (400 KB an item, 1 MB a page), and the wait in AWS
        # modelled from the requests counted.
        assert 0 < figures["largest_item_bytes"] < 400_000
        assert 0 < figures["largest_response_bytes"] < 1_048_576
        assert math.isclose(figures["modelled_aws_seconds"], figures["requests"] * 0.008)
    assert parse_args([]).sizes == [100, 1000, 5000, 50000]
    assert parse_args(["--sizes", "100,1000"]).sizes == [100, 1000]
