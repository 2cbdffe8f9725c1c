"""Sign-in throttling by login identifier: a few free failures, then a growing wait.

The wait is capped so that a stranger hammering a family's login can delay it by at most
``MAX_DELAY``, never lock it out; a completed password reset clears the counters.
Counters are kept per identifier typed (family number or e-mail), whether or not an
account exists, so the answers never tell which logins are real.
"""
from __future__ import annotations

from datetime import datetime, timedelta

FREE_FAILURES = 5
BASE_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(minutes=15)
# Counters older than this are forgotten: a family that mistyped last month starts afresh.
MEMORY = timedelta(hours=24)


def delay_after(failures: int) -> timedelta:
    """How long to wait after ``failures`` consecutive failures before the next try."""
    if failures < FREE_FAILURES:
        return timedelta(0)
    steps = failures - FREE_FAILURES
    # 30 s, 1 min, 2 min, ... capped: exponential backoff without an unbounded lockout.
    return min(BASE_DELAY * (2 ** min(steps, 16)), MAX_DELAY)


def retry_after(failures: int, last_failure_at: datetime | None, now: datetime) -> int:
    """Seconds the caller must still wait (0 when a try is allowed now)."""
    if not failures or last_failure_at is None:
        return 0
    if now - last_failure_at >= MEMORY:
        return 0
    remaining = last_failure_at + delay_after(failures) - now
    seconds = remaining.total_seconds()
    return int(seconds) + (1 if seconds % 1 else 0) if seconds > 0 else 0
