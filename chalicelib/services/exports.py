"""The office's CSV exports: head counts, bookings, attendance, families."""
from __future__ import annotations

from datetime import date, datetime

from chalicelib.domain import csv_export
from chalicelib.domain.accounts import MEAL_TYPE_LABELS, MEAL_TYPES, Family
from chalicelib.domain.calendar import each_day, query_period
from chalicelib.domain.errors import NotFound
from chalicelib.services.commune import CommuneService
from chalicelib.services.headcounts import HeadcountService
from chalicelib.storage.accounts import AccountRepository
from chalicelib.storage.attendance import AttendanceRepository
from chalicelib.storage.bookings import BookingRepository

MAX_EXPORT_DAYS = 93      # a school term: the biggest export stays well under a megabyte
EXPORTS = ("headcounts", "bookings", "attendance", "families")


class ExportService:
    """One CSV file per export, for a period (the families' list has none)."""

    def __init__(self, commune: CommuneService, accounts: AccountRepository,
                 bookings: BookingRepository, attendance: AttendanceRepository,
                 headcounts: HeadcountService) -> None:
        self._commune = commune
        self._accounts = accounts
        self._bookings = bookings
        self._attendance = attendance
        self._headcounts = headcounts

    def export(self, name: str, query: dict[str, str], now: datetime) -> tuple[str, str]:
        """(file name, CSV text) of one export."""
        if name not in EXPORTS:
            raise NotFound()
        if name == "families":
            return "familles.csv", self._families_csv()
        start, end = query_period(query, now.date(), MAX_EXPORT_DAYS)
        suffix = f"{start.isoformat()}_{end.isoformat()}.csv"
        if name == "headcounts":
            return f"effectifs_{suffix}", self._headcounts_csv(start, end)
        if name == "bookings":
            return f"reservations_{suffix}", self._bookings_csv(start, end)
        return f"pointage_{suffix}", self._attendance_csv(start, end)

    def _headcounts_csv(self, start: date, end: date) -> str:
        header = ["Date", "Prestation", "Total"] + [MEAL_TYPE_LABELS[t] for t in MEAL_TYPES] \
            + ["Malades", "À préparer", "Statut"]
        rows = ([r.count.day, r.label, r.count.total]
                # Meal types are the kitchen's: a garderie row leaves them empty.
                + [int(r.count.by_meal_type.get(t, 0)) if r.diets else "" for t in MEAL_TYPES]
                # Reported sick since (also after the lock): the count to cook drops.
                + [r.sick, r.count.total - r.sick]
                + ["Verrouillé" if r.locked else "Provisoire"]
                for r in self._headcounts.rows(start, end))
        return csv_export.render(header, rows)

    def _bookings_csv(self, start: date, end: date) -> str:
        settings = self._commune.get()
        services = settings.bookable_services()
        header = ["Date", "N° famille", "Famille", "Enfant", "Classe", "Régime"] \
            + [s.label for s in services]
        families: dict[str, Family] = {}
        rows = []
        for day in each_day(start, end):
            booked = self._bookings.on_day(day)
            missing = [f for _, f, _ in booked if f not in families]
            if missing:
                families.update(self._accounts.get_families(missing))
            for child_id, number, codes in sorted(booked):
                family = families.get(number)
                child = family.child(child_id) if family else None
                if family is None or child is None:
                    continue
                rows.append([day, number, family.name, f"{child.first_name} {child.last_name}",
                             child.class_name, MEAL_TYPE_LABELS.get(child.meal_type, "")]
                            + [s.code in codes for s in services])
        return csv_export.render(header, rows)

    def _attendance_csv(self, start: date, end: date) -> str:
        settings = self._commune.get()
        header = ["Date", "Prestation", "N° famille", "Famille", "Enfant", "Statut", "Arrivée",
                  "Départ", "Retard (min)", "Absence justifiée", "Motif"]
        families: dict[str, Family] = {}
        rows = []
        for day in each_day(start, end):
            for service in settings.active_services():
                records = self._attendance.for_slot(day, service.code)
                missing = [r.family for r in records.values() if r.family not in families]
                if missing:
                    families.update(self._accounts.get_families(missing))
                for record in sorted(records.values(), key=lambda r: r.child_id):
                    family = families.get(record.family)
                    child = family.child(record.child_id) if family else None
                    rows.append([day, service.label, record.family,
                                 family.name if family else "",
                                 f"{child.first_name} {child.last_name}" if child else record.child_id,
                                 "Présent" if record.status == "present" else "Absent",
                                 record.arrival, record.departure, record.late_minutes,
                                 record.justified if record.status == "absent" else None,
                                 record.reason])
        return csv_export.render(header, rows)

    def _families_csv(self) -> str:
        header = ["N° famille", "Nom", "Adresse mail", "Seconde adresse mail", "Téléphones",
                  "Adresse", "Quotient familial", "Date d'effet du quotient", "Enfants",
                  "Archivée"]
        rows = ([f.number, f.name, f.emails[0] if f.emails else "",
                 f.emails[1] if len(f.emails) > 1 else "", ", ".join(f.phones), f.address,
                 f.income.qf, f.income.effective_from,
                 ", ".join(f"{c.first_name} {c.last_name}" for c in f.active_children()),
                 f.archived]
                for f in self._accounts.all_families())
        return csv_export.render(header, rows)
