"""The typical week ("semaine type"): per school weekday, the services a child has, and
which days of a period it is applied to (every week, one in two, odd or even ISO weeks).

Pure rules: values in, values out. Applying a typical week sets *exactly* the pattern on
the selected days: its services booked, the other bookable services of those days
cancelled. Days off (holidays, closures) are skipped; weeks not selected are untouched.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from chalicelib.domain.bookings import MAX_PERIOD, Change, Refusal
from chalicelib.domain.calendar import SchoolCalendar, parse_date, why_closed
from chalicelib.domain.commune import CommuneSettings
from chalicelib.domain.errors import Unprocessable, ValidationError

EVERY_WEEK = "every_week"
# One week in two, counted from the week (Monday to Sunday) of the period's first day.
EVERY_OTHER_WEEK = "every_other_week"
# ISO week numbers, as custody judgments say "semaines impaires / paires". A year with 53
# ISO weeks (2026) gives two odd weeks in a row (53, then 1): that is what the rule says.
ODD_WEEKS = "odd_weeks"
EVEN_WEEKS = "even_weeks"
RECURRENCES = (EVERY_WEEK, EVERY_OTHER_WEEK, ODD_WEEKS, EVEN_WEEKS)
MAX_CHILDREN = 10


class TypicalWeekRefused(Unprocessable):
    """Some selected days would change but can no longer be: nothing was written."""
    code = "typical_week_refused"

    def __init__(self, refused: list[tuple[str, Refusal]]) -> None:
        last = max(r.date for _child, r in refused)
        super().__init__(
            "Certains jours ne peuvent plus être modifiés (date limite dépassée) ; rien n'a "
            f"été enregistré. Choisissez une période qui commence après le "
            f"{last.strftime('%d/%m/%Y')}.",
            details=[{"child_id": child, **r.to_dict()} for child, r in refused])


@dataclass(frozen=True)
class Application:
    """A request to apply the children's typical weeks to a period."""
    children: tuple[str, ...]
    start: date
    end: date
    recurrence: str


def parse_typical_week(data: Any, settings: CommuneSettings) -> dict[int, frozenset[str]]:
    """Validate ``{"days": {"1": ["meal", …], …}}``: school weekdays (1 = Monday) to
    bookable services. Every school weekday is in the answer (absent = nothing)."""
    raw = data.get("days") if isinstance(data, dict) else None
    if not isinstance(raw, dict):
        raise ValidationError("Indiquez les prestations de chaque jour de la semaine.",
                              field="days")
    bookable = {s.code for s in settings.bookable_services()}
    week: dict[int, frozenset[str]] = {d: frozenset() for d in sorted(settings.school_days)}
    for key, services in raw.items():
        field = f"days.{key}"
        if key not in {str(d) for d in settings.school_days}:
            raise ValidationError("Ce jour n'est pas un jour d'école de la commune.",
                                  field=field)
        if not isinstance(services, list) or any(not isinstance(s, str) for s in services) \
                or len(set(services)) != len(services):
            raise ValidationError("Liste de prestations invalide.", field=field)
        for index, code in enumerate(services):
            if code not in bookable:
                raise ValidationError("Cette prestation ne se réserve pas en ligne.",
                                      field=f"{field}[{index}]")
        week[int(key)] = frozenset(services)
    return week


def week_to_dict(week: dict[int, frozenset[str]], settings: CommuneSettings) -> dict[str, list]:
    """As the API shows it: every school weekday, its services in the commune's order."""
    order = [s.code for s in settings.bookable_services()]
    return {str(d): [c for c in order if c in week.get(d, frozenset())]
            for d in sorted(settings.school_days)}


def parse_application(data: Any) -> Application:
    """Validate ``{"children": [...], "from", "to", "recurrence"}``."""
    if not isinstance(data, dict):
        raise ValidationError("Requête invalide.", field="children")
    children = data.get("children")
    if not isinstance(children, list) or not children or \
            any(not isinstance(c, str) or not c for c in children) or \
            len(set(children)) != len(children) or len(children) > MAX_CHILDREN:
        raise ValidationError("Choisissez au moins un enfant (chacun une seule fois).",
                              field="children")
    start = parse_date(data.get("from"), "from")
    end = parse_date(data.get("to"), "to")
    if end < start:
        raise ValidationError("La date de fin précède la date de début.", field="to")
    if end - start > MAX_PERIOD:
        raise ValidationError("La période ne peut dépasser une année scolaire.", field="to")
    recurrence = data.get("recurrence")
    if recurrence not in RECURRENCES:
        raise ValidationError("Choisissez : toutes les semaines, une semaine sur deux, "
                              "semaines impaires ou semaines paires.", field="recurrence")
    return Application(tuple(children), start, end, recurrence)


def _monday(day: date) -> date:
    return day - timedelta(days=day.isoweekday() - 1)


def week_selected(day: date, start: date, recurrence: str) -> bool:
    """Whether the week holding ``day`` is one the recurrence applies to."""
    if recurrence == EVERY_WEEK:
        return True
    if recurrence == EVERY_OTHER_WEEK:
        return (_monday(day) - _monday(start)).days // 7 % 2 == 0
    parity = day.isocalendar().week % 2
    return parity == (1 if recurrence == ODD_WEEKS else 0)


def selected_days(start: date, end: date, recurrence: str,
                  weekdays: frozenset[int] | set[int]) -> list[date]:
    """The days of [start, end] on these weekdays in the selected weeks, in order."""
    days = []
    day = start
    while day <= end:
        if day.isoweekday() in weekdays and week_selected(day, start, recurrence):
            days.append(day)
        day += timedelta(days=1)
    return days


def changes_for(week: dict[int, frozenset[str]], application: Application,
                bookable: list[str], calendar: SchoolCalendar
                ) -> tuple[list[Change], list[Refusal]]:
    """The changes that set the week exactly on the selected days, and the days skipped
    because school is off (holidays, closures), as refusals for the period's summary."""
    changes: list[Change] = []
    skipped: list[Refusal] = []
    for day in selected_days(application.start, application.end, application.recurrence,
                             set(week)):
        closed = why_closed(calendar.day(day))
        if closed is not None:
            skipped.append(Refusal(day, "", "closed", closed))
            continue
        wanted = week.get(day.isoweekday(), frozenset())
        changes.extend(Change(day, code, code in wanted) for code in bookable)
    return changes, skipped
