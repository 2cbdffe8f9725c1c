"""Sick reports: one item per child and sick day, in their own table (sick_reports).

Access patterns, each one Query:
- a family's reports (home page, grid, certificate upload): ``family`` + ``slot`` range;
- the reports of a month (staff list, the kitchen's counts, the agent's list, invoicing):
  index ``by_month`` (``month``, ``slot`` = date#child) with a date range on ``slot``.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pynamodb.exceptions import PutError

from chalicelib.domain.sickness import Certificate, SickReport
from chalicelib.storage.keys import is_condition_failure
from chalicelib.storage.models import SickReportModel


def _slot(day: date, child_id: str) -> str:
    return f"{day.isoformat()}#{child_id}"


def _certificate(data: Any) -> Certificate | None:
    if not data:
        return None
    decided = data.get("decided_at")
    return Certificate(data["key"], data["content_type"], int(data["size"]),
                       datetime.fromisoformat(data["uploaded_at"]), data["status"],
                       data.get("decided_by", ""),
                       datetime.fromisoformat(decided) if decided else None,
                       data.get("note", ""))


def certificate_to_dict(cert: Certificate) -> dict[str, Any]:
    """A certificate as stored."""
    return {"key": cert.key, "content_type": cert.content_type, "size": cert.size,
            "uploaded_at": cert.uploaded_at.isoformat(), "status": cert.status,
            "decided_by": cert.decided_by,
            "decided_at": cert.decided_at.isoformat() if cert.decided_at else None,
            "note": cert.note}


def _report(item: SickReportModel) -> SickReport:
    day = date.fromisoformat(item.slot.split("#", 1)[0])
    return SickReport(item.child_id, item.family, day, tuple(sorted(item.services or ())),
                      item.reported_at, item.reported_by, _certificate(item.certificate))


class SickReportRepository:
    """Writes a report once; reads them per family or per month."""

    def add(self, report: SickReport) -> bool:
        """Store a new report; False if that child's day was already reported."""
        item = SickReportModel(report.family, _slot(report.day, report.child_id),
                               month=report.day.strftime("%Y-%m"), child_id=report.child_id,
                               services=set(report.services), reported_at=report.reported_at,
                               reported_by=report.reported_by)
        try:
            item.save(condition=SickReportModel.slot.does_not_exist())
        except PutError as exc:
            if is_condition_failure(exc):
                return False
            raise
        return True

    def get(self, family: str, child_id: str, day: date) -> SickReport | None:
        """One report, or None."""
        try:
            return _report(SickReportModel.get(family, _slot(day, child_id)))
        except SickReportModel.DoesNotExist:
            return None

    def set_certificate(self, report: SickReport, cert: Certificate) -> None:
        """Attach (or replace) the report's certificate."""
        SickReportModel(report.family, _slot(report.day, report.child_id)).update(
            actions=[SickReportModel.certificate.set(certificate_to_dict(cert))],
            condition=SickReportModel.slot.exists())

    def for_family(self, family: str, start: date, end: date) -> list[SickReport]:
        """A family's reports between two dates (inclusive)."""
        return [_report(i) for i in SickReportModel.query(
            family, SickReportModel.slot.between(start.isoformat(), end.isoformat() + "#~"))]

    def between(self, start: date, end: date) -> list[SickReport]:
        """Every report between two dates (inclusive), one query per month."""
        found: list[SickReport] = []
        month = start.replace(day=1)
        while month <= end:
            found.extend(_report(i) for i in SickReportModel.by_month.query(
                month.strftime("%Y-%m"),
                SickReportModel.slot.between(start.isoformat(), end.isoformat() + "#~")))
            month = _next_month(month)
        return found


def _next_month(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)
