"""Billing: tariffs, a family's account (statement, invoices, PDFs), payments recorded at
the town hall, credit notes, overpayments and the money exports. The month's invoice run
is services/invoicing.py.
"""
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from chalicelib.domain.accounts import Family
from chalicelib.domain.bookings import month_bounds
from chalicelib.domain.collection import TITRES
from chalicelib.domain.commune import CommuneSettings
from chalicelib.domain.errors import Conflict, NotFound, ValidationError
from chalicelib.domain.invoicing import Invoice
from chalicelib.domain.ledger import (
    METHOD_LABELS,
    STATE_LABELS,
    TYPE_LABELS,
    InvoiceState,
    LedgerEntry,
    Overpayment,
    allocate,
    parse_payment,
    statement,
)
from chalicelib.domain.money import month_label
from chalicelib.domain.pricing import parse_tariff, tariff_to_dict
from chalicelib.domain.sepa import Debit, mask_iban
from chalicelib.domain.treasury import DOCUMENT_TITLE, TITRES_PAYMENT_HELP, titres_payment_note
from chalicelib.services import retry
from chalicelib.services.commune import CommuneService
from chalicelib.settings import PARIS
from chalicelib.storage.accounts import AccountRepository
from chalicelib.storage.billing import AlreadyDone, BillingRepository, SequenceMoved
from chalicelib.storage.files import FileStore

TARIFF_BACKDATING = timedelta(days=366)
_IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9_\-]{8,80}")


class RegieInvoiceRequired(Conflict):
    """In titres mode the town hall holds no régie: money it takes must be for a régie
    invoice it names, never an advance that the statement would set against a titre."""
    code = "regie_invoice_required"
    message = ("La commune est en mode titres : le Trésor public encaisse les titres de "
               "recette, la mairie ne peut pas recevoir d'avance. Choisissez la facture de "
               "régie que ce paiement règle, ou saisissez ce que le Trésor public a "
               "encaissé (« Paiement au Trésor public »).")


class TitreNotPaidHere(Conflict):
    """A titre is paid to the Treasury: without a régie the town hall may not take its
    money (handling public funds without being the accountant is a gestion de fait)."""
    code = "collected_by_treasury"
    message = ("Cette facture est un titre de recette recouvré par le Trésor public : la "
               "famille la paie avec l'avis des sommes à payer. Saisissez ici ce que le "
               "Trésor public vous signale comme encaissé (« Paiement au Trésor public »).")


class KeyReused(Conflict):
    code = "idempotency_key_reused"
    message = ("Cette clé d'envoi a déjà servi pour un autre paiement : rechargez la page "
               "avant d'en saisir un nouveau.")


def debit_help(debit: Debit) -> str:
    """How an invoice paid by direct debit is paid, on its PDF."""
    return (f"Cette facture est payée par prélèvement automatique le "
            f"{debit.collection_date:%d/%m/%Y} sur le compte {mask_iban(debit.account.iban)} "
            f"(mandat {debit.rum}) : il n'y a rien à payer en ligne ni à la mairie. Si la "
            f"banque rejette le prélèvement, vous en serez prévenu par courriel.")


def pdf_key(document: Any) -> str:
    """Where an invoice's PDF is kept: its number, then a digest of everything it says."""
    digest = hashlib.sha256(repr(document).encode("utf-8")).hexdigest()[:20]
    return f"factures/{document.number[:4]}/{document.number}/{digest}.pdf"


def _render(document: Any) -> bytes:
    from chalicelib.documents.invoice_pdf import render_invoice
    return render_invoice(document)


def states_of(invoices: list[Invoice], entries: list[LedgerEntry]) -> dict[str, InvoiceState]:
    """Each invoice's state from the family's invoices and ledger (oldest first)."""
    return allocate([(i.number, i.total_cents, i.credit_note is not None) for i in invoices],
                    entries, treasury={i.number for i in invoices if i.collection == TITRES})


