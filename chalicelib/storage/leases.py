"""Leases on the ``marks`` table: a key held under a token until a time, taken when free
or expired, given back by making it expire (no function may delete from ``marks``).

A lease taken until ``FOREVER`` is a once-only marker: whoever took it did the thing,
and nobody else ever will, unless it is given back because the thing failed.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pynamodb.exceptions import PutError, UpdateError

from chalicelib.storage.keys import is_condition_failure
from chalicelib.storage.models import MarkModel

FOREVER = datetime(9999, 12, 31, tzinfo=UTC)  # a lease that never expires: done for good


def take(key: str, token: str, until: datetime, now: datetime,
         replaces: str | None = None) -> bool:
    """Take a lease: free, expired, or held under ``replaces``; False if held.

    A lease taken until T is over at T itself (``until <= now``), as its holders read it.
    (A marker written without ``until`` never compares: it stays held.)"""
    condition = MarkModel.key.does_not_exist() | (MarkModel.until <= now)
    if replaces is not None:
        condition = condition | (MarkModel.ref == replaces)
    try:
        MarkModel(key, ref=token, until=until).save(condition=condition)
        return True
    except PutError as exc:
        if is_condition_failure(exc):
            return False  # held
        raise


def give_back(key: str, token: str, now: datetime) -> None:
    """Give a lease back, if it is still held under ``token``: it expires now."""
    try:
        MarkModel(key).update(actions=[MarkModel.until.set(now - timedelta(seconds=1))],
                              condition=MarkModel.ref == token)
    except UpdateError as exc:
        if not is_condition_failure(exc):
            raise
