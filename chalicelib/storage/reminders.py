"""The once-only markers of the reminders before a deadline (table ``marks``), as leases
taken for good (storage/leases.py)."""
from __future__ import annotations

from datetime import datetime

from chalicelib.storage import leases


def reminder_key(family: str, deadline_key: str) -> str:
    """``reminder#<family>#<deadline as a UTC instant>``: one reminder per family per deadline."""
    return f"reminder#{family}#{deadline_key}"


class ReminderRepository:
    """Claims the right to send one family's reminder for one deadline."""

    def claim(self, family: str, deadline_key: str, now: datetime) -> bool:
        """Take the marker; False when a run (this one or another) already took it.

        Written before the e-mail leaves: a run cut between the two sends nothing more
        (at most one reminder, never two)."""
        return leases.take(reminder_key(family, deadline_key), now.isoformat(),
                           leases.FOREVER, now)

    def release(self, family: str, deadline_key: str, now: datetime) -> None:
        """Give the marker taken at ``now`` back when the e-mail could not leave, so that
        the batch's next delivery sends it (a background batch: SQS delivers it again)."""
        leases.give_back(reminder_key(family, deadline_key), now.isoformat(), now)