@dataclass(frozen=True)
class MonthInvoice:
    """An invoice of a billed month, with its state and its family's name."""
    invoice: Invoice
    state: InvoiceState
    family_name: str


class BillingService:
    """Everything money: computed in integer cents, written once, never edited."""

    def __init__(self, commune: CommuneService, accounts: AccountRepository,
                 billing: BillingRepository, is_invoiced: Callable[[str], bool],
                 check_not_debited: Callable[[Invoice], None] | None = None,
                 files: FileStore | None = None) -> None:
        self._commune = commune
        self._accounts = accounts
        self._billing = billing
        # Where each invoice's PDF is kept once rendered (None: rendered at each download).
        self._files = files
        # Whether a month is billed is the invoice run's to say (services/invoicing.py).
        self._is_invoiced = is_invoiced
        # Whether an invoice's direct debit went to the bank (services/debits.py).
        self._check_not_debited = check_not_debited

    # -- tariffs -------------------------------------------------------------------------
    def tariffs(self) -> list[dict[str, Any]]:
        """Every tariff, by service and date of effect."""
        return self._billing.tariffs()

    def initialize_tariffs(self, tariffs: list[dict[str, Any]]) -> bool:
        """Store first tariffs unless some exist (set-up and demo); returns whether it did."""
        if self._billing.tariffs():
            return False
        for data in tariffs:
            tariff = parse_tariff(data)
            self._billing.put_tariff(tariff.service, tariff.effective_from, tariff_to_dict(tariff))
        return True

    def add_tariff(self, data: dict[str, Any], now: datetime) -> dict[str, Any]:
        """A new price from a date; a month already invoiced cannot be re-priced.

        A date in a past month is accepted while that month and the following ones are not
        invoiced yet: a use with no tariff is then fixed before the month is confirmed.
        """
        tariff = parse_tariff(data)
        settings = self._commune.get()
        if settings.service(tariff.service) is None:
            raise ValidationError("Prestation inconnue.", field="tariff.service")
        first_open = now.astimezone(PARIS).date().replace(day=1)
        if tariff.effective_from < first_open:
            if first_open - tariff.effective_from > TARIFF_BACKDATING:
                raise ValidationError("Un tarif ne peut prendre effet plus d'un an en arrière.",
                                      field="tariff.effective_from")
            month = tariff.effective_from.replace(day=1)
            while month < first_open:
                key = month.strftime("%Y-%m")
                if self._is_invoiced(key):
                    raise ValidationError(
                        f"{month_label(key).capitalize()} est déjà facturé : un tarif ne peut "
                        "prendre effet qu'après le dernier mois facturé.",
                        field="tariff.effective_from")
                month = (month + timedelta(days=32)).replace(day=1)
        stored = tariff_to_dict(tariff)
        self._billing.put_tariff(tariff.service, tariff.effective_from, stored)
        return stored

    # -- reading -------------------------------------------------------------------------
    def statement(self, number: str, limit: Any, today: date) -> dict[str, Any]:
        """The family's account, newest first, with the running balance on every line."""
        if limit in (None, ""):
            count = None
        else:
            try:
                count = int(limit)
            except (TypeError, ValueError):
                raise ValidationError("« limit » doit être un nombre.", field="limit") from None
            if not 1 <= count <= 1000:
                raise ValidationError("« limit » doit être compris entre 1 et 1000.", field="limit")
        return statement(self._billing.ledger(number), count, today)

    def account(self, number: str) -> tuple[list[Invoice], list[LedgerEntry],
                                             dict[str, InvoiceState]]:
        """The family's invoices, ledger and each invoice's state (two queries)."""
        invoices = self._billing.invoices_of(number)
        entries = self._billing.ledger(number)
        return invoices, entries, states_of(invoices, entries)

    def invoices(self, number: str) -> list[tuple[Invoice, InvoiceState]]:
        """The family's invoices with their state, newest first."""
        invoices, _, states = self.account(number)
        return [(i, states[i.number]) for i in reversed(invoices)]

    def invoice_state(self, number: str, invoice_number: str) -> tuple[Invoice, InvoiceState]:
        """One invoice of the family with what it received and what remains (the state of
        an invoice depends on the whole account: two queries), or NotFound."""
        invoices, _, states = self.account(number)
        invoice = next((i for i in invoices if i.number == invoice_number), None)
        if invoice is None:
            raise NotFound()
        return invoice, states[invoice.number]

    def invoice_of(self, number: str, invoice_number: str) -> Invoice:
        """One invoice of the family, or NotFound (also when it is another family's)."""
        invoice = self._billing.invoice(number, invoice_number) if invoice_number else None
        if invoice is None:
            raise NotFound()
        return invoice

    def invoice_pdf(self, family: Family, invoice_number: str,
                    settings: CommuneSettings | None = None,
                    debit: Debit | None = None) -> bytes:
        """The invoice as a PDF; paid by ``debit`` (announced or sent), it says when.

        Rendered once and kept in the files bucket: the key carries a digest of what the
        document says (a credit note, a debit, a payment dated before the issue change
        it, and make a new one), so a download reads the stored bytes instead of drawing
        the PDF again (187 ms of handler time measured), and an issued invoice keeps the
        layout it was issued with.
        """
        document = self._invoice_document(family, invoice_number, settings, debit)
        if self._files is None:
            return _render(document)
        key = pdf_key(document)
        try:
            return self._files.get(key)
        except NotFound:
            data = _render(document)
            self._files.put(key, data, "application/pdf")
            return data

    def _invoice_document(self, family: Family, invoice_number: str,
                          settings: CommuneSettings | None, debit: Debit | None) -> Any:
        from chalicelib.documents.invoice_pdf import InvoiceDocument, PdfLine
        invoice = self.invoice_of(family.number, invoice_number)
        settings = settings or self._commune.get()
        balance = statement(self._billing.ledger(family.number), None, invoice.issued_on)["balance_cents"]
        lines = tuple(PdfLine(line["child_name"], line["label"], int(line["quantity"]),
                              int(line["unit_price_cents"]), int(line["amount_cents"]))
                      for line in invoice.lines)
        # The mode it was issued in, not today's: a commune switching mode later does not
        # change how a past invoice reads.
        titres = invoice.collection == TITRES
        return InvoiceDocument(
            commune_name=settings.name, commune_address="",
            family_number=family.number, family_name=family.name,
            family_address=family.address, number=invoice.number, month=invoice.month,
            issued_on=invoice.issued_on, lines=lines, total_cents=invoice.total_cents,
            balance_cents=balance,
            payment_help=debit_help(debit) if debit is not None and debit.pending
            else TITRES_PAYMENT_HELP if titres else (
                "Payez en ligne par carte bancaire avec PayFip depuis la page "
                "« Mes factures » du portail, ou à la mairie par chèque à l'ordre "
                "du Trésor public, en espèces ou en CESU."),
            cancelled_by=invoice.credit_note,
            title=DOCUMENT_TITLE if titres else "Facture",
            payment_note=titres_payment_note(invoice.number, family.number) if titres
            else None)

    def month_invoices(self, month: str, state: str | None = None) -> list[MonthInvoice]:
        """Every invoice of a billed month with its family's name and its state; ``state``
        ``unpaid`` keeps those with something left to pay."""
        month_bounds(month)
        if state not in (None, "", "unpaid"):
            raise ValidationError("Filtre inconnu (unpaid).", field="state")
        invoices = self._billing.invoices_of_month(month)
        families = self._accounts.get_families([i.family for i in invoices])
        rows = []
        for number in sorted({i.family for i in invoices}):
            _, _, states = self.account(number)
            for invoice in (i for i in invoices if i.family == number):
                current = states.get(invoice.number)
                if current is None:
                    continue  # the index shows it before the family's table: next time
                if state == "unpaid" and current.remaining_cents <= 0:
                    continue
                family = families.get(number)
                rows.append(MonthInvoice(invoice, current, family.name if family else ""))
        rows.sort(key=lambda r: r.invoice.number)
        return rows

    # -- staff writes --------------------------------------------------------------------
    def _earliest_payment_day(self, today: date) -> date:
        year = self._billing.first_invoice_year(today.year)
        return date(year if year is not None else today.year, 1, 1)

    def record_payment(self, number: str, data: dict[str, Any], key: Any, now: datetime,
                       who: str) -> tuple[dict[str, Any], bool]:
        """A payment received at the town hall becomes a credit line, once per key.

        Returns (the payment, whether this request recorded it): a repeat of the same
        submission — a double click, a retry, a parallel duplicate — gets the first answer.
        """
        if not isinstance(key, str) or not _IDEMPOTENCY_KEY.fullmatch(key):
            raise ValidationError("Clé d'envoi manquante ou invalide (en-tête "
                                  "Idempotency-Key : 8 à 80 lettres, chiffres, - ou _).",
                                  field="idempotency_key", code="idempotency_key_required")
        if not number.isdigit() or self._accounts.get_family(number) is None:
            raise NotFound()
        mark = f"payment#{number}#{key}"
        fields = {k: data.get(k) for k in ("amount_cents", "method", "reference", "date",
                                           "invoice")}
        fingerprint = hashlib.sha256(json.dumps(fields, sort_keys=True, default=str)
                                     .encode()).hexdigest()
        answered = self._answered(mark, fingerprint)
        if answered is not None:
            return answered, False
        today = now.astimezone(PARIS).date()
        amount, method, reference, day = parse_payment(data, today,
                                                       self._earliest_payment_day(today))
        target = data.get("invoice")
        if target not in (None, ""):
            invoice = self._billing.invoice(number, target) if isinstance(target, str) else None
            if invoice is None or invoice.credit_note is not None:
                raise ValidationError("Facture inconnue ou annulée.", field="invoice")
            if invoice.collection == TITRES:
                raise TitreNotPaidHere()
            if self._check_not_debited is not None:
                self._check_not_debited(invoice)  # it would be collected twice
        else:
            target = None
            if self._commune.get().collection.mode == TITRES:
                raise RegieInvoiceRequired()
        label = METHOD_LABELS[method] + (f" {reference}" if reference else "")
        entry = LedgerEntry(number, day, "payment", label, target, 0, amount, method)
        payment = {"date": day.isoformat(), "type": "payment", "reference": label,
                   "credit_cents": amount, "method": method, "invoice": target}
        try:
            self._billing.append(entry, now, who, mark=mark,
                                 data={"fingerprint": fingerprint, "answer": payment})
        except AlreadyDone:
            answered = self._answered(mark, fingerprint)
            if answered is None:
                raise
            return answered, False
        return payment, True

    def _answered(self, mark: str, fingerprint: str) -> dict[str, Any] | None:
        held = self._billing.mark(mark)
        if held is None:
            return None
        data = held.data or {}
        if data.get("fingerprint") != fingerprint:
            raise KeyReused()
        return data.get("answer")

    def credit_note(self, number: str, invoice_number: str, data: dict[str, Any],
                    now: datetime, who: str) -> dict[str, Any]:
        """Cancel an invoice by a credit note of the same amount (never an edit)."""
        invoice = self.invoice_of(number, invoice_number)
        if invoice.credit_note:
            raise Conflict("Cette facture est déjà annulée.", code="already_cancelled")
        reason = data.get("reason") or ""
        if not isinstance(reason, str) or len(reason) > 200:
            raise ValidationError("Motif trop long (200 caractères).", field="reason")
        day = now.astimezone(PARIS).date()
        sequence = f"credit-{day.year}"
        current = self._billing.sequence_value(sequence)
        for attempt in retry.numbering_attempts():
            credit_number = f"A{day.year}-{current + 1:06d}"
            entry = LedgerEntry(number, day, "credit_note",
                                f"Avoir {credit_number}" + (f" – {reason.strip()}" if reason.strip() else ""),
                                invoice.number, 0, invoice.total_cents)
            try:
                self._billing.cancel_invoice(invoice, credit_number, sequence, current, entry,
                                             now, who)
            except SequenceMoved:
                retry.pause(attempt)
                current = self._billing.sequence_value(sequence)
                continue
            return {"number": credit_number, "invoice": invoice.number,
                    "credit_cents": invoice.total_cents}
        raise retry.NumberingBusy()

    # -- overpayments --------------------------------------------------------------------
    def overpayments(self) -> list[tuple[Overpayment, str]]:
        """Money received beyond what its invoice owed, still to refund or keep, each with
        its family's name."""
        items = self._billing.overpayments("open")
        families = self._accounts.get_families([o.family for o in items])
        return [(o, families[o.family].name if o.family in families else "") for o in items]

    def settle_overpayment(self, overpayment_id: str, data: dict[str, Any], now: datetime,
                           who: str) -> Overpayment:
        """Refund an overpayment (a "Remboursement" line) or keep it on the account; the
        overpayment as it now stands."""
        overpayment = self._billing.overpayment(overpayment_id) if overpayment_id else None
        if overpayment is None:
            raise NotFound()
        action = data.get("action")
        if action not in ("refund", "keep"):
            raise ValidationError("Action inconnue (refund ou keep).", field="action")
        refund = None
        if action == "refund":
            method = data.get("method", "virement")
            if method not in ("virement", "cheque", "especes"):
                raise ValidationError("Mode de remboursement invalide (virement, cheque, "
                                      "especes).", field="method")
            refund = LedgerEntry(overpayment.family, now.astimezone(PARIS).date(), "refund",
                                 f"Remboursement trop-perçu ({METHOD_LABELS[method]}) – "
                                 f"{overpayment.reference}"[:120],
                                 overpayment.invoice, overpayment.amount_cents, 0, method)
        self._billing.settle_overpayment(overpayment, "refunded" if refund else "kept", refund,
                                         now, who)
        return replace(overpayment, status="refunded" if refund else "kept")

    # -- exports -------------------------------------------------------------------------
    def export(self, name: str, query: dict[str, str], now: datetime) -> tuple[str, str]:
        """CSV of a month's invoices, or of the ledger lines of a month."""
        from chalicelib.domain import csv_export
        from chalicelib.domain.csv_export import Cents
        month = query.get("month") or (now.astimezone(PARIS).date().replace(day=1)
                                       - timedelta(days=1)).strftime("%Y-%m")
        month_bounds(month)
        if name == "invoices":
            rows_data = self.month_invoices(month)
            header = ["N° facture", "Date", "Période", "N° famille", "Famille", "Montant",
                      "Payé", "Reste à payer", "État", "Avoir"]
            rows = ([r.invoice.number, r.invoice.issued_on, month_label(r.invoice.month),
                     r.invoice.family, r.family_name, Cents(r.invoice.total_cents),
                     Cents(r.state.paid_cents), Cents(r.state.remaining_cents),
                     STATE_LABELS[r.state.status], r.invoice.credit_note or ""]
                    for r in rows_data)
            return f"factures_{month}.csv", csv_export.render(header, rows)
        header = ["Date", "N° famille", "Type", "Référence", "Facture", "Débit", "Crédit"]
        rows = ([e.day, e.family, TYPE_LABELS.get(e.type, e.type), e.reference, e.invoice or "",
                 Cents(e.debit_cents), Cents(e.credit_cents)]
                for e in sorted(self._billing.ledger_of_month(month),
                                key=lambda e: (e.day, e.family)))
        return f"grand-livre_{month}.csv", csv_export.render(header, rows)

