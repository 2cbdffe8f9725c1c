"""Counts DynamoDB requests made through PynamoDB, by operation (tests and benchmarks)."""
from __future__ import annotations

import contextlib
from collections import Counter
from typing import Iterator

from pynamodb.connection.base import Connection


@contextlib.contextmanager
def count_dynamodb_requests() -> Iterator[Counter]:
    """Within the block, every DynamoDB call is tallied by operation name."""
    calls: Counter = Counter()
    original = Connection._make_api_call

    def counting(self, operation_name, operation_kwargs):
        calls[operation_name] += 1
        return original(self, operation_name, operation_kwargs)

    Connection._make_api_call = counting
    try:
        yield calls
    finally:
        Connection._make_api_call = original
