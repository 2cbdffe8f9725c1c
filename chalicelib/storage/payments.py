"""Online payment attempts (PayFip idOps)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from pynamodb.exceptions import DoesNotExist, UpdateError

from chalicelib.storage.keys import is_condition_failure
from chalicelib.storage.models import PaymentAttemptModel


@dataclass(frozen=True)
class Attempt:
    idop: str
    family: str
    invoice: str
    amount_cents: int
    refdet: str
    status: str
    created_at: datetime


def _attempt(item: PaymentAttemptModel) -> Attempt:
    return Attempt(item.idop, item.family, item.invoice, int(item.amount_cents), item.refdet,
                   item.status, item.created_at)


class PaymentAttemptRepository:
    """One item per idOp; pending ones are found through ``by_status``."""

    def create(self, attempt: Attempt) -> None:
        """Record a new attempt, pending until PayFip says otherwise."""
        PaymentAttemptModel(
            attempt.idop, family=attempt.family, invoice=attempt.invoice,
            amount_cents=attempt.amount_cents, refdet=attempt.refdet, status="pending",
            created_at=attempt.created_at,
            created_key=attempt.created_at.astimezone(UTC).isoformat()).save(
            condition=PaymentAttemptModel.idop.does_not_exist())

    def get(self, idop: str) -> Attempt | None:
        """The attempt with this idOp, or None."""
        try:
            return _attempt(PaymentAttemptModel.get(idop))
        except DoesNotExist:
            return None

    def settle(self, idop: str, status: str, result: str | None, now: datetime) -> bool:
        """Move a pending attempt to its final status; False if it was settled already."""
        try:
            PaymentAttemptModel(idop).update(
                actions=[PaymentAttemptModel.status.set(status),
                         PaymentAttemptModel.settled_at.set(now),
                         PaymentAttemptModel.result.set(result or "")],
                condition=PaymentAttemptModel.status == "pending")
            return True
        except UpdateError as exc:
            if is_condition_failure(exc):
                return False  # someone (the notification, the return, the job) settled it first
            raise

    def pending(self) -> list[Attempt]:
        """Attempts still waiting for PayFip's answer, oldest first."""
        return [_attempt(i) for i in PaymentAttemptModel.by_status.query("pending")]
