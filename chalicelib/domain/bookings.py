"""Booking rules: which changes a parent may make, day by day or over a period."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from chalicelib.domain.calendar import (
    CLOSURE,
    MAX_YEAR,
    MIN_YEAR,
    NO_SCHOOL,
    PUBLIC_HOLIDAY,
    SCHOOL_HOLIDAY,
    DayInfo,
    DayReason,
    SchoolCalendar,
    parse_date,
    why_closed,
)
from chalicelib.domain.commune import ATTENDANCE, CommuneSettings, ServiceConfig
from chalicelib.domain.deadlines import (
    booking_deadline,
    can_change,
    cancellation_deadline,
    short_deadline,
)
from chalicelib.domain.errors import Unprocessable, ValidationError

DEADLINE_PASSED = "deadline_passed"
CLOSED = "closed"
NOT_BOOKABLE = "not_bookable"
# Frozen by the weekly lock while the service's own deadline (changed since) is still ahead.
LOCKED = "locked"
# Finer reasons than the refusal codes above, for people (see calendar.why_closed too).
NO_BOOKING = "no_booking"
NOT_OPEN = "not_open"
_REFUSAL_OF = {NO_SCHOOL: NOT_BOOKABLE, NO_BOOKING: NOT_BOOKABLE, NOT_OPEN: NOT_BOOKABLE,
               CLOSURE: CLOSED, PUBLIC_HOLIDAY: CLOSED, SCHOOL_HOLIDAY: CLOSED,
               DEADLINE_PASSED: DEADLINE_PASSED, LOCKED: LOCKED}
# Far enough for a whole school year booked in late August, near enough to catch typos.
HORIZON = timedelta(days=400)
MAX_CHANGES = 400
MAX_DAYS_PER_SAVE = 100
MAX_PERIOD = timedelta(days=400)
_MONTH = re.compile(r"[0-9]{4}-[0-9]{2}")


@dataclass(frozen=True)
class Change:
    date: date
    service: str
    booked: bool


@dataclass(frozen=True)
class Refusal:
    date: date
    service: str
    reason: str
    why: DayReason | None = None  # the finer reason, for the period's summary

    def to_dict(self) -> dict[str, str]:
        """As listed in an error's details."""
        return {"date": self.date.isoformat(), "service": self.service, "reason": self.reason}


class BookingRefused(Unprocessable):
    code = "booking_refused"
    message = "Certaines modifications ne sont pas possibles ; rien n'a été enregistré."

    def __init__(self, refusals: list[Refusal]) -> None:
        super().__init__(details=[r.to_dict() for r in refusals])


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    services: tuple[str, ...]
    weekdays: frozenset[int]
    booked: bool


