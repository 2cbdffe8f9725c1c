"""Benchmark of the two scheduled jobs, the weekly lock and the monthly invoice run.

For each size, a fresh in-process moto DynamoDB (``mock_aws``) is filled with that many
families (one or two children each, booked for most school days of December 2026), then
the real job entry point runs with the clock set to a moment when it has work:

- lock: ``chalicelib.jobs.lock.lock_bookings`` at Thursday 3 December 2026 17:00 (Paris),
  the tick that lands on the weekly deadline, so the week of 7-11 December (4 school days
  x 3 booked services = 12 slots) freezes. The weeks before are frozen beforehand by the
  job at the 15:45 UTC tick (16:45 Paris), before the families are written: the marks
  are those last week's run left;
- invoice: ``chalicelib.jobs.invoice.invoice_month`` at its first tick in January 2027
  (1 January, 04:00 UTC), which drafts December 2026 and, the commune having chosen
  automatic confirmation, confirms it: every invoice issued.

Each job then runs a second time at its next scheduled tick (lock: 15 minutes later;
invoice: the next day): the product promises that a job run twice changes nothing the
second time, so that run must write nothing but its own run record (the ``job_runs``
item every run leaves, which the console lists).

What is measured, and how:

- DynamoDB requests, exactly, by operation, as PynamoDB sends them (query pages and
  batch retries included); they are what the AWS bill follows and do not depend on moto;
- seconds: ``time.perf_counter`` around the job call, in a run without tracemalloc, and
  in brackets the process's CPU time (``time.process_time``), steadier on a busy machine.
  The tables live in moto in this process, so the seconds are our code plus moto's
  emulation with no network; most of them are moto (profiled: building its responses
  item by item, and walking the whole table to answer a query on an index). Compare
  them between sizes, not with a Lambda in AWS;
- peak memory: in a separate pass (a fresh moto filled with the same families, the same
  first run, checked to send the same requests), the peak of the Python allocations
  made during the job call, by ``tracemalloc``, which slows Python several times, hence
  the separate pass. It counts everything allocated while the job runs, moto's side
  included, and not the tables filled before: an upper bound of what the job needs on
  top of the interpreter and its modules. ``--no-memory`` skips that pass.

    python -m scripts.bench.bench_jobs                      # 100 to 50,000 families
    python -m scripts.bench.bench_jobs --sizes 100,1000 --jobs invoice --no-memory
"""
from __future__ import annotations

import argparse
import contextlib
import gc
import os
import random
import sys
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

# The environment is set before chalicelib is imported (it reads it once). Everything runs
# in moto, in this process: never an endpoint, never a real account. Under pytest the
# tests' own values (table prefix, fixed clock) are kept.
for _name in ("CANTINE_AWS_ENDPOINT", "AWS_ENDPOINT_URL"):
    os.environ.pop(_name, None)
os.environ["CANTINE_STAGE"] = "local"
for _name, _value in {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
                      "AWS_DEFAULT_REGION": "eu-west-3", "CANTINE_TABLE_PREFIX": "bench-",
                      "CANTINE_NOW": "2026-12-01T08:00:00+01:00"}.items():
    os.environ.setdefault(_name, _value)

from moto import mock_aws  # noqa: E402

PARIS = ZoneInfo("Europe/Paris")
DEFAULT_SIZES = (100, 1000, 5000, 50000)
JOBS = ("lock", "invoice")
# tracemalloc slows a run several times: the memory pass stops at this size by default.
MEMORY_UP_TO = 5000
SEED = 42

# December 2026 in the demo commune (school Mon, Tue, Thu, Fri; zone A holidays from
# Saturday 19 December): the booked month.
BOOKED_MONTH = "2026-12"
SCHOOL_DAYS = [date(2026, 12, d) for d in (1, 3, 4, 7, 8, 10, 11, 14, 15, 17, 18)]
# How often a child is booked for each service on a school day.
SERVICE_RATES = {"meal": 0.8, "care_morning": 0.25, "care_evening": 0.35}
MEAL_TYPES = ["standard"] * 16 + ["sans_porc"] * 2 + ["vegetarien", "panier_pai"]

