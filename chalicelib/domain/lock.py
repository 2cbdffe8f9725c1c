"""The weekly lock: which (day, service) pairs have passed every deadline and freeze now."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from chalicelib.domain.commune import CommuneSettings, ServiceConfig
from chalicelib.domain.deadlines import booking_deadline, cancellation_deadline

# A first run looks this far back; later runs start after the last frozen day.
LOOK_BACK = timedelta(days=14)
# Deadlines are at most a few weeks ahead of their day (rules count back ≤ 30 school days).
LOOK_AHEAD = timedelta(days=60)


def last_change_at(day: date, service: ServiceConfig, settings: CommuneSettings) -> datetime:
    """The instant after which nobody may book or cancel this day any more (for a service
    with deadlines: one without is never frozen)."""
    policy = service.deadline
    if policy is None:
        raise ValueError(f"service {service.code} has no deadline")
    calendar = settings.calendar()
    return max(booking_deadline(day, policy, calendar),
               cancellation_deadline(day, policy, calendar))


def days_to_freeze(service: ServiceConfig, settings: CommuneSettings,
                   now: datetime) -> tuple[list[date], date | None]:
    """School days of one service to freeze now, and the new last frozen day.

    Walks forward from the day after the last frozen one and stops at the first school
    day still open, so the frozen range stays contiguous and a rerun finds nothing new.
    """
    if not service.bookable or service.deadline is None:
        return [], None
    calendar = settings.calendar()
    today = now.date()
    last = settings.locked_through.get(service.code)
    day = last + timedelta(days=1) if last else today - LOOK_BACK
    now_utc = now.astimezone(UTC)
    frozen: list[date] = []
    while day <= today + LOOK_AHEAD:
        if calendar.is_school_day(day):
            if last_change_at(day, service, settings).astimezone(UTC) > now_utc:
                break
            frozen.append(day)
        day += timedelta(days=1)
    # The mark sits on the last frozen school day: the non-school days after it are
    # walked again next time, in case a closure is lifted or the school days change.
    return frozen, (frozen[-1] if frozen else None)
