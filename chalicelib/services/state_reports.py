"""The State's reports as CSV files: the CAF's activity report, the "cantine à 1 €"
claim and the caterer's weekly meal order (domain/state_reports.py counts; this reads).

Reads, all by key or index: the day's bookings (``by_day``) and each service's
attendance (``by_slot``) for the CAF; the months' invoices (``by_month``), the tariffs
(one partition) and the families (BatchGet) for the claim; the week's head counts (the
lock's frozen counts, else the bookings by day) and sick reports (``by_month``) for the
order.
"""
from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

from chalicelib.domain import csv_export
from chalicelib.domain import state_reports as reports
from chalicelib.domain.accounts import Family
from chalicelib.domain.calendar import each_day
from chalicelib.domain.errors import NotFound
from chalicelib.domain.pricing import parse_tariff
from chalicelib.services.commune import CommuneService
from chalicelib.services.headcounts import HeadcountService
from chalicelib.settings import PARIS
from chalicelib.storage.accounts import AccountRepository
from chalicelib.storage.attendance import AttendanceRepository
from chalicelib.storage.billing import BillingRepository
from chalicelib.storage.bookings import BookingRepository
from chalicelib.storage.sickness import SickReportRepository

REPORTS = ("caf", "meal_aid", "meal_order")


class StateReportService:
    """One CSV file per report, answered directly (each is small: a term, four months of
    invoices, a week)."""

    def __init__(self, commune: CommuneService, accounts: AccountRepository,
                 bookings: BookingRepository, attendance: AttendanceRepository,
                 billing: BillingRepository, headcounts: HeadcountService,
                 sick: SickReportRepository) -> None:
        self._commune = commune
        self._accounts = accounts
        self._bookings = bookings
        self._attendance = attendance
        self._billing = billing
        self._headcounts = headcounts
        self._sick = sick

    def export(self, name: str, query: dict[str, str], now: datetime) -> tuple[str, str]:
        """(file name, CSV text) of one report; bad parameters raise ValidationError."""
        today = now.astimezone(PARIS).date()
        if name == "caf":
            start, end = reports.caf_period(query, today)
            return (f"caf-activite_{start.isoformat()}_{end.isoformat()}.csv",
                    csv_export.render(reports.CAF_HEADER, self.caf_rows(start, end)))
        if name == "meal_aid":
            first, last = reports.claim_period(query)
            return (f"cantine-1-euro_{first}_{last}.csv",
                    csv_export.render(reports.AID_HEADER, self.aid_rows(first, last)))
        if name == "meal_order":
            monday = reports.order_week(query)
            return (f"commande-repas_{monday.isoformat()}.csv",
                    csv_export.render(reports.ORDER_HEADER, self.order_rows(monday)))
        raise NotFound()

    def caf_rows(self, start: date, end: date) -> list[list]:
        """The CAF's rows for the service days from ``start`` to ``end``."""
        settings = self._commune.get()
        calendar = settings.calendar()
        services = [s for s in settings.active_services() if s.hours_minutes > 0]
        care: list[reports.CareDay] = []
        families: set[str] = set()
        for day in each_day(start, end):
            if not calendar.is_school_day(day):
                continue  # nothing is billed outside a service day: nothing declared
            booked: dict[tuple[str, str], str] = {}
            for child_id, family, codes in self._bookings.on_day(day):
                for code in codes:
                    booked[(child_id, code)] = family
            for service in services:
                records = self._attendance.for_slot(day, service.code)
                children = {c for c, code in booked if code == service.code} | set(records)
                for child_id in sorted(children):
                    record = records.get(child_id)
                    if reports.counts_for_caf(service.mode, (child_id, service.code) in booked,
                                              record.status if record else None,
                                              record.justified if record else False):
                        care.append(reports.CareDay(child_id, day, service.code))
                        families.add(booked.get((child_id, service.code))
                                     or (record.family if record else ""))
        found = self._accounts.get_families(sorted(f for f in families if f))
        children_info = {
            child.id: reports.ChildInfo(family.number, f"{child.first_name} {child.last_name}",
                                        child.birth_date)
            for family in found.values() for child in family.children}
        return reports.caf_activity(care, children_info,
                                    {s.code: s.hours_minutes for s in services},
                                    [(s.code, s.label) for s in services])

    def aid_rows(self, first: str, last: str) -> list[list]:
        """The "cantine à 1 €" claim's rows for the months ``first`` to ``last``."""
        invoices = [reports.BilledInvoice(i.family, i.month, tuple(i.lines),
                                          i.credit_note is not None)
                    for month in reports.claim_months(first)
                    for i in self._billing.invoices_of_month(month)]
        families = self._accounts.get_families(sorted({i.family for i in invoices}))
        incomes = {number: reports.FamilyIncome(f.income.qf, f.income.effective_from)
                   for number, f in families.items()}
        tariffs = [parse_tariff(t) for t in self._billing.tariffs()]
        return reports.meal_aid_claim(invoices, incomes, tariffs, first, last)

    def order_rows(self, monday: date) -> list[list]:
        """The caterer's rows for the week of ``monday``."""
        sunday = monday + timedelta(days=6)
        rows = [r for r in self._headcounts.rows(monday, sunday) if r.count.service == "meal"]
        sick_reports = [r for r in self._sick.between(monday, sunday) if "meal" in r.services]
        families: dict[str, Family] = self._accounts.get_families(
            sorted({r.family for r in sick_reports})) if sick_reports else {}
        sick: dict[date, Counter] = {}
        for report in sick_reports:
            family = families.get(report.family)
            child = family.child(report.child_id) if family else None
            meal_type = child.meal_type if child else "standard"
            sick.setdefault(report.day, Counter())[meal_type] += 1
        return reports.meal_order(
            reports.DayMeals(r.count.day, r.locked, r.count.by_meal_type,
                             sick.get(r.count.day, Counter()))
            for r in rows)
