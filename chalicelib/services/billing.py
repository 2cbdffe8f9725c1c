"""Billing: tariffs, the month's draft and its confirmation, the ledger, payments,
credit notes, overpayments, PDFs.

A month is billed in two steps. The draft ("pré-facturation") prices every family's uses
and lists what deserves a look; it writes no money and can be rebuilt at will. Only the
confirmation draws invoice numbers, writes the ledger and sends the e-mails, one family
at a time, each in one transaction with its once-only marker: a confirmation cut short
is finished by the next one, and confirming twice issues nothing more.
"""
from __future__ import annotations

import hashlib
import json
import logging
import random
import re
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Callable, Iterator

from chalicelib.domain.accounts import Family
from chalicelib.domain.bookings import month_bounds
from chalicelib.domain.errors import Conflict, NotFound, ValidationError
from chalicelib.domain.invoicing import (BLOCKING, DraftRow, IssuedInvoice, draft_row,
                                         usual_total)
from chalicelib.domain.ledger import (METHOD_LABELS, STATE_LABELS, TYPE_LABELS, InvoiceState,
                                      Movement, allocate, parse_payment, statement)
from chalicelib.domain.money import month_label as month_name
from chalicelib.domain.pricing import Use, parse_tariff, tariff_to_dict
from chalicelib.mail import templates
from chalicelib.mail.sender import Mailer
from chalicelib.domain.commune import CommuneSettings
from chalicelib.services.commune import CommuneService
from chalicelib.settings import PARIS
from chalicelib.storage.accounts import AccountRepository
from chalicelib.storage.attendance import AttendanceRepository
from chalicelib.storage.billing import (AlreadyDone, BillingRepository, DraftChanged,
                                        LedgerEntry, NumberTaken, Overpayment, SequenceMoved,
                                        StoredInvoice)
from chalicelib.storage.bookings import BookingRepository
from chalicelib.storage.drafts import (BUILDING, CONFIRMED, DRAFT, FAILED, BuildInProgress,
                                       DraftRepository, StoredRow)
from chalicelib.storage.jobs import JobRunRepository

LOG = logging.getLogger("cantine.billing")
JOB = "invoice"
# Beyond the invoice function's Lambda timeout (15 min, .chalice/config.json), a run still
# "running" died with its process.
TIME_LIMIT = timedelta(minutes=20)
# A numbering conflict (another credit note, run or payment took the number) is retried
# after a short random wait; this many tries end every realistic race.
NUMBERING_ATTEMPTS = 12
# A writer that keeps meeting others keeps trying this long at least, whatever its tries:
# a slow neighbour (a busy machine, a cold container) must not turn a race into a refusal.
NUMBERING_PATIENCE_S = 5.0
NUMBERING_MAX_ATTEMPTS = 200
USUAL_MONTHS = 3            # the family's usual total: the mean of its last 3 invoices
TARIFF_BACKDATING = timedelta(days=366)
_IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9_\-]{8,80}")


class MonthNotOver(Conflict):
    code = "month_not_over"
    message = "Ce mois n'est pas terminé : il ne peut pas encore être facturé."


class DraftMissing(Conflict):
    code = "no_draft"
    message = "Aucune pré-facturation pour ce mois : calculez-la d'abord."


class DraftIncomplete(Conflict):
    code = "draft_incomplete"
    message = ("Le calcul de la pré-facturation ne s'est pas terminé : recalculez-la avant "
               "de la valider.")


class DraftBlocked(Conflict):
    code = "draft_blocked"
    message = ("La pré-facturation signale des points bloquants : corrigez-les, recalculez, "
               "puis validez.")


class DraftOutdated(Conflict):
    code = "draft_outdated"
    message = ("Des jours facturés par la pré-facturation ne sont plus des jours de service "
               "(fermeture ajoutée depuis) : recalculez-la avant de la valider.")


class NumberingBusy(Conflict):
    code = "numbering_busy"
    message = "La numérotation est très sollicitée en ce moment : réessayez dans un instant."


class KeyReused(Conflict):
    code = "idempotency_key_reused"
    message = ("Cette clé d'envoi a déjà servi pour un autre paiement : rechargez la page "
               "avant d'en saisir un nouveau.")


