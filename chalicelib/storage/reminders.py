"""The once-only markers of the reminders before a deadline (table ``marks``)."""
from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import PutError

from chalicelib.storage.keys import is_condition_failure
from chalicelib.storage.models import MarkModel


def reminder_key(family: str, deadline_key: str) -> str:
    """``reminder#<family>#<deadline as a UTC instant>``: one reminder per family per deadline."""
    return f"reminder#{family}#{deadline_key}"


class ReminderRepository:
    """Claims the right to send one family's reminder for one deadline."""

    def claim(self, family: str, deadline_key: str, now: datetime) -> bool:
        """Put the marker if absent; False when a run (this one or another) already took it.

        Written before the e-mail leaves: a run cut between the two sends nothing more
        (at most one reminder, never two)."""
        try:
            MarkModel(reminder_key(family, deadline_key), ref=now.isoformat()).save(
                MarkModel.key.does_not_exist())
        except PutError as exc:
            if is_condition_failure(exc):
                return False
            raise
        return True
