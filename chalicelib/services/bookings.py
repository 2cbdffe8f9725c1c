"""Booking use cases: the month grid, saving changes, period booking, current bookings."""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from chalicelib.domain.accounts import Child, Family
from chalicelib.domain.bookings import (
    BookingRefused,
    Change,
    Refusal,
    cell_why,
    change_why,
    expand_period,
    month_bounds,
    parse_changes,
    parse_period,
    refusal_code,
    service_cell,
    skipped_summary,
)
from chalicelib.domain.calendar import parse_date, why_closed
from chalicelib.domain.commune import CommuneSettings
from chalicelib.domain.errors import NotFound, ValidationError
from chalicelib.services import retry
from chalicelib.services.commune import CommuneService
from chalicelib.services.waitlist import WaitlistService
from chalicelib.storage.bookings import (
    BookingConflict,
    BookingRepository,
    DayWrite,
    PlaceMove,
    PlacesFull,
    StoredDay,
)

MAX_RANGE = timedelta(days=400)
LOG = logging.getLogger("cantine.bookings")


def _reason_json(reason) -> dict[str, str] | None:
    return None if reason is None else reason.to_dict()


def _child(family: Family, child_id: str) -> Child:
    child = family.child(child_id)
    if child is None or child.archived:
        raise NotFound()  # another family's child looks exactly like a missing one
    return child


@dataclass(frozen=True)
class Applied:
    """What a save did: changes made, refusals, days written, the (day, service) that
    went on a waiting list, and the places it gave back."""
    applied: int
    refusals: list[Refusal]
    days: int
    waiting: list[tuple[date, str]]
    freed: list[tuple[date, str]]
    changes: list[Change] = field(default_factory=list)  # what the receipt lists


@dataclass(frozen=True)
class BookedChild:
    """One child's booked days over a range: each day with the services shown, and the
    number of days per service."""
    child: Child
    days: list[dict[str, Any]]
    totals: dict[str, int]