def _movement(entry: LedgerEntry) -> Movement:
    return Movement(entry.day, entry.type, entry.reference, entry.invoice, entry.debit_cents,
                    entry.credit_cents)


def states_of(invoices: list[StoredInvoice], entries: list[LedgerEntry]) -> dict[str, InvoiceState]:
    """Each invoice's state from the family's invoices and ledger (oldest first)."""
    return allocate([(i.number, i.total_cents, i.credit_note is not None) for i in invoices],
                    [_movement(e) for e in entries])


def invoice_json(invoice: StoredInvoice, state: InvoiceState) -> dict[str, Any]:
    """An invoice as the API shows it, with what it received and what remains."""
    return {"id": invoice.number, "number": invoice.number, "month": invoice.month,
            "issued_on": invoice.issued_on.isoformat(), "total_cents": invoice.total_cents,
            "status": state.status, "status_label": STATE_LABELS[state.status],
            "paid_cents": state.paid_cents, "remaining_cents": state.remaining_cents,
            "credit_note": invoice.credit_note}


def _pause(attempt: int) -> None:
    # Two writers that met will not meet again at once: spread their next tries.
    time.sleep(random.uniform(0.005, 0.02) * min(attempt + 1, NUMBERING_ATTEMPTS))


def _numbering_attempts() -> Iterator[int]:
    """Tries at taking a number: NUMBERING_ATTEMPTS, and more while NUMBERING_PATIENCE_S
    has not passed since the first (wall time: this is about waiting, not the calendar)."""
    started = time.monotonic()
    for attempt in range(NUMBERING_MAX_ATTEMPTS):
        if attempt >= NUMBERING_ATTEMPTS and time.monotonic() - started > NUMBERING_PATIENCE_S:
            return
        yield attempt


@dataclass
class _Numbering:
    """The state of a confirmation's walk along the yearly sequence."""
    sequence: str
    year: int
    current: int
    repaired: list[dict[str, Any]] = field(default_factory=list)