# EventBridge's ticks (UTC, every 15 minutes) around the weekly deadline, in Paris time.
LOCK_BEFORE = datetime(2026, 12, 3, 16, 45, tzinfo=PARIS)   # freezes up to Friday 4
LOCK_AT = datetime(2026, 12, 3, 17, 0, tzinfo=PARIS)        # the deadline: 7-11 freeze
LOCK_AGAIN = LOCK_AT + timedelta(minutes=15)                # next tick: nothing to do
LOCK_WEEK = [date(2026, 12, d) for d in (7, 8, 10, 11)]
# The invoice job's first tick of January (04:00 UTC on the 1st), then the next day's.
INVOICE_AT = datetime(2027, 1, 1, 5, 0, tzinfo=PARIS)
INVOICE_AGAIN = INVOICE_AT + timedelta(days=1)

SCHEDULED_EVENT = {
    "version": "0", "id": "5f0c4b7e-0d43-4c8e-9a57-bench0000000",
    "detail-type": "Scheduled Event", "source": "aws.events", "account": "123456789012",
    "region": "eu-west-3", "detail": {},
}

WRITE_OPERATIONS = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem",
                              "TransactWriteItems"})
RUN_RECORDS = "job_runs"  # the table of the run records every run writes


# -- counting requests -------------------------------------------------------------------

class Requests:
    """DynamoDB requests seen within ``count_requests()``, by operation and table."""

    def __init__(self) -> None:
        self.by_operation: Counter = Counter()
        self.writes_by_table: Counter = Counter()   # (operation, table) of each write
        # DynamoDB's limits: 400 KB an item, 1 MB a Query page, 16 MB a BatchGetItem.
        self.largest_item_bytes = 0       # the largest item written (its JSON on the wire)
        self.largest_response_bytes = 0   # the largest answer DynamoDB sent back

    @property
    def total(self) -> int:
        return sum(self.by_operation.values())

    def writes_outside(self, *tables: str) -> dict[str, int]:
        """Writes to tables other than ``tables``, as "Operation table": count."""
        return {f"{operation} {table}": n
                for (operation, table), n in sorted(self.writes_by_table.items())
                if table not in tables}


def _tables(kwargs: dict[str, Any], prefix: str) -> list[str]:
    if "TableName" in kwargs:
        names = [kwargs["TableName"]]
    elif "RequestItems" in kwargs:
        names = list(kwargs["RequestItems"])
    elif "TransactItems" in kwargs:
        names = [next(iter(item.values()))["TableName"] for item in kwargs["TransactItems"]]
    else:
        names = []
    return sorted({n[len(prefix):] if n.startswith(prefix) else n for n in names})


def _wire_size(value: Any) -> int:
    import json
    return len(json.dumps(value, default=str, separators=(",", ":")).encode())


def _items_written(kwargs: dict[str, Any]) -> list[Any]:
    """The items a write request carries (whole items for puts, the update's values)."""
    if "Item" in kwargs:
        return [kwargs["Item"]]
    if "TransactItems" in kwargs:
        return [action.get("Item") or action.get("ExpressionAttributeValues") or {}
                for entry in kwargs["TransactItems"] for action in entry.values()]
    if "RequestItems" in kwargs:
        return [w["PutRequest"]["Item"] for writes in kwargs["RequestItems"].values()
                for w in writes if "PutRequest" in w]
    if "ExpressionAttributeValues" in kwargs:
        return [kwargs["ExpressionAttributeValues"]]
    return []


