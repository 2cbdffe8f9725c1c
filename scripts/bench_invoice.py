"""Benchmark of the monthly invoice run: DynamoDB requests per family, seconds, memory.

Runs in-process against moto's DynamoDB (no AWS needed), so the seconds measure our code
plus moto, not DynamoDB's latency: compare them as ratios within one run. The request
counts are exact and are what the AWS bill follows.

    python -m scripts.bench_invoice 100 1000 5000
"""
from __future__ import annotations

import os
import random
import sys
import time
import tracemalloc

os.environ.update({
    "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_DEFAULT_REGION": "eu-west-3", "CANTINE_STAGE": "local",
    "CANTINE_TABLE_PREFIX": "bench-", "CANTINE_NOW": "2027-01-02T08:00:00+01:00",
})
for name in ("CANTINE_AWS_ENDPOINT", "AWS_ENDPOINT_URL"):
    os.environ.pop(name, None)

from datetime import date, datetime, timezone  # noqa: E402

from moto import mock_aws  # noqa: E402

DECEMBER_SCHOOL_DAYS = [date(2026, 12, d) for d in (1, 3, 4, 7, 8, 10, 11, 14, 15, 17, 18)]


def populate(families: int) -> None:
    """Families with one or two children, each booked for lunch on most school days."""
    from chalicelib.storage.models import BookingModel, FamilyModel, ChildMap
    from chalicelib.domain.accounts import search_key
    rng = random.Random(42)
    now = datetime(2026, 11, 1, tzinfo=timezone.utc)
    with FamilyModel.batch_write() as families_batch, BookingModel.batch_write() as bookings:
        for index in range(families):
            number = str(2000 + index)
            children = [ChildMap(id=f"{number}-{n}", first_name=f"ENFANT{n}", last_name="BENCH")
                        for n in range(1, rng.choice((1, 1, 2)) + 1)]
            families_batch.save(FamilyModel(
                number, name=f"FAMILLE {index}", emails=[f"f{index}@example.org"],
                children=children, next_child=len(children) + 1, created_at=now,
                password_hash="x", search_key=search_key(f"FAMILLE {index}", number)))
            for child in children:
                for day in DECEMBER_SCHOOL_DAYS:
                    if rng.random() < 0.8:
                        bookings.save(BookingModel(child.id, day.isoformat(), family=number,
                                                   services={"meal"}, updated_at=now))


def _without_moto_table_copies() -> None:
    """moto deep-copies every table a transaction touches, to roll back on failure: that
    makes each transaction cost as much as the table is big (quadratic runs), which real
    DynamoDB never does. No transaction fails in this benchmark (checked: every family is
    invoiced), so the copy is skipped inside ``transact_write_items`` only."""
    import types

    import moto.dynamodb.models as moto_models
    backend = moto_models.DynamoDBBackend
    if getattr(backend, "_bench_patched", False):
        return
    original = backend.transact_write_items
    real_copy = moto_models.copy

    def transact_write_items(self, transact_items):
        moto_models.copy = types.SimpleNamespace(deepcopy=lambda value, *_: value)
        try:
            return original(self, transact_items)
        finally:
            moto_models.copy = real_copy

    backend.transact_write_items = transact_write_items
    backend._bench_patched = True


def measure(families: int) -> dict:
    """One invoice run over ``families`` families; returns its figures."""
    from chalicelib import wiring
    from chalicelib.services import demo
    from tests.requests_counter import count_dynamodb_requests
    _without_moto_table_copies()
    with mock_aws():
        wiring.reset()
        services = wiring.container()
        demo.prepare_stack(services)
        demo.load_demo_data(services)
        populate(families)
        tracemalloc.start()
        started = time.perf_counter()
        with count_dynamodb_requests() as calls:
            result = services.billing.run_month("2026-12", "staff", services.clock.now)
        seconds = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        wiring.reset()
    total = sum(calls.values())
    assert result["invoiced"] == families, "a transaction failed: the figures would be wrong"
    return {"families": families, "invoices": result["invoiced"], "requests": total,
            "per_family": total / max(result["invoiced"], 1),
            "transactions": calls.get("TransactWriteItems", 0),
            "seconds": seconds, "peak_mb": peak / 1e6, "by_operation": dict(calls)}


def main(argv: list[str]) -> int:
    sizes = [int(a) for a in argv] or [100, 1000]
    print("familles  factures  requêtes  req/famille  transactions  secondes  mémoire max (Mo)")
    for size in sizes:
        r = measure(size)
        print(f"{r['families']:>8}  {r['invoices']:>8}  {r['requests']:>8}  "
              f"{r['per_family']:>11.2f}  {r['transactions']:>12}  {r['seconds']:>8.1f}  "
              f"{r['peak_mb']:>16.1f}")
        print(f"          détail : {r['by_operation']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
