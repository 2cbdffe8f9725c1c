"""Bookings: one item per child and day, holding the set of booked services."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from chalicelib.domain.errors import Conflict
from chalicelib.storage.keys import is_condition_failure
from chalicelib.storage.models import BookingModel, ReleasedMap, connection

TRANSACTION_LIMIT = 100  # DynamoDB's cap on actions in one TransactWriteItems


class BookingConflict(Conflict):
    code = "conflict_retry"
    message = ("Les inscriptions de cet enfant ont été modifiées en même temps ailleurs. "
               "Rechargez la page et recommencez.")


@dataclass(frozen=True)
class Released:
    """A booked service the commune cancelled, and why."""
    service: str
    reason: str
    at: datetime


@dataclass(frozen=True)
class StoredDay:
    services: frozenset[str]
    version: int | None
    released: tuple[Released, ...] = ()


def _released(item: BookingModel) -> tuple[Released, ...]:
    return tuple(Released(r.service, r.reason, r.at) for r in (item.released or []))


class BookingRepository:
    """Reads a child's days over a range; writes changed days under version checks."""

    def days(self, child_id: str, start: date, end: date) -> dict[date, StoredDay]:
        """Stored days of one child between two dates (inclusive): one query."""
        result: dict[date, StoredDay] = {}
        for item in BookingModel.query(
                child_id, BookingModel.day.between(start.isoformat(), end.isoformat())):
            result[date.fromisoformat(item.day)] = StoredDay(
                frozenset(item.services or ()), item.version, _released(item))
        return result

    def family_days(self, family: str, start: date,
                    end: date) -> dict[str, dict[date, StoredDay]]:
        """Stored days of every child of a family between two dates: one query."""
        result: dict[str, dict[date, StoredDay]] = {}
        for item in BookingModel.by_family.query(
                family, BookingModel.day.between(start.isoformat(), end.isoformat())):
            result.setdefault(item.child_id, {})[date.fromisoformat(item.day)] = StoredDay(
                frozenset(item.services or ()), item.version)
        return result

    def on_day(self, day: date) -> list[tuple[str, str, frozenset[str]]]:
        """(child id, family number, services) of every child with a booking that day."""
        return [(item.child_id, item.family, frozenset(item.services or ()))
                for item in BookingModel.by_day.query(day.isoformat())
                if item.services]

    def release(self, child_id: str, day: date, services: frozenset[str], reason: str,
                now: datetime) -> frozenset[str]:
        """Cancel booked services of one child's day for the commune's ``reason``, keeping
        them in the item's history; returns those actually cancelled (none if a rerun or
        the parent cancelled them first). A parent's save that read the day before this
        fails on its version and reads it again."""
        for _attempt in range(5):
            try:
                item = BookingModel.get(child_id, day.isoformat(), consistent_read=True)
            except BookingModel.DoesNotExist:
                return frozenset()
            gone = frozenset(item.services or ()) & services
            if not gone:
                return frozenset()
            entries = [ReleasedMap(service=code, reason=reason, at=now)
                       for code in sorted(gone)]
            try:
                # Conditioned on the version read, which it moves on (VersionAttribute).
                item.update(actions=[BookingModel.services.delete(set(gone)),
                                     BookingModel.released.set(
                                         (BookingModel.released | []).append(entries)),
                                     BookingModel.updated_at.set(now)])
            except UpdateError as exc:
                if is_condition_failure(exc):
                    continue  # a concurrent save: read the day again
                raise
            return gone
        raise BookingConflict()

    def write(self, child_id: str, family: str, days: dict[date, tuple[frozenset[str], int | None]],
              now: datetime) -> None:
        """Write new service sets, each conditioned on the version it was read at.

        Days go in transactions of up to 100; if another save touched one of them since it
        was read, ``BookingConflict`` is raised and that transaction writes nothing.
        """
        ordered = sorted(days.items())
        for start in range(0, len(ordered), TRANSACTION_LIMIT):
            chunk = ordered[start:start + TRANSACTION_LIMIT]
            try:
                with TransactWrite(connection=connection()) as transaction:
                    for day, (services, version) in chunk:
                        item = BookingModel(child_id, day.isoformat(), family=family,
                                            services=set(services) or None, updated_at=now)
                        if version is not None:
                            item.version = version
                        transaction.save(item)
            except TransactWriteError as exc:
                reasons = {r.code for r in (exc.cancellation_reasons or []) if r}
                if reasons & {"ConditionalCheckFailed", "TransactionConflict"}:
                    raise BookingConflict() from exc
                raise