@contextlib.contextmanager
def count_requests() -> Iterator[Requests]:
    """Tally every DynamoDB request PynamoDB sends within the block (the approach of
    tests/requests_counter.py, plus the tables written to)."""
    from pynamodb.connection.base import Connection

    from chalicelib.settings import get_settings
    prefix = get_settings().table_prefix
    seen = Requests()
    original = Connection._make_api_call

    def counting(self: Connection, operation_name: str,
                 operation_kwargs: dict[str, Any]) -> dict[str, Any]:
        seen.by_operation[operation_name] += 1
        if operation_name in WRITE_OPERATIONS:
            for table in _tables(operation_kwargs, prefix):
                seen.writes_by_table[(operation_name, table)] += 1
            for item in _items_written(operation_kwargs):
                seen.largest_item_bytes = max(seen.largest_item_bytes, _wire_size(item))
        response = original(self, operation_name, operation_kwargs)
        seen.largest_response_bytes = max(seen.largest_response_bytes, _wire_size(response))
        return response

    with mock.patch.object(Connection, "_make_api_call", counting):
        yield seen


# -- moto ------------------------------------------------------------------------------

@contextlib.contextmanager
def without_moto_table_copies() -> Iterator[list[str]]:
    """moto deep-copies every table a transaction touches, to roll back on failure: that
    makes each transaction cost as much as the table is big (quadratic runs), which real
    DynamoDB never does. Within the block the copy is skipped inside
    ``transact_write_items`` only. Without the copy a cancelled transaction could leave
    half its writes behind, so every failure is listed in the yielded list, and the
    benchmark refuses figures from a run that had one. The original method is put back
    on exit (other tests in the same process rely on moto's rollback)."""
    import types

    import moto.dynamodb.models as moto_models
    backend = moto_models.DynamoDBBackend
    original = backend.transact_write_items
    no_copy = types.SimpleNamespace(deepcopy=lambda value, *_: value)
    failures: list[str] = []

    def transact_write_items(self: Any, transact_items: Any) -> Any:
        try:
            with mock.patch.object(moto_models, "copy", no_copy):
                return original(self, transact_items)
        except Exception as exc:
            failures.append(f"{type(exc).__name__}: {exc}")
            raise

    with mock.patch.object(backend, "transact_write_items", transact_write_items):
        yield failures


# -- data ------------------------------------------------------------------------------

def populate(families: int, seed: int = SEED) -> dict[str, int]:
    """``families`` families (numbers from 2000) with one or two children, each booked on
    most school days of December 2026; returns what was written."""
    from chalicelib.domain.accounts import search_key
    from chalicelib.storage.models import BookingModel, ChildMap, FamilyModel
    rng = random.Random(seed)
    created = datetime(2026, 9, 1, 8, 0, tzinfo=PARIS)
    children = bookings = 0
    with FamilyModel.batch_write() as family_batch, BookingModel.batch_write() as booking_batch:
        for index in range(families):
            number = str(2000 + index)
            kids = [ChildMap(id=f"{number}-{n}", first_name=f"ENFANT{n}", last_name="BENCH",
                             meal_type=rng.choice(MEAL_TYPES))
                    for n in range(1, rng.choice((1, 1, 2)) + 1)]
            children += len(kids)
            family_batch.save(FamilyModel(
                number, name=f"FAMILLE {index}", emails=[f"f{index}@example.org"],
                children=kids, next_child=len(kids) + 1, created_at=created,
                password_hash="x", search_key=search_key(f"FAMILLE {index}", number)))
            for kid in kids:
                for day in SCHOOL_DAYS:
                    services = {s for s, rate in SERVICE_RATES.items() if rng.random() < rate}
                    if services:
                        bookings += 1
                        booking_batch.save(BookingModel(kid.id, day.isoformat(), family=number,
                                                        services=services, updated_at=created))
    return {"families": families, "children": children, "bookings": bookings}


