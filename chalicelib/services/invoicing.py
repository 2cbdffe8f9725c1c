"""The month's invoice run: the draft, its confirmation, the monthly schedule, and the
job-run records of each step.

A month is billed in two steps. The draft ("pré-facturation") prices every family's uses
and lists what deserves a look; it writes no money and can be rebuilt at will. Only the
confirmation draws invoice numbers, writes the ledger and sends the e-mails, one family
at a time, each in one transaction with its once-only marker: a confirmation cut short
is finished by the next one, and confirming twice issues nothing more.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from chalicelib.domain.accounts import Family
from chalicelib.domain.bookings import month_bounds
from chalicelib.domain.collection import REGIE, TITRES
from chalicelib.domain.commune import CommuneSettings
from chalicelib.domain.errors import Conflict, ValidationError
from chalicelib.domain.invoicing import (
    BLOCKING,
    DraftRow,
    Invoice,
    IssuedInvoice,
    draft_row,
    mark_sick_uses,
    usual_total,
)
from chalicelib.domain.jobs import JobRun
from chalicelib.domain.ledger import LedgerEntry
from chalicelib.domain.money import month_label
from chalicelib.domain.pricing import Use, parse_tariff
from chalicelib.domain.sepa import Mandate
from chalicelib.domain.sickness import sick_charges
from chalicelib.mail import templates
from chalicelib.mail.sender import Mailer
from chalicelib.services import retry
from chalicelib.services.commune import CommuneService
from chalicelib.services.debits import DebitService
from chalicelib.services.job_runs import JobRunRecorder
from chalicelib.services.sickness import reports_with_runs
from chalicelib.services.titres import TitresService
from chalicelib.settings import PARIS
from chalicelib.storage.accounts import AccountRepository
from chalicelib.storage.attendance import AttendanceRepository
from chalicelib.storage.billing import (
    AlreadyDone,
    BillingRepository,
    DraftChanged,
    NumberTaken,
    SequenceMoved,
)
from chalicelib.storage.bookings import BookingRepository
from chalicelib.storage.drafts import (
    BUILDING,
    CONFIRMED,
    DRAFT,
    FAILED,
    BuildInProgress,
    DraftRepository,
    StoredRow,
)
from chalicelib.storage.jobs import JobRunRepository
from chalicelib.storage.sickness import SickReportRepository

LOG = logging.getLogger("cantine.billing")
JOB = "invoice"
# Beyond the invoice function's Lambda timeout (15 min, .chalice/config.json), a run still
# "running" died with its process.
TIME_LIMIT = timedelta(minutes=20)
USUAL_MONTHS = 3            # the family's usual total: the mean of its last 3 invoices


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


@dataclass
class _Numbering:
    """The state of a confirmation's walk along the yearly sequence."""
    sequence: str
    year: int
    current: int
    repaired: list[dict[str, Any]] = field(default_factory=list)


