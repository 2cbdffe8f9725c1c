"""How many children eat (or come) for one day and service, by meal type."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from chalicelib.domain.accounts import MEAL_TYPES, Family
from chalicelib.domain.calendar import each_day, query_period
from chalicelib.domain.jobs import Headcount
from chalicelib.services.commune import CommuneService
from chalicelib.storage.accounts import AccountRepository
from chalicelib.storage.bookings import BookingRepository
from chalicelib.storage.jobs import HeadcountRepository
from chalicelib.storage.sickness import SickReportRepository

MAX_HEADCOUNT_DAYS = 62


# The services whose head count is broken down by meal type: the kitchen cooks for them.
# A garderie or study count by diet means nothing and is not shown.
DIET_SERVICES = frozenset({"meal"})


def has_diets(service: str) -> bool:
    """Whether the meal-type columns apply to this service's count."""
    return service in DIET_SERVICES


def count_slot(day: date, service: str, booked: list[tuple[str, str, frozenset[str]]],
               families: dict[str, Family], accounts: AccountRepository) -> Headcount:
    """Count the children booked for ``service`` among a day's bookings.

    ``families`` is a cache shared across calls: the families it lacks are read in one
    batch. The kitchen does not cook for children who left (archived child or family).
    """
    rows = [(child_id, family) for child_id, family, services in booked if service in services]
    missing = [f for _, f in rows if f not in families]
    if missing:
        families.update(accounts.get_families(missing))
    by_type: Counter = Counter({t: 0 for t in MEAL_TYPES})
    for child_id, number in rows:
        family = families.get(number)
        child = family.child(child_id) if family else None
        if family is None or child is None or child.archived or family.archived:
            continue
        by_type[child.meal_type] += 1
    return Headcount(day, service, sum(by_type.values()), dict(by_type))


@dataclass(frozen=True)
class HeadcountRow:
    """One school day and service of the kitchen's counts: frozen by the lock
    (``locked``), else counted from the bookings now."""
    count: Headcount
    label: str
    diets: bool
    locked: bool
    # Children reported sick that day (after the lock, too): the kitchen cooks for
    # ``count.total - sick``, shown as "12 − 1 malade".
    sick: int = 0


class HeadcountService:
    """What the kitchen reads: how many children per day, service and meal type."""

    def __init__(self, commune: CommuneService, accounts: AccountRepository,
                 bookings: BookingRepository, headcounts: HeadcountRepository,
                 sick: SickReportRepository | None = None) -> None:
        self._commune = commune
        self._accounts = accounts
        self._bookings = bookings
        self._headcounts = headcounts
        self._sick = sick

    def headcounts(self, query: dict[str, str], now: datetime) -> list[HeadcountRow]:
        """Per day × service × meal type: frozen counts, else provisional ones."""
        start, end = query_period(query, now.date(), MAX_HEADCOUNT_DAYS)
        return self.rows(start, end)

    def rows(self, start: date, end: date) -> list[HeadcountRow]:
        """Head-count rows of the school days from ``start`` to ``end``."""
        settings = self._commune.get()
        calendar = settings.calendar()
        frozen = {(h.day, h.service): h for h in self._headcounts.between(start, end)}
        services = settings.bookable_services()
        rows: list[HeadcountRow] = []
        families: dict[str, Family] = {}
        sick: Counter = Counter()
        for report in (self._sick.between(start, end) if self._sick else []):
            for code in report.services:
                sick[(report.day, code)] += 1
        for day in each_day(start, end):
            if not calendar.is_school_day(day):
                continue
            live = None
            for service in services:
                count = frozen.get((day, service.code))
                locked = count is not None
                if count is None:
                    if live is None:
                        live = self._bookings.on_day(day)
                    count = count_slot(day, service.code, live, families, self._accounts)
                rows.append(HeadcountRow(count, service.label, has_diets(service.code), locked,
                                         min(sick[(day, service.code)], count.total)))
        return rows