@contextlib.contextmanager
def _stack(families: int, before_populate: Callable[[Any], None] = lambda services: None
           ) -> Iterator[tuple[Any, dict[str, int]]]:
    """A fresh moto with the demo commune (settings, tariffs, family 1001), then
    ``before_populate(services)``, then the benchmark's families; yields the job's
    services and what was written."""
    from chalicelib import wiring
    from chalicelib.clock import FixedClock
    from chalicelib.services import demo
    with mock_aws():
        wiring.reset()
        try:
            services = wiring.container()
            if not isinstance(services.clock, FixedClock):
                raise RuntimeError("CANTINE_NOW must be set: the benchmark moves the clock")
            demo.prepare_stack(services)
            demo.load_demo_data(services)
            before_populate(services)
            yield services, populate(families)
        finally:
            wiring.reset()


# -- one job, measured ---------------------------------------------------------------

class _JobCase:
    """What differs between the two jobs: preparation, the call, its check."""

    name: str
    first: datetime
    again: datetime

    def prepare(self, services) -> None:
        """Bring the tables to the state the job meets at ``first``; runs before the
        families are written, and is not measured."""

    def call(self) -> dict[str, Any]:
        raise NotImplementedError

    def check(self, result: dict[str, Any], data: dict[str, int]) -> dict[str, Any]:
        """Refuse figures from a run that did not do the expected work; extra fields."""
        return {}


class _Lock(_JobCase):
    name, first, again = "lock", LOCK_AT, LOCK_AGAIN

    def prepare(self, services) -> None:
        # Last week's work, by the job itself: every service frozen up to Friday 4
        # December. Run on the empty tables (moto makes it as slow as the measured run
        # otherwise): it leaves the same marks, with zero counts for those days.
        from chalicelib.jobs.lock import lock_bookings
        services.clock.set(LOCK_BEFORE)
        lock_bookings(_event(LOCK_BEFORE))

    def call(self) -> dict[str, Any]:
        from chalicelib import wiring
        from chalicelib.jobs.lock import lock_bookings
        return lock_bookings(_event(wiring.container().clock.now()))

    def check(self, result, data):
        slots = len(LOCK_WEEK) * len(SERVICE_RATES)
        if result["frozen"] != slots:
            raise RuntimeError(f"the lock froze {result['frozen']} slot(s), not {slots}")
        return {"slots": slots, "days": len(LOCK_WEEK)}


class _Invoice(_JobCase):
    name, first, again = "invoice", INVOICE_AT, INVOICE_AGAIN

    def prepare(self, services) -> None:
        # The commune lets the schedule confirm its draft: one tick drafts and confirms,
        # the whole month's work.
        settings = services.commune.get()
        services.commune.update({"billing_auto_confirm": True, "version": settings.version})

    def call(self) -> dict[str, Any]:
        from chalicelib import wiring
        from chalicelib.jobs.invoice import invoice_month
        return invoice_month(_event(wiring.container().clock.now()))

    def check(self, result, data):
        if result["invoiced"] != data["families"]:
            raise RuntimeError(f"{result['invoiced']} invoice(s) for {data['families']} "
                               "families: some family was not invoiced")
        return {"invoices": result["invoiced"], "month": BOOKED_MONTH}


CASES = {"lock": _Lock(), "invoice": _Invoice()}


def _event(moment: datetime) -> dict[str, Any]:
    return {**SCHEDULED_EVENT, "time": moment.astimezone(ZoneInfo("UTC"))
            .strftime("%Y-%m-%dT%H:%M:%SZ")}