class BillingService:
    """Everything money: computed in integer cents, written once, never edited."""

    def __init__(self, commune: CommuneService, accounts: AccountRepository,
                 bookings: BookingRepository, attendance: AttendanceRepository,
                 billing: BillingRepository, drafts: DraftRepository, runs: JobRunRepository,
                 mailer: Mailer, site_url: str) -> None:
        self._commune = commune
        self._accounts = accounts
        self._bookings = bookings
        self._attendance = attendance
        self._billing = billing
        self._drafts = drafts
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
                if self.is_invoiced(key):
                    raise ValidationError(
                        f"{month_name(key).capitalize()} est déjà facturé : un tarif ne peut "
                        "prendre effet qu'après le dernier mois facturé.",
                        field="tariff.effective_from")
                month = (month + timedelta(days=32)).replace(day=1)
        stored = tariff_to_dict(tariff)
        self._billing.put_tariff(tariff.service, tariff.effective_from, stored)
        return stored

    def is_invoiced(self, month: str) -> bool:
        """Whether a month has invoices standing or a confirmed draft."""
        header = self._drafts.header(month)
        if header is not None and header.status == CONFIRMED:
            return True
        return bool(self._billing.invoices_of_month(month))

    # -- the month: draft, then confirmation ---------------------------------------------
    def check_month(self, month: Any, now: datetime) -> tuple[date, date]:
        """A month that can be invoiced now (over), or ValidationError / MonthNotOver."""
        first, last = month_bounds(month)
        if now.astimezone(PARIS).date() <= last:
            raise MonthNotOver()
        return first, last

    def build_draft(self, month: str, trigger: str, who: str,
                    clock: Callable[[], datetime]) -> dict[str, Any]:
        """(Re)compute the month's draft; writes no money."""
        first, last = self.check_month(month, clock())
        return self._recorded("draft", trigger, month, clock,
                              lambda now: self._build(month, first, last, now, who))

    def confirm_month(self, month: str, trigger: str, who: str,
                      clock: Callable[[], datetime]) -> dict[str, Any]:
        """Issue the draft's invoices: numbers, ledger lines, e-mails; once per family."""
        self.check_month(month, clock())
        checked = None
        if trigger != "schedule":
            # Staff read the refusal on their screen: a refused confirmation is not a run.
            # The schedule's refusals are recorded, since nobody is there to read them.
            checked = self._checked_draft(month)
        return self._recorded("confirm", trigger, month, clock,
                              lambda now: self._confirm(month, now, who, checked))

    def scheduled_run(self, month: str, clock: Callable[[], datetime]) -> dict[str, Any]:
        """What the monthly schedule does: draft the month once; confirm it too when the
        commune chose automatic confirmation. A month staff handled is left to them."""
        header = self._drafts.header(month)
        settings = self._commune.get()
        if header is None or (header.status in (BUILDING, FAILED)
                              and header.built_by == "schedule"):
            result = self.build_draft(month, "schedule", "schedule", clock)
            if not settings.auto_confirm:
                self._tell_staff_draft_ready(month, result)
                return result
            header = self._drafts.header(month)
        if settings.auto_confirm and header is not None and header.status == DRAFT \
                and header.built_by == "schedule":
            try:
                return self.confirm_month(month, "schedule", "schedule", clock)
            except DraftBlocked:
                # Recorded as a failed run; staff fix the draft and confirm it themselves.
                self._tell_staff_draft_ready(month, header.summary)
                return {"month": month, "blocked": True, "run": self.runs(clock())[0]}
        # Confirmed already, or in staff's hands: a rerun changes nothing.
        return self._recorded("schedule", "schedule", month, clock,
                              lambda now: {"month": month, "status": header.status
                                           if header else None, "nothing_to_do": True})

    def _recorded(self, step: str, trigger: str, month: str, clock: Callable[[], datetime],
                  work: Callable[[datetime], dict[str, Any]]) -> dict[str, Any]:
        """Run one step of a month's billing under a job-run record."""
        from chalicelib.services.lock import run_json
        started = clock()
        record = self._runs.start(JOB, trigger, started, TIME_LIMIT,
                                  {"month": month, "step": step})
        try:
            result = work(started)
        except Exception as exc:
            LOG.exception("invoice run %s (%s %s) failed", record.id, step, month)
            self._runs.finish(record, "failure", _failure_text(step, month),
                              {"month": month, "step": step},
                              f"{getattr(exc, 'message', None) or type(exc).__name__}"[:500],
                              clock())
            raise
        run = self._runs.finish(record, "success", _summary_text(step, month, result),
                                {"month": month, "step": step,
                                 **{k: v for k, v in result.items()
                                    if k in ("invoiced", "skipped", "total_cents", "families",
                                             "to_issue", "blocking", "repaired")}},
                                None, clock())
        return {"run": run_json(run), **result}

    def _uses(self, first: date, last: date, services: list[str]) -> dict[str, list[Use]]:
        """Every booked or recorded (child, day, service) of the month, by family.

        Read day by day through the indexes: the cost grows with the days, not the families.
        Bookings come whatever their service; attendance is read for the services shown
        (one switched off bills nothing, and its bookings are reported as such).
        """
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
            for key in sorted(set(booked) | set(recorded)):
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

    def _standing(self, month: str) -> dict[str, StoredInvoice]:
        """The month's invoices not cancelled, by family."""
        return {i.family: i for i in self._billing.invoices_of_month(month)
                if i.credit_note is None}

    def _usual(self, first: date) -> dict[str, list[int]]:
        """Each family's totals over the previous months (one query a month)."""
        totals: dict[str, list[int]] = defaultdict(list)
        month = first
        for _ in range(USUAL_MONTHS):
            month = (month - timedelta(days=1)).replace(day=1)
            for invoice in self._billing.invoices_of_month(month.strftime("%Y-%m")):
                if invoice.credit_note is None:
                    totals[invoice.family].append(invoice.total_cents)
        return totals

    def _build(self, month: str, first: date, last: date, now: datetime,
               who: str) -> dict[str, Any]:
        header, previous_rows = self._drafts.read(month)
        if header is not None and header.status == BUILDING \
                and now - (header.built_at or now) < TIME_LIMIT:
            raise BuildInProgress()
        revision = self._drafts.begin(month, header, now, who)
        try:
            return self._compute(month, first, last, revision, previous_rows)
        except Exception:
            try:
                self._drafts.abandon(month, revision)
            except Exception:  # noqa: BLE001 - then the time limit frees it
                LOG.exception("draft %s could not be marked failed", month)
            raise

    def _compute(self, month: str, first: date, last: date, revision: int,
                 previous_rows: list[StoredRow]) -> dict[str, Any]:
        settings = self._commune.get()
        tariffs = tuple(parse_tariff(t) for t in self._billing.tariffs())
        uses = self._uses(first, last, [s.code for s in settings.active_services()])
        standing = self._standing(month)
        usual = self._usual(first)
        families = self._accounts.get_families(list(set(uses) | set(standing)))
        rows: list[DraftRow] = []
        unknown = sorted(set(uses) - set(families))
        for number in sorted(families):
            issued = standing.get(number)
            row = draft_row(families[number], uses.get(number, []), settings, tariffs,
                            IssuedInvoice(issued.number, issued.total_cents) if issued else None,
                            usual_total(usual.get(number, [])))
            if row is not None:
                rows.append(row)
        stored = [StoredRow(r.family, r.name, [asdict(line) for line in r.lines],
                            r.total_cents, [a.to_dict() for a in r.anomalies], r.invoice,
                            r.ignored) for r in rows]
        kept = {r.family for r in rows}
        self._drafts.write_rows(month, stored,
                                [r.family for r in previous_rows if r.family not in kept])
        summary = {
            "families": len(rows),
            "to_issue": sum(1 for r in rows if r.to_issue),
            "total_cents": sum(r.total_cents for r in rows if r.to_issue),
            "already": sum(1 for r in rows if r.invoice),
            "blocking": sum(1 for r in rows if r.blocking),
            "warnings": sum(1 for r in rows for a in r.anomalies if a.level != BLOCKING),
            "ignored": sum(r.ignored for r in rows),
            "unknown_families": unknown,
        }
        self._drafts.finish(month, revision, summary)
        return {"month": month, "status": DRAFT, **summary}

    def _checked_draft(self, month: str) -> tuple[Any, list[StoredRow]]:
        """The month's draft, if it can be confirmed: DraftMissing, DraftIncomplete,
        DraftBlocked or DraftOutdated otherwise. A confirmed draft passes (a rerun)."""
        header, rows = self._drafts.read(month)
        if header is None:
            raise DraftMissing()
        if header.status in (BUILDING, FAILED):
            raise DraftIncomplete()
        if header.status == CONFIRMED:
            return header, rows
        blocked = [{"family": r.family, "name": r.name,
                    "anomalies": [a for a in r.anomalies if a["level"] == BLOCKING]}
                   for r in rows if any(a["level"] == BLOCKING for a in r.anomalies)]
        if blocked:
            raise DraftBlocked(details=blocked)
        # Nothing outside a service day is billed, even if the calendar changed since.
        calendar = self._commune.get().calendar()
        outdated = [{"family": r.family, "name": r.name, "dates": sorted(days)}
                    for r in rows if r.invoice is None and r.total_cents > 0
                    for days in [{d for line in r.lines for d in line.get("days", [])
                                  if not calendar.is_school_day(date.fromisoformat(d))}]
                    if days]
        if outdated:
            raise DraftOutdated(details=outdated)
        return header, rows

    def _confirm(self, month: str, now: datetime, who: str,
                 checked: tuple[Any, list[StoredRow]] | None) -> dict[str, Any]:
        header, rows = checked or self._checked_draft(month)
        if header.status == CONFIRMED:
            # Confirming a confirmed month writes nothing.
            return {"month": month, "invoiced": 0, "skipped": len(rows), "total_cents": 0,
                    "repaired": 0}
        issue_day = now.astimezone(PARIS).date()
        sequence = f"invoice-{issue_day.year}"
        numbering = _Numbering(sequence, issue_day.year, self._billing.sequence_value(sequence))
        standing = self._standing(month)
        self._repair_ledger(standing, numbering.repaired, now)
        families = self._accounts.get_families([r.family for r in rows
                                                if r.invoice is None and r.total_cents > 0])
        invoiced = skipped = amount = 0
        for row in rows:
            if row.invoice is not None or row.total_cents <= 0:
                continue
            family = families.get(row.family)
            if family is None or row.family in standing:
                skipped += 1
                continue
            invoice = self._issue(row, month, issue_day, numbering, (month, header.revision),
                                  now)
            if invoice is None:
                skipped += 1
                continue
            invoiced += 1
            amount += invoice.total_cents
            self._tell_family(family, invoice)
        summary = {"month": month, "invoiced": invoiced, "skipped": skipped,
                   "total_cents": amount, "repaired": len(numbering.repaired),
                   "repairs": numbering.repaired}
        try:
            self._drafts.confirmed(month, header.revision, now, who,
                                   {**header.summary, "invoiced": invoiced,
                                    "invoiced_cents": amount})
        except BuildInProgress:
            # Another confirmation of the same draft finished first: all is issued.
            again = self._drafts.header(month)
            if again is None or again.revision != header.revision \
                    or again.status != CONFIRMED:
                raise DraftChanged() from None
        return summary

    def _issue(self, row: StoredRow, month: str, issue_day: date, numbering: _Numbering,
               draft: tuple[str, int], now: datetime) -> StoredInvoice | None:
        """Issue one family's invoice; None when it stands already (a rerun)."""
        mark = f"invoice#{row.family}#{month}"
        replaces: str | None = None
        for attempt in _numbering_attempts():
            number = f"{numbering.year}-{numbering.current + 1:06d}"
            invoice = StoredInvoice(row.family, number, month, issue_day, row.lines,
                                    row.total_cents, None)
            ledger = LedgerEntry(row.family, issue_day, "invoice",
                                 f"Facture {month_name(month)}", number, row.total_cents, 0)
            try:
                self._billing.issue_invoice(invoice, numbering.sequence, numbering.current,
                                            mark, ledger, now, replaces=replaces, draft=draft)
            except AlreadyDone:
                held = self._billing.mark(mark)
                if held is None:
                    replaces = None
                    continue
                standing = self._billing.invoice(row.family, held.ref)
                if standing is not None and standing.credit_note is None:
                    return None  # issued before: a rerun, or another confirmation
                if standing is None:
                    # The marker outlived its invoice (tables restored to different points
                    # in time): the family was never billed. Take the marker over.
                    numbering.repaired.append({
                        "family": row.family, "kind": "mark_without_invoice",
                        "message": f"Marque de facturation sans facture ({held.ref}) pour la "
                                   f"famille {row.family} : facture émise."})
                replaces = held.ref
                continue
            except SequenceMoved:
                _pause(attempt)
                numbering.current = self._billing.sequence_value(numbering.sequence)
                continue
            except NumberTaken:
                self._catch_up(numbering)
                continue
            numbering.current += 1
            return invoice
        raise NumberingBusy()

    def _catch_up(self, numbering: _Numbering) -> None:
        """The counter gives numbers already used (restored behind the invoices): move it
        to the highest number issued this year, and say so."""
        prefix = f"{numbering.year}-"
        highest = numbering.current
        month = date(numbering.year - 1, 12, 1)
        while month.year <= numbering.year:
            for invoice in self._billing.invoices_of_month(month.strftime("%Y-%m")):
                if invoice.number.startswith(prefix):
                    highest = max(highest, int(invoice.number[len(prefix):]))
            month = (month + timedelta(days=32)).replace(day=1)
        # Read consistently: the index may not show the very last invoice yet.
        current = self._billing.sequence_value(numbering.sequence)
        if highest > current:
            self._billing.move_sequence(numbering.sequence, current, highest)
            numbering.repaired.append({
                "kind": "sequence_behind",
                "message": f"Le compteur des factures {numbering.year} était en retard "
                           f"({current}) sur les factures émises ({highest}) : rattrapé."})
        numbering.current = self._billing.sequence_value(numbering.sequence)

    def _repair_ledger(self, standing: dict[str, StoredInvoice], repaired: list[dict[str, Any]],
                       now: datetime) -> None:
        """An invoice whose debit is missing from the ledger (tables restored to different
        points in time) gets it back, once."""
        months = {i.issued_on.strftime("%Y-%m") for i in standing.values()}
        debited = {e.invoice for m in months for e in self._billing.ledger_of_month(m)
                   if e.type == "invoice"}
        for invoice in standing.values():
            if invoice.number in debited:
                continue
            # The index may lag: only the family's own ledger, read consistently, says so.
            if any(e.type == "invoice" and e.invoice == invoice.number
                   for e in self._billing.ledger(invoice.family)):
                continue
            entry = LedgerEntry(invoice.family, invoice.issued_on, "invoice",
                                f"Facture {month_name(invoice.month)}", invoice.number,
                                invoice.total_cents, 0)
            try:
                self._billing.append(entry, now, "facturation",
                                     mark=f"ledger-invoice#{invoice.number}")
            except AlreadyDone:
                continue
            repaired.append({"family": invoice.family, "kind": "invoice_without_debit",
                             "message": f"La facture {invoice.number} manquait au relevé de "
                                        f"la famille {invoice.family} : ligne rétablie."})

    def month_view(self, month: str, now: datetime) -> dict[str, Any]:
        """The month's draft as staff review it: header, then one row per family."""
        month_bounds(month)
        header, rows = self._drafts.read(month)
        status = None
        if header is not None:
            status = header.status
            if status == FAILED or (status == BUILDING and header.built_at
                                    and now - header.built_at > TIME_LIMIT):
                status = "interrupted"
        return {
            "month": month, "status": status,
            "over": now.astimezone(PARIS).date() > month_bounds(month)[1],
            "revision": header.revision if header else None,
            "built_at": header.built_at.astimezone(PARIS).isoformat()
            if header and header.built_at else None,
            "built_by": header.built_by if header else None,
            "confirmed_at": header.confirmed_at.astimezone(PARIS).isoformat()
            if header and header.confirmed_at else None,
            "summary": header.summary if header else {},
            "families": [{"number": r.family, "name": r.name, "total_cents": r.total_cents,
                          "lines": r.lines, "anomalies": r.anomalies, "invoice": r.invoice,
                          "ignored": r.ignored,
                          "blocking": any(a["level"] == BLOCKING for a in r.anomalies)}
                         for r in sorted(rows, key=lambda r: (r.name.lower(), r.family))],
        }

    def _tell_family(self, family: Family, invoice: StoredInvoice) -> None:
        if not family.emails:
            return
        try:
            self._mailer.send(templates.invoice_ready(
                family.emails, family.name, invoice.number, month_name(invoice.month),
                invoice.total_cents, self._site_url))
        except Exception:  # noqa: BLE001 - the invoice stands; the family still sees it
            LOG.exception("invoice e-mail not sent for %s", invoice.number)

    def _tell_staff_draft_ready(self, month: str, result: dict[str, Any]) -> None:
        admins = tuple(m.email for m in self._accounts.list_staff() if m.role == "admin")
        if not admins:
            return
        try:
            self._mailer.send(templates.draft_ready(
                admins, month_name(month), int(result.get("to_issue", 0)),
                int(result.get("total_cents", 0)), int(result.get("blocking", 0)),
                f"{self._site_url}/facturation.html?mois={month}"))
        except Exception:  # noqa: BLE001 - the draft stands; the console shows it
            LOG.exception("draft e-mail not sent for %s", month)

    def runs(self, now: datetime) -> list[dict[str, Any]]:
        """The latest invoice runs."""
        from chalicelib.services.lock import run_json
        return [run_json(r) for r in self._runs.recent(JOB, now, TIME_LIMIT)]

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

    def account(self, number: str) -> tuple[list[StoredInvoice], list[LedgerEntry],
                                             dict[str, InvoiceState]]:
        """The family's invoices, ledger and each invoice's state (two queries)."""
        invoices = self._billing.invoices_of(number)
        entries = self._billing.ledger(number)
        return invoices, entries, states_of(invoices, entries)

    def invoices(self, number: str) -> list[dict[str, Any]]:
        """The family's invoices with their state, newest first."""
        invoices, _, states = self.account(number)
        return [invoice_json(i, states[i.number]) for i in reversed(invoices)]

    def invoice_of(self, number: str, invoice_number: str) -> StoredInvoice:
        """One invoice of the family, or NotFound (also when it is another family's)."""
        invoice = self._billing.invoice(number, invoice_number) if invoice_number else None
        if invoice is None:
            raise NotFound()
        return invoice

    def invoice_pdf(self, family: Family, invoice_number: str,
                    settings: CommuneSettings | None = None) -> bytes:
        """The invoice as a PDF."""
        from chalicelib.documents.invoice_pdf import InvoiceDocument, PdfLine, render_invoice
        invoice = self.invoice_of(family.number, invoice_number)
        settings = settings or self._commune.get()
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

    def month_invoices(self, month: str, state: str | None = None) -> list[dict[str, Any]]:
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
                rows.append({**invoice_json(invoice, current), "family": number,
                             "family_name": family.name if family else ""})
        rows.sort(key=lambda r: r["number"])
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
        else:
            target = None
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
        for attempt in _numbering_attempts():
            credit_number = f"A{day.year}-{current + 1:06d}"
            entry = LedgerEntry(number, day, "credit_note",
                                f"Avoir {credit_number}" + (f" – {reason.strip()}" if reason.strip() else ""),
                                invoice.number, 0, invoice.total_cents)
            try:
                self._billing.cancel_invoice(invoice, credit_number, sequence, current, entry,
                                             now, who)
            except SequenceMoved:
                _pause(attempt)
                current = self._billing.sequence_value(sequence)
                continue
            return {"number": credit_number, "invoice": invoice.number,
                    "credit_cents": invoice.total_cents}
        raise NumberingBusy()

    # -- overpayments --------------------------------------------------------------------
    def overpayments(self) -> list[dict[str, Any]]:
        """Money received beyond what its invoice owed, still to refund or keep."""
        items = self._billing.overpayments("open")
        families = self._accounts.get_families([o.family for o in items])
        return [{**_overpayment_json(o),
                 "family_name": families[o.family].name if o.family in families else ""}
                for o in items]

    def settle_overpayment(self, overpayment_id: str, data: dict[str, Any], now: datetime,
                           who: str) -> dict[str, Any]:
        """Refund an overpayment (a "Remboursement" line) or keep it on the account."""
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
        return {**_overpayment_json(overpayment),
                "status": "refunded" if refund else "kept"}

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
            rows = ([r["number"], date.fromisoformat(r["issued_on"]), month_name(r["month"]),
                     r["family"], r["family_name"], Cents(r["total_cents"]),
                     Cents(r["paid_cents"]), Cents(r["remaining_cents"]),
                     r["status_label"], r["credit_note"] or ""]
                    for r in rows_data)
            return f"factures_{month}.csv", csv_export.render(header, rows)
        header = ["Date", "N° famille", "Type", "Référence", "Facture", "Débit", "Crédit"]
        rows = ([e.day, e.family, TYPE_LABELS.get(e.type, e.type), e.reference, e.invoice or "",
                 Cents(e.debit_cents), Cents(e.credit_cents)]
                for e in sorted(self._billing.ledger_of_month(month),
                                key=lambda e: (e.day, e.family)))
        return f"grand-livre_{month}.csv", csv_export.render(header, rows)


def _overpayment_json(o: Overpayment) -> dict[str, Any]:
    return {"id": o.id, "family": o.family, "invoice": o.invoice,
            "amount_cents": o.amount_cents, "reference": o.reference,
            "received_on": o.received_on.isoformat(), "status": o.status}


def _failure_text(step: str, month: str) -> str:
    what = {"draft": "du calcul de la pré-facturation", "confirm": "de la validation",
            "schedule": "de la facturation programmée"}.get(step, "de la facturation")
    return f"Échec {what} de {month_name(month)}"


def _summary_text(step: str, month: str, result: dict[str, Any]) -> str:
    label = month_name(month).capitalize()
    if step == "draft":
        text = (f"{label} : pré-facturation de {result.get('to_issue', 0)} facture(s) à "
                f"émettre")
        if result.get("blocking"):
            text += f", {result['blocking']} famille(s) bloquée(s)"
        return text
    if step == "confirm":
        text = (f"{label} : {result.get('invoiced', 0)} facture(s) émise(s), "
                f"{result.get('skipped', 0)} déjà émise(s)")
        if result.get("repaired"):
            text += f", {result['repaired']} incohérence(s) corrigée(s)"
        return text
    return f"{label} : rien à faire"
