"""School calendar of a commune: public holidays, school holidays by zone, closures."""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache, lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import holidays
from vacances_scolaires_france import SchoolHolidayDates, UnsupportedYearException

from chalicelib.domain.errors import ValidationError
from chalicelib.domain.text import clean_line

PARIS = ZoneInfo("Europe/Paris")
ZONES = ("A", "B", "C")
LABEL_MAX = 100
MAX_CLOSURE_DAYS = 366
# A whole summer break is about 60 days; a year without a single school day is a
# misconfiguration, so counting back stops there instead of looping for ever.
_MAX_SCAN_DAYS = 366
# fromisoformat also takes "20261208" or "2026-W50-2" since 3.11: accept only YYYY-MM-DD.
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# The calendar's sources (holiday packages) cover these years; beyond is a typo. Bounding
# every date read from a request also keeps date arithmetic (a week, a term) far from
# the year 9999, where Python's dates end.
MIN_YEAR, MAX_YEAR = 2000, 2099


@dataclass(frozen=True)
class Closure:
    """A commune closure (strike, "pont", school trip); start and end are inclusive."""

    id: str
    start: date
    end: date
    label: str


@dataclass(frozen=True)
class DayInfo:
    """What the calendar knows about one day."""

    date: date
    public_holiday: str | None
    school_holiday: str | None
    closure: str | None
    school_day: bool

    def why_closed(self) -> str:
        """Why no service runs that day, in French ("fermeture « Grève »", "jour férié
        (Armistice)", "vacances de la toussaint", "pas d'école ce jour-là")."""
        if self.closure:
            return f"fermeture « {self.closure} »"
        if self.public_holiday:
            return f"jour férié ({self.public_holiday})"
        if self.school_holiday:
            return self.school_holiday.lower()
        return "pas d'école ce jour-là"


# Why a day or a checkbox cannot be booked: stable codes for programs, French labels in
# the words of the parents' guides for people.
NO_SCHOOL = "no_school"
SCHOOL_HOLIDAY = "school_holiday"
PUBLIC_HOLIDAY = "public_holiday"
CLOSURE = "closure"


@dataclass(frozen=True)
class DayReason:
    """Why a day (or one service of it) cannot be booked: a stable code and its label."""

    code: str
    label: str

    def to_dict(self) -> dict[str, str]:
        """As the API shows it."""
        return {"code": self.code, "label": self.label}


def why_closed(info: DayInfo) -> DayReason | None:
    """Why no service runs that day, or None on a school day. A closure wins (staff set
    it on purpose), then a public holiday, then school holidays, then "no school"."""
    if info.school_day:
        return None
    if info.closure:
        return DayReason(CLOSURE, f"fermeture ({info.closure})")
    if info.public_holiday:
        return DayReason(PUBLIC_HOLIDAY, f"jour férié ({info.public_holiday})")
    if info.school_holiday:
        return DayReason(SCHOOL_HOLIDAY, info.school_holiday)
    return DayReason(NO_SCHOOL, "pas d'école ce jour-là")


@cache
def _public_holidays(year: int) -> dict[date, str]:
    """French public holidays of one year, with French names ("Noël", "Armistice")."""
    return dict(holidays.France(years=year, language="fr"))


@lru_cache(maxsize=1)
def _school_holiday_dates() -> SchoolHolidayDates:
    """The package reads its whole CSV on construction: load it once per process."""
    return SchoolHolidayDates()


@cache
def _school_holidays(year: int, zone: str) -> dict[date, str]:
    """School holiday names of one zone and year; empty for years the package lacks."""
    try:
        rows = _school_holiday_dates().holidays_for_year_and_zone(year, zone)
    except UnsupportedYearException:
        # Outside the package's data (1990..2028 in 0.12.0) nothing is known: the
        # commune still sees its weekdays as school days and adds closures by hand.
        return {}
    return {d: row["nom_vacances"] for d, row in rows.items()}


