"""Sign-in throttling: five free failures, then a doubling wait capped at 15 minutes,
forgotten after 24 hours."""
from datetime import datetime, timedelta

import pytest

from chalicelib.domain.throttle import MAX_DELAY, MEMORY, delay_after, retry_after
from chalicelib.settings import PARIS

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=PARIS)
S = timedelta(seconds=1)


@pytest.mark.parametrize("failures, delay", [
    (0, timedelta(0)),
    (1, timedelta(0)),
    (4, timedelta(0)),
    (5, timedelta(seconds=30)),
    (6, timedelta(minutes=1)),
    (7, timedelta(minutes=2)),
    (8, timedelta(minutes=4)),
    (9, timedelta(minutes=8)),
    (10, timedelta(minutes=15)),
    (11, timedelta(minutes=15)),
    (50, timedelta(minutes=15)),
    (10 ** 9, timedelta(minutes=15)),
])
def test_the_first_five_failures_are_free_then_the_wait_doubles_up_to_15_minutes(failures,
                                                                                delay):
    assert delay_after(failures) == delay


def test_the_wait_never_exceeds_15_minutes_so_nobody_can_lock_a_family_out():
    assert MAX_DELAY == timedelta(minutes=15)
    assert max(delay_after(n) for n in range(200)) == MAX_DELAY


@pytest.mark.parametrize("failures, last_failure_at, seconds", [
    (0, None, 0),
    (0, NOW, 0),
    (3, None, 0),
    (4, NOW, 0),                               # still free
    (5, NOW, 30),
    (5, NOW - 10 * S, 20),
    (5, NOW - 10.5 * S, 20),                   # partial seconds round up, never to 0
    (5, NOW - 29.5 * S, 1),
    (5, NOW - 30 * S, 0),                      # the wait has passed
    (6, NOW, 60),
    (10, NOW, 900),
    (1000, NOW - 60 * S, 840),
    (1000, NOW - MAX_DELAY, 0),
    (1000, NOW - MEMORY, 0),                   # forgotten
])
def test_retry_after_is_the_whole_seconds_still_to_wait(failures, last_failure_at, seconds):
    assert retry_after(failures, last_failure_at, NOW) == seconds


