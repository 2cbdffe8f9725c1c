"""Tariffs, invoices, the ledger, overpayments, and the markers that make each write
happen once.

Access patterns: every tariff (one query of one partition); a family's invoices and
ledger lines (one query each); a month's invoices (``by_month`` query); an invoice by its
number alone, for a titre the Treasury reports paid (``by_number`` query); a marker (get);
the first invoice year (one BatchGetItem of the yearly counters); open overpayments
(``by_status`` query).
"""
from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError

from chalicelib.domain.collection import REGIE
from chalicelib.domain.errors import Conflict
from chalicelib.domain.invoicing import Invoice
from chalicelib.domain.ledger import LedgerEntry, Overpayment
from chalicelib.storage import leases
from chalicelib.storage.keys import get_together, is_condition_failure
from chalicelib.storage.models import (
    CounterModel,
    DraftModel,
    InvoiceModel,
    LedgerModel,
    MarkModel,
    OverpaymentModel,
    TariffModel,
)
from chalicelib.storage.transactions import Transaction, conflicted, failed_on

TARIFF_SCOPE = "tariffs"


@dataclass(frozen=True)
class Mark:
    """A once-only marker: what it points to, what was answered, until when it holds."""
    key: str
    ref: str
    data: Any = None
    until: datetime | None = None


class AlreadyDone(Exception):
    """The marker of this write exists: it happened before (a rerun or a replay)."""


class SequenceMoved(Exception):
    """Someone else took the next number meanwhile: read the counter again."""


class NumberTaken(Exception):
    """The counter is behind the invoices (tables restored to different points in time):
    the number it gives is already used."""


class DraftChanged(Conflict):
    code = "draft_changed"
    message = ("La pré-facturation a été recalculée entre-temps : relisez-la avant de "
               "la valider.")


class AlreadySettled(Conflict):
    code = "already_settled"
    message = "Ce trop-perçu a déjà été traité."


def _invoice(item: InvoiceModel) -> Invoice:
    return Invoice(item.family, item.number, item.month, date.fromisoformat(item.issued_on),
                         list(item.lines), int(item.total_cents), item.credit_note,
                         item.collection or REGIE)


def _entry(item: LedgerModel) -> LedgerEntry:
    return LedgerEntry(item.family, date.fromisoformat(item.entry_key[:10]), item.type,
                       item.reference or "", item.invoice, int(item.debit_cents or 0),
                       int(item.credit_cents or 0), item.method)


# Orders lines written in the same microsecond (a fixed clock) as they were written.
_WRITE_ORDER = itertools.count()


def _ledger_item(entry: LedgerEntry, now: datetime, who: str) -> LedgerModel:
    key = (f"{entry.day.isoformat()}#{now.astimezone(UTC).isoformat()}"
           f"#{next(_WRITE_ORDER):012d}{secrets.token_hex(3)}")
    return LedgerModel(entry.family, key, month=entry.day.strftime("%Y-%m"), type=entry.type, reference=entry.reference,
                       invoice=entry.invoice, debit_cents=entry.debit_cents,
                       credit_cents=entry.credit_cents, method=entry.method, recorded_by=who)