def _run_once(case: _JobCase, families: int, *, trace: bool) -> dict[str, Any]:
    """Fill a fresh moto, run the job at ``case.first`` (timed and counted, or traced),
    then, untraced only, at ``case.again``; returns the raw figures."""
    with _stack(families, case.prepare) as (services, data), \
            without_moto_table_copies() as failures:
        services.clock.set(case.first)
        gc.collect()
        peak = None
        with count_requests() as first:
            if trace:
                tracemalloc.start()
            started, cpu_started = time.perf_counter(), time.process_time()
            try:
                result = case.call()
            finally:
                seconds = time.perf_counter() - started
                cpu_seconds = time.process_time() - cpu_started
                if trace:
                    peak = tracemalloc.get_traced_memory()[1]
                    tracemalloc.stop()
        if failures:
            raise RuntimeError(f"a transaction failed during the {case.name} run: "
                               f"{failures[0]}; its figures would be wrong")
        extra = case.check(result, data)
        if trace:  # the second run was checked in the untraced pass
            return {"data": data, "result": result, "first": first, "peak": peak}
        services.clock.set(case.again)
        with count_requests() as second:
            again = case.call()
        if failures:
            raise RuntimeError(f"a transaction failed during the second {case.name} run: "
                               f"{failures[0]}")
    return {"data": data, "result": result, "again": again, "first": first,
            "second": second, "seconds": seconds, "cpu_seconds": cpu_seconds, "peak": peak,
            "extra": extra}


# The wall time in AWS, modelled from the counted requests: a DynamoDB request from a
# Lambda in the same region takes 5-10 ms (the figure); the run sends them one
# after another (one invocation, no parallelism), so its time is at least their sum.
AWS_ROUND_TRIP_MS = 8.0
AWS_PARALLELISM = 1
LAMBDA_CEILING_S = 900


def modelled_aws_seconds(requests: int, round_trip_ms: float = AWS_ROUND_TRIP_MS,
                         parallelism: int = AWS_PARALLELISM) -> float:
    """The seconds a run spends waiting on DynamoDB in AWS, before any work of its own."""
    return requests * round_trip_ms / 1000 / parallelism


def measure(job: str, families: int, *, memory: bool = True) -> dict[str, Any]:
    """The figures of one job over ``families`` families (see the module's docstring)."""
    case = CASES[job]
    run = _run_once(case, families, trace=False)
    first, second = run["first"], run["second"]
    figures = {
        "largest_item_bytes": first.largest_item_bytes,
        "largest_response_bytes": first.largest_response_bytes,
        "aws_round_trip_ms": AWS_ROUND_TRIP_MS, "aws_parallelism": AWS_PARALLELISM,
        "modelled_aws_seconds": modelled_aws_seconds(first.total),
        "job": job, "families": families, "children": run["data"]["children"],
        "bookings": run["data"]["bookings"],
        "requests": first.total, "requests_by_operation": dict(sorted(first.by_operation.items())),
        "requests_per_family": first.total / families,
        # What the families add to a run that has nothing to do (the second run reads the
        # same commune, tariffs and days, and bills or freezes nothing).
        "requests_per_family_beyond_idle_run": (first.total - second.total) / families,
        "writes_by_table": {f"{op} {table}": n
                            for (op, table), n in sorted(first.writes_by_table.items())},
        "seconds": run["seconds"], "cpu_seconds": run["cpu_seconds"],
        "peak_mb": None, "memory_method": None,
        "second_run_requests": second.total,
        "second_run_by_operation": dict(sorted(second.by_operation.items())),
        # Every write of the second run, then those beyond the run record it leaves (the
        # console's list of runs): the promise is that this number is 0.
        "second_run_writes_by_table": {f"{op} {table}": n for (op, table), n
                                       in sorted(second.writes_by_table.items())},
        "second_run_writes": sum(second.writes_outside(RUN_RECORDS).values()),
        "second_run_writes_besides_run_record": second.writes_outside(RUN_RECORDS),
        "note": ("A second run writes nothing but its own run record (job_runs: one PutItem "
                 "when it starts, one UpdateItem when it ends), which the console lists."),
        "result": run["result"], "second_result": run["again"], **run["extra"],
    }
    if memory:
        traced = _run_once(case, families, trace=True)
        if dict(traced["first"].by_operation) != dict(first.by_operation):
            raise RuntimeError("the traced run did not send the same requests: "
                               f"{dict(traced['first'].by_operation)} vs {dict(first.by_operation)}")
        figures["peak_mb"] = traced["peak"] / 1e6
        figures["memory_method"] = "tracemalloc peak during the run (separate pass)"
    return figures


