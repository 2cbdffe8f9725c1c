"""The office's CSV exports: head counts, bookings, attendance, families."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from itertools import groupby
from typing import Any

from chalicelib.domain import csv_export
from chalicelib.domain.accounts import MEAL_TYPE_LABELS, MEAL_TYPES, Family
from chalicelib.domain.calendar import each_day, query_period
from chalicelib.domain.errors import DomainError, NotFound
from chalicelib.services.commune import CommuneService
from chalicelib.services.headcounts import HeadcountService
from chalicelib.storage.accounts import AccountRepository
from chalicelib.storage.attendance import AttendanceRepository
from chalicelib.storage.bookings import BookingRepository

MAX_EXPORT_DAYS = 93      # a file answered directly: a school term
# A file written to S3 by the background job (services.export_jobs): a school year and more.
MAX_FILE_DAYS = 400
EXPORTS = ("headcounts", "bookings", "attendance", "families")
# Lambda answers at most 6 MB, in base64 for a CSV through API Gateway's binary types or
# not: a file answered directly stays well below, bigger ones are asked for as a file.
MAX_DIRECT_BYTES = 4 * 1024 * 1024

Page = list[list[Any]]
FAMILIES_PAGE = 100
HEADCOUNT_HEADER = ["Date", "Prestation", "Total"] + [MEAL_TYPE_LABELS[t] for t in MEAL_TYPES] \
    + ["Malades", "À préparer", "Statut"]
ATTENDANCE_HEADER = ["Date", "Prestation", "N° famille", "Famille", "Enfant", "Statut",
                     "Arrivée", "Départ", "Retard (min)", "Absence justifiée", "Motif"]
FAMILIES_HEADER = ["N° famille", "Nom", "Adresse mail", "Seconde adresse mail", "Téléphones",
                   "Adresse", "Quotient familial", "Date d'effet du quotient", "Enfants",
                   "Archivée"]


class ExportTooLarge(DomainError):
    status = 413
    code = "export_too_large"
    message = ("Cet export est trop volumineux pour être téléchargé directement : "
               "demandez-le en fichier (« Préparer le fichier »).")


@dataclass(frozen=True)
class ExportSource:
    """One export, ready to be written page by page: its file name, its header, its pages
    of rows (one day, or one page of families, read as it is written) and, when known
    beforehand, how many pages there are (the days of the period)."""
    file_name: str
    header: list[str]
    pages: Iterator[Page]
    pages_total: int | None


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
        """(file name, CSV text) of one export answered directly; a file too big for an
        answer is refused with ``export_too_large`` (ask for it as a file instead)."""
        source = self.source(name, self.period(name, query, now, MAX_EXPORT_DAYS))
        parts = [csv_export.head(source.header)]
        size = 0
        for page in source.pages:
            text = csv_export.lines(page)
            size += len(text)  # characters: at most the bytes, the guard stays honest
            if size > MAX_DIRECT_BYTES:
                raise ExportTooLarge()
            parts.append(text)
        return source.file_name, "".join(parts)

    @staticmethod
    def period(name: str, query: dict[str, str], now: datetime,
               max_days: int) -> tuple[date, date] | None:
        """The export's period from the query (None for the families' list), checked."""
        if name not in EXPORTS:
            raise NotFound()
        if name == "families":
            return None
        return query_period(query, now.date(), max_days)

    def source(self, name: str, period: tuple[date, date] | None) -> ExportSource:
        """The export's rows, page by page (``period`` as ``period()`` gave it)."""
        if name not in EXPORTS:
            raise NotFound()
        if name == "families" or period is None:
            return ExportSource("familles.csv", FAMILIES_HEADER, self._families_pages(), None)
        start, end = period
        suffix = f"{start.isoformat()}_{end.isoformat()}.csv"
        days = (end - start).days + 1
        if name == "headcounts":
            return ExportSource(f"effectifs_{suffix}", HEADCOUNT_HEADER,
                                self._headcounts_pages(start, end), days)
        if name == "bookings":
            header, pages = self._bookings_pages(start, end)
            return ExportSource(f"reservations_{suffix}", header, pages, days)
        return ExportSource(f"pointage_{suffix}", ATTENDANCE_HEADER,
                            self._attendance_pages(start, end), days)

    def _headcounts_pages(self, start: date, end: date) -> Iterator[Page]:
        # A few rows a school day, read for the whole period at once (frozen counts and
        # sick reports by month): one page a day with rows, for the progress.
        rows = ([r.count.day, r.label, r.count.total]
                # Meal types are the kitchen's: a garderie row leaves them empty.
                + [int(r.count.by_meal_type.get(t, 0)) if r.diets else "" for t in MEAL_TYPES]
                # Reported sick since (also after the lock): the count to cook drops.
                + [r.sick, r.count.total - r.sick]
                + ["Verrouillé" if r.locked else "Provisoire"]
                for r in self._headcounts.rows(start, end))
        by_day = {day: list(page) for day, page in groupby(rows, key=lambda row: row[0])}
        for day in each_day(start, end):
            yield by_day.get(day, [])

    def _bookings_pages(self, start: date, end: date) -> tuple[list[str], Iterator[Page]]:
        services = self._commune.get().bookable_services()
        header = ["Date", "N° famille", "Famille", "Enfant", "Classe", "Régime"] \
            + [s.label for s in services]

        def pages() -> Iterator[Page]:
            families: dict[str, Family] = {}
            for day in each_day(start, end):
                booked = self._bookings.on_day(day)  # one Query of the day's index
                missing = [f for _, f, _ in booked if f not in families]
                if missing:
                    families.update(self._accounts.get_families(missing))
                rows = []
                for child_id, number, codes in sorted(booked):
                    family = families.get(number)
                    child = family.child(child_id) if family else None
                    if family is None or child is None:
                        continue
                    rows.append([day, number, family.name,
                                 f"{child.first_name} {child.last_name}", child.class_name,
                                 MEAL_TYPE_LABELS.get(child.meal_type, "")]
                                + [s.code in codes for s in services])
                yield rows
        return header, pages()

    def _attendance_pages(self, start: date, end: date) -> Iterator[Page]:
        settings = self._commune.get()
        families: dict[str, Family] = {}
        for day in each_day(start, end):
            rows = []
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
            yield rows

    def _families_pages(self) -> Iterator[Page]:
        # The index is read page by page as the file is written (pynamodb's query pages
        # lazily): a page of the file per hundred families.
        page: Page = []
        for f in self._accounts.all_families():
            page.append([f.number, f.name, f.emails[0] if f.emails else "",
                         f.emails[1] if len(f.emails) > 1 else "", ", ".join(f.phones),
                         f.address, f.income.qf, f.income.effective_from,
                         ", ".join(f"{c.first_name} {c.last_name}" for c in f.active_children()),
                         f.archived])
            if len(page) == FAMILIES_PAGE:
                yield page
                page = []
        if page:
            yield page
