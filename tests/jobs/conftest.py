"""Job tests: a job is checked through what staff and parents then see (the fixtures are
the shared ones of tests/conftest.py)."""
from __future__ import annotations

import pytest

from tests.client import sign_in
from tests.demo import ADMIN, FAMILY


@pytest.fixture
def travel(clock, admin, parent):
    """Move the clock; sessions idle for an hour end, so both sign in again."""
    def move(moment):
        clock.set(moment)
        sign_in(admin, *ADMIN)
        sign_in(parent, *FAMILY)
    return move
