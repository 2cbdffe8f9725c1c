"""Clocks: the one source of "now" for rules and jobs, always Europe/Paris."""
from __future__ import annotations

from datetime import datetime

from chalicelib.settings import PARIS


class SystemClock:
    """The real time."""

    def now(self) -> datetime:
        """Current instant in Europe/Paris."""
        return datetime.now(PARIS)


class FixedClock:
    """A clock that shows one instant until told otherwise (demo and tests)."""

    def __init__(self, moment: datetime) -> None:
        self._moment = moment.astimezone(PARIS)

    def now(self) -> datetime:
        """The instant this clock was set to."""
        return self._moment

    def set(self, moment: datetime) -> None:
        """Move the clock."""
        self._moment = moment.astimezone(PARIS)
