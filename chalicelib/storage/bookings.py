"""Bookings: one item per child and day, holding the set of booked services."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from pynamodb.exceptions import PutError, TransactWriteError
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from chalicelib.domain.errors import Conflict
from chalicelib.storage.keys import is_condition_failure
from chalicelib.storage.models import BookingModel, PlacesModel, ReleasedMap, connection

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


class PlacesFull(Exception):
    """The places of these (day, service) were all taken when the save was tried: those
    bookings go on the waiting list instead. Nothing of the transaction was written."""

    def __init__(self, slots: frozenset[tuple[date, str]]) -> None:
        super().__init__(sorted(slots))
        self.slots = slots


@dataclass(frozen=True)
class StoredDay:
    services: frozenset[str]
    version: int | None
    released: tuple[Released, ...] = ()
    # service → waiting-list ticket (services with a number of places only)
    waiting: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class PlaceMove:
    """What one saved day does to a (service, day)'s counts: take a place (only while
    fewer than ``places`` are confirmed and nobody waits), give one back, join or leave
    the waiting list."""
    service: str
    take: int = 0          # +1 take a place, -1 give one back
    wait: int = 0          # +1 join the waiting list, -1 leave it
    places: int | None = None


@dataclass(frozen=True)
class DayWrite:
    services: frozenset[str]
    version: int | None
    waiting: dict[str, int] = field(default_factory=dict)
    moves: tuple[PlaceMove, ...] = ()


@dataclass(frozen=True)
class Slot:
    """A (service, day)'s counts."""
    confirmed: int
    waiting: int


@dataclass(frozen=True)
class Waiting:
    """One entry of a waiting list, with its place in line (1 = next)."""
    child_id: str
    family: str
    ticket: int
    rank: int


def _released(item: BookingModel) -> tuple[Released, ...]:
    return tuple(Released(r.service, r.reason, r.at) for r in (item.released or []))


def _waiting(item: BookingModel) -> dict[str, int]:
    return {k: int(v) for k, v in (item.waiting or {}).items()}


def _place_update(transaction: TransactWrite, day: date, move: PlaceMove) -> None:
    actions: list[Action] = []
    condition = None
    if move.take:
        actions.append(PlacesModel.confirmed.add(move.take))
    if move.wait:
        actions.append(PlacesModel.waiting.add(move.wait))
    if move.take > 0 and move.places is not None:
        # The one check that keeps a day within its places, whoever saves at once.
        condition = ((PlacesModel.confirmed.does_not_exist()
                      | (PlacesModel.confirmed < move.places))
                     & (PlacesModel.waiting.does_not_exist() | (PlacesModel.waiting <= 0)))
    transaction.update(PlacesModel(move.service, day.isoformat()), actions=actions,
                       condition=condition)


