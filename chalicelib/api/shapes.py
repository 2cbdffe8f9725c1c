"""The API's JSON: each record as the API shows it, in one place.

Services return domain records (``Family``, ``Child``, ``AttendanceRecord``, ``JobRun``,
``Invoice``…); the views turn them into JSON here, so that a child, a family or a run
reads the same wherever it appears, and no service reads another's JSON back. Nothing
here decides anything: it only names and formats fields (dates as ISO text, instants in
the commune's time zone).
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from chalicelib.domain.accounts import MEAL_TYPES, Child, Family, StaffMember
from chalicelib.domain.attendance import AttendanceRecord, ExpectedChild
from chalicelib.domain.invoicing import Invoice
from chalicelib.domain.jobs import JobRun
from chalicelib.domain.ledger import STATE_LABELS, InvoiceState, Overpayment
from chalicelib.domain.sepa import (
    CANCELLED,
    DEBIT_LABELS,
    MANDATE_TEXT_VERSION,
    REJECT_REASONS,
    Debit,
    DirectDebitSettings,
    Mandate,
    mandate_text,
    mask_iban,
)
from chalicelib.domain.sepa import STATE_LABELS as MANDATE_STATE_LABELS
from chalicelib.domain.sickness import Certificate, SickReport
from chalicelib.domain.titres import STATE_LABELS as BORDEREAU_STATE_LABELS
from chalicelib.domain.titres import BordereauRecord
from chalicelib.services.billing import MonthInvoice
from chalicelib.services.bookings import BookedChild
from chalicelib.services.export_jobs import ExportJobView
from chalicelib.services.headcounts import HeadcountRow
from chalicelib.services.privacy import ChildRecords
from chalicelib.settings import PARIS

JSON = dict[str, Any]


# -- people ----------------------------------------------------------------------------------
def child(child: Child) -> JSON:
    """A child as the API names one: id and names (the family's pages, calendars)."""
    return {"id": child.id, "first_name": child.first_name, "last_name": child.last_name}


def child_details(child: Child) -> JSON:
    """Everything staff see about a child."""
    return {"id": child.id, "first_name": child.first_name, "last_name": child.last_name,
            "school": child.school, "class_name": child.class_name,
            "meal_type": child.meal_type, "allergies": child.allergies,
            "pickup_people": list(child.pickup_people),
            "birth_date": child.birth_date.isoformat() if child.birth_date else None,
            "archived": child.archived}


def family(family: Family) -> JSON:
    """A family as the API shows it to itself (its children still enrolled)."""
    return {"number": family.number, "name": family.name, "emails": list(family.emails),
            "pending_email": family.pending_email.email if family.pending_email else None,
            "phones": list(family.phones), "address": family.address,
            "reminders": family.reminders, "receipts": family.receipts,
            "children": [child(c) for c in family.active_children()]}


def family_details(family: Family, *, with_income: bool = True,
                   purge_on: date | None = None) -> JSON:
    """Everything staff see about a family (never credentials); the income bracket only
    for those who bill (``with_income``); from when it may be anonymised, if known."""
    details: JSON = {
        "number": family.number, "name": family.name, "emails": list(family.emails),
        "phones": list(family.phones), "address": family.address,
        "archived": family.archived, "reminders": family.reminders,
        "receipts": family.receipts,
        "left_on": family.left_on.isoformat() if family.left_on else None,
        "anonymised_at": _paris(family.anonymised_at) if family.anonymised_at else None,
        "purge_on": purge_on.isoformat() if purge_on else None}
    if with_income:
        details["income"] = {"qf": family.income.qf,
                             "effective_from": (family.income.effective_from.isoformat()
                                                if family.income.effective_from else None)}
    details["children"] = [child_details(c) for c in family.children]
    return details


def family_summary(family: Family) -> JSON:
    """A family in the staff's search results."""
    return {"number": family.number, "name": family.name, "emails": list(family.emails),
            "archived": family.archived, "anonymised": family.anonymised,
            "children_count": len(family.active_children())}


def staff_member(member: StaffMember) -> JSON:
    """A staff account as the console shows it."""
    return {"email": member.email, "name": member.name, "role": member.role}


# -- bookings --------------------------------------------------------------------------------
def booked_child(row: BookedChild) -> JSON:
    """A child with the days booked over a range and their count per service."""
    return {**child(row.child), "days": row.days, "totals": row.totals}


def family_bookings(result: JSON) -> JSON:
    """The family's booked days over a range, per child."""
    return {**result, "children": [booked_child(row) for row in result["children"]]}


# -- the day's lists -------------------------------------------------------------------------
def _marks(record: AttendanceRecord) -> JSON:
    return {"status": record.status, "arrival": record.arrival,
            "departure": record.departure, "justified": record.justified,
            "reason": record.reason, "late_minutes": record.late_minutes}


def attendance_record(record: AttendanceRecord | None) -> JSON | None:
    """An attendance record as the API shows it (with its slot)."""
    if record is None:
        return None
    return {"date": record.day.isoformat(), "service": record.service,
            "child_id": record.child_id, **_marks(record)}


def listed_child(row: ExpectedChild) -> JSON:
    """A child on the agent's list: who, whose, and the care the child needs (the PAI, who
    may pick them up) — also for a child who may come unbooked."""
    return {"child_id": row.child.id, "first_name": row.child.first_name,
            "last_name": row.child.last_name, "family_number": row.family.number,
            "family_name": row.family.name, "class_name": row.child.class_name,
            "meal_type": row.child.meal_type, "allergies": row.child.allergies,
            "pickup_people": list(row.child.pickup_people)}


def expected_child(row: ExpectedChild) -> JSON:
    """A child expected on the agent's list, whether booked, and what was recorded."""
    return {**listed_child(row), "booked": row.booked,
            "record": _marks(row.record) if row.record else None}


def headcount(row: HeadcountRow) -> JSON:
    """One day and service of the kitchen's counts, frozen (``locked``) or provisional."""
    return {"date": row.count.day.isoformat(), "service": row.count.service,
            "label": row.label, "total": row.count.total,
            "by_meal_type": {t: int(row.count.by_meal_type.get(t, 0)) for t in MEAL_TYPES},
            "diets": row.diets, "locked": row.locked,
            "sick": row.sick, "to_cook": row.count.total - row.sick}


# -- jobs ------------------------------------------------------------------------------------
def _paris(instant: datetime) -> str:
    return instant.astimezone(PARIS).isoformat()


def job_run(run: JobRun) -> JSON:
    """A job run as the console shows it."""
    details = run.details or {}
    return {"id": run.id, "job": run.job, "trigger": run.trigger,
            "started_at": _paris(run.started_at),
            "ended_at": _paris(run.ended_at) if run.ended_at else None,
            "outcome": run.outcome, "summary": run.summary,
            "frozen_count": int(details.get("frozen_count", 0)),
            "month": details.get("month"), "step": details.get("step"),
            "queued": int(details.get("queued", 0)), "sent_later": run.later,
            "error": run.error}


def export_job(view: ExportJobView) -> JSON:
    """An export job as the console polls it: its state, the rows written so far (and the
    days done of its period), then a link to its file valid a quarter of an hour."""
    job = view.job
    return {"id": job.id, "export": job.export,
            "from": job.period[0].isoformat() if job.period else None,
            "to": job.period[1].isoformat() if job.period else None,
            "state": "expired" if view.expired else job.state,
            "rows": job.rows, "pages_done": job.pages_done, "pages_total": job.pages_total,
            "file_name": job.file_name or None, "size": job.size if job.state == "done" else None,
            "failure": job.error, "created_at": _paris(job.created_at),
            "ended_at": _paris(job.ended_at) if job.ended_at else None,
            "download_url": view.link,
            "download_expires_at": _paris(view.link_expires_at) if view.link_expires_at
            else None}


def with_run(result: JSON) -> JSON:
    """A job step's result, its run (a record) shown as the console shows runs."""
    return {**result, "run": job_run(result["run"])}


# -- money -----------------------------------------------------------------------------------
def invoice(invoice: Invoice, state: InvoiceState, debit: Debit | None = None) -> JSON:
    """An invoice as the API shows it, with what it received and what remains, and its
    direct debit when it has one (« prélèvement le JJ/MM » instead of « Payer en ligne »)."""
    return {"id": invoice.number, "number": invoice.number, "month": invoice.month,
            "issued_on": invoice.issued_on.isoformat(), "total_cents": invoice.total_cents,
            "status": state.status, "status_label": STATE_LABELS[state.status],
            "paid_cents": state.paid_cents, "remaining_cents": state.remaining_cents,
            "credit_note": invoice.credit_note,
            # "titres": a détail de facturation the Treasury collects (no "Payer en ligne").
            "collection": invoice.collection,
            "debit": None if debit is None or debit.status == CANCELLED else {
                "date": debit.collection_date.isoformat(), "status": debit.status,
                "status_label": DEBIT_LABELS[debit.status], "pending": debit.pending}}


def debit(debit: Debit, family_name: str = "") -> JSON:
    """A direct debit as staff see it: the account masked, never in full."""
    return {"month": debit.month, "invoice": debit.invoice, "family": debit.family,
            "family_name": family_name, "amount_cents": debit.amount_cents,
            "collection_date": debit.collection_date.isoformat(), "rum": debit.rum,
            "holder": debit.holder, "iban": mask_iban(debit.account.iban),
            "bic": debit.account.bic, "sequence": debit.sequence,
            "amendment": debit.amended_from is not None, "status": debit.status,
            "status_label": DEBIT_LABELS[debit.status],
            "notified": debit.notified_at is not None, "file": debit.file,
            "reject": None if debit.reject is None else {
                "code": debit.reject.code, "label": REJECT_REASONS.get(debit.reject.code, ""),
                "date": debit.reject.day.isoformat()}}


def debits_month(view: dict[str, Any]) -> JSON:
    """The month's debits and files, for Facturation."""
    rows = view["debits"]
    live = [d for d, _ in rows if d.status != CANCELLED]
    return {"month": view["month"], "mode": view["mode"], "enabled": view["enabled"],
            "debits": [debit(d, name) for d, name in rows],
            "count": len(live), "total_cents": sum(d.amount_cents for d in live),
            "reject_reasons": [{"code": c, "label": label}
                               for c, label in REJECT_REASONS.items()],
            "files": [{"id": file_id, "file_name": name, "count": len(items),
                       "total_cents": sum(d.amount_cents for d in items),
                       "collection_dates": sorted({d.collection_date.isoformat()
                                                   for d in items})}
                      for file_id, name, items in view["files"]]}


def month_invoice(row: MonthInvoice) -> JSON:
    """An invoice in the month's list, with its family."""
    return {**invoice(row.invoice, row.state), "family": row.invoice.family,
            "family_name": row.family_name}


def overpayment(overpayment: Overpayment) -> JSON:
    """A trop-perçu as staff see it."""
    return {"id": overpayment.id, "family": overpayment.family,
            "invoice": overpayment.invoice, "amount_cents": overpayment.amount_cents,
            "reference": overpayment.reference,
            "received_on": overpayment.received_on.isoformat(), "status": overpayment.status}


def bordereau(record: BordereauRecord) -> JSON:
    """A bordereau of titres de recette as the console lists it."""
    return {"id": record.id, "exercice": record.exercice, "number": record.number,
            "attempt": record.attempt, "month": record.month, "state": record.state,
            "state_label": BORDEREAU_STATE_LABELS[record.state],
            "invoices": list(record.invoices), "titres": len(record.invoices),
            "total_cents": record.total_cents, "emitted_on": record.emitted_on.isoformat(),
            "file_name": record.file_name, "sha256": record.sha256,
            "created_at": _paris(record.created_at), "created_by": record.created_by,
            "reasons": list(record.reasons),
            "acknowledged_at": _paris(record.acknowledged_at)
            if record.acknowledged_at else None,
            "replaced_by": record.replaced_by,
            "download": f"/api/staff/bordereaux/{record.id}/pes"}


# -- the family's copy of its data (RGPD) ----------------------------------------------------
def family_export(family: Family, children: list[ChildRecords], now: datetime,
                  mandates: list[Mandate] | None = None) -> JSON:
    """Everything the product holds about a family, as it downloads it (its mandates'
    IBAN masked: the file may travel by e-mail)."""
    return {"exported_at": now.isoformat(),
            "family": family_details(family),
            "records": [{
                "id": c.child.id,
                "bookings": [{"date": day.isoformat(), "services": list(services)}
                             for day, services in c.bookings],
                "cancelled_by_commune": [
                    {"date": day.isoformat(), "service": service, "reason": reason,
                     "at": at.isoformat()}
                    for day, service, reason, at in c.cancelled],
                "attendance": [attendance_record(r) for r in c.attendance],
                "typical_week": {str(day): list(services)
                                 for day, services in c.typical_week.items()},
                "waiting_list": [{"date": day.isoformat(), "service": service}
                                 for day, service in c.waiting],
                "sick_days": [sick_report(r) for r in c.sick_days]}
                for c in children],
            "mandates": [mandate(m) for m in mandates or []],
            "note": ("Données tenues par la commune pour la cantine et le périscolaire. "
                     "Pour toute rectification, adressez-vous à la mairie.")}


# -- the typical week ("semaine type") ------------------------------------------------------
def typical_week(entry: dict[str, Any]) -> JSON:
    """One child's typical week: the child, whether it was saved, weekday → services."""
    return {"child": child(entry["child"]), "saved": entry["saved"], "days": entry["days"]}


def typical_weeks(page: dict[str, Any]) -> JSON:
    """The family's typical weeks with what the form needs (school days, services)."""
    return {"school_days": page["school_days"], "services": page["services"],
            "children": [typical_week(e) for e in page["children"]]}


# -- sick days -------------------------------------------------------------------------------
def certificate(cert: Certificate | None) -> JSON | None:
    """A certificate as its family and staff see it (never its storage key)."""
    if cert is None:
        return None
    return {"content_type": cert.content_type, "size": cert.size,
            "uploaded_at": _paris(cert.uploaded_at), "status": cert.status,
            "decided_at": _paris(cert.decided_at) if cert.decided_at else None,
            "note": cert.note}


def sick_report(report: SickReport, family: Family | None = None) -> JSON:
    """A sick day; with its family (staff's list), the child's name and the family's."""
    shaped: dict[str, Any] = {
        "child_id": report.child_id, "date": report.day.isoformat(),
        "services": list(report.services), "reported_at": _paris(report.reported_at),
        "certificate": certificate(report.certificate)}
    if family is not None:
        child = family.child(report.child_id)
        shaped.update({"family": family.number, "family_name": family.name,
                       "first_name": child.first_name if child else "",
                       "last_name": child.last_name if child else ""})
    return shaped


# -- direct-debit mandates -------------------------------------------------------------------
def mandate(m: Mandate) -> JSON:
    """A mandate as its family and staff see it: the IBAN masked, never in full."""
    return {"family": m.family, "rum": m.rum, "holder": m.holder,
            "iban_masked": mask_iban(m.account.iban), "bic": m.account.bic,
            "status": m.status, "status_label": MANDATE_STATE_LABELS.get(m.status, m.status),
            "status_reason": m.status_reason, "signed_on": m.signed_on.isoformat(),
            "signed_at": _paris(m.signed_at) if m.signed_at else None,
            "channel": m.channel, "text_version": m.text_version, "signed_by": m.signed_by,
            "rejects": m.rejects,
            "amendment_pending": m.amended_from is not None,
            "updated_at": _paris(m.updated_at) if m.updated_at else None}


def direct_debit_offer(settings: DirectDebitSettings) -> JSON:
    """What a family reads before signing: the creditor, the debit day and the mandate's
    text in the version it accepts."""
    return {"enabled": settings.enabled, "creditor_name": settings.creditor_name,
            "creditor_id": settings.creditor_id, "debit_day": settings.debit_day,
            "notice_days": settings.notice_days, "text_version": MANDATE_TEXT_VERSION,
            "text": list(mandate_text(settings))}
