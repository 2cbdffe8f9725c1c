"""Tariffs, invoices, the ledger, and the markers that make each write happen once.

Access patterns: every tariff (one query of one partition); a family's invoices and
ledger lines (one query each); a month's invoices (``by_month`` query); a marker (get).
"""
from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.domain.errors import Conflict
from chalicelib.storage.models import (CounterModel, InvoiceModel, LedgerModel, MarkModel,
                                       TariffModel, connection)

TARIFF_SCOPE = "tariffs"


@dataclass(frozen=True)
class StoredInvoice:
    family: str
    number: str
    month: str
    issued_on: date
    lines: list[dict[str, Any]]
    total_cents: int
    credit_note: str | None


@dataclass(frozen=True)
class LedgerEntry:
    family: str
    day: date
    type: str
    reference: str
    invoice: str | None
    debit_cents: int
    credit_cents: int
    method: str | None = None


class AlreadyDone(Exception):
    """The marker of this write exists: it happened before (a rerun or a replay)."""


class SequenceMoved(Exception):
    """Someone else took the next number meanwhile: read the counter again."""


def _invoice(item: InvoiceModel) -> StoredInvoice:
    return StoredInvoice(item.family, item.number, item.month, date.fromisoformat(item.issued_on),
                         list(item.lines), int(item.total_cents), item.credit_note)


def _entry(item: LedgerModel) -> LedgerEntry:
    return LedgerEntry(item.family, date.fromisoformat(item.entry_key[:10]), item.type,
                       item.reference or "", item.invoice, int(item.debit_cents or 0),
                       int(item.credit_cents or 0), item.method)


# Orders lines written in the same microsecond (a fixed clock) as they were written.
_WRITE_ORDER = itertools.count()


def _ledger_item(entry: LedgerEntry, now: datetime, who: str) -> LedgerModel:
    key = (f"{entry.day.isoformat()}#{now.astimezone(timezone.utc).isoformat()}"
           f"#{next(_WRITE_ORDER):012d}{secrets.token_hex(3)}")
    return LedgerModel(entry.family, key, month=entry.day.strftime("%Y-%m"), type=entry.type, reference=entry.reference,
                       invoice=entry.invoice, debit_cents=entry.debit_cents,
                       credit_cents=entry.credit_cents, method=entry.method, recorded_by=who)


def _reasons(exc: TransactWriteError) -> list[str | None]:
    return [r.code if r else None for r in (exc.cancellation_reasons or [])]


