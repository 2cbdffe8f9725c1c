"""« Mon enfant est malade »: a family reports a sick day after the change deadline, hands
in a medical certificate from its phone; staff see the reports and accept or refuse the
certificates; the kitchen's counts, the agent's list and the invoice read the reports."""
from __future__ import annotations

import base64
import binascii
import secrets
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from chalicelib.domain.accounts import Child, Family
from chalicelib.domain.calendar import SchoolCalendar, parse_date, query_period
from chalicelib.domain.commune import CommuneSettings
from chalicelib.domain.errors import Conflict, NotFound, ValidationError
from chalicelib.domain.ledger import LedgerEntry
from chalicelib.domain.sickness import (
    ACCEPTED,
    CERTIFICATE,
    CERTIFICATE_PREFIX,
    CERTIFICATE_RETENTION_DAYS,
    CERTIFICATE_TYPES,
    MAX_CERTIFICATE_BYTES,
    MAX_CERTIFICATE_TEXT,
    PENDING,
    REFUSED,
    Certificate,
    SickReport,
    check_certificate,
    check_report,
    refunds_due,
    runs,
    sick_charges,
)
from chalicelib.services.commune import CommuneService
from chalicelib.settings import PARIS
from chalicelib.storage.accounts import AccountRepository
from chalicelib.storage.billing import AlreadyDone, BillingRepository
from chalicelib.storage.bookings import BookingRepository
from chalicelib.storage.files import FileStore
from chalicelib.storage.sickness import SickReportRepository

MAX_LIST_DAYS = 92
FAMILY_PAST = timedelta(days=62)
# How far around a certificate's day its run is looked for (the family's own reports).
RUN_REACH = timedelta(days=400)
# How far back a sick run is followed (a run longer than a school year is not one).
MAX_RUN_MONTHS = 13


def _month_before(day: date) -> date:
    return (day.replace(day=1) - timedelta(days=1)).replace(day=1)


def reports_with_runs(reports: SickReportRepository, first: date, last: date,
                      calendar: SchoolCalendar) -> list[SickReport]:
    """The reports from ``first`` to ``last`` and every earlier report of a sick run that
    reaches into them, however long it is.

    The jour de carence and the certificate's delay count from a run's first day, so a
    run is read whole: from the month before, then one month further back as long as a
    child's run starts on the first school day read (it may go on before it: a long
    illness, or one that carries over the summer holidays, when a month has no school).
    One index query per month read.
    """
    start = _month_before(first)
    found = reports.between(start, last)
    for _ in range(MAX_RUN_MONTHS):
        if not any(_may_go_on_before(run[0], start, calendar)
                   for days in _days_by_child(found).values()
                   for run in runs(days, calendar)):
            break
        earlier = _month_before(start)
        found = reports.between(earlier, start - timedelta(days=1)) + found
        start = earlier
    return found


def _days_by_child(reports: list[SickReport]) -> dict[str, list[date]]:
    by_child: dict[str, list[date]] = {}
    for report in reports:
        by_child.setdefault(report.child_id, []).append(report.day)
    return by_child


def _may_go_on_before(day: date, start: date, calendar: SchoolCalendar) -> bool:
    """Whether the school day before ``day`` lies before what was read from ``start``."""
    try:
        return calendar.previous_school_day(day) < start
    except ValueError:  # no school day for a long while before: nothing to go on from
        return False


def _own_child(family: Family, child_id: str) -> Child:
    child = family.child(child_id)
    if child is None:
        raise NotFound()  # not found or not yours: the same answer
    return child


