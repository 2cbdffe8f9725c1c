"""Counts DynamoDB requests made through PynamoDB, by operation (tests and benchmarks).

Besides the calls, ``<Operation>.items`` tallies what they touched: the items a Query or
Scan read (``ScannedCount``: DynamoDB bills what it reads), and the items in a batch or a
transaction. The bill in scripts/bench/bench_bill.py turns both into request units.
"""
from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Iterator
from typing import Any
from unittest import mock

from pynamodb.connection.base import Connection


def _items(operation: str, request: dict[str, Any], reply: dict[str, Any]) -> int | None:
    if operation in ("Query", "Scan"):
        return int(reply.get("ScannedCount", len(reply.get("Items", []))))
    if operation in ("TransactWriteItems", "TransactGetItems"):
        return len(request.get("TransactItems", []))
    if operation == "BatchGetItem":
        return sum(len(t.get("Keys", [])) for t in request.get("RequestItems", {}).values())
    if operation == "BatchWriteItem":
        return sum(len(t) for t in request.get("RequestItems", {}).values())
    return None


@contextlib.contextmanager
def count_dynamodb_requests() -> Iterator[Counter]:
    """Within the block, every DynamoDB call is tallied by operation name."""
    calls: Counter = Counter()
    original = Connection._make_api_call

    def counting(self: Connection, operation_name: str,
                 operation_kwargs: dict[str, Any]) -> dict[str, Any]:
        calls[operation_name] += 1
        reply = original(self, operation_name, operation_kwargs)
        items = _items(operation_name, operation_kwargs, reply or {})
        if items is not None:
            calls[f"{operation_name}.items"] += items
        return reply

    with mock.patch.object(Connection, "_make_api_call", counting):
        yield calls


def requests_only(calls: Counter) -> Counter:
    """The calls alone, without the ``.items`` tallies."""
    return Counter({k: v for k, v in calls.items() if "." not in k})