class InvoiceRunService:
    """Bills a month: drafts it, confirms it, and records every step as a job run."""

    def __init__(self, commune: CommuneService, accounts: AccountRepository,
                 bookings: BookingRepository, attendance: AttendanceRepository,
                 billing: BillingRepository, drafts: DraftRepository, runs: JobRunRepository,
                 mailer: Mailer, site_url: str, titres: TitresService,
                 sick: SickReportRepository | None = None,
                 debits: DebitService | None = None) -> None:
        self._commune = commune
        self._accounts = accounts
        self._bookings = bookings
        self._attendance = attendance
        self._billing = billing
        self._drafts = drafts
        self._recorder = JobRunRecorder(runs, JOB, TIME_LIMIT, LOG)
        self._mailer = mailer
        self._site_url = site_url
        self._titres = titres
        self._sick = sick
        self._debits = debits
        # Hands the issued invoices to the families (services/deliveries.py); set once the
        # billing service that draws the PDFs exists (wiring.py).
        self.deliveries: Any = None

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
        """Run one step of a month's billing under a job-run record: the step's result
        with its ``run`` (a record)."""
        run, result = self._recorder.run(
            trigger, clock, lambda _run_id, now: work(now),
            details={"month": month, "step": step}, about=f" ({step} {month})",
            failed=lambda exc: (_failure_text(step, month), {"month": month, "step": step},
                                f"{getattr(exc, 'message', None) or type(exc).__name__}"),
            succeeded=lambda result: (_summary_text(step, month, result), {
                "month": month, "step": step,
                **{k: v for k, v in result.items()
                   if k in ("invoiced", "skipped", "total_cents", "families", "to_issue",
                            "blocking", "repaired")}}))
        return {"run": run, **result}

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
                for child_id, pointed in self._attendance.for_slot(day, code).items():
                    recorded[(child_id, code)] = pointed
            for key in sorted(set(booked) | set(recorded)):
                child_id, code = key
                record = recorded.get(key)
                family = booked.get(key) or recorded[key].family  # a key is in either
                by_family[family].append(Use(
                    child_id=child_id, day=day, service=code, booked=key in booked,
                    status=record.status if record else None,
                    justified=record.justified if record else False,
                    arrival=record.arrival if record else None,
                    departure=record.departure if record else None,
                    late_minutes=record.late_minutes if record else 0))
            day += timedelta(days=1)
        return by_family

    def _standing(self, month: str) -> dict[str, Invoice]:
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
        if self._sick is not None:
            # With every earlier day of a sick run that reaches into the month: the run's
            # first day decides (the jour de carence was there, the certificate's delay
            # counts from it), whichever month it was in.
            reports = reports_with_runs(self._sick, first, last, settings.calendar())
            uses = mark_sick_uses(uses, sick_charges(reports, settings.sickness,
                                                     settings.calendar()))
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

    def _checked_draft(self, month: str) -> tuple[Any, list[StoredRow], CommuneSettings]:
        """The month's draft, if it can be confirmed, with the settings its invoices are
        issued under (collection mode, direct debit): DraftMissing, DraftIncomplete,
        DraftBlocked or DraftOutdated otherwise. A confirmed draft passes (a rerun, which
        issues nothing)."""
        header, rows = self._drafts.read(month)
        if header is None:
            raise DraftMissing()
        if header.status in (BUILDING, FAILED):
            raise DraftIncomplete()
        if header.status == CONFIRMED:
            # A rerun: nothing is issued, but a bordereau of titres may be left to write.
            return header, rows, self._commune.get()
        blocked = [{"family": r.family, "name": r.name,
                    "anomalies": [a for a in r.anomalies if a["level"] == BLOCKING]}
                   for r in rows if any(a["level"] == BLOCKING for a in r.anomalies)]
        if blocked:
            raise DraftBlocked(details=blocked)
        # Nothing outside a service day is billed, even if the calendar changed since.
        settings = self._commune.get()
        calendar = settings.calendar()
        outdated = [{"family": r.family, "name": r.name, "dates": sorted(days)}
                    for r in rows if r.invoice is None and r.total_cents > 0
                    for days in [{d for line in r.lines for d in line.get("days", [])
                                  if not calendar.is_school_day(date.fromisoformat(d))}]
                    if days]
        if outdated:
            raise DraftOutdated(details=outdated)
        # Read with the calendar: the mode is kept on each invoice (domain.treasury).
        return header, rows, settings

    def _confirm(self, month: str, now: datetime, who: str,
                 checked: tuple[Any, list[StoredRow], CommuneSettings] | None) -> dict[str, Any]:
        header, rows, settings = checked or self._checked_draft(month)
        collection = settings.collection.mode
        if header.status == CONFIRMED:
            # Confirming a confirmed month writes nothing, but finishes its debits and its
            # bordereau of titres if a crash came between the invoices and them.
            return {"month": month, "invoiced": 0, "skipped": len(rows), "total_cents": 0,
                    "repaired": 0, **self._debits_of(month, settings, now),
                    **self._bordereau(month, rows, now, who, collection)}
        issue_day = now.astimezone(PARIS).date()
        sequence = f"invoice-{issue_day.year}"
        numbering = _Numbering(sequence, issue_day.year, self._billing.sequence_value(sequence))
        standing = self._standing(month)
        self._repair_ledger(standing, numbering.repaired, now)
        families = self._accounts.get_families([r.family for r in rows
                                                if r.invoice is None and r.total_cents > 0])
        # The families paying by direct debit: their invoice e-mail says so (read once,
        # and only where the commune offers direct debit).
        mandates = self._debits.active_mandates() \
            if self._debits is not None and settings.direct_debit.enabled else {}
        invoiced = skipped = amount = 0
        # The month's invoices to hand to the families: those a run that stopped halfway
        # issued, then those issued now (services/deliveries.py).
        earlier = [(invoice.family, invoice.number, invoice.family in mandates)
                   for invoice in standing.values()]
        fresh: list[tuple[Family, Invoice, bool]] = []
        for row in rows:
            if row.invoice is not None or row.total_cents <= 0:
                continue
            family = families.get(row.family)
            if family is None or row.family in standing:
                skipped += 1
                continue
            invoice = self._issue(row, month, issue_day, numbering, (month, header.revision),
                                  now, collection)
            if invoice is None:
                skipped += 1
                continue
            invoiced += 1
            amount += invoice.total_cents
            fresh.append((family, invoice, row.family in mandates))
        summary = {"month": month, "invoiced": invoiced, "skipped": skipped,
                   "total_cents": amount, "repaired": len(numbering.repaired),
                   "repairs": numbering.repaired,
                   **self._debits_of(month, settings, now, mandates),
                   **self._bordereau(month, rows, now, who, collection)}
        if self.deliveries is not None:
            # After the debits: an invoice's PDF and e-mail say when it will be debited.
            summary.update(self.deliveries.hand_out(month, fresh, earlier, now))
        handed: dict[str, Any] = {k: summary[k] for k in ("to_deliver", "delivery_batches")
                                  if k in summary}
        try:
            self._drafts.confirmed(month, header.revision, now, who,
                                   {**header.summary, "invoiced": invoiced,
                                    "invoiced_cents": amount, **handed})
        except BuildInProgress:
            # Another confirmation of the same draft finished first: all is issued.
            again = self._drafts.header(month)
            if again is None or again.revision != header.revision \
                    or again.status != CONFIRMED:
                raise DraftChanged() from None
        return summary

    def _debits_of(self, month: str, settings: CommuneSettings, now: datetime,
                   mandates: dict[str, Mandate] | None = None) -> dict[str, Any]:
        """The month's direct debits, scheduled and announced before any bordereau is
        written (a titre paid by debit carries it). Nothing is read when the commune
        does not offer direct debit."""
        if self._debits is None or not settings.direct_debit.enabled:
            return {}
        return self._debits.schedule_month(month, settings, now, mandates)

    def _bordereau(self, month: str, rows: list[StoredRow], now: datetime, who: str,
                   collection: str) -> dict[str, Any]:
        """In titres mode, the month's bordereau: ``{"titres": …}``; nothing in régie mode.

        The invoices stand whatever happens here: a bordereau that cannot be written (an
        address changed since the draft) is reported, and the next confirmation of the
        month, once the data is corrected, writes it. In régie mode (read with the draft's
        check) nothing more is read."""
        if collection != TITRES:
            return {}
        try:
            result = self._titres.issue_for_month(month, {r.family for r in rows}, now, who)
        except ValidationError as exc:
            LOG.warning("bordereau of %s not issued: %s", month, exc.message)
            return {"titres": {"bordereau": None, "error": exc.message}}
        return {} if result is None else {"titres": result}

    def _issue(self, row: StoredRow, month: str, issue_day: date, numbering: _Numbering,
               draft: tuple[str, int], now: datetime,
               collection: str = REGIE) -> Invoice | None:
        """Issue one family's invoice; None when it stands already (a rerun)."""
        mark = f"invoice#{row.family}#{month}"
        replaces: str | None = None
        for attempt in retry.numbering_attempts():
            number = f"{numbering.year}-{numbering.current + 1:06d}"
            invoice = Invoice(row.family, number, month, issue_day, row.lines,
                              row.total_cents, None, collection)
            ledger = LedgerEntry(row.family, issue_day, "invoice",
                                 f"Facture {month_label(month)}", number, row.total_cents, 0)
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
                retry.pause(attempt)
                numbering.current = self._billing.sequence_value(numbering.sequence)
                continue
            except NumberTaken:
                self._catch_up(numbering)
                continue
            numbering.current += 1
            return invoice
        raise retry.NumberingBusy()

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

    def _repair_ledger(self, standing: dict[str, Invoice], repaired: list[dict[str, Any]],
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
                                f"Facture {month_label(invoice.month)}", invoice.number,
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
            # Invoices the background has handed out (a big month's, batch by batch).
            "delivered": header.delivered if header else 0,
            "families": [{"number": r.family, "name": r.name, "total_cents": r.total_cents,
                          "lines": r.lines, "anomalies": r.anomalies, "invoice": r.invoice,
                          "ignored": r.ignored,
                          "blocking": any(a["level"] == BLOCKING for a in r.anomalies)}
                         for r in sorted(rows, key=lambda r: (r.name.lower(), r.family))],
        }

    def _tell_staff_draft_ready(self, month: str, result: dict[str, Any]) -> None:
        admins = tuple(m.email for m in self._accounts.list_staff() if m.role == "admin")
        if not admins:
            return
        try:
            self._mailer.send(templates.draft_ready(
                admins, month_label(month), int(result.get("to_issue", 0)),
                int(result.get("total_cents", 0)), int(result.get("blocking", 0)),
                f"{self._site_url}/facturation.html?mois={month}"))
        except Exception:  # noqa: BLE001 - the draft stands; the console shows it
            LOG.exception("draft e-mail not sent for %s", month)

    def runs(self, now: datetime) -> list[JobRun]:
        """The latest invoice runs."""
        return self._recorder.recent(now)


def _failure_text(step: str, month: str) -> str:
    what = {"draft": "du calcul de la pré-facturation", "confirm": "de la validation",
            "schedule": "de la facturation programmée"}.get(step, "de la facturation")
    return f"Échec {what} de {month_label(month)}"


def _summary_text(step: str, month: str, result: dict[str, Any]) -> str:
    label = month_label(month).capitalize()
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