class BillingRepository:
    """Reads and appends; nothing in the ledger is ever edited or deleted."""

    # -- tariffs -------------------------------------------------------------------------
    def tariffs(self) -> list[dict[str, Any]]:
        """Every tariff as stored, by service then date of effect."""
        return [item.data for item in TariffModel.query(TARIFF_SCOPE)]

    def put_tariff(self, service: str, effective_from: date, data: dict[str, Any]) -> None:
        """Store (or replace) the tariff of a service from a date."""
        TariffModel(TARIFF_SCOPE, f"{service}#{effective_from.isoformat()}", data=data).save()

    # -- sequences -----------------------------------------------------------------------
    def sequence_value(self, name: str) -> int:
        """The last number handed out in a sequence (0 if none)."""
        try:
            return int(CounterModel.get(name).value)
        except DoesNotExist:
            return 0

    def next_value(self, name: str) -> int:
        """Atomically take the next value of a free-running counter (gaps allowed)."""
        counter = CounterModel(name)
        counter.update(actions=[CounterModel.value.add(1)])
        return int(counter.value)

    def _take(self, transaction: TransactWrite, name: str, current: int) -> None:
        # The number moves only with the write it numbers: no gap, even after a crash.
        condition = (CounterModel.value == current) if current else \
            CounterModel.name.does_not_exist()
        transaction.update(CounterModel(name), actions=[CounterModel.value.set(current + 1)],
                           condition=condition)

    # -- invoices ------------------------------------------------------------------------
    def issue_invoice(self, invoice: StoredInvoice, sequence: str, current: int, mark: str,
                      ledger: LedgerEntry, now: datetime) -> None:
        """Invoice, its ledger debit, its number and its once-only marker: one transaction."""
        try:
            with TransactWrite(connection=connection()) as transaction:
                transaction.save(MarkModel(mark, ref=invoice.number),
                                 condition=MarkModel.key.does_not_exist())
                self._take(transaction, sequence, current)
                transaction.save(InvoiceModel(
                    invoice.family, invoice.number, month=invoice.month,
                    issued_on=invoice.issued_on.isoformat(), lines=invoice.lines,
                    total_cents=invoice.total_cents),
                    condition=InvoiceModel.number.does_not_exist())
                transaction.save(_ledger_item(ledger, now, "facturation"))
        except TransactWriteError as exc:
            reasons = _reasons(exc)
            if reasons and reasons[0] == "ConditionalCheckFailed":
                raise AlreadyDone() from exc
            if "ConditionalCheckFailed" in reasons[1:3] or "TransactionConflict" in reasons:
                raise SequenceMoved() from exc
            raise

    def invoices_of(self, family: str) -> list[StoredInvoice]:
        """A family's invoices, oldest first."""
        return [_invoice(i) for i in InvoiceModel.query(family)]

    def invoice(self, family: str, number: str) -> StoredInvoice | None:
        """One of the family's invoices, or None."""
        try:
            return _invoice(InvoiceModel.get(family, number))
        except DoesNotExist:
            return None

    def invoices_of_month(self, month: str) -> list[StoredInvoice]:
        """Every invoice of a billed month."""
        return [_invoice(i) for i in InvoiceModel.by_month.query(month)]

    def cancel_invoice(self, invoice: StoredInvoice, credit_number: str, sequence: str,
                       current: int, ledger: LedgerEntry, now: datetime, who: str) -> None:
        """Cancel an invoice by a credit note: numbered, credited, and marked on the invoice."""
        try:
            with TransactWrite(connection=connection()) as transaction:
                transaction.update(
                    InvoiceModel(invoice.family, invoice.number),
                    actions=[InvoiceModel.credit_note.set(credit_number)],
                    condition=InvoiceModel.number.exists() & InvoiceModel.credit_note.does_not_exist())
                self._take(transaction, sequence, current)
                transaction.save(_ledger_item(ledger, now, who))
        except TransactWriteError as exc:
            reasons = _reasons(exc)
            if reasons and reasons[0] == "ConditionalCheckFailed":
                raise Conflict("Cette facture est déjà annulée.", code="already_cancelled") from exc
            if "ConditionalCheckFailed" in reasons[1:2] or "TransactionConflict" in reasons:
                raise SequenceMoved() from exc
            raise

    # -- ledger --------------------------------------------------------------------------
    def ledger(self, family: str) -> list[LedgerEntry]:
        """Every line of a family's account, oldest first (one query)."""
        return [_entry(i) for i in LedgerModel.query(family)]

    def append(self, entry: LedgerEntry, now: datetime, who: str, mark: str | None = None) -> None:
        """Add a line; with a marker, at most once (PayFip replays, retried requests)."""
        item = _ledger_item(entry, now, who)
        if mark is None:
            item.save()
            return
        try:
            with TransactWrite(connection=connection()) as transaction:
                transaction.save(MarkModel(mark, ref=entry.reference),
                                 condition=MarkModel.key.does_not_exist())
                transaction.save(item)
        except TransactWriteError as exc:
            if _reasons(exc)[:1] == ["ConditionalCheckFailed"]:
                raise AlreadyDone() from exc
            raise

    def ledger_of_month(self, month: str) -> list[LedgerEntry]:
        """Every family's lines dated in a month (one index query, paged)."""
        return [_entry(i) for i in LedgerModel.by_month.query(month)]

    def has_mark(self, mark: str) -> bool:
        """Whether a once-only write already happened."""
        try:
            MarkModel.get(mark)
            return True
        except DoesNotExist:
            return False
