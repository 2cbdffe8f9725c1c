"""Bordereaux of titres de recette: one item per attempt of a roll number.

Access patterns:
- a month's bordereaux: ``by_month`` query (``month = :m``);
- one bordereau: GetItem (``exercice``, ``<number>#<attempt>``);
- the attempts of a roll number (an acknowledgement names the number): Query
  ``exercice = :y AND begins_with(roll, "<number>#")``;
- a new bordereau: one TWI — Put the marker ``titres#<month>#<invoices' digest>`` (cond
  absent), Update the counter ``roll-<exercice>`` (cond value = read), Put the bordereau
  (cond absent), Update each bordereau it replaces (cond its state is still open);
- a new attempt of a rejected one: one TWI — Put the attempt (cond absent), Update the
  rejected one to ``remplace`` (cond ``state = rejete``);
- an acknowledgement: UpdateItem ``state``, ``reasons`` (cond ``state = a_transmettre``,
  or the same state again: importing the same file twice is harmless).
"""
from __future__ import annotations

from datetime import date, datetime

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError

from chalicelib.domain.errors import Conflict
from chalicelib.domain.titres import REJECTED, REPLACED, TO_SEND, BordereauRecord
from chalicelib.storage.keys import is_condition_failure
from chalicelib.storage.models import BordereauModel, CounterModel, MarkModel
from chalicelib.storage.transactions import Transaction, conflicted, failed_on


class BordereauExists(Conflict):
    """The month's bordereau of these invoices was written already (a rerun)."""
    code = "bordereau_exists"
    message = "Ce bordereau a déjà été émis."


class RollMoved(Conflict):
    """Another bordereau took the roll number meanwhile: read the counter again."""
    code = "roll_moved"
    message = "Un autre bordereau vient d'être émis : réessayez."


class StateMoved(Conflict):
    code = "bordereau_state_changed"
    message = "L'état de ce bordereau vient de changer : rechargez la page."


def _roll(number: int, attempt: int) -> str:
    return f"{number:07d}#{attempt:03d}"


def _record(item: BordereauModel) -> BordereauRecord:
    number, _, attempt = item.roll.partition("#")
    return BordereauRecord(
        exercice=int(item.exercice), number=int(number), attempt=int(attempt),
        month=item.month, state=item.state, invoices=tuple(item.invoices or ()),
        emitted_on=date.fromisoformat(item.emitted_on), file_name=item.file_name,
        file_key=item.file_key, sha256=item.sha256, total_cents=int(item.total_cents),
        created_at=item.created_at, created_by=item.created_by,
        reasons=tuple(item.reasons or ()), acknowledged_at=item.acknowledged_at,
        acknowledged_by=item.acknowledged_by, replaced_by=item.replaced_by)


def _item(record: BordereauRecord) -> BordereauModel:
    return BordereauModel(
        str(record.exercice), _roll(record.number, record.attempt), month=record.month,
        state=record.state, invoices=list(record.invoices),
        emitted_on=record.emitted_on.isoformat(), file_name=record.file_name,
        file_key=record.file_key, sha256=record.sha256, total_cents=record.total_cents,
        created_at=record.created_at, created_by=record.created_by,
        reasons=list(record.reasons) or None)


class BordereauRepository:
    """Reads and writes bordereau records (their files are in the FileStore)."""

    def of_month(self, month: str) -> list[BordereauRecord]:
        """The month's bordereaux, oldest roll first."""
        return [_record(i) for i in BordereauModel.by_month.query(month)]

    def get(self, exercice: int, number: int, attempt: int) -> BordereauRecord | None:
        """One attempt, read consistently, or None."""
        try:
            return _record(BordereauModel.get(str(exercice), _roll(number, attempt),
                                              consistent_read=True))
        except DoesNotExist:
            return None

    def attempts(self, exercice: int, number: int) -> list[BordereauRecord]:
        """Every attempt of a roll number, first attempt first."""
        return [_record(i) for i in BordereauModel.query(
            str(exercice), BordereauModel.roll.startswith(f"{number:07d}#"),
            consistent_read=True)]

    def roll_counter(self, exercice: int) -> int:
        """The last roll number issued for ``exercice`` (0 before any)."""
        try:
            return int(CounterModel.get(f"roll-{exercice}", consistent_read=True).value)
        except DoesNotExist:
            return 0

    def create(self, record: BordereauRecord, mark: str, counter: int,
               replaces: list[BordereauRecord]) -> None:
        """Write a new bordereau with its roll number and its once-only marker, and mark
        the open ones it replaces: one transaction."""
        transaction = Transaction()
        try:
            with transaction:
                transaction.put("mark", MarkModel(mark, ref=record.id),
                                MarkModel.key.does_not_exist())
                name = f"roll-{record.exercice}"
                condition = (CounterModel.value == counter) if counter else \
                    CounterModel.name.does_not_exist()
                transaction.change("counter", CounterModel(name),
                                   [CounterModel.value.set(record.number)], condition)
                transaction.put("bordereau", _item(record),
                                BordereauModel.roll.does_not_exist())
                for old in replaces:
                    transaction.change(
                        f"replaced-{old.id}",
                        BordereauModel(str(old.exercice), _roll(old.number, old.attempt)),
                        [BordereauModel.state.set(REPLACED),
                         BordereauModel.replaced_by.set(record.id)],
                        BordereauModel.state == old.state)
        except TransactWriteError as exc:
            reasons = transaction.reasons(exc)
            if failed_on(reasons, "mark"):
                raise BordereauExists() from exc
            if failed_on(reasons, "counter") or failed_on(reasons, "bordereau") \
                    or conflicted(reasons):
                raise RollMoved() from exc
            if any(failed_on(reasons, f"replaced-{old.id}") for old in replaces):
                raise StateMoved() from exc
            raise

    def reissue(self, record: BordereauRecord, rejected: BordereauRecord) -> None:
        """Write a new attempt of a rejected bordereau and mark the rejected one replaced."""
        transaction = Transaction()
        try:
            with transaction:
                transaction.put("attempt", _item(record), BordereauModel.roll.does_not_exist())
                transaction.change(
                    "rejected", BordereauModel(str(rejected.exercice),
                                               _roll(rejected.number, rejected.attempt)),
                    [BordereauModel.state.set(REPLACED),
                     BordereauModel.replaced_by.set(record.id)],
                    BordereauModel.state == REJECTED)
        except TransactWriteError as exc:
            raise StateMoved() from exc

    def acknowledge(self, record: BordereauRecord, state: str, reasons: tuple[str, ...],
                    now: datetime, who: str) -> None:
        """Record the Treasury's answer on a bordereau still waiting for it."""
        item = BordereauModel(str(record.exercice), _roll(record.number, record.attempt))
        try:
            item.update(actions=[BordereauModel.state.set(state),
                                 BordereauModel.reasons.set(list(reasons)) if reasons
                                 else BordereauModel.reasons.remove(),
                                 BordereauModel.acknowledged_at.set(now),
                                 BordereauModel.acknowledged_by.set(who)],
                        condition=BordereauModel.state.is_in(TO_SEND, state))
        except UpdateError as exc:
            if is_condition_failure(exc):
                raise StateMoved() from exc
            raise