class SchoolCalendar:
    """School days of one commune: its weekdays minus holidays and closures."""

    def __init__(self, school_days: Iterable[int], zone: str,
                 closures: Iterable[Closure] = ()) -> None:
        days = frozenset(school_days)
        if not days or any(isinstance(d, bool) or not isinstance(d, int) or not 1 <= d <= 7
                           for d in days):
            raise ValidationError(
                "Les jours d'école doivent être des jours de la semaine (1 à 7), au moins un.",
                field="school_days")
        if zone not in ZONES:
            raise ValidationError("La zone de vacances doit être A, B ou C.", field="zone")
        self.school_days = days
        self.zone = zone
        self.closures = tuple(sorted(closures, key=lambda c: (c.start, c.end)))

    def _closure(self, d: date) -> str | None:
        # Few closures per commune: a scan is cheaper than expanding ranges to days.
        for c in self.closures:
            if c.start <= d <= c.end:
                return c.label
        return None

    def day(self, d: date) -> DayInfo:
        """Describe one day: holidays, closure and whether school runs."""
        public = _public_holidays(d.year).get(d)
        school = _school_holidays(d.year, self.zone).get(d)
        closure = self._closure(d)
        is_school = (d.isoweekday() in self.school_days
                     and public is None and school is None and closure is None)
        return DayInfo(d, public, school, closure, is_school)

    def is_school_day(self, d: date) -> bool:
        """True when school runs on that day."""
        return self.day(d).school_day

    def previous_school_day(self, d: date, n: int = 1) -> date:
        """The nth school day strictly before d."""
        if n < 1:
            raise ValueError("n must be at least 1")
        current = d
        for _ in range(n):
            for _ in range(_MAX_SCAN_DAYS):
                current -= timedelta(days=1)
                if self.is_school_day(current):
                    break
            else:
                raise ValueError(f"no school day in the {_MAX_SCAN_DAYS} days before {current}")
        return current

    def month_days(self, year: int, month: int) -> list[DayInfo]:
        """Every day of a month, in order."""
        first = date(year, month, 1)
        result = []
        d = first
        while d.month == first.month:
            result.append(self.day(d))
            d += timedelta(days=1)
        return result


def parse_date(value: Any, field: str) -> date:
    """A strict YYYY-MM-DD date between MIN_YEAR and MAX_YEAR, or ValidationError on
    ``field``."""
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise ValidationError("Date invalide (format attendu AAAA-MM-JJ).", field=field)
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise ValidationError("Date invalide (format attendu AAAA-MM-JJ).", field=field) from None
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise ValidationError(f"Date hors de la période gérée ({MIN_YEAR}-{MAX_YEAR}).",
                              field=field, code="date_out_of_range")
    return day


def each_day(start: date, end: date) -> Iterable[date]:
    """The days from ``start`` to ``end``, both included."""
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def query_period(query: dict[str, str], today: date, max_days: int,
                 default_days: int = 6) -> tuple[date, date]:
    """The ``from``/``to`` days of a query (default: today and the next ``default_days``),
    at most ``max_days`` long, or ValidationError."""
    start = parse_date(query["from"], "from") if query.get("from") else today
    end = parse_date(query["to"], "to") if query.get("to") else start + timedelta(days=default_days)
    if end < start:
        raise ValidationError("La date de fin précède la date de début.", field="to")
    if (end - start).days >= max_days:
        raise ValidationError(f"Période trop longue ({max_days} jours au plus).", field="to")
    return start, end


def parse_closure(data: dict, *, closure_id: str = "") -> Closure:
    """Validate {"start", "end", "label"} into a Closure; the id comes from the server."""
    if not isinstance(data, dict):
        raise ValidationError("Fermeture invalide.", field="closure")
    start = parse_date(data.get("start"), "start")
    end = parse_date(data.get("end"), "end")
    if start > end:
        raise ValidationError("La date de fin doit être postérieure ou égale à la date de début.",
                              field="end")
    if (end - start).days >= MAX_CLOSURE_DAYS:
        # Every booking of every closed day is cancelled: a year-long slip would be costly.
        raise ValidationError(f"Une fermeture dure au plus {MAX_CLOSURE_DAYS} jours.",
                              field="end")
    label = data.get("label")
    label = clean_line(label) if isinstance(label, str) else ""
    if not 1 <= len(label) <= LABEL_MAX:
        raise ValidationError(f"Le libellé doit faire entre 1 et {LABEL_MAX} caractères.",
                              field="label")
    return Closure(closure_id, start, end, label)
