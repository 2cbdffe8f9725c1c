"""Billing: tariffs, the monthly invoice run, the ledger, payments, credit notes, PDFs."""
from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import asdict
from datetime import date, datetime, timedelta
from typing import Any, Callable

from chalicelib.documents.invoice_pdf import month_label as month_name
from chalicelib.domain.accounts import Family
from chalicelib.domain.bookings import month_bounds
from chalicelib.domain.errors import Conflict, NotFound, ValidationError
from chalicelib.domain.ledger import (METHOD_LABELS, TYPE_LABELS, Movement, invoice_statuses,
                                      parse_payment, statement)
from chalicelib.domain.pricing import (ChildRef, Use, parse_tariff, price_uses, tariff_to_dict,
                                       total)
from chalicelib.mail import templates
from chalicelib.mail.sender import Mailer
from chalicelib.services.bookings import CommuneService
from chalicelib.settings import PARIS
from chalicelib.storage.accounts import AccountRepository
from chalicelib.storage.attendance import AttendanceRepository
from chalicelib.storage.billing import (AlreadyDone, BillingRepository, LedgerEntry,
                                        SequenceMoved, StoredInvoice)
from chalicelib.storage.bookings import BookingRepository
from chalicelib.storage.jobs import JobRunRepository

LOG = logging.getLogger("cantine.billing")
JOB = "invoice"
class MonthNotOver(Conflict):
    code = "month_not_over"
    message = "Ce mois n'est pas terminé : il ne peut pas encore être facturé."


def _movement(entry: LedgerEntry) -> Movement:
    return Movement(entry.day, entry.type, entry.reference, entry.invoice, entry.debit_cents,
                    entry.credit_cents)


