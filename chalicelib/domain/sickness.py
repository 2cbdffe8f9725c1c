"""A sick morning: a parent reports « mon enfant est malade » for a booked day after the
change deadline, until the commune's cut-off; the commune's billing rule decides what the
invoice charges for those days; a medical certificate may be handed in from the phone.

Pure rules: values in, values out; ``now`` is a parameter.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from chalicelib.domain.calendar import SchoolCalendar
from chalicelib.domain.deadlines import HHMM, cancellation_deadline, paris_datetime
from chalicelib.domain.errors import Conflict, ValidationError

# The commune's billing rule for a reported sick day.
BILLED, FREE, CARENCE, CERTIFICATE = "billed", "free", "carence", "certificate"
RULES = (BILLED, FREE, CARENCE, CERTIFICATE)
RULE_LABELS = {BILLED: "facturé", FREE: "non facturé",
               CARENCE: "premier jour facturé (jour de carence), les suivants non facturés",
               CERTIFICATE: "non facturé sur certificat médical accepté"}
# What the invoice does with one sick day.
CHARGE_BILLED, CHARGE_FREE, CHARGE_CARENCE = "billed", "free", "carence"
# The invoice lines that charged a sick day (domain/pricing.py SICK_BILLED, SICK_CARENCE).
BILLED_KINDS = ("sick_billed", "sick_carence")
# A certificate's life: handed in by the family, then accepted or refused by the admin.
PENDING, ACCEPTED, REFUSED = "pending", "accepted", "refused"
MAX_CERTIFICATE_DAYS = 30
# 4 MB of file: Lambda takes at most 6 MB of request (and of response) when API Gateway
# calls it, so the 5.4 MB of base64 JSON fit, and so does the file served back (binary
# answers travel base64-encoded); API Gateway's own 10 MB is not the limit that binds.
MAX_CERTIFICATE_BYTES = 4 * 1024 * 1024
MAX_CERTIFICATE_TEXT = "4 Mo"
# Certificates are health data: their files live under their own prefix of the files
# bucket, which an S3 lifecycle rule empties this many days after each upload
# (infra/template.py; docs/data.md, « Retention »). The decision (status, who, when) stays
# on the report: it is what the invoice and any credit rest on.
CERTIFICATE_PREFIX = "certificats/"
CERTIFICATE_RETENTION_DAYS = 365
CERTIFICATE_TYPES = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png",
                     "image/heic": "heic"}


@dataclass(frozen=True)
class SicknessSettings:
    """Per commune: whether parents may report, until when on the day, and the bill."""
    enabled: bool = True
    cutoff: time = time(8, 30)
    billing: str = CERTIFICATE
    certificate_days: int = 2


@dataclass(frozen=True)
class Certificate:
    """A medical certificate handed in for a sick report (the file is in S3)."""
    key: str
    content_type: str
    size: int
    uploaded_at: datetime
    status: str = PENDING
    decided_by: str = ""
    decided_at: datetime | None = None
    note: str = ""


@dataclass(frozen=True)
class SickReport:
    """One child's sick day, with the services booked that day when it was reported."""
    child_id: str
    family: str
    day: date
    services: tuple[str, ...]
    reported_at: datetime
    reported_by: str
    certificate: Certificate | None = field(default=None)


class SickReportTooLate(Conflict):
    code = "sick_report_too_late"


class SickReportsOff(Conflict):
    code = "sick_reports_off"
    message = ("La commune ne prend pas les signalements de maladie en ligne : "
               "prévenez la mairie.")


class CancelInstead(Conflict):
    code = "sick_report_cancel_instead"


def sickness_to_dict(settings: SicknessSettings) -> dict[str, Any]:
    """The settings as stored and as the API shows them."""
    return {"enabled": settings.enabled, "cutoff": settings.cutoff.strftime("%H:%M"),
            "billing": settings.billing, "certificate_days": settings.certificate_days}