class BookingRepository:
    """Reads a child's days over a range; writes changed days under version checks."""

    def days(self, child_id: str, start: date, end: date) -> dict[date, StoredDay]:
        """Stored days of one child between two dates (inclusive): one query."""
        result: dict[date, StoredDay] = {}
        for item in BookingModel.query(
                child_id, BookingModel.day.between(start.isoformat(), end.isoformat())):
            result[date.fromisoformat(item.day)] = StoredDay(
                frozenset(item.services or ()), item.version, _released(item), _waiting(item))
        return result

    def family_days(self, family: str, start: date,
                    end: date) -> dict[str, dict[date, StoredDay]]:
        """Stored days of every child of a family between two dates: one query."""
        result: dict[str, dict[date, StoredDay]] = {}
        for item in BookingModel.by_family.query(
                family, BookingModel.day.between(start.isoformat(), end.isoformat())):
            result.setdefault(item.child_id, {})[date.fromisoformat(item.day)] = StoredDay(
                frozenset(item.services or ()), item.version, (), _waiting(item))
        return result

    def waiting_list(self, day: date, service: str) -> list[Waiting]:
        """The waiting list of a (service, day), first in line first: one query."""
        entries = sorted(
            (int(item.waiting[service]), item.child_id, item.family)
            for item in BookingModel.by_day.query(day.isoformat())
            if item.waiting and service in item.waiting)
        return [Waiting(child, family, ticket, rank)
                for rank, (ticket, child, family) in enumerate(entries, start=1)]

    def slot(self, day: date, service: str) -> Slot:
        """A (service, day)'s counts, read consistently."""
        try:
            item = PlacesModel.get(service, day.isoformat(), consistent_read=True)
        except PlacesModel.DoesNotExist:
            return Slot(0, 0)
        return Slot(int(item.confirmed or 0), int(item.waiting or 0))

    def ensure_slots(self, slots: set[tuple[date, str]]) -> None:
        """Give each (day, service) its counter before a transaction moves it: one
        BatchGetItem; a missing one (the service just got its places, or nobody booked
        that day since) is counted from the day's bookings (one query) and created only if
        still absent, so bookings made before the limit count too."""
        if not slots:
            return
        wanted = sorted(slots)
        found = {(date.fromisoformat(item.day), item.service) for item in PlacesModel.batch_get(
            [(service, day.isoformat()) for day, service in wanted], consistent_read=True)}
        days: dict[date, list[BookingModel]] = {}
        for day, service in wanted:
            if (day, service) in found:
                continue
            if day not in days:
                days[day] = list(BookingModel.by_day.query(day.isoformat()))
            items = days[day]
            tickets = [int(i.waiting[service]) for i in items
                       if i.waiting and service in i.waiting]
            counter = PlacesModel(service, day.isoformat(),
                                  confirmed=sum(1 for i in items if service in (i.services or ())),
                                  waiting=len(tickets), tickets=max(tickets, default=0))
            try:
                counter.save(condition=PlacesModel.service.does_not_exist())
            except PutError as exc:
                if not is_condition_failure(exc):
                    raise  # else another writer created it first: theirs stands

    def ticket(self, day: date, service: str) -> int:
        """A new ticket in a (service, day)'s waiting list: strictly increasing, never
        given twice (an atomic counter; a ticket a failed save took is simply skipped)."""
        item = PlacesModel(service, day.isoformat())
        item.update(actions=[PlacesModel.tickets.add(1)])
        return int(item.tickets)

    def on_day(self, day: date, waiting: bool = False) -> list[tuple[str, str, frozenset[str]]]:
        """(child id, family number, services) of every child with a booking that day:
        confirmed bookings only, unless ``waiting`` (then waiting entries count too)."""
        result = []
        for item in BookingModel.by_day.query(day.isoformat()):
            services = frozenset(item.services or ())
            if waiting:
                services |= frozenset(item.waiting or ())
            if services:
                result.append((item.child_id, item.family, services))
        return result

    def release(self, child_id: str, day: date, services: frozenset[str], reason: str,
                now: datetime, limited: frozenset[str] = frozenset()) -> frozenset[str]:
        """Cancel booked services of one child's day for the commune's ``reason``, keeping
        them in the item's history; returns those actually cancelled (none if a rerun or
        the parent cancelled them first). Their places are given back and the child's
        waiting entries for them that day withdrawn, in the same transaction: nobody is
        promoted onto a day the commune closed (``limited``: the services with places).
        A parent's save that read the day before
        this fails on its version and reads it again."""
        for _attempt in range(5):
            try:
                item = BookingModel.get(child_id, day.isoformat(), consistent_read=True)
            except BookingModel.DoesNotExist:
                return frozenset()
            gone = frozenset(item.services or ()) & services
            waiting = _waiting(item)
            dropped = frozenset(waiting) & services
            if not gone and not dropped:
                return frozenset()
            counted = gone & limited
            self.ensure_slots({(day, code) for code in (counted | dropped)})
            entries = [ReleasedMap(service=code, reason=reason, at=now)
                       for code in sorted(gone)]
            actions: list[Action] = [BookingModel.updated_at.set(now)]
            if gone:
                actions += [BookingModel.services.delete(set(gone)),
                            BookingModel.released.set(
                                (BookingModel.released | []).append(entries))]
            if dropped:
                rest = {k: v for k, v in waiting.items() if k not in dropped}
                actions.append(BookingModel.waiting.set(rest) if rest
                               else BookingModel.waiting.remove())
            try:
                with TransactWrite(connection=connection()) as transaction:
                    # Conditioned on the version read, which it moves on (VersionAttribute).
                    transaction.update(item, actions=actions)
                    for code in sorted(counted | dropped):
                        _place_update(transaction, day, PlaceMove(
                            code, take=-1 if code in counted else 0,
                            wait=-1 if code in dropped else 0))
            except TransactWriteError as exc:
                if {r.code for r in (exc.cancellation_reasons or []) if r} & {
                        "ConditionalCheckFailed", "TransactionConflict"}:
                    continue  # a concurrent save: read the day again
                raise
            return gone
        raise BookingConflict()

    def waiting_days(self, service: str, start: date) -> list[date]:
        """The days from ``start`` on whose line for ``service`` is not empty (one Query of
        the service's counters)."""
        return [date.fromisoformat(item.day) for item in PlacesModel.query(
            service, PlacesModel.day >= start.isoformat(),
            filter_condition=PlacesModel.waiting > 0, consistent_read=True)]

    def promote(self, child_id: str, day: date, service: str, places: int,
                now: datetime) -> bool:
        """Give a free place of a (service, day) to this child's waiting entry, if a place
        is free and the entry still waits; False otherwise. Safe under races: the place is
        taken under ``confirmed < places`` and the booking
        under its version, in one transaction; run twice, the second does nothing."""
        for _attempt in range(5):
            try:
                item = BookingModel.get(child_id, day.isoformat(), consistent_read=True)
            except BookingModel.DoesNotExist:
                return False
            waiting = _waiting(item)
            if service not in waiting:
                return False
            rest = {k: v for k, v in waiting.items() if k != service}
            actions: list[Action] = [
                BookingModel.services.add({service}),
                       BookingModel.waiting.set(rest) if rest else BookingModel.waiting.remove(),
                       BookingModel.updated_at.set(now)]
            condition = PlacesModel.confirmed.does_not_exist() | (
                PlacesModel.confirmed < places)
            try:
                with TransactWrite(connection=connection()) as transaction:
                    transaction.update(item, actions=actions)
                    transaction.update(
                        PlacesModel(service, day.isoformat()),
                        actions=[PlacesModel.confirmed.add(1), PlacesModel.waiting.add(-1)],
                        condition=condition)
            except TransactWriteError as exc:
                reasons = list(exc.cancellation_reasons or [])
                place = reasons[1] if len(reasons) > 1 else None
                if place is not None and place.code == "ConditionalCheckFailed":
                    return False  # no place free (any more)
                if {r.code for r in reasons if r} & {"ConditionalCheckFailed",
                                                    "TransactionConflict"}:
                    continue
                raise
            return True
        raise BookingConflict()

    def write(self, child_id: str, family: str, days: dict[date, DayWrite],
              now: datetime) -> None:
        """Write new service sets, each conditioned on the version it was read at, with
        the place counts they move (same transaction).

        Days go in transactions of up to 100 actions; if another save touched one of them
        since it was read, ``BookingConflict`` is raised; if a place could not be taken,
        ``PlacesFull`` names the (day, service); either way that transaction wrote nothing.
        """
        chunks: list[list[tuple[date, DayWrite]]] = [[]]
        size = 0
        for day, entry in sorted(days.items()):
            actions = 1 + len(entry.moves)
            if size + actions > TRANSACTION_LIMIT:
                chunks.append([])
                size = 0
            chunks[-1].append((day, entry))
            size += actions
        for chunk in chunks:
            if chunk:
                self._write_chunk(child_id, family, chunk, now)

    def _write_chunk(self, child_id: str, family: str, chunk: list[tuple[date, DayWrite]],
                     now: datetime) -> None:
        # Each action in the order DynamoDB gets them (pynamodb sends puts, then updates):
        # its day, and the service whose place it takes (None for a booking or a count
        # that cannot be refused).
        actions: list[tuple[date, str | None]] = [(day, None) for day, _entry in chunk]
        try:
            with TransactWrite(connection=connection()) as transaction:
                for day, entry in chunk:
                    item = BookingModel(child_id, day.isoformat(), family=family,
                                        services=set(entry.services) or None,
                                        waiting=dict(entry.waiting) or None,
                                        updated_at=now)
                    if entry.version is not None:
                        item.version = entry.version
                    transaction.save(item)
                for day, entry in chunk:
                    for move in entry.moves:
                        _place_update(transaction, day, move)
                        actions.append((day, move.service if move.take > 0 else None))
        except TransactWriteError as exc:
            reasons = list(exc.cancellation_reasons or [])
            full = frozenset(
                (day, service) for (day, service), reason in zip(actions, reasons, strict=False)
                if service is not None and reason and reason.code == "ConditionalCheckFailed")
            codes = {r.code for r in reasons if r}
            if full and codes <= {"ConditionalCheckFailed", "None"} and not any(
                    reason and reason.code == "ConditionalCheckFailed"
                    for (_day, service), reason in zip(actions, reasons, strict=False) if service is None):
                raise PlacesFull(full) from exc
            if codes & {"ConditionalCheckFailed", "TransactionConflict"}:
                raise BookingConflict() from exc
            raise