class BillingService:
    """Everything money: computed in integer cents, written once, never edited."""

    def __init__(self, commune: CommuneService, accounts: AccountRepository,
                 bookings: BookingRepository, attendance: AttendanceRepository,
                 billing: BillingRepository, runs: JobRunRepository, mailer: Mailer,
                 site_url: str) -> None:
        self._commune = commune
        self._accounts = accounts
        self._bookings = bookings
        self._attendance = attendance
        self._billing = billing
        self._runs = runs
        self._mailer = mailer
        self._site_url = site_url

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
        """A new price from a date; a date already billed cannot be re-priced."""
        tariff = parse_tariff(data)
        settings = self._commune.get()
        if settings.service(tariff.service) is None:
            raise ValidationError("Prestation inconnue.", field="tariff.service")
        first_open = now.date().replace(day=1)
        if tariff.effective_from < first_open:
            # Never backwards: months already over may already be invoiced.
            raise ValidationError("Un tarif ne peut prendre effet que dans le mois en cours "
                                  "ou après.", field="tariff.effective_from")
        stored = tariff_to_dict(tariff)
        self._billing.put_tariff(tariff.service, tariff.effective_from, stored)
        return stored

    # -- the monthly run -----------------------------------------------------------------
    def check_month(self, month: Any, now: datetime) -> tuple[date, date]:
        """A month that can be invoiced now (over), or ValidationError / MonthNotOver."""
        first, last = month_bounds(month)
        if now.astimezone(PARIS).date() <= last:
            raise MonthNotOver()
        return first, last

    def run_month(self, month: str, trigger: str, clock: Callable[[], datetime]) -> dict[str, Any]:
        """Invoice every family with something to bill; reruns never bill twice."""
        started = clock()
        first, last = self.check_month(month, started)
        record = self._runs.start(JOB, trigger, started)
        try:
            result = self._invoice_month(month, first, last, started)
        except Exception as exc:
            LOG.exception("invoice run %s failed", record.id)
            self._runs.finish(record, "failure", f"Échec de la facturation de {month_name(month)}",
                              {"month": month}, f"{type(exc).__name__}: {exc}"[:500], clock())
            raise
        summary = (f"{month_name(month)} : {result['invoiced']} facture(s), "
                   f"{result['skipped']} déjà facturée(s)")
        run = self._runs.finish(record, "success", summary, {"month": month, **result}, None,
                                clock())
        from chalicelib.services.lock import run_json
        return {"run": run_json(run), **result}

    def _uses(self, first: date, last: date) -> dict[str, list[Use]]:
        """Every booked or recorded (child, day, service) of the month, by family.

        Read day by day through the indexes: the cost grows with the days, not the families.
        """
        settings = self._commune.get()
        services = [s.code for s in settings.active_services()]
        by_family: dict[str, list[Use]] = defaultdict(list)
        day = first
        while day <= last:
            booked = {}
            for child_id, family, codes in self._bookings.on_day(day):
                for code in codes:
                    booked[(child_id, code)] = family
            recorded = {}
            for code in services:
                for child_id, record in self._attendance.for_slot(day, code).items():
                    recorded[(child_id, code)] = record
            for key in set(booked) | set(recorded):
                child_id, code = key
                record = recorded.get(key)
                family = booked.get(key) or record.family
                by_family[family].append(Use(
                    child_id=child_id, day=day, service=code, booked=key in booked,
                    status=record.status if record else None,
                    justified=record.justified if record else False,
                    arrival=record.arrival if record else None,
                    departure=record.departure if record else None,
                    late_minutes=record.late_minutes if record else 0))
            day += timedelta(days=1)
        return by_family

    def _invoice_month(self, month: str, first: date, last: date,
                       now: datetime) -> dict[str, Any]:
        settings = self._commune.get()
        labels = {s.code: s.label for s in settings.services}
        modes = {s.code: s.mode for s in settings.services}
        tariffs = [parse_tariff(t) for t in self._billing.tariffs()]
        uses = self._uses(first, last)
        already = {i.family for i in self._billing.invoices_of_month(month)}
        families = self._accounts.get_families([f for f in uses if f not in already])
        issue_day = now.astimezone(PARIS).date()
        sequence = f"invoice-{issue_day.year}"
        current = self._billing.sequence_value(sequence)
        invoiced, skipped, amount = 0, len(already & set(uses)), 0
        for number in sorted(families):
            family = families[number]
            children = [ChildRef(c.id, f"{c.first_name} {c.last_name}", rank)
                        for rank, c in enumerate(family.children, start=1)]
            lines = price_uses(uses[number], children, tariffs, labels, modes,
                               family.income.qf, family.income.effective_from)
            invoice_total = total(lines)
            if invoice_total <= 0:
                continue
            for _attempt in range(5):
                invoice_number = f"{issue_day.year}-{current + 1:06d}"
                invoice = StoredInvoice(number, invoice_number, month, issue_day,
                                        [asdict(line) for line in lines], invoice_total, None)
                ledger = LedgerEntry(number, issue_day, "invoice",
                                     f"Facture {month_name(month)}", invoice_number,
                                     invoice_total, 0)
                try:
                    self._billing.issue_invoice(invoice, sequence, current,
                                                f"invoice#{number}#{month}", ledger, now)
                except AlreadyDone:
                    skipped += 1
                    break
                except SequenceMoved:
                    current = self._billing.sequence_value(sequence)
                    continue
                current += 1
                invoiced += 1
                amount += invoice_total
                self._tell_family(family, invoice)
                break
            else:
                raise Conflict("La numérotation des factures est occupée, réessayez.")
        return {"month": month, "invoiced": invoiced, "skipped": skipped, "total_cents": amount}

    def _tell_family(self, family: Family, invoice: StoredInvoice) -> None:
        try:
            self._mailer.send(templates.invoice_ready(
                family.emails, family.name, invoice.number, month_name(invoice.month),
                invoice.total_cents, self._site_url))
        except Exception:  # noqa: BLE001 - the invoice stands; the family still sees it
            LOG.exception("invoice e-mail not sent for %s", invoice.number)

    def runs(self) -> list[dict[str, Any]]:
        """The latest invoice runs."""
        from chalicelib.services.lock import run_json
        return [run_json(r) for r in self._runs.recent(JOB)]

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
        movements = [_movement(e) for e in self._billing.ledger(number)]
        return statement(movements, count, today)

    def invoices(self, number: str) -> list[dict[str, Any]]:
        """The family's invoices with their status, newest first."""
        invoices = self._billing.invoices_of(number)
        statuses = invoice_statuses(
            [(i.number, i.total_cents, i.credit_note is not None) for i in invoices],
            [_movement(e) for e in self._billing.ledger(number)])
        return [{"id": i.number, "number": i.number, "month": i.month,
                 "issued_on": i.issued_on.isoformat(), "total_cents": i.total_cents,
                 "status": statuses[i.number], "credit_note": i.credit_note}
                for i in reversed(invoices)]

    def invoice_of(self, number: str, invoice_number: str) -> StoredInvoice:
        """One invoice of the family, or NotFound (also when it is another family's)."""
        invoice = self._billing.invoice(number, invoice_number) if invoice_number else None
        if invoice is None:
            raise NotFound()
        return invoice

    def invoice_pdf(self, family: Family, invoice_number: str) -> bytes:
        """The invoice as a PDF."""
        from chalicelib.documents.invoice_pdf import InvoiceDocument, PdfLine, render_invoice
        invoice = self.invoice_of(family.number, invoice_number)
        settings = self._commune.get()
        balance = statement([_movement(e) for e in self._billing.ledger(family.number)],
                            None, invoice.issued_on)["balance_cents"]
        lines = tuple(PdfLine(l["child_name"], l["label"], int(l["quantity"]),
                              int(l["unit_price_cents"]), int(l["amount_cents"]))
                      for l in invoice.lines)
        return render_invoice(InvoiceDocument(
            commune_name=settings.name, commune_address="",
            family_number=family.number, family_name=family.name,
            family_address=family.address, number=invoice.number, month=invoice.month,
            issued_on=invoice.issued_on, lines=lines, total_cents=invoice.total_cents,
            balance_cents=balance,
            payment_help=("Payez en ligne par carte bancaire avec PayFip depuis la page "
                          "« Mes factures » du portail, ou à la mairie par chèque à l'ordre "
                          "du Trésor public, en espèces ou en CESU."),
            cancelled_by=invoice.credit_note))

    def month_invoices(self, month: str) -> list[dict[str, Any]]:
        """Every invoice of a billed month, for the console and the exports."""
        month_bounds(month)
        return [{"family": i.family, "number": i.number, "month": i.month,
                 "issued_on": i.issued_on.isoformat(), "total_cents": i.total_cents,
                 "credit_note": i.credit_note}
                for i in self._billing.invoices_of_month(month)]

    # -- staff writes --------------------------------------------------------------------
    def record_payment(self, number: str, data: dict[str, Any], now: datetime,
                       who: str) -> dict[str, Any]:
        """A payment received at the town hall becomes a credit line."""
        if not number.isdigit() or self._accounts.get_family(number) is None:
            raise NotFound()
        amount, method, reference, day = parse_payment(data, now.astimezone(PARIS).date())
        label = METHOD_LABELS[method] + (f" {reference}" if reference else "")
        entry = LedgerEntry(number, day, "payment", label, None, 0, amount, method)
        self._billing.append(entry, now, who)
        return {"date": day.isoformat(), "type": "payment", "reference": label,
                "credit_cents": amount, "method": method}

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
        for _attempt in range(5):
            current = self._billing.sequence_value(sequence)
            credit_number = f"A{day.year}-{current + 1:06d}"
            entry = LedgerEntry(number, day, "credit_note",
                                f"Avoir {credit_number}" + (f" – {reason.strip()}" if reason.strip() else ""),
                                invoice.number, 0, invoice.total_cents)
            try:
                self._billing.cancel_invoice(invoice, credit_number, sequence, current, entry,
                                             now, who)
            except SequenceMoved:
                continue
            return {"number": credit_number, "invoice": invoice.number,
                    "credit_cents": invoice.total_cents}
        raise Conflict("La numérotation des avoirs est occupée, réessayez.")

    # -- exports -------------------------------------------------------------------------
    def export(self, name: str, query: dict[str, str], now: datetime) -> tuple[str, str]:
        """CSV of a month's invoices, or of the ledger lines of a month."""
        from chalicelib.domain import csv_export
        from chalicelib.domain.csv_export import Cents
        month = query.get("month") or (now.astimezone(PARIS).date().replace(day=1)
                                       - timedelta(days=1)).strftime("%Y-%m")
        month_bounds(month)
        if name == "invoices":
            invoices = self._billing.invoices_of_month(month)
            families = self._accounts.get_families([i.family for i in invoices])
            header = ["N° facture", "Date", "Période", "N° famille", "Famille", "Montant",
                      "Avoir"]
            rows = ([i.number, i.issued_on, month_name(i.month), i.family,
                     families[i.family].name if i.family in families else "",
                     Cents(i.total_cents), i.credit_note or ""]
                    for i in sorted(invoices, key=lambda i: i.number))
            return f"factures_{month}.csv", csv_export.render(header, rows)
        header = ["Date", "N° famille", "Type", "Référence", "Facture", "Débit", "Crédit"]
        rows = ([e.day, e.family, TYPE_LABELS.get(e.type, e.type), e.reference, e.invoice or "",
                 Cents(e.debit_cents), Cents(e.credit_cents)]
                for e in sorted(self._billing.ledger_of_month(month),
                                key=lambda e: (e.day, e.family)))
        return f"grand-livre_{month}.csv", csv_export.render(header, rows)
