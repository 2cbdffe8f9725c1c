"""Booking and cancellation deadlines, in Europe/Paris wall-clock time.

DST choice (same as java.time's ZonedDateTime.of): a rule time is read with ``fold=0``.
- Inside the skipped spring hour (02:00-03:00 does not exist), the time is read with the
  winter offset, so it lands one hour later on the wall clock: 02:30 -> 03:30+02:00.
- Inside the repeated autumn hour, the first occurrence (summer time, +02:00) is taken:
  the earlier instant, so a parent is never told a deadline later than the real one.
Returned datetimes are normalised through UTC so their wall time always exists, and
comparisons are done in UTC: Python compares two datetimes sharing one tzinfo by wall
time, ignoring ``fold``, and (PEP 495) never finds an ambiguous time ``==`` to a datetime
in another zone. Callers comparing deadlines should convert to UTC first too.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from chalicelib.domain.calendar import PARIS, SchoolCalendar
from chalicelib.domain.errors import ValidationError

MAX_DAYS_BEFORE = 30
# A wall-clock time "HH:MM", 00:00 to 23:59: the one format of times in the product.
HHMM = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")
WEEKDAYS_FR = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


@dataclass(frozen=True)
class WeeklyRule:
    """Deadline on a weekday of the previous ISO week, for the whole Mon..Sun week."""

    weekday: int  # ISO, 1 = Monday
    time: time

    def __post_init__(self) -> None:
        if not 1 <= self.weekday <= 7:
            raise ValueError("weekday must be 1..7")


@dataclass(frozen=True)
class SchoolDaysBeforeRule:
    """Deadline on the Nth school day before the day, at a time."""

    days: int
    time: time

    def __post_init__(self) -> None:
        if not 1 <= self.days <= MAX_DAYS_BEFORE:
            raise ValueError(f"days must be 1..{MAX_DAYS_BEFORE}")


Rule = WeeklyRule | SchoolDaysBeforeRule


@dataclass(frozen=True)
class DeadlinePolicy:
    """Booking deadline, and an optional separate one for cancelling."""

    booking: Rule
    cancellation: Rule | None = None


def paris_datetime(d: date, t: time) -> datetime:
    """Aware Europe/Paris datetime for a wall-clock date and time (see module DST choice)."""
    local = datetime.combine(d, t.replace(tzinfo=None, fold=0), tzinfo=PARIS)
    return local.astimezone(UTC).astimezone(PARIS)


def deadline(day: date, rule: Rule, calendar: SchoolCalendar) -> datetime:
    """Deadline to book or cancel ``day`` under ``rule``; aware, Europe/Paris."""
    if isinstance(rule, WeeklyRule):
        monday = day - timedelta(days=day.isoweekday() - 1)
        target = monday - timedelta(days=7 - (rule.weekday - 1))
    elif isinstance(rule, SchoolDaysBeforeRule):
        target = calendar.previous_school_day(day, rule.days)
    else:
        raise TypeError(f"unknown rule {rule!r}")
    return paris_datetime(target, rule.time)


def booking_deadline(day: date, policy: DeadlinePolicy, calendar: SchoolCalendar) -> datetime:
    """Deadline to book ``day``."""
    return deadline(day, policy.booking, calendar)


def cancellation_deadline(day: date, policy: DeadlinePolicy,
                          calendar: SchoolCalendar) -> datetime:
    """Deadline to cancel ``day``: the cancellation rule, else the booking rule."""
    return deadline(day, policy.cancellation or policy.booking, calendar)


def can_change(day: date, booked_before: bool, booked_after: bool, policy: DeadlinePolicy,
               calendar: SchoolCalendar, now: datetime) -> bool:
    """Whether a booking may go from ``booked_before`` to ``booked_after`` at ``now``."""
    if booked_before == booked_after:
        return True  # no change: nothing to refuse
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
    limit = (booking_deadline if booked_after else cancellation_deadline)(day, policy, calendar)
    # Strictly before: at 17:00:00 a 17:00 deadline has passed.
    return now.astimezone(UTC) < limit.astimezone(UTC)


def short_deadline(limit: datetime) -> str:
    """A deadline as parents read it beside a day: "jeudi 26/11 17:00" (Paris time)."""
    local = limit.astimezone(PARIS)
    return f"{WEEKDAYS_FR[local.isoweekday() - 1]} {local:%d/%m %H:%M}"


def _require_int(data: dict, key: str, low: int, high: int, field: str, message: str) -> int:
    value = data.get(key)
    # bool is an int in Python; JSON true must not pass as 1.
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError(message, field=f"{field}.{key}")
    return value


def _parse_time(value: Any, field: str) -> time:
    match = HHMM.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise ValidationError("Heure invalide (format attendu HH:MM).", field=f"{field}.time")
    return time(int(match.group(1)), int(match.group(2)))


def parse_rule(data: Any, field: str) -> Rule:
    """Validate a rule dict ("weekly" or "school_days_before") into a Rule."""
    if not isinstance(data, dict):
        raise ValidationError("Règle de délai invalide.", field=field)
    kind = data.get("type")
    if kind == "weekly":
        weekday = _require_int(data, "weekday", 1, 7, field,
                               "Le jour doit être compris entre 1 (lundi) et 7 (dimanche).")
        return WeeklyRule(weekday, _parse_time(data.get("time"), field))
    if kind == "school_days_before":
        days = _require_int(data, "days", 1, MAX_DAYS_BEFORE, field,
                            f"Le nombre de jours d'école doit être compris entre 1 et "
                            f"{MAX_DAYS_BEFORE}.")
        return SchoolDaysBeforeRule(days, _parse_time(data.get("time"), field))
    raise ValidationError("Type de règle inconnu (weekly ou school_days_before).",
                          field=f"{field}.type")


def rule_to_dict(rule: Rule) -> dict:
    """Inverse of parse_rule."""
    hhmm = rule.time.strftime("%H:%M")
    if isinstance(rule, WeeklyRule):
        return {"type": "weekly", "weekday": rule.weekday, "time": hhmm}
    return {"type": "school_days_before", "days": rule.days, "time": hhmm}


def parse_policy(data: dict, field: str) -> DeadlinePolicy:
    """Validate {"booking": rule, "cancellation": rule | null} into a DeadlinePolicy."""
    if not isinstance(data, dict):
        raise ValidationError("Délais invalides.", field=field)
    booking = parse_rule(data.get("booking"), f"{field}.booking")
    raw = data.get("cancellation")
    cancellation = None if raw is None else parse_rule(raw, f"{field}.cancellation")
    return DeadlinePolicy(booking, cancellation)


def policy_to_dict(policy: DeadlinePolicy) -> dict:
    """Inverse of parse_policy."""
    return {"booking": rule_to_dict(policy.booking),
            "cancellation": None if policy.cancellation is None
            else rule_to_dict(policy.cancellation)}
