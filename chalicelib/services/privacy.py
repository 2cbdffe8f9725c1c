"""RGPD: what a family can obtain about itself."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from chalicelib.domain.accounts import Child, Family
from chalicelib.domain.attendance import AttendanceRecord
from chalicelib.domain.sepa import Mandate
from chalicelib.domain.sickness import SickReport
from chalicelib.storage.attendance import AttendanceRepository
from chalicelib.storage.bookings import BookingRepository
from chalicelib.storage.mandates import MandateRepository
from chalicelib.storage.sickness import SickReportRepository
from chalicelib.storage.typical_weeks import TypicalWeekRepository

_EVER = (date(2000, 1, 1), date(2099, 12, 31))


@dataclass(frozen=True)
class ChildRecords:
    """Everything held about one child: booked days (the services of each, sorted), the
    bookings the commune cancelled (day, service, reason, when), attendance records, and
    the typical week the family saved (ISO weekday → services; empty if none), and the
    days it waits for a place (day, service)."""
    child: Child
    bookings: list[tuple[date, tuple[str, ...]]]
    cancelled: list[tuple[date, str, str, datetime]]
    attendance: list[AttendanceRecord]
    typical_week: dict[int, tuple[str, ...]]
    waiting: list[tuple[date, str]]
    sick_days: list[SickReport] = field(default_factory=list)  # « malade », certificates


class PrivacyService:
    """Gathers the family's copy of its data (right of access, art. 15)."""

    def __init__(self, bookings: BookingRepository, attendance: AttendanceRepository,
                 typical_weeks: TypicalWeekRepository,
                 sick: SickReportRepository | None = None,
                 mandates: MandateRepository | None = None) -> None:
        self._bookings = bookings
        self._attendance = attendance
        self._typical_weeks = typical_weeks
        self._sick = sick
        self._mandates = mandates

    def export_mandates(self, family: Family) -> list[Mandate]:
        """The family's direct-debit mandates, revoked ones included, oldest first."""
        return self._mandates.of_family(family.number) if self._mandates else []

    def export_family(self, family: Family) -> list[ChildRecords]:
        """Every booking and attendance record of each of the family's children."""
        weeks = self._typical_weeks.of_family(family.number)
        sick = self._sick.for_family(family.number, *_EVER) if self._sick else []
        children = []
        for child in family.children:
            days = sorted(self._bookings.days(child.id, *_EVER).items())
            children.append(ChildRecords(
                child,
                [(d, tuple(sorted(entry.services))) for d, entry in days if entry.services],
                [(d, r.service, r.reason, r.at) for d, entry in days for r in entry.released],
                self._attendance.for_child(child.id),
                {day: tuple(sorted(services))
                 for day, services in sorted(weeks.get(child.id, {}).items())},
                [(d, service) for d, entry in days for service in sorted(entry.waiting)],
                [r for r in sick if r.child_id == child.id]))
        return children
