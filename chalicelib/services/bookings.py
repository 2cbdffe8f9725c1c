"""Booking use cases: the month grid, saving changes, period booking, current bookings."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
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
from chalicelib.storage.bookings import BookingConflict, BookingRepository, StoredDay

MAX_RANGE = timedelta(days=400)


def _reason_json(reason) -> dict[str, str] | None:
    return None if reason is None else reason.to_dict()


def _child(family: Family, child_id: str) -> Child:
    child = family.child(child_id)
    if child is None or child.archived:
        raise NotFound()  # another family's child looks exactly like a missing one
    return child


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
                 on_saved: Callable[[Family, Child, Iterable[tuple[date, str, bool]],
                                     CommuneSettings], Any] | None = None) -> None:
        self._commune = commune
        self._bookings = bookings
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
        services = settings.active_services()
        days = []
        for info in calendar.month_days(first.year, first.month):
            booked = stored.get(info.date, StoredDay(frozenset(), None)).services
            cells = {}
            reasons = {}
            for s in services:
                frozen = settings.frozen(info.date, s.code)
                cells[s.code] = service_cell(info, s, s.code in booked, calendar, now, frozen)
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
             settings: CommuneSettings | None = None) -> int:
        """Apply day-by-day changes, all or nothing; returns how many changed."""
        child = _child(family, child_id)
        changes = parse_changes(data)
        settings = settings or self._commune.get()
        saved, _refusals, _days = retry.on_conflict(
            lambda: self._apply(child, family.number, changes, settings, now,
                                all_or_nothing=True), BookingConflict,
            retry.BOOKING_ATTEMPTS)
        self._saved(family, child, saved, settings)
        return len(saved)

    def book_period(self, family: Family, child_id: str, data: dict[str, Any],
                    now: datetime, settings: CommuneSettings | None = None) -> dict[str, Any]:
        """Book or cancel every matching bookable day of a period; report what was skipped."""
        child = _child(family, child_id)
        settings = settings or self._commune.get()
        changes = expand_period(parse_period(data, settings))
        saved, refusals, days = retry.on_conflict(
            lambda: self._apply(child, family.number, changes, settings, now,
                                all_or_nothing=False), BookingConflict,
            retry.BOOKING_ATTEMPTS)
        self._saved(family, child, saved, settings)
        # "saved" counts day × service; parents count days ("8 jours réservés").
        return {"saved": len(saved), "days": days,
                "skipped": [r.to_dict() for r in refusals],
                "skipped_days": skipped_summary(refusals)}

    def _apply(self, child: Child, family_number: str, changes: list[Change],
               settings: CommuneSettings, now: datetime,
               all_or_nothing: bool) -> tuple[list[Change], list[Refusal], int]:
        """Apply what the rules allow; returns (changes made, refusals, days written)."""
        if not changes:
            return [], [], 0
        calendar = settings.calendar()
        start = min(c.date for c in changes)
        end = max(c.date for c in changes)
        stored = self._bookings.days(child.id, start, end)
        refusals: list[Refusal] = []
        new_sets: dict[date, set[str]] = {}
        applied: list[Change] = []
        for change in changes:
            current = stored.get(change.date, StoredDay(frozenset(), None))
            services = new_sets.setdefault(change.date, set(current.services))
            before = change.service in services
            why = change_why(change, before, settings, calendar, now)
            if why is not None:
                refusals.append(Refusal(change.date, change.service, refusal_code(why), why))
                continue
            if before != change.booked:
                (services.add if change.booked else services.discard)(change.service)
                applied.append(change)
        if refusals and all_or_nothing:
            raise BookingRefused(refusals)
        to_write = {
            day: (frozenset(services), stored.get(day, StoredDay(frozenset(), None)).version)
            for day, services in new_sets.items()
            if frozenset(services) != stored.get(day, StoredDay(frozenset(), None)).services}
        if to_write:
            self._bookings.write(child.id, family_number, to_write, now)
        return applied, refusals, len(to_write)

    def _saved(self, family: Family, child: Child, applied: list[Change],
               settings: CommuneSettings) -> None:
        """After a successful save: the receipt, for families who asked for one."""
        if applied and self._on_saved is not None:
            self._on_saved(family, child, [(c.date, c.service, c.booked) for c in applied],
                           settings)

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
            for day, entry in sorted(stored.items()):
                # Only services still shown count: a day booked for a service switched
                # off since then is not an empty row.
                shown = [s.code for s in services if s.code in entry.services]
                if shown:
                    days.append({"date": day.isoformat(), "services": shown})
            totals = {s.code: sum(1 for d in days if s.code in d["services"]) for s in services}
            children.append(BookedChild(child, days, totals))
        return {"from": start.isoformat(), "to": end.isoformat(),
                "services": [{"code": s.code, "label": s.label, "mode": s.mode}
                             for s in services],
                "children": children}

    def apply_all_or_nothing(self, child: Child, family: Family, changes: list[Change],
                             settings: CommuneSettings, now: datetime) -> tuple[int, int]:
        """Apply changes a use case built on bookings has checked (the typical week), with
        the same rules, all or nothing, retries and receipt as ``save``; returns
        (changes, days)."""
        saved, _refusals, days = retry.on_conflict(
            lambda: self._apply(child, family.number, changes, settings, now,
                                all_or_nothing=True), BookingConflict,
            retry.BOOKING_ATTEMPTS)
        self._saved(family, child, saved, settings)
        return len(saved), days
