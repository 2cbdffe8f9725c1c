"""Session lifetime rules, checked in code (DynamoDB TTL deletes up to two days late)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

IDLE_TIMEOUT = timedelta(hours=1)
ABSOLUTE_TIMEOUT = timedelta(hours=12)
# Writing "last seen" on every request would double the cost of each page; a few
# minutes of slack on the idle timeout is the price of one write in many.
TOUCH_INTERVAL = timedelta(minutes=5)
RESET_TOKEN_LIFETIME = timedelta(hours=1)
TEMPORARY_PASSWORD_LIFETIME = timedelta(days=14)


@dataclass(frozen=True)
class SessionTimes:
    created_at: datetime
    last_seen_at: datetime


def is_alive(times: SessionTimes, now: datetime) -> bool:
    """A session lives until idle or absolute expiry, whichever comes first."""
    return (now < times.created_at + ABSOLUTE_TIMEOUT
            and now < times.last_seen_at + IDLE_TIMEOUT)


def needs_touch(times: SessionTimes, now: datetime) -> bool:
    """Whether to record activity now."""
    return now - times.last_seen_at >= TOUCH_INTERVAL


def expires_at(times: SessionTimes) -> datetime:
    """The latest instant the session could still be alive, for the store's TTL."""
    return times.created_at + ABSOLUTE_TIMEOUT