def _overpayment(item: OverpaymentModel) -> Overpayment:
    return Overpayment(item.id, item.family, item.invoice, int(item.amount_cents),
                       item.reference or "", date.fromisoformat(item.received_on),
                       item.status, item.created_at)


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
            return int(CounterModel.get(name, consistent_read=True).value)
        except DoesNotExist:
            return 0

    def next_value(self, name: str) -> int:
        """Atomically take the next value of a free-running counter (gaps allowed)."""
        counter = CounterModel(name)
        counter.update(actions=[CounterModel.value.add(1)])
        return int(counter.value)

    def move_sequence(self, name: str, current: int, value: int) -> None:
        """Set a sequence read at ``current`` to ``value`` (catching up after a restore)."""
        condition = (CounterModel.value == current) if current else \
            CounterModel.name.does_not_exist()
        try:
            CounterModel(name).update(actions=[CounterModel.value.set(value)],
                                      condition=condition)
        except UpdateError as exc:
            if not is_condition_failure(exc):
                raise  # else someone moved it: the caller reads again

    def first_invoice_year(self, this_year: int, back: int = 15) -> int | None:
        """The year of the commune's first invoice within ``back`` years (one request)."""
        years = list(range(this_year - back, this_year + 1))
        found = get_together([(CounterModel, f"invoice-{y}") for y in years])
        return next((y for y, item in zip(years, found, strict=False) if item is not None), None)

    @staticmethod
    def _take(transaction: Transaction, name: str, current: int) -> None:
        # The number moves only with the write it numbers: no gap, even after a crash.
        condition = (CounterModel.value == current) if current else \
            CounterModel.name.does_not_exist()
        transaction.change("counter", CounterModel(name),
                           [CounterModel.value.set(current + 1)], condition)

    # -- invoices ------------------------------------------------------------------------
    def issue_invoice(self, invoice: Invoice, sequence: str, current: int, mark: str,
                      ledger: LedgerEntry, now: datetime, *, replaces: str | None = None,
                      draft: tuple[str, int] | None = None) -> None:
        """Invoice, its ledger debit, its number and its once-only marker: one transaction.

        ``replaces``: the number the marker holds when that invoice is cancelled or
        missing (a marker left alone by tables restored to different points in time);
        the marker is then taken over, under the condition that it still says so.
        ``draft``: (month, revision) of the draft being confirmed, which must not have
        been rebuilt meanwhile.
        """
        transaction = Transaction()
        try:
            with transaction:
                if replaces is None:
                    transaction.put("mark", MarkModel(mark, ref=invoice.number),
                                    MarkModel.key.does_not_exist())
                else:
                    transaction.put("mark", MarkModel(mark, ref=invoice.number),
                                    MarkModel.ref == replaces)
                    transaction.check("replaced", InvoiceModel, invoice.family, replaces,
                                      InvoiceModel.number.does_not_exist()
                                      | InvoiceModel.credit_note.exists())
                self._take(transaction, sequence, current)
                transaction.put("invoice", InvoiceModel(
                    invoice.family, invoice.number, month=invoice.month,
                    issued_on=invoice.issued_on.isoformat(), lines=invoice.lines,
                    total_cents=invoice.total_cents,
                    collection=None if invoice.collection == REGIE else invoice.collection),
                    InvoiceModel.number.does_not_exist())
                transaction.put("ledger", _ledger_item(ledger, now, "facturation"))
                if draft is not None:
                    transaction.check("draft", DraftModel, draft[0], "#",
                                      (DraftModel.revision == draft[1])
                                      & (DraftModel.status == "draft"))
        except TransactWriteError as exc:
            reasons = transaction.reasons(exc)
            if failed_on(reasons, "draft"):
                raise DraftChanged() from exc
            if failed_on(reasons, "mark") or failed_on(reasons, "replaced"):
                raise AlreadyDone() from exc
            if failed_on(reasons, "counter") or conflicted(reasons):
                raise SequenceMoved() from exc
            if failed_on(reasons, "invoice"):
                raise NumberTaken() from exc
            raise

    def mark(self, key: str) -> Mark | None:
        """A marker, read consistently, or None."""
        try:
            item = MarkModel.get(key, consistent_read=True)
        except DoesNotExist:
            return None
        return Mark(item.key, item.ref or "", item.data, item.until)

    def invoices_of(self, family: str) -> list[Invoice]:
        """A family's invoices, oldest first (read consistently)."""
        return [_invoice(i) for i in InvoiceModel.query(family, consistent_read=True)]

    def invoice(self, family: str, number: str) -> Invoice | None:
        """One of the family's invoices, or None."""
        try:
            return _invoice(InvoiceModel.get(family, number, consistent_read=True))
        except DoesNotExist:
            return None

    def invoice_by_number(self, number: str) -> Invoice | None:
        """The invoice of that number, whichever family's (index: may lag its issue by a
        moment), or None."""
        found = [_invoice(i) for i in InvoiceModel.by_number.query(number, limit=2)]
        return found[0] if len(found) == 1 else None

    def invoices_of_month(self, month: str) -> list[Invoice]:
        """Every invoice of a billed month (index: may lag a write by a moment)."""
        return [_invoice(i) for i in InvoiceModel.by_month.query(month)]

    def cancel_invoice(self, invoice: Invoice, credit_number: str, sequence: str,
                       current: int, ledger: LedgerEntry, now: datetime, who: str) -> None:
        """Cancel an invoice by a credit note: numbered, credited, and marked on the invoice."""
        transaction = Transaction()
        try:
            with transaction:
                transaction.change(
                    "invoice", InvoiceModel(invoice.family, invoice.number),
                    [InvoiceModel.credit_note.set(credit_number)],
                    InvoiceModel.number.exists() & InvoiceModel.credit_note.does_not_exist())
                self._take(transaction, sequence, current)
                transaction.put("ledger", _ledger_item(ledger, now, who))
        except TransactWriteError as exc:
            reasons = transaction.reasons(exc)
            if failed_on(reasons, "invoice"):
                raise Conflict("Cette facture est déjà annulée.", code="already_cancelled") from exc
            if failed_on(reasons, "counter") or conflicted(reasons):
                raise SequenceMoved() from exc
            raise

    # -- ledger --------------------------------------------------------------------------
    def ledger(self, family: str) -> list[LedgerEntry]:
        """Every line of a family's account, oldest first (one query, read consistently)."""
        return [_entry(i) for i in LedgerModel.query(family, consistent_read=True)]

    def append(self, entry: LedgerEntry, now: datetime, who: str, mark: str | None = None,
               data: Any = None) -> None:
        """Add a line; with a marker, at most once (PayFip replays, retried requests).

        ``data`` is kept on the marker: what the first request was answered, so that a
        repeat of it gets the same answer.
        """
        item = _ledger_item(entry, now, who)
        if mark is None:
            item.save()
            return
        transaction = Transaction()
        try:
            with transaction:
                transaction.put("mark", MarkModel(mark, ref=entry.reference, data=data),
                                MarkModel.key.does_not_exist())
                transaction.put("ledger", item)
        except TransactWriteError as exc:
            reasons = transaction.reasons(exc)
            if failed_on(reasons, "mark") or conflicted(reasons):
                raise AlreadyDone() from exc
            raise

    def append_once(self, entry: LedgerEntry, now: datetime, who: str,
                    marks: list[str]) -> None:
        """Add a line together with several once-only markers (one per thing it settles,
        at most 99); AlreadyDone if any of them exists: nothing is written then."""
        transaction = Transaction()
        try:
            with transaction:
                for index, mark in enumerate(marks):
                    transaction.put(f"mark{index}", MarkModel(mark, ref=entry.reference),
                                    MarkModel.key.does_not_exist())
                transaction.put("ledger", _ledger_item(entry, now, who))
        except TransactWriteError as exc:
            reasons = transaction.reasons(exc)
            if any(failed_on(reasons, f"mark{i}") for i in range(len(marks))) \
                    or conflicted(reasons):
                raise AlreadyDone() from exc
            raise

    def credit_online(self, entry: LedgerEntry, now: datetime, mark: str,
                      overpaid_cents: int) -> None:
        """An online payment's credit, once per payment; with the part of it beyond what
        the family owed listed as an overpayment, in the same transaction."""
        transaction = Transaction()
        try:
            with transaction:
                transaction.put("mark", MarkModel(mark, ref=entry.reference),
                                MarkModel.key.does_not_exist())
                transaction.put("ledger", _ledger_item(entry, now, "payfip"))
                if overpaid_cents > 0:
                    transaction.put("overpayment", OverpaymentModel(
                        mark.replace("#", "-"), family=entry.family, invoice=entry.invoice,
                        amount_cents=overpaid_cents, reference=entry.reference,
                        received_on=entry.day.isoformat(), status="open", created_at=now,
                        created_key=f"{now.astimezone(UTC).isoformat()}#{mark}"))
        except TransactWriteError as exc:
            reasons = transaction.reasons(exc)
            if failed_on(reasons, "mark") or conflicted(reasons):
                raise AlreadyDone() from exc
            raise

    def ledger_of_month(self, month: str) -> list[LedgerEntry]:
        """Every family's lines dated in a month (one index query, paged)."""
        return [_entry(i) for i in LedgerModel.by_month.query(month)]

    # -- the live online payment of an invoice -------------------------------------------
    def claim(self, key: str, token: str, until: datetime, now: datetime,
              replaces: str | None = None) -> bool:
        """Take a lease: free, expired, or held under ``replaces``; False if held."""
        return leases.take(key, token, until, now, replaces)

    def hand_over(self, key: str, token: str, ref: str, until: datetime) -> bool:
        """Point a lease taken under ``token`` at ``ref``; False if it was lost meanwhile."""
        try:
            MarkModel(key).update(actions=[MarkModel.ref.set(ref), MarkModel.until.set(until)],
                                  condition=MarkModel.ref == token)
            return True
        except UpdateError as exc:
            if is_condition_failure(exc):
                return False
            raise

    def release(self, key: str, ref: str, now: datetime) -> None:
        """Give a lease back, if it still says ``ref``: it expires now."""
        leases.give_back(key, ref, now)

    # -- overpayments --------------------------------------------------------------------
    def overpayments(self, status: str = "open") -> list[Overpayment]:
        """Overpayments in a status, oldest first (one index query)."""
        return [_overpayment(i) for i in OverpaymentModel.by_status.query(status)]

    def overpayment(self, overpayment_id: str) -> Overpayment | None:
        """One overpayment, or None."""
        try:
            return _overpayment(OverpaymentModel.get(overpayment_id, consistent_read=True))
        except DoesNotExist:
            return None

    def settle_overpayment(self, overpayment: Overpayment, status: str, refund: LedgerEntry | None,
                           now: datetime, who: str) -> None:
        """Refund an overpayment (a debit line) or keep it on the account; once."""
        transaction = Transaction()
        try:
            with transaction:
                transaction.change("overpayment", OverpaymentModel(overpayment.id),
                                   [OverpaymentModel.status.set(status),
                                    OverpaymentModel.settled_at.set(now),
                                    OverpaymentModel.settled_by.set(who)],
                                   OverpaymentModel.status == "open")
                if refund is not None:
                    transaction.put("ledger", _ledger_item(refund, now, who))
        except TransactWriteError as exc:
            reasons = transaction.reasons(exc)
            if failed_on(reasons, "overpayment") or conflicted(reasons):
                raise AlreadySettled() from exc
            raise