class BookingService:
    """What parents do with their children's bookings."""

    def __init__(self, commune: CommuneService, bookings: BookingRepository,
                 waitlist: WaitlistService,
                 on_saved: Callable[[Family, Child, Iterable[tuple[date, str, bool]],
                                     CommuneSettings], Any] | None = None) -> None:
        self._commune = commune
        self._bookings = bookings
        self._waitlist = waitlist
        self._on_saved = on_saved  # the receipt e-mail (services/reminders.py)

    def month(self, family: Family, child_id: str, month: Any, now: datetime,
              settings: CommuneSettings | None = None) -> dict[str, Any]:
        """Every day of a month with its holidays and, per active service, the checkbox
        state; ``child`` is the child (a record)."""
        child = _child(family, child_id)
        first, last = month_bounds(month)
        settings = settings or self._commune.get()
        calendar = settings.calendar()
        stored = self._bookings.days(child.id, first, last)
        ranks = self._waitlist.ranks(child.id, stored)
        services = settings.active_services()
        days = []
        for info in calendar.month_days(first.year, first.month):
            entry = stored.get(info.date, StoredDay(frozenset(), None))
            # A waiting entry is a ticked box too: unticking it leaves the list.
            booked = entry.services | frozenset(entry.waiting)
            cells = {}
            reasons = {}
            for s in services:
                frozen = settings.frozen(info.date, s.code)
                cells[s.code] = service_cell(info, s, s.code in booked, calendar, now, frozen)
                if (info.date, s.code) in ranks:
                    cells[s.code]["waiting_rank"] = ranks[(info.date, s.code)]
                if not cells[s.code]["editable"]:
                    reasons[s.code] = _reason_json(
                        cell_why(info, s, s.code in booked, calendar, now, frozen))
            days.append({
                "date": info.date.isoformat(), "weekday": info.date.isoweekday(),
                "school_day": info.school_day, "public_holiday": info.public_holiday,
                "school_holiday": info.school_holiday, "closure": info.closure,
                # Why the day cannot be booked at all, then per service why its box is
                # greyed: {"code", "label"} in the guides' words.
                "why_closed": _reason_json(why_closed(info)),
                "services": cells,
                "reasons": reasons,
            })
        return {"child": child,
                "month": month, "services": [{"code": s.code, "label": s.label,
                                              "mode": s.mode} for s in services],
                "days": days}

    def save(self, family: Family, child_id: str, data: dict[str, Any], now: datetime,
             settings: CommuneSettings | None = None) -> dict[str, Any]:
        """Apply day-by-day changes, all or nothing as to the rules (one change refused
        refuses the save); a day whose places are all taken is not a refusal: its booking
        goes on the waiting list, named in ``waiting`` with its rank."""
        child = _child(family, child_id)
        changes = parse_changes(data)
        settings = settings or self._commune.get()
        result = retry.on_conflict(
            lambda: self._apply(child, family.number, changes, settings, now,
                                all_or_nothing=True), BookingConflict,
            retry.BOOKING_ATTEMPTS)
        waiting = self._after(child, result, settings, now)
        self._saved(family, child, result.changes, settings)
        return {"saved": result.applied, "waiting": waiting}

    def _after(self, child: Child, result: Applied, settings: CommuneSettings,
               now: datetime) -> list[dict[str, Any]]:
        """Places given back go to the first in line; the child's new waiting entries with
        their rank."""
        for day, service in result.freed:
            try:
                self._waitlist.fill(day, service, now, settings)
            except BookingConflict:
                # The save stands; the place stays free for the staff's "Donner la place".
                LOG.warning("waiting list of %s %s not served: busy", service, day)
        return [{"date": day.isoformat(), "service": service,
                 "rank": self._waitlist.rank(child.id, day, service)}
                for day, service in result.waiting]

    def book_period(self, family: Family, child_id: str, data: dict[str, Any],
                    now: datetime, settings: CommuneSettings | None = None) -> dict[str, Any]:
        """Book or cancel every matching bookable day of a period; report what was skipped."""
        child = _child(family, child_id)
        settings = settings or self._commune.get()
        changes = expand_period(parse_period(data, settings))
        result = retry.on_conflict(
            lambda: self._apply(child, family.number, changes, settings, now,
                                all_or_nothing=False), BookingConflict,
            retry.BOOKING_ATTEMPTS)
        waiting = self._after(child, result, settings, now)
        self._saved(family, child, result.changes, settings)
        # "saved" counts day × service; parents count days ("8 jours réservés").
        return {"saved": result.applied, "days": result.days,
                "skipped": [r.to_dict() for r in result.refusals],
                "skipped_days": skipped_summary(result.refusals),
                "waiting": waiting}

    def apply_all_or_nothing(self, child: Child, family: Family, changes: list[Change],
                             settings: CommuneSettings,
                             now: datetime) -> tuple[int, int, list[Change]]:
        """Apply changes a use case built on bookings has checked (the typical week), with
        the same rules, all or nothing, retries, waiting lists and receipt as ``save``;
        returns (changes, days, the changes made: what ``undo`` takes back). The receipt
        is the caller's (``send_receipt``), once every part of its request stood."""
        result = retry.on_conflict(
            lambda: self._apply(child, family.number, changes, settings, now,
                                all_or_nothing=True), BookingConflict,
            retry.BOOKING_ATTEMPTS)
        self._after(child, result, settings, now)
        return result.applied, result.days, result.changes

    def undo(self, child: Child, family: Family, made: list[Change],
             settings: CommuneSettings, now: datetime) -> None:
        """Take back changes ``apply_all_or_nothing`` made a moment ago (a later part of
        the same request failed): each day as it was; places given back go on as usual."""
        back = [Change(c.date, c.service, not c.booked) for c in made]
        result = retry.on_conflict(
            lambda: self._apply(child, family.number, back, settings, now,
                                all_or_nothing=False), BookingConflict,
            retry.BOOKING_ATTEMPTS)
        self._after(child, result, settings, now)

    def send_receipt(self, family: Family, child: Child, made: list[Change],
                     settings: CommuneSettings) -> None:
        """The receipt of changes a use case made through ``apply_all_or_nothing``."""
        self._saved(family, child, made, settings)

    def _saved(self, family: Family, child: Child, applied: list[Change],
               settings: CommuneSettings) -> None:
        """After a successful save: the receipt, for families who asked for one."""
        if applied and self._on_saved is not None:
            self._on_saved(family, child, [(c.date, c.service, c.booked) for c in applied],
                           settings)

    def _apply(self, child: Child, family_number: str, changes: list[Change],
               settings: CommuneSettings, now: datetime, all_or_nothing: bool) -> Applied:
        """Apply what the rules allow: the changes made, refusals, days written, the new
        waiting entries and the places given back."""
        if not changes:
            return Applied(0, [], 0, [], [])
        calendar = settings.calendar()
        start = min(c.date for c in changes)
        end = max(c.date for c in changes)
        stored = self._bookings.days(child.id, start, end)
        refusals: list[Refusal] = []
        wanted: dict[date, tuple[set[str], dict[str, int]]] = {}
        applied: list[Change] = []
        for change in changes:
            current = stored.get(change.date, StoredDay(frozenset(), None))
            services, waiting = wanted.setdefault(
                change.date, (set(current.services), dict(current.waiting)))
            before = change.service in services or change.service in waiting
            why = change_why(change, before, settings, calendar, now)
            if why is not None:
                refusals.append(Refusal(change.date, change.service, refusal_code(why), why))
                continue
            if before != change.booked:
                if change.booked:
                    services.add(change.service)
                else:
                    services.discard(change.service)
                    waiting.pop(change.service, None)  # leaving the waiting list
                applied.append(change)
        if refusals and all_or_nothing:
            raise BookingRefused(refusals)
        full: set[tuple[date, str]] = set()
        tickets: dict[tuple[date, str], int] = {}
        ensured = False
        while True:
            to_write, freed, waits = self._plan(stored, wanted, settings, full, tickets)
            if not to_write:
                break
            if not ensured:  # services with places only: the others move no counter
                self._bookings.ensure_slots({(day, move.service) for day, entry
                                             in to_write.items() for move in entry.moves})
                ensured = True
            try:
                self._bookings.write(child.id, family_number, to_write, now)
                break
            except PlacesFull as exc:
                if exc.slots <= full:
                    raise BookingConflict() from exc
                for slot in sorted(exc.slots - full):
                    tickets[slot] = self._bookings.ticket(*slot)
                full |= exc.slots
        return Applied(len(applied), refusals, len(to_write), waits, freed, applied)

    def _plan(self, stored: dict[date, StoredDay],
              wanted: dict[date, tuple[set[str], dict[str, int]]], settings: CommuneSettings,
              full: set[tuple[date, str]], tickets: dict[tuple[date, str], int],
              ) -> tuple[dict[date, DayWrite], list[tuple[date, str]], list[tuple[date, str]]]:
        """The days to write with the place counts they move; services without places
        move none. Bookings of the ``full`` (day, service) go on the waiting list."""
        to_write: dict[date, DayWrite] = {}
        freed: list[tuple[date, str]] = []
        waits: list[tuple[date, str]] = []
        for day, (new_services, new_waiting) in sorted(wanted.items()):
            current = stored.get(day, StoredDay(frozenset(), None))
            services, waiting = set(new_services), dict(new_waiting)
            moves: list[PlaceMove] = []
            for code in sorted(services - current.services):
                config = settings.service(code)
                if config is None or config.places is None:
                    continue
                if (day, code) in full:
                    services.discard(code)
                    waiting[code] = tickets[(day, code)]
                    moves.append(PlaceMove(code, wait=1))
                    waits.append((day, code))
                else:
                    moves.append(PlaceMove(code, take=1, places=config.places))
            for code in sorted(current.services - services):
                config = settings.service(code)
                if config is None or config.places is None:
                    continue
                moves.append(PlaceMove(code, take=-1))
                freed.append((day, code))
            for code in sorted(set(current.waiting) - set(waiting)):
                moves.append(PlaceMove(code, wait=-1))
            if frozenset(services) != current.services or waiting != current.waiting:
                to_write[day] = DayWrite(frozenset(services), current.version, waiting,
                                         tuple(moves))
        return to_write, freed, waits

    def family_bookings(self, family: Family, query: dict[str, str], now: datetime,
                        settings: CommuneSettings | None = None) -> dict[str, Any]:
        """For each child still enrolled, the booked days of a range (default: the next
        60 days) and their count per service."""
        today = now.date()
        start = parse_date(query["from"], "from") if query.get("from") else today
        end = parse_date(query["to"], "to") if query.get("to") else start + timedelta(days=60)
        if end < start:
            raise ValidationError("La date de fin précède la date de début.", field="to")
        if end - start > MAX_RANGE:
            raise ValidationError("La période demandée est trop longue.", field="to")
        settings = settings or self._commune.get()
        services = settings.active_services()
        children: list[BookedChild] = []
        by_child = self._bookings.family_days(family.number, start, end)
        for child in family.active_children():
            stored = by_child.get(child.id, {})
            days = []
            ranks = self._waitlist.ranks(child.id, stored)
            for day, entry in sorted(stored.items()):
                # Only services still shown count: a day booked for a service switched
                # off since then is not an empty row.
                shown = [s.code for s in services if s.code in entry.services]
                waiting = [{"service": s.code, "rank": ranks.get((day, s.code), 0)}
                           for s in services if s.code in entry.waiting]
                if shown or waiting:
                    days.append({"date": day.isoformat(), "services": shown,
                                 **({"waiting": waiting} if waiting else {})})
            totals = {s.code: sum(1 for d in days if s.code in d["services"]) for s in services}
            children.append(BookedChild(child, days, totals))
        return {"from": start.isoformat(), "to": end.isoformat(),
                "services": [{"code": s.code, "label": s.label, "mode": s.mode}
                             for s in services],
                "children": children}
