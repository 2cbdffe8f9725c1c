"""Reminders before a booking deadline, and the receipt after a save: pure rules.

Which deadline is near. A deadline is *near* at ``now`` when it is still ahead and at most
``hours_before`` hours away (instants compared in UTC, so a DST change between two runs
changes nothing). Its *period* is every open school day whose booking deadline, for one
of the booked services, is that very instant: the whole following week under a weekly
rule ("Thursday 17:00"), a single day under a per-day rule ("the previous school day at
09:00"). A period whose days are all closed (holidays, closures) is no period at all.

"Far less than usual". A child is reminded when, over the period's days, it has nothing
booked, or fewer than half of its usual count: the days it had booked on the same days
of the week over the four previous weeks, divided by four. A child booked 4 days a week
and booked 1 day this week is reminded; one booked 2 of 4 days is not.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from chalicelib.domain.deadlines import booking_deadline, cancellation_deadline
from chalicelib.domain.errors import ValidationError

if TYPE_CHECKING:  # commune.py holds these settings: a runtime import would be circular
    from chalicelib.domain.commune import CommuneSettings

MIN_HOURS, MAX_HOURS = 1, 168
DEFAULT_HOURS = 24
USUAL_WEEKS = 4
# How far ahead a period may start: a per-day rule of up to 30 school days (see
# deadlines.MAX_DAYS_BEFORE) plus the holidays it may count back across.
LOOK_AHEAD = timedelta(days=70)


@dataclass(frozen=True)
class ReminderSettings:
    """Whether the commune reminds families, and how long before a deadline."""
    enabled: bool = True
    hours_before: int = DEFAULT_HOURS


@dataclass(frozen=True)
class Period:
    """The open days (and the services) one deadline instant governs."""
    deadline: datetime  # aware, UTC
    days: tuple[date, ...]
    services: tuple[str, ...]

    @property
    def key(self) -> str:
        """The deadline as a stable instant ("2026-11-26T16:00:00Z"), whatever the offset
        it was computed in: the once-only marker is keyed by it."""
        return self.deadline.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_reminders(data: Any, current: ReminderSettings) -> ReminderSettings:
    """Validate {"enabled": bool, "hours_before": 1..168}; fields left out keep theirs."""
    if not isinstance(data, dict):
        raise ValidationError("Paramètres des rappels invalides.", field="reminders")
    enabled = data.get("enabled", current.enabled)
    if not isinstance(enabled, bool):
        raise ValidationError("Rappels : « enabled » doit valoir true ou false.",
                              field="reminders.enabled")
    hours = data.get("hours_before", current.hours_before)
    if isinstance(hours, bool) or not isinstance(hours, int) or not MIN_HOURS <= hours <= MAX_HOURS:
        raise ValidationError(
            f"Le délai du rappel doit être un nombre entier d'heures entre {MIN_HOURS} et "
            f"{MAX_HOURS} (7 jours).", field="reminders.hours_before")
    unknown = set(data) - {"enabled", "hours_before"}
    if unknown:
        raise ValidationError("Champ inconnu dans les rappels.",
                              field=f"reminders.{sorted(unknown)[0]}")
    return replace(current, enabled=enabled, hours_before=hours)


def reminders_to_dict(settings: ReminderSettings) -> dict[str, Any]:
    """As stored and as the API shows it."""
    return {"enabled": settings.enabled, "hours_before": settings.hours_before}


def reminders_from_dict(data: Any) -> ReminderSettings:
    """As stored; anything missing is the default (reminders on, 24 hours before)."""
    if not isinstance(data, dict):
        return ReminderSettings()
    return ReminderSettings(bool(data.get("enabled", True)),
                            int(data.get("hours_before", DEFAULT_HOURS)))


def near_periods(settings: CommuneSettings, now: datetime) -> list[Period]:
    """The periods whose booking deadline is near at ``now`` (none when the commune's
    reminders are off), earliest deadline first."""
    reminders = settings.reminders
    if not reminders.enabled:
        return []
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
    start = now.astimezone(UTC)
    end = start + timedelta(hours=reminders.hours_before)
    calendar = settings.calendar()
    found: dict[datetime, tuple[set[date], set[str]]] = {}
    today = start.date()
    for offset in range(int(LOOK_AHEAD.days) + 1):
        day = today + timedelta(days=offset)
        if not calendar.is_school_day(day):
            continue
        for service in settings.bookable_services():
            if service.deadline is None:
                continue
            limit = booking_deadline(day, service.deadline, calendar).astimezone(UTC)
            if start < limit <= end:
                days, codes = found.setdefault(limit, (set(), set()))
                days.add(day)
                codes.add(service.code)
    return [Period(limit, tuple(sorted(days)), tuple(sorted(codes)))
            for limit, (days, codes) in sorted(found.items())]


def history_days(period: Period) -> list[date]:
    """The days whose bookings say what is usual: the same days, 1 to 4 weeks earlier."""
    return sorted({d - timedelta(weeks=w) for d in period.days
                   for w in range(1, USUAL_WEEKS + 1)})


def needs_reminder(period: Period, booked: Mapping[date, frozenset[str]]) -> bool:
    """Whether a child with these booked days is reminded for ``period`` (see the module)."""
    def count(days: Iterable[date]) -> int:
        return sum(1 for d in days if booked.get(d, frozenset()) & set(period.services))
    now_count = count(period.days)
    if now_count == 0:
        return True
    usual = count(history_days(period)) / USUAL_WEEKS
    return now_count < usual / 2


@dataclass(frozen=True)
class ReceiptLine:
    """One day of a receipt: the services added or removed, and until when that holds."""
    day: date
    services: tuple[str, ...]
    deadline: datetime


@dataclass(frozen=True)
class Receipt:
    """What one save changed for one child."""
    added: tuple[ReceiptLine, ...] = field(default=())
    removed: tuple[ReceiptLine, ...] = field(default=())

    @property
    def empty(self) -> bool:
        """Nothing changed."""
        return not self.added and not self.removed


def receipt(changes: Iterable[tuple[date, str, bool]], settings: CommuneSettings) -> Receipt:
    """The receipt of applied changes (day, service, booked). An added day carries its
    cancellation deadline (until when it can still be cancelled), a removed one its booking
    deadline (until when it can be booked again). A change undone in the same save is
    no change."""
    net: dict[tuple[date, str], bool] = {}
    flips: dict[tuple[date, str], int] = {}
    for day, service, booked in changes:
        net[(day, service)] = booked
        flips[(day, service)] = flips.get((day, service), 0) + 1
    calendar = settings.calendar()
    added: dict[date, list[str]] = {}
    removed: dict[date, list[str]] = {}
    for (day, service), booked in net.items():
        if flips[(day, service)] % 2 == 0:
            continue
        (added if booked else removed).setdefault(day, []).append(service)
    order = {s.code: i for i, s in enumerate(settings.services)}

    def lines(by_day: dict[date, list[str]], cancel: bool) -> tuple[ReceiptLine, ...]:
        out = []
        for day in sorted(by_day):
            codes = tuple(sorted(by_day[day], key=lambda c: order.get(c, 99)))
            policies = [s.deadline for s in settings.services
                        if s.code in codes and s.deadline is not None]
            if policies:
                rule = cancellation_deadline if cancel else booking_deadline
                limit = min((rule(day, p, calendar) for p in policies),
                            key=lambda d: d.astimezone(UTC))
            else:
                limit = datetime.combine(day, datetime.min.time(), UTC)
            out.append(ReceiptLine(day, codes, limit))
        return tuple(out)
    return Receipt(lines(added, True), lines(removed, False))