def sickness_from_dict(data: Any) -> SicknessSettings:
    """Stored settings (absent on communes set up before: the defaults)."""
    if not isinstance(data, dict):
        return SicknessSettings()
    return parse_sickness(data, SicknessSettings())


def parse_sickness(data: Any, current: SicknessSettings) -> SicknessSettings:
    """Validate a staff edit of « Enfant malade »; fields left out keep their value."""
    if not isinstance(data, dict):
        raise ValidationError("Paramètres « Enfant malade » invalides.", field="sickness",
                              code="invalid_sickness")
    enabled = data.get("enabled", current.enabled)
    if not isinstance(enabled, bool):
        raise ValidationError("« enabled » doit valoir true ou false.",
                              field="sickness.enabled", code="invalid_sickness")
    cutoff = current.cutoff
    if "cutoff" in data:
        match = HHMM.fullmatch(data["cutoff"]) if isinstance(data["cutoff"], str) else None
        if match is None:
            raise ValidationError("Heure limite invalide (HH:MM, par exemple 08:30).",
                                  field="sickness.cutoff", code="invalid_sickness")
        cutoff = time(int(match.group(1)), int(match.group(2)))
    billing = data.get("billing", current.billing)
    if billing not in RULES:
        raise ValidationError("Règle de facturation inconnue (billed, free, carence ou "
                              "certificate).", field="sickness.billing",
                              code="invalid_sickness")
    days = data.get("certificate_days", current.certificate_days)
    if isinstance(days, bool) or not isinstance(days, int) \
            or not 1 <= days <= MAX_CERTIFICATE_DAYS:
        raise ValidationError(f"Le délai du certificat doit être de 1 à "
                              f"{MAX_CERTIFICATE_DAYS} jours.",
                              field="sickness.certificate_days", code="invalid_sickness")
    return SicknessSettings(enabled, cutoff, billing, days)


def report_cutoff(day: date, settings: SicknessSettings) -> datetime:
    """Until when a sick day can be reported: the cut-off time on the day itself."""
    return paris_datetime(day, settings.cutoff)


def check_report(day: date, booked: Iterable[tuple[str, Any]], settings: SicknessSettings,
                 calendar: SchoolCalendar, now: datetime) -> tuple[str, ...]:
    """The services a sick report of ``day`` covers, or the reason it is refused.

    ``booked`` pairs each service booked that day with its deadline policy. A day whose
    bookings can still be cancelled is cancelled, not reported: that costs nothing.
    """
    booked = list(booked)
    if not settings.enabled:
        raise SickReportsOff()
    if not booked:
        raise ValidationError(f"Rien n'est réservé le {day.strftime('%d/%m/%Y')} : il n'y "
                              "a pas d'absence à signaler.", field="date", code="not_booked")
    limit = report_cutoff(day, settings)
    if now.astimezone(UTC) >= limit.astimezone(UTC):
        raise SickReportTooLate(
            f"Trop tard pour signaler une maladie le {day.strftime('%d/%m/%Y')} : c'était "
            f"possible jusqu'à {settings.cutoff.strftime('%H:%M')} le jour même. "
            "Prévenez la mairie.", details={"cutoff": limit.isoformat()})
    open_ = [code for code, policy in booked if policy is not None
             and now.astimezone(UTC) < cancellation_deadline(day, policy, calendar)
             .astimezone(UTC)]
    if open_:
        raise CancelInstead(
            f"Le {day.strftime('%d/%m/%Y')} peut encore être annulé sans frais : décochez-le "
            "dans la grille des inscriptions.", details={"services": sorted(open_)})
    return tuple(code for code, _ in booked)


