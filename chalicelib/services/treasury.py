"""Payments the Treasury collected for titres de recette (titres mode), typed one by one or
imported as a CSV file: each becomes a ``tresor`` credit line on the family's account,
named after its titre, once.

Once: each payment has a marker made of its titre, date, amount and rank among identical
rows of its file (``TreasuryPayment.mark``), written in the same transaction as its line.
Importing a file twice, or importing a payment typed before, records nothing more.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib.domain.collection import TITRES
from chalicelib.domain.errors import Conflict, NotFound, ValidationError
from chalicelib.domain.invoicing import Invoice
from chalicelib.domain.ledger import LedgerEntry
from chalicelib.domain.money import money
from chalicelib.domain.treasury import (
    ABOVE_REMAINING,
    ALREADY_RECORDED,
    CANCELLED_TITRE,
    INVALID_ROW,
    NOT_A_TITRE,
    RECORDED,
    TRESOR_METHOD,
    UNKNOWN_TITRE,
    TreasuryPayment,
    check_day,
    parse_payment,
    read_csv,
)
from chalicelib.services.billing import BillingService, states_of
from chalicelib.settings import PARIS
from chalicelib.storage.accounts import AccountRepository
from chalicelib.storage.billing import AlreadyDone, BillingRepository

UNKNOWN_MESSAGE = "Titre inconnu : aucune facture ne porte ce numéro."
ALREADY_MESSAGE = ("Déjà enregistré (même titre, même date, même montant) : rien n'est "
                   "ajouté.")


@dataclass(frozen=True)
class Outcome:
    """What became of one payment: its status code and a sentence for staff."""
    status: str
    message: str
    family: str | None = None


class _Account:
    """A family's invoices and ledger, read once per import and kept up to date."""

    def __init__(self, invoices: list[Invoice], entries: list[LedgerEntry]) -> None:
        self.invoices = invoices
        self.entries = entries

    def remaining(self, number: str) -> int:
        return states_of(self.invoices, self.entries)[number].remaining_cents


class TreasuryService:
    """Enters what the Treasury collected in the families' accounts."""

    def __init__(self, billing: BillingService, repository: BillingRepository,
                 accounts: AccountRepository) -> None:
        self._billing = billing
        self._repository = repository
        self._accounts = accounts

    def record(self, family: str, data: dict[str, Any], now: datetime,
               who: str) -> dict[str, Any]:
        """One payment the Treasury reports for one of the family's titres, typed by staff.

        Refused with the same reasons as an imported row: 400 for what cannot be read or
        a titre the family does not have, 409 for a régie invoice, a cancelled titre, an
        amount above what remains, or a payment already recorded.
        """
        if not family.isdigit() or self._accounts.get_family(family) is None:
            raise NotFound()
        payment = parse_payment(data)
        invoice = self._repository.invoice(family, payment.titre)
        if invoice is None:
            raise ValidationError("Titre inconnu pour cette famille.", field="invoice",
                                  code=UNKNOWN_TITRE)
        outcome = self._apply(invoice, payment, {}, now, who)
        if outcome.status == INVALID_ROW:
            raise ValidationError(outcome.message, field="date", code="date_out_of_range")
        if outcome.status != RECORDED:
            raise Conflict(outcome.message, code=outcome.status)
        return _shape(payment, family)

    def import_csv(self, data: dict[str, Any], now: datetime, who: str) -> dict[str, Any]:
        """Every row of a Treasury payments file, each recorded or refused with its reason;
        and the totals. The file is read whole first: one it cannot read records nothing."""
        rows = read_csv(data.get("csv"))
        accounts: dict[str, _Account] = {}
        report = []
        for row in rows:
            if row.payment is None:
                outcome = Outcome(INVALID_ROW, row.error or "Ligne illisible.")
                report.append({"line": row.line, "titre": row.titre, "amount_cents": None,
                               "date": None, "family": None, "status": outcome.status,
                               "message": outcome.message})
                continue
            payment = row.payment
            invoice = self._repository.invoice_by_number(payment.titre)
            outcome = Outcome(UNKNOWN_TITRE, UNKNOWN_MESSAGE) if invoice is None \
                else self._apply(invoice, payment, accounts, now, who)
            report.append({"line": row.line, "titre": payment.titre,
                           "amount_cents": payment.amount_cents,
                           "date": payment.day.isoformat(), "family": outcome.family,
                           "status": outcome.status, "message": outcome.message})
        recorded = [r for r in report if r["status"] == RECORDED]
        return {"rows": report, "summary": {
            "rows": len(report), "recorded": len(recorded),
            "recorded_cents": sum(r["amount_cents"] for r in recorded),
            "already_recorded": sum(r["status"] == ALREADY_RECORDED for r in report),
            "refused": sum(r["status"] not in (RECORDED, ALREADY_RECORDED) for r in report)}}

    def _apply(self, invoice: Invoice, payment: TreasuryPayment,
               accounts: dict[str, _Account], now: datetime, who: str) -> Outcome:
        family = invoice.family
        if invoice.collection != TITRES:
            return Outcome(NOT_A_TITRE, "Cette facture a été émise en régie : ce n'est pas "
                           "un titre du Trésor public.", family)
        if invoice.credit_note is not None:
            return Outcome(CANCELLED_TITRE, f"Ce titre est annulé (avoir "
                           f"{invoice.credit_note}).", family)
        if self._repository.mark(payment.mark) is not None:
            return Outcome(ALREADY_RECORDED, ALREADY_MESSAGE, family)
        problem = check_day(payment.day, now.astimezone(PARIS).date(), invoice.issued_on)
        if problem:
            return Outcome(INVALID_ROW, problem, family)
        account = accounts.get(family)
        if account is None:
            invoices, entries, _ = self._billing.account(family)
            account = accounts[family] = _Account(invoices, entries)
        remaining = account.remaining(invoice.number)
        if payment.amount_cents > remaining:
            return Outcome(ABOVE_REMAINING, f"Montant supérieur au reste à payer du titre "
                           f"({money(remaining)}) : vérifiez-le, ou enregistrez le "
                           "trop-perçu par un autre moyen.", family)
        entry = LedgerEntry(family, payment.day, "payment", payment.label, invoice.number,
                            0, payment.amount_cents, TRESOR_METHOD)
        try:
            self._repository.append(entry, now, who, mark=payment.mark,
                                    data={"answer": _shape(payment, family)})
        except AlreadyDone:
            return Outcome(ALREADY_RECORDED, ALREADY_MESSAGE, family)
        account.entries.append(entry)
        return Outcome(RECORDED, f"Enregistré : {money(payment.amount_cents)} au crédit "
                       f"de la famille {family}.", family)


def _shape(payment: TreasuryPayment, family: str) -> dict[str, Any]:
    return {"family": family, "invoice": payment.titre, "date": payment.day.isoformat(),
            "type": "payment", "method": TRESOR_METHOD, "reference": payment.label,
            "credit_cents": payment.amount_cents}
