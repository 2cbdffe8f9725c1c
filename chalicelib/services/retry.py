"""How a writer that met another one tries again, written once: the invoice and credit-note
numbering (many short tries, then patience), a family's bookings and the lock's mark (a
few re-reads, then a refusal)."""
from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from typing import TypeVar

from chalicelib.domain.errors import Conflict

T = TypeVar("T")

# A numbering conflict (another credit note, run or payment took the number) is retried
# after a short random wait; this many tries end every realistic race.
NUMBERING_ATTEMPTS = 12
# A writer that keeps meeting others keeps trying this long at least, whatever its tries:
# a slow neighbour (a busy machine, a cold container) must not turn a race into a refusal.
NUMBERING_PATIENCE_S = 5.0
NUMBERING_MAX_ATTEMPTS = 200
# A booking save that meets a concurrent one re-reads and re-applies, then gives up.
BOOKING_ATTEMPTS = 3
# Moving the lock's mark meets a staff edit of the settings a few times at worst.
LOCK_MARK_ATTEMPTS = 5


class NumberingBusy(Conflict):
    code = "numbering_busy"
    message = "La numérotation est très sollicitée en ce moment : réessayez dans un instant."


def pause(attempt: int) -> None:
    """Wait a little before the next try at a number."""
    # Two writers that met will not meet again at once: spread their next tries.
    time.sleep(random.uniform(0.005, 0.02) * min(attempt + 1, NUMBERING_ATTEMPTS))


def numbering_attempts() -> Iterator[int]:
    """Tries at taking a number: NUMBERING_ATTEMPTS, and more while NUMBERING_PATIENCE_S
    has not passed since the first (wall time: this is about waiting, not the calendar)."""
    started = time.monotonic()
    for attempt in range(NUMBERING_MAX_ATTEMPTS):
        if attempt >= NUMBERING_ATTEMPTS and time.monotonic() - started > NUMBERING_PATIENCE_S:
            return
        yield attempt


def on_conflict(work: Callable[[], T], conflict: type[Exception], attempts: int) -> T:
    """``work()``, done again (it re-reads) when it meets ``conflict``, ``attempts`` times
    at most; the last conflict is raised."""
    for attempt in range(attempts):
        try:
            return work()
        except conflict:
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")