def check_certificate(data: bytes, declared: Any) -> str:
    """The certificate's content type, read from its first bytes; the declared type must
    agree (a renamed executable is refused whatever it claims to be)."""
    if not data:
        raise ValidationError("Le fichier est vide.", field="content_base64",
                              code="certificate_empty")
    if len(data) > MAX_CERTIFICATE_BYTES:
        raise ValidationError(f"Le fichier dépasse {MAX_CERTIFICATE_TEXT} : prenez une photo "
                              "moins lourde ou un PDF.", field="content_base64", code="certificate_too_large")
    found = sniff(data)
    if found is None or (declared not in (None, "") and declared != found):
        raise ValidationError("Type de fichier refusé : envoyez un PDF ou une photo (JPEG, "
                              "PNG ou HEIC).", field="content_type",
                              code="certificate_type")
    return found


def sniff(data: bytes) -> str | None:
    """PDF, JPEG, PNG or HEIC from the magic bytes, else None."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(data) >= 12 and data[4:8] == b"ftyp" and data[8:12] in (
            b"heic", b"heix", b"mif1", b"msf1", b"heim", b"heis", b"hevc"):
        return "image/heic"
    return None


def runs(days: Iterable[date], calendar: SchoolCalendar) -> list[list[date]]:
    """Sick days grouped into runs of consecutive school days (Friday then Monday is one
    run: the weekend in between has no school)."""
    result: list[list[date]] = []
    for day in sorted(set(days)):
        if result and calendar.previous_school_day(day, 1) == result[-1][-1]:
            result[-1].append(day)
        else:
            result.append([day])
    return result


def _certified(run: list[date], reports: dict[date, SickReport], within: int) -> bool:
    """Whether a certificate accepted by staff was handed in within ``within`` days of
    the run's first day, on any day of the run."""
    last = run[0] + timedelta(days=within)
    for day in run:
        cert = reports[day].certificate
        if cert is not None and cert.status == ACCEPTED \
                and cert.uploaded_at.date() <= last:
            return True
    return False


def sick_charges(reports: Iterable[SickReport], settings: SicknessSettings,
                 calendar: SchoolCalendar) -> dict[tuple[str, date], str]:
    """What the invoice does with each reported (child, day): billed, free, or billed as
    the jour de carence. Pass the reports from before the billed month too: a run that
    began then decides the first days of the month."""
    by_child: dict[str, dict[date, SickReport]] = {}
    for report in reports:
        by_child.setdefault(report.child_id, {})[report.day] = report
    charges: dict[tuple[str, date], str] = {}
    for child_id, days in by_child.items():
        for run in runs(days, calendar):
            for index, day in enumerate(run):
                if settings.billing == FREE:
                    charge = CHARGE_FREE
                elif settings.billing == CARENCE:
                    charge = CHARGE_CARENCE if index == 0 else CHARGE_FREE
                elif settings.billing == CERTIFICATE:
                    charge = CHARGE_FREE if _certified(run, days, settings.certificate_days) \
                        else CHARGE_BILLED
                else:
                    charge = CHARGE_BILLED
                charges[(child_id, day)] = charge
    return charges


def refunds_due(invoices: Iterable[tuple[str, list[dict[str, Any]]]], child_id: str,
                days: Iterable[date], charges: dict[tuple[str, date], str]
                ) -> dict[str, dict[date, int]]:
    """What invoices already issued billed for ``child_id`` on ``days`` that the commune's
    rule now leaves free (a certificate accepted after the month was invoiced): per
    invoice number, per day, in cents. ``invoices`` are (number, stored lines)."""
    wanted = set(days)
    due: dict[str, dict[date, int]] = {}
    for number, lines in invoices:
        for line in lines:
            if line.get("child_id") != child_id or line.get("kind") not in BILLED_KINDS:
                continue
            billed = [date.fromisoformat(d) for d in line.get("days") or ()]
            if not billed:
                continue
            # A sick day is one absent session: each day of the line bills its share.
            per_day = int(line["amount_cents"]) // len(billed)
            for day in billed:
                if day in wanted and charges.get((child_id, day)) == CHARGE_FREE \
                        and per_day > 0:
                    owed = due.setdefault(number, {})
                    owed[day] = owed.get(day, 0) + per_day
    return due