def _bool(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise ValidationError("La valeur doit être true ou false.", field=field)
    return value


def parse_changes(data: dict[str, Any]) -> list[Change]:
    """Validate ``{"changes": [{"date","service","booked"}]}``; one change per day and service."""
    raw = data.get("changes")
    if not isinstance(raw, list) or not raw:
        raise ValidationError("Indiquez au moins une modification.", field="changes")
    if len(raw) > MAX_CHANGES:
        raise ValidationError(f"Au plus {MAX_CHANGES} modifications par envoi.", field="changes")
    changes: list[Change] = []
    seen: set[tuple[date, str]] = set()
    for index, item in enumerate(raw):
        where = f"changes[{index}]"
        if not isinstance(item, dict):
            raise ValidationError("Modification invalide.", field=where)
        day = parse_date(item.get("date"), f"{where}.date")
        service = item.get("service")
        if not isinstance(service, str) or not service:
            raise ValidationError("Prestation manquante.", field=f"{where}.service")
        booked = _bool(item.get("booked"), f"{where}.booked")
        if (day, service) in seen:
            raise ValidationError("Le même jour et la même prestation apparaissent deux fois.",
                                  field=where)
        seen.add((day, service))
        changes.append(Change(day, service, booked))
    if len({c.date for c in changes}) > MAX_DAYS_PER_SAVE:
        # One transaction holds at most 100 items: more days could not be all or nothing.
        raise ValidationError(f"Au plus {MAX_DAYS_PER_SAVE} jours différents par envoi ; "
                              "utilisez la réservation par période.", field="changes")
    return changes


def parse_period(data: dict[str, Any], settings: CommuneSettings) -> Period:
    """Validate a period booking request."""
    start = parse_date(data.get("from"), "from")
    end = parse_date(data.get("to"), "to")
    if end < start:
        raise ValidationError("La date de fin précède la date de début.", field="to")
    if end - start > MAX_PERIOD:
        raise ValidationError("La période ne peut dépasser une année scolaire.", field="to")
    services = data.get("services")
    if not isinstance(services, list) or not services or \
            any(not isinstance(s, str) for s in services) or len(set(services)) != len(services):
        raise ValidationError("Choisissez au moins une prestation.", field="services")
    for index, code in enumerate(services):
        if settings.service(code) is None:
            raise ValidationError("Prestation inconnue.", field=f"services[{index}]")
    weekdays = data.get("weekdays")
    if not isinstance(weekdays, list) or not weekdays or any(
            isinstance(d, bool) or not isinstance(d, int) or not 1 <= d <= 7 for d in weekdays):
        raise ValidationError("Choisissez au moins un jour de la semaine (1 = lundi … 7).",
                              field="weekdays")
    return Period(start, end, tuple(services), frozenset(weekdays),
                  _bool(data.get("booked"), "booked"))


def expand_period(period: Period) -> list[Change]:
    """Every (day, service) the period names, before any rule is applied."""
    changes: list[Change] = []
    day = period.start
    while day <= period.end:
        if day.isoweekday() in period.weekdays:
            changes.extend(Change(day, code, period.booked) for code in period.services)
        day += timedelta(days=1)
    return changes


def _not_bookable(service: ServiceConfig | None) -> DayReason:
    if service is not None and service.mode == ATTENDANCE:
        return DayReason(NO_BOOKING, "pas besoin de réserver")
    return DayReason(NO_BOOKING, "non réservable en ligne")


def _deadline_passed(limit: datetime | None) -> DayReason:
    if limit is None:
        return DayReason(DEADLINE_PASSED, "date limite dépassée")
    return DayReason(DEADLINE_PASSED, f"date limite dépassée ({short_deadline(limit)})")


def change_why(change: Change, booked_before: bool, settings: CommuneSettings,
               calendar: SchoolCalendar, now: datetime) -> DayReason | None:
    """Why this change cannot be made now (code and French label), or None if it can."""
    service = settings.service(change.service)
    if service is None or not service.bookable or service.deadline is None:
        return _not_bookable(service)
    if change.booked == booked_before:
        return None  # nothing changes: never refuse a no-op
    if change.date < now.date():
        return _deadline_passed(None)  # before any calendar look-up: the past is never open
    info = calendar.day(change.date)
    closed = why_closed(info)
    if closed is not None:
        return closed
    if change.date > now.date() + HORIZON:
        return DayReason(NOT_OPEN, "pas encore ouvert à la réservation")
    if not can_change(change.date, booked_before, change.booked, service.deadline,
                      calendar, now):
        limit = (booking_deadline if change.booked else cancellation_deadline)(
            change.date, service.deadline, calendar)
        return _deadline_passed(limit)
    if settings.frozen(change.date, change.service):
        # The rule may have been relaxed after the lock: the deadline is not what stops it.
        return DayReason(LOCKED, "verrouillé")
    return None


def refusal_code(why: DayReason) -> str:
    """The refusal code (deadline_passed, closed, not_bookable, locked) of a reason."""
    return _REFUSAL_OF[why.code]


def skipped_summary(refusals: list[Refusal]) -> list[dict[str, Any]]:
    """Skipped days per reason, counting days (not day × service), first-seen order:
    ``[{"code", "label", "days"}]``. Deadlines differ per day: one line for them all."""
    days: dict[str, set[date]] = {}
    labels: dict[str, str] = {}
    for refusal in refusals:
        why = refusal.why or DayReason(refusal.reason, refusal.reason)
        key = why.code if why.code in (DEADLINE_PASSED, LOCKED, NO_SCHOOL, NO_BOOKING,
                                       NOT_OPEN) else f"{why.code}|{why.label}"
        labels.setdefault(key, "date limite dépassée" if why.code == DEADLINE_PASSED
                          else why.label)
        days.setdefault(key, set()).add(refusal.date)
    return [{"code": key.split("|")[0], "label": labels[key], "days": len(found)}
            for key, found in days.items()]


def service_cell(info: DayInfo, service: ServiceConfig, booked: bool,
                 calendar: SchoolCalendar, now: datetime, frozen: bool = False) -> dict[str, Any]:
    """One checkbox of the grid: booked, editable now, and the deadline that applies."""
    if not service.bookable or service.deadline is None or not info.school_day \
            or info.date > now.date() + HORIZON:
        return {"booked": booked, "editable": False, "deadline": None}
    limit = (cancellation_deadline if booked else booking_deadline)(
        info.date, service.deadline, calendar)
    editable = not frozen and can_change(info.date, booked, not booked, service.deadline,
                                         calendar, now)
    return {"booked": booked, "editable": editable, "deadline": limit.isoformat()}


def cell_why(info: DayInfo, service: ServiceConfig, booked: bool, calendar: SchoolCalendar,
             now: datetime, frozen: bool = False) -> DayReason | None:
    """Why this checkbox cannot be ticked or unticked now (the same rules as
    ``service_cell``), or None when it can."""
    if not service.bookable or service.deadline is None:
        return _not_bookable(service)
    closed = why_closed(info)
    if closed is not None:
        return closed
    if info.date > now.date() + HORIZON:
        return DayReason(NOT_OPEN, "pas encore ouvert à la réservation")
    if not can_change(info.date, booked, not booked, service.deadline, calendar, now):
        limit = (cancellation_deadline if booked else booking_deadline)(
            info.date, service.deadline, calendar)
        return _deadline_passed(limit)
    if frozen:
        return DayReason(LOCKED, "verrouillé")
    return None


def month_bounds(month: Any) -> tuple[date, date]:
    """First and last day of a ``YYYY-MM`` month."""
    if not isinstance(month, str) or not _MONTH.fullmatch(month):
        raise ValidationError("Mois invalide (format attendu AAAA-MM).", field="month")
    try:
        first = date(int(month[:4]), int(month[5:]), 1)
    except ValueError:
        raise ValidationError("Mois invalide (format attendu AAAA-MM).", field="month") from None
    if not MIN_YEAR <= first.year <= MAX_YEAR:
        raise ValidationError(f"Mois hors de la période gérée ({MIN_YEAR}-{MAX_YEAR}).",
                              field="month")
    following = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return first, following - timedelta(days=1)
