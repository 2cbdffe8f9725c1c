"""Debits: one item per invoice collected by direct debit (table ``debits``).

Access patterns (docs/data.md):
- ``of_month``: Query ``month = :m`` — the month's debits, for Facturation, the debit file
  and the bordereau (consistent read: a confirmation writes them just before).
- ``of_family``: Query of the ``by_family`` index — the family's invoices page.
- ``create``: PutItem on condition the item is new — a rerun of a confirmation schedules
  each invoice's debit once.
- the state changes (``notified``, ``claim``, ``reschedule``, ``cancel``, ``rejected``):
  UpdateItem on condition of the state read, so that two clicks, or two runs, never both
  move the same debit (a debit file never carries a debit twice).
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError

from chalicelib.domain.sepa import SCHEDULED, SENT, Account, Debit, Reject
from chalicelib.storage.models import DebitModel


class DebitMoved(Exception):
    """The debit is not (any more) in the state the change expects."""


def _account(data: Any) -> Account | None:
    return Account(str(data["iban"]), str(data["bic"])) if isinstance(data, dict) else None


def _reject(data: Any) -> Reject | None:
    if not isinstance(data, dict):
        return None
    return Reject(str(data["code"]), date.fromisoformat(data["day"]), str(data["by"]),
                  datetime.fromisoformat(data["at"]))


def debit_of(item: DebitModel) -> Debit:
    return Debit(
        month=item.month, invoice=item.invoice, family=item.family,
        amount_cents=int(item.amount_cents),
        collection_date=date.fromisoformat(item.collection_date), rum=item.rum,
        signed_on=date.fromisoformat(item.signed_on), holder=item.holder,
        account=Account(item.iban, item.bic), sequence=item.sequence,
        amended_from=_account(item.amended_from), status=item.status,
        notified_at=item.notified_at, reject=_reject(item.reject), file=item.file_id)


def _conditional(action: Any) -> None:
    try:
        action()
    except (PutError, UpdateError) as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise DebitMoved() from exc
        raise


class DebitRepository:
    """Reads and writes the scheduled debits."""

    def of_month(self, month: str) -> list[Debit]:
        """The month's debits, by invoice number."""
        return [debit_of(i) for i in DebitModel.query(month, consistent_read=True)]

    def get(self, month: str, invoice: str) -> Debit | None:
        """One invoice's debit, or None."""
        try:
            return debit_of(DebitModel.get(month, invoice, consistent_read=True))
        except DoesNotExist:
            return None

    def of_family(self, family: str) -> list[Debit]:
        """The family's debits, every month."""
        return [debit_of(i) for i in DebitModel.by_family.query(family)]

    def create(self, d: Debit) -> None:
        """Schedule a debit; DebitMoved if the invoice has one already."""
        item = DebitModel(
            d.month, d.invoice, family=d.family, amount_cents=d.amount_cents,
            collection_date=d.collection_date.isoformat(), rum=d.rum,
            signed_on=d.signed_on.isoformat(), holder=d.holder, iban=d.account.iban,
            bic=d.account.bic, sequence=d.sequence,
            amended_from=({"iban": d.amended_from.iban, "bic": d.amended_from.bic}
                          if d.amended_from else None),
            status=d.status, notified_at=d.notified_at, file_id=d.file)
        _conditional(lambda: item.save(condition=DebitModel.invoice.does_not_exist()))

    def _update(self, d: Debit, expected: str, actions: list[Any],
                condition: Any = None) -> None:
        item = DebitModel(d.month, d.invoice)
        where = DebitModel.status == expected
        if condition is not None:
            where = where & condition
        _conditional(lambda: item.update(actions=actions, condition=where))

    def notified(self, d: Debit, now: datetime) -> None:
        """The family was told of the debit (its pre-notification e-mail went out)."""
        self._update(d, SCHEDULED, [DebitModel.notified_at.set(now)],
                     DebitModel.notified_at.does_not_exist())

    def claim(self, d: Debit, file_id: str) -> None:
        """Put a scheduled debit in a file (or a bordereau): it is sent, with the amount,
        account, holder, sequence and amendment ``d`` has then (the mandate's of the day)."""
        self._update(d, SCHEDULED, [
            DebitModel.status.set(SENT), DebitModel.file_id.set(file_id),
            DebitModel.amount_cents.set(d.amount_cents), DebitModel.holder.set(d.holder),
            DebitModel.iban.set(d.account.iban), DebitModel.bic.set(d.account.bic),
            DebitModel.sequence.set(d.sequence),
            DebitModel.amended_from.set({"iban": d.amended_from.iban,
                                         "bic": d.amended_from.bic})
            if d.amended_from else DebitModel.amended_from.remove()])

    def reschedule(self, d: Debit, day: date) -> None:
        """Move a scheduled debit whose date passed: the family is told again."""
        self._update(d, SCHEDULED, [DebitModel.collection_date.set(day.isoformat()),
                                    DebitModel.notified_at.remove()],
                     DebitModel.collection_date == d.collection_date.isoformat())

    def set_status(self, d: Debit, expected: str, status: str) -> None:
        """Cancel a scheduled debit (nothing left to collect, mandate stopped)."""
        self._update(d, expected, [DebitModel.status.set(status)])

    def rejected(self, d: Debit, reject: Reject) -> None:
        """The family's bank rejected or returned a sent debit."""
        self._update(d, SENT, [DebitModel.status.set("rejete"), DebitModel.reject.set({
            "code": reject.code, "day": reject.day.isoformat(), "by": reject.recorded_by,
            "at": reject.recorded_at.isoformat()})])
