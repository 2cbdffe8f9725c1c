"""Bookings: one item per child and day, holding the set of booked services."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.domain.errors import Conflict
from chalicelib.storage.models import BookingModel, connection

TRANSACTION_LIMIT = 100  # DynamoDB's cap on actions in one TransactWriteItems


class BookingConflict(Conflict):
    code = "conflict_retry"
    message = ("Les inscriptions de cet enfant ont été modifiées en même temps ailleurs. "
               "Rechargez la page et recommencez.")


@dataclass(frozen=True)
class StoredDay:
    services: frozenset[str]
    version: int | None


class BookingRepository:
    """Reads a child's days over a range; writes changed days under version checks."""

    def days(self, child_id: str, start: date, end: date) -> dict[date, StoredDay]:
        """Stored days of one child between two dates (inclusive): one query."""
        result: dict[date, StoredDay] = {}
        for item in BookingModel.query(
                child_id, BookingModel.day.between(start.isoformat(), end.isoformat())):
            result[date.fromisoformat(item.day)] = StoredDay(
                frozenset(item.services or ()), item.version)
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