def measure_lock(families: int, *, memory: bool = True) -> dict[str, Any]:
    """The weekly lock at the Thursday 17:00 deadline over ``families`` families."""
    return measure("lock", families, memory=memory)


def measure_invoice(families: int, *, memory: bool = True) -> dict[str, Any]:
    """The monthly invoice run of December 2026 over ``families`` families."""
    return measure("invoice", families, memory=memory)


# -- command line ----------------------------------------------------------------------

HEADER = ("| job | familles | enfants | requêtes | req/famille | req/famille au-delà d'un "
          "passage à vide | secondes (CPU) "
          "| mémoire max (Mo) | plus grand élément (o) | plus grande réponse (o) "
          "| durée modélisée dans AWS (s) "
          "| 2e passage : requêtes | 2e passage : écritures hors journal des passages |")


def row(figures: dict[str, Any]) -> str:
    """One Markdown table row of ``measure``'s figures."""
    peak = "–" if figures["peak_mb"] is None else f"{figures['peak_mb']:.1f}"
    writes = figures["second_run_writes_besides_run_record"]  # {} when it changes nothing
    return (f"| {figures['job']} | {_n(figures['families'])} | {_n(figures['children'])} "
            f"| {_n(figures['requests'])} | {figures['requests_per_family']:.2f} "
            f"| {figures['requests_per_family_beyond_idle_run']:.2f} "
            f"| {figures['seconds']:.1f} ({figures['cpu_seconds']:.1f}) | {peak} "
            f"| {_n(figures['largest_item_bytes'])} | {_n(figures['largest_response_bytes'])} "
            f"| {figures['modelled_aws_seconds']:.0f} "
            f"| {_n(figures['second_run_requests'])} "
            f"| {'aucune' if not writes else writes} |")


def _n(value: int) -> str:
    return f"{value:,}".replace(",", " ")  # 5 000, as French writes it


def detail(figures: dict[str, Any]) -> str:
    """The requests by operation of both runs, one line."""
    return (f"{figures['job']} {figures['families']} : 1er passage "
            f"{figures['requests_by_operation']} ; 2e passage "
            f"{figures['second_run_by_operation']}, écritures "
            f"{figures['second_run_writes_by_table']}")


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"sizes: comma-separated integers, not {text!r}") from None
    if not sizes or any(size < 1 for size in sizes):
        raise argparse.ArgumentTypeError("sizes: at least one, each ≥ 1")
    return sizes


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m scripts.bench.bench_jobs",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=_sizes, default=list(DEFAULT_SIZES),
                        help="families per run, comma-separated (default 100,1000,5000,50000)")
    parser.add_argument("--jobs", type=lambda t: [j for j in t.split(",") if j],
                        default=list(JOBS), help="lock,invoice (default both)")
    parser.add_argument("--no-memory", action="store_true",
                        help="skip the tracemalloc pass (halves the time)")
    parser.add_argument("--memory-up-to", type=int, default=MEMORY_UP_TO,
                        help="the tracemalloc pass only up to this size (default 5000: "
                             "it slows a run several times)")
    args = parser.parse_args(argv)
    unknown = set(args.jobs) - set(JOBS)
    if unknown:
        parser.error(f"unknown job(s): {', '.join(sorted(unknown))}")
    return args


def main(argv: list[str] | None = None,
         out: Callable[[str], None] = lambda line: print(line, flush=True)) -> int:
    """Measure each job at each size and print a Markdown table, then the details."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    started = time.perf_counter()
    out(HEADER)
    out("|" + "---|" * HEADER.count(" | ") + "---|")
    results = []
    for size in args.sizes:
        for job in args.jobs:
            figures = measure(job, size,
                              memory=not args.no_memory and size <= args.memory_up_to)
            results.append(figures)
            out(row(figures))
    out("")
    for figures in results:
        out(detail(figures))
    out(f"durée totale du banc : {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
