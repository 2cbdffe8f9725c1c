"""The once-only markers of the reminders before a deadline (table ``marks``)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pynamodb.exceptions import PutError, UpdateError

from chalicelib.storage.keys import is_condition_failure
from chalicelib.storage.models import MarkModel

FOREVER = datetime(9999, 12, 31, tzinfo=UTC)


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
            # A marker given back (``release``) has expired and may be taken again; one
            # taken for good has no end (or, written before markers could be given back,
            # none at all: a missing ``until`` never compares lower).
            MarkModel(reminder_key(family, deadline_key), ref=now.isoformat(),
                      until=FOREVER).save(
                MarkModel.key.does_not_exist() | (MarkModel.until < now))
        except PutError as exc:
            if is_condition_failure(exc):
                return False
            raise
        return True

    def release(self, family: str, deadline_key: str, now: datetime) -> None:
        """Give the marker taken at ``now`` back when the e-mail could not leave, so that
        the batch's next delivery sends it (a background batch: SQS delivers it again).
        It expires rather than goes: no function may delete from ``marks``."""
        try:
            MarkModel(reminder_key(family, deadline_key)).update(
                actions=[MarkModel.until.set(now - timedelta(seconds=1))],
                condition=MarkModel.ref == now.isoformat())
        except UpdateError as exc:
            if not is_condition_failure(exc):
                raise
