"""Small helpers shared by the repositories: month partitions and DynamoDB answers."""
from __future__ import annotations

from datetime import date


def months(start: date, end: date) -> list[str]:
    """Every ``YYYY-MM`` partition key from the month of ``start`` to that of ``end``."""
    keys, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return keys


def is_condition_failure(exc: Exception) -> bool:
    """Whether a PynamoDB write failed on its condition (someone wrote first)."""
    return getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException"
