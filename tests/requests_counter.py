"""The tests count DynamoDB requests with the benchmarks' counter (scripts/)."""
from scripts.bench.requests_counter import count_dynamodb_requests as _count
from scripts.bench.requests_counter import requests_only

import contextlib
from collections import Counter
from typing import Iterator


@contextlib.contextmanager
def count_dynamodb_requests() -> Iterator[Counter]:
    """Within the block, every DynamoDB call is tallied by operation name (calls only)."""
    with _count() as calls:
        only: Counter = Counter()
        yield only
    only.update(requests_only(calls))


__all__ = ["count_dynamodb_requests"]