class SicknessService:
    """Sick reports and their certificates."""

    def __init__(self, commune: CommuneService, accounts: AccountRepository,
                 bookings: BookingRepository, reports: SickReportRepository,
                 files: FileStore, billing: BillingRepository | None = None) -> None:
        self._commune = commune
        self._billing = billing
        self._accounts = accounts
        self._bookings = bookings
        self._reports = reports
        self._files = files

    # -- the family ------------------------------------------------------------------

    def report(self, family: Family, child_id: str, data: dict[str, Any], now: datetime,
               settings: CommuneSettings) -> tuple[SickReport, bool]:
        """Report the child sick on a booked day; (report, created). Reporting the same
        day again returns the first report."""
        child = _own_child(family, child_id)
        if child.archived:
            raise NotFound()
        day = parse_date(data.get("date"), "date")
        existing = self._reports.get(family.number, child.id, day)
        if existing is not None:
            return existing, False
        stored = self._bookings.days(child.id, day, day).get(day)
        calendar = settings.calendar()
        booked = []
        if stored is not None and calendar.is_school_day(day):
            for code in sorted(stored.services):
                service = settings.service(code)
                if service is not None and service.bookable:
                    booked.append((code, service.deadline))
        services = check_report(day, booked, settings.sickness, calendar, now)
        report = SickReport(child.id, family.number, day, services, now,
                            f"famille {family.number}")
        if not self._reports.add(report):
            found = self._reports.get(family.number, child.id, day)
            if found is not None:
                return found, False
        return report, True

    def family_reports(self, family: Family, now: datetime) -> list[SickReport]:
        """The family's reports of the last two months and ahead."""
        today = now.date()
        return self._reports.for_family(family.number, today - FAMILY_PAST,
                                        today + timedelta(days=MAX_LIST_DAYS))

    def upload_certificate(self, family: Family, child_id: str, day_text: str,
                           data: dict[str, Any], now: datetime) -> SickReport:
        """Hand in the medical certificate of a reported day (PDF or photo)."""
        child = _own_child(family, child_id)
        report = self._reports.get(family.number, child.id, parse_date(day_text, "date"))
        if report is None:
            raise NotFound()
        if report.certificate is not None and report.certificate.status == ACCEPTED:
            raise Conflict("Le certificat de ce jour est déjà accepté.",
                           code="certificate_already_accepted")
        raw = data.get("content_base64")
        if not isinstance(raw, str) or not raw:
            raise ValidationError("Joignez le certificat (PDF ou photo).",
                                  field="content_base64", code="certificate_missing")
        # Checked before decoding: a 100 MB string is refused without being decoded.
        if len(raw) > MAX_CERTIFICATE_BYTES * 4 // 3 + 4:
            raise ValidationError(f"Le fichier dépasse {MAX_CERTIFICATE_TEXT} : prenez une "
                                  "photo moins lourde ou un PDF.", field="content_base64",
                                  code="certificate_too_large")
        try:
            content = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            raise ValidationError("Fichier illisible (base64 attendu).",
                                  field="content_base64", code="certificate_type") from None
        content_type = check_certificate(content, data.get("content_type"))
        # Not guessable: the family's number, then 192 random bits.
        key = (f"{CERTIFICATE_PREFIX}{family.number}/{secrets.token_urlsafe(24)}."
               f"{CERTIFICATE_TYPES[content_type]}")
        self._files.put(key, content, content_type)
        cert = Certificate(key, content_type, len(content), now)
        self._reports.set_certificate(report, cert)
        return replace(report, certificate=cert)

    def family_certificate(self, family: Family, child_id: str,
                           day_text: str) -> tuple[Certificate, bytes]:
        """The family's own certificate file; NotFound for anyone else's."""
        child = _own_child(family, child_id)
        return self._file(self._reports.get(family.number, child.id,
                                            parse_date(day_text, "date")))

    def _file(self, report: SickReport | None) -> tuple[Certificate, bytes]:
        if report is None or report.certificate is None:
            raise NotFound()
        try:
            return report.certificate, self._files.get(report.certificate.key)
        except NotFound:
            raise NotFound(f"Ce certificat n'est plus conservé : les certificats médicaux "
                           f"sont supprimés {CERTIFICATE_RETENTION_DAYS} jours après leur "
                           "envoi. La décision prise reste enregistrée.") from None

    # -- staff -----------------------------------------------------------------------

    def _staff_report(self, child_id: str, day_text: str) -> SickReport:
        number = child_id.split("-")[0]
        report = (self._reports.get(number, child_id, parse_date(day_text, "date"))
                  if number.isdigit() else None)
        if report is None:
            raise NotFound()
        return report

    def staff_list(self, query: dict[str, str], now: datetime) -> dict[str, Any]:
        """Reports over a period (default: from today for a month), with the children's
        names, and every certificate waiting for a decision."""
        for name in ("from", "to"):
            if name in query and not query[name]:  # given empty: not a day (left out: default)
                raise ValidationError("Date invalide (format attendu AAAA-MM-JJ).",
                                      field=name)
        if "pending" in query and query["pending"] not in ("1", "true"):
            raise ValidationError("« pending » vaut 1 (certificats en attente) ou est absent.",
                                  field="pending")
        start, end = query_period(query, now.date(), MAX_LIST_DAYS)
        reports = self._reports.between(start, end)
        pending_only = query.get("pending") in ("1", "true")
        if pending_only:
            reports = [r for r in reports
                       if r.certificate is not None and r.certificate.status == PENDING]
        families = self._accounts.get_families(sorted({r.family for r in reports}))
        return {"from": start.isoformat(), "to": end.isoformat(),
                "reports": [(r, families.get(r.family)) for r in sorted(
                    reports, key=lambda r: (r.day, r.child_id))]}

    def staff_certificate(self, child_id: str, day_text: str) -> tuple[Certificate, bytes]:
        """A certificate's file, for staff."""
        return self._file(self._staff_report(child_id, day_text))

    def decide(self, child_id: str, day_text: str, data: dict[str, Any], who: str,
               now: datetime) -> tuple[SickReport, SickReport, list[dict[str, Any]]]:
        """Accept or refuse a certificate; (before, after, refunds). Accepted for days
        already invoiced, it credits the family what the commune's rule now leaves free
        (« refunds »: what this decision credited; nothing on a repeat)."""
        report = self._staff_report(child_id, day_text)
        if report.certificate is None:
            raise NotFound("Aucun certificat pour ce jour.")
        decision = data.get("decision")
        if decision not in (ACCEPTED, REFUSED):
            raise ValidationError("Décision invalide (accepted ou refused).",
                                  field="decision")
        note = data.get("note") or ""
        if not isinstance(note, str) or len(note) > 200:
            raise ValidationError("Motif trop long (200 caractères).", field="note")
        cert = replace(report.certificate, status=decision, decided_by=who, decided_at=now,
                       note=note.strip())
        self._reports.set_certificate(report, cert)
        after = replace(report, certificate=cert)
        refunds = self._refund_invoiced(after, who, now) if decision == ACCEPTED else []
        return report, after, refunds

    def _refund_invoiced(self, report: SickReport, who: str,
                         now: datetime) -> list[dict[str, Any]]:
        """Credit what invoices already issued billed for the sick run the accepted
        certificate now makes free: one « Régularisation » line per invoice, naming the
        child, the days and the invoice; never twice for one day of one invoice (a marker
        per day: a repeated or double-clicked decision credits nothing more). Invoices are
        never edited; a month not yet invoiced needs nothing (its draft reads the rule)."""
        settings = self._commune.get()
        if self._billing is None or settings.sickness.billing != CERTIFICATE:
            return []
        calendar = settings.calendar()
        own = [r for r in self._reports.for_family(report.family, report.day - RUN_REACH,
                                                   report.day + RUN_REACH)
               if r.child_id == report.child_id and r.day != report.day] + [report]
        run = next(r for r in runs([r.day for r in own], calendar) if report.day in r)
        charges = sick_charges(own, settings.sickness, calendar)
        months = {day.strftime("%Y-%m") for day in run}
        invoices = [(i.number, i.lines) for i in self._billing.invoices_of(report.family)
                    if i.credit_note is None and i.month in months]
        due = refunds_due(invoices, report.child_id, run, charges)
        if not due:
            return []
        family = self._accounts.get_family(report.family)
        child = family.child(report.child_id) if family else None
        name = child.first_name if child else report.child_id
        today = now.astimezone(PARIS).date()
        done = []
        for number, per_day in sorted(due.items()):
            marks = {day: f"sick-refund#{number}#{report.child_id}#{day.isoformat()}"
                     for day in per_day}
            fresh = sorted(d for d, mark in marks.items() if self._billing.mark(mark) is None)
            if not fresh:
                continue
            amount = sum(per_day[d] for d in fresh)
            shown = ", ".join(d.strftime("%d/%m") for d in fresh)
            entry = LedgerEntry(report.family, today, "adjustment",
                                f"Certificat médical accepté : {name}, absence du {shown} "
                                f"(facture {number})", number, 0, amount)
            try:
                self._billing.append_once(entry, now, who, [marks[d] for d in fresh])
            except AlreadyDone:
                continue  # a parallel decision credited it
            done.append({"invoice": number, "amount_cents": amount,
                         "days": [d.isoformat() for d in fresh], "reference": entry.reference})
        return done

    # -- what the other screens read ------------------------------------------------

    def sick_children(self, day_text: str, service: str) -> set[str]:
        """The children reported sick for one day and service (the agent's list)."""
        day = date.fromisoformat(day_text)
        return {r.child_id for r in self._reports.between(day, day) if service in r.services}
