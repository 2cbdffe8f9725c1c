"""Reports the State and its partners ask of a commune, as tables for a CSV file:

- the CAF's activity report (prestation de service ordinaire, accueil périscolaire):
  hours of care per child, month and service, split under 6 / 6 and over;
- the "cantine à 1 €" claim: meals billed at 1 € or less per income bracket over four
  months, and the State's aid they give right to;
- the caterer's weekly meal order, per day and meal type.

Pure: the services read bookings, attendance, invoices and head counts; these functions
count them. Hours are whole minutes until the file shows them (``csv_export.Hours``).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from chalicelib.domain.accounts import MEAL_TYPE_LABELS, MEAL_TYPES
from chalicelib.domain.bookings import month_bounds
from chalicelib.domain.calendar import parse_date, query_period
from chalicelib.domain.commune import ATTENDANCE, BOOKED
from chalicelib.domain.csv_export import Cents, Hours
from chalicelib.domain.errors import ValidationError
from chalicelib.domain.money import month_label
from chalicelib.domain.pricing import (
    ABSENT,
    PRESENT,
    SERVICE,
    UNBOOKED,
    Bracket,
    Tariff,
    family_qf,
    tariff_for,
)

# -- the CAF's activity report ---------------------------------------------------------

UNDER_6, SIX_AND_OVER, AGE_UNKNOWN = "under_6", "6_and_over", "unknown"
AGE_GROUPS = (UNDER_6, SIX_AND_OVER, AGE_UNKNOWN)
CAF_HEADER = ["Mois", "N° famille", "Enfant", "Date de naissance", "Prestation", "Jours",
              "Heures moins de 6 ans", "Heures 6 ans et plus", "Heures âge inconnu",
              "Heures total"]
CAF_TOTAL = "Total du mois"
CAF_MAX_DAYS = 93  # a term: one Query of bookings and one per service a day


def age_on(birth_date: date, day: date) -> int:
    """Whole years on ``day`` (born 29 February: a year older on 1 March of other years)."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month,
                                                                  birth_date.day))


def age_group(birth_date: date | None, day: date) -> str:
    """Under 6, 6 and over (the age on that very day), or unknown without a birth date."""
    if birth_date is None:
        return AGE_UNKNOWN
    return UNDER_6 if age_on(birth_date, day) < 6 else SIX_AND_OVER


def counts_for_caf(mode: str, booked: bool, status: str | None, justified: bool) -> bool:
    """Whether a child's day of a service is an hour of care declared to the CAF: as the
    invoice counts it. A service staff point (``attendance``) counts the days the child
    was there; a booked one counts its booked days, less the absences excused (not
    billed), plus the days the child came without booking (billed as such)."""
    if mode == ATTENDANCE:
        return status == PRESENT
    if mode == BOOKED:
        if status == PRESENT:
            return True
        return booked and not (status == ABSENT and justified)
    return False


@dataclass(frozen=True)
class CareDay:
    """One child at one service on one day (counted for the CAF)."""
    child_id: str
    day: date
    service: str


@dataclass(frozen=True)
class ChildInfo:
    """A child as the report names it."""
    family: str
    name: str
    birth_date: date | None


def caf_activity(days: Iterable[CareDay], children: Mapping[str, ChildInfo],
                 minutes: Mapping[str, int], services: Iterable[tuple[str, str]]
                 ) -> list[list[Any]]:
    """The report's rows: per month, one row per child and service (its days and its
    minutes of care by age group), then one total row per service.

    ``minutes``: the minutes one session of each service counts; ``services``: (code,
    label) in display order — a service with no minutes is left out, as are children
    the report cannot name."""
    order = [(code, label) for code, label in services if minutes.get(code, 0) > 0]
    labels = dict(order)
    # (month, child, service) -> [days, minutes per age group]
    table: dict[tuple[str, str, str], list[Any]] = {}
    for care in days:
        child = children.get(care.child_id)
        if child is None or care.service not in labels:
            continue
        entry = table.setdefault((care.day.strftime("%Y-%m"), care.child_id, care.service),
                                 [0, dict.fromkeys(AGE_GROUPS, 0)])
        entry[0] += 1
        entry[1][age_group(child.birth_date, care.day)] += minutes[care.service]
    rank = {code: index for index, (code, _) in enumerate(order)}
    rows: list[list[Any]] = []
    for month in sorted({key[0] for key in table}):
        totals: dict[str, list[Any]] = {}
        keys = sorted((k for k in table if k[0] == month),
                      key=lambda k: (children[k[1]].family, children[k[1]].name, k[1],
                                     rank[k[2]]))
        for key in keys:
            _, child_id, service = key
            count, by_age = table[key]
            child = children[child_id]
            rows.append([month_label(month), child.family, child.name, child.birth_date,
                         labels[service], count]
                        + [Hours(by_age[g]) for g in AGE_GROUPS]
                        + [Hours(sum(by_age.values()))])
            total = totals.setdefault(service, [0, dict.fromkeys(AGE_GROUPS, 0)])
            total[0] += count
            for group in AGE_GROUPS:
                total[1][group] += by_age[group]
        for service, _ in order:
            if service in totals:
                count, by_age = totals[service]
                rows.append([month_label(month), "", CAF_TOTAL, None, labels[service], count]
                            + [Hours(by_age[g]) for g in AGE_GROUPS]
                            + [Hours(sum(by_age.values()))])
    return rows


def caf_period(query: Mapping[str, str], today: date) -> tuple[date, date]:
    """The report's days: ``month=YYYY-MM``, or ``from``/``to`` (YYYY-MM-DD) of at most a
    term; without either, last month (the one to declare)."""
    if query.get("month"):
        return month_bounds(query["month"])
    if query.get("from") or query.get("to"):
        if not (query.get("from") and query.get("to")):
            raise ValidationError("Indiquez le début et la fin de la période (AAAA-MM-JJ), "
                                  "ou un mois (AAAA-MM).", field="from", code="invalid_period")
        return query_period(dict(query), today, CAF_MAX_DAYS)
    return month_bounds((today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m"))


# -- "cantine à 1 €": the State's aid for a social tariff ------------------------------

# The "tarification sociale des cantines scolaires" (stratégie nationale de prévention et
# de lutte contre la pauvreté, in force since 1 April 2019): the State pays the commune
# an aid for each meal served and billed to a family at 1 € or less, under a tariff of at
# least three income brackets. The aid was raised from 2 € to 3 € a meal from 1 January
# 2021 (ministère des Solidarités, « Proposer une tarification sociale dans les
# cantines », solidarites.gouv.fr); the extra euro paid since 2024 to communes meeting
# the EGAlim objectives is not counted here. Claimed to the ASP per four-month period.
SOCIAL_MEAL_MAX_CENTS = 100
STATE_AID_PER_MEAL_CENTS = 300
CLAIM_MONTHS = 4
MEAL = "meal"
# Meals served and billed: the booked meal and the one eaten without booking. A sick day
# billed (jour de carence…) was not served, so it gives no right to the aid.
SERVED_KINDS = frozenset({SERVICE, UNBOOKED})
AID_HEADER = ["Période", "Tranche de quotient familial", "QF de", "QF à",
              "Repas facturés à 1 € ou moins", "Enfants", "Familles", "Aide demandée"]
UNKNOWN_BRACKET = "Quotient non connu à la date du repas"


def claim_period(query: Mapping[str, str]) -> tuple[str, str]:
    """The claim's first and last months (``from``, ``to``: YYYY-MM): four calendar
    months, the first to the last included."""
    first, last = query.get("from"), query.get("to")
    if not first:
        raise ValidationError("Indiquez le premier mois de la période (AAAA-MM).",
                              field="from", code="invalid_period")
    start = _month(first, "from")
    if last:
        end_first = _month(last, "to")
    else:
        end_first = _add_months(start, CLAIM_MONTHS - 1)
    if end_first != _add_months(start, CLAIM_MONTHS - 1):
        raise ValidationError("La demande d'aide porte sur quatre mois civils : du premier "
                              "au quatrième mois inclus (par exemple de 2026-09 à 2026-12).",
                              field="to", code="invalid_period")
    return start.strftime("%Y-%m"), end_first.strftime("%Y-%m")


def _month(value: str, field: str) -> date:
    try:
        return month_bounds(value)[0]
    except ValidationError as error:
        raise ValidationError(error.message, field=field, code="invalid_period") from None


def claim_months(first: str) -> list[str]:
    """The four months of a claim starting with ``first`` (YYYY-MM)."""
    start, _ = month_bounds(first)
    return [_add_months(start, n).strftime("%Y-%m") for n in range(CLAIM_MONTHS)]


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class BilledInvoice:
    """What the claim reads of an issued invoice: its family, month, lines and whether
    a credit note cancelled it."""
    family: str
    month: str
    lines: tuple[Mapping[str, Any], ...]
    cancelled: bool


@dataclass(frozen=True)
class FamilyIncome:
    """The family's quotient familial and the date it applies from."""
    qf: int | None
    effective_from: date | None


def _bracket_bounds(prices: tuple[Bracket, ...], qf: int) -> tuple[int, int | None]:
    low = 0
    for bracket in prices:
        if bracket.max_qf is None or qf <= bracket.max_qf:
            return low, bracket.max_qf
        low = bracket.max_qf + 1
    return low, None


def _bracket_label(bounds: tuple[int, int | None] | None) -> str:
    if bounds is None:
        return UNKNOWN_BRACKET
    low, high = bounds
    return f"QF {low} et plus" if high is None else f"QF de {low} à {high}"


def meal_aid_claim(invoices: Iterable[BilledInvoice], incomes: Mapping[str, FamilyIncome],
                   tariffs: Iterable[Tariff], first: str, last: str) -> list[list[Any]]:
    """The claim's rows: per income bracket (of the meal tariff in force on the day, for
    the family's QF on that day), the meals served and billed at 1 € or less, the
    children and families who ate them and the aid (meals × 3 €); then the total.

    Invoices cancelled by a credit note count for nothing; meals at a price above the
    threshold (a higher bracket, a surcharge) neither."""
    tariffs = tuple(tariffs)
    meals: dict[tuple[int, int | None] | None, int] = defaultdict(int)
    kids: dict[tuple[int, int | None] | None, set[str]] = defaultdict(set)
    homes: dict[tuple[int, int | None] | None, set[str]] = defaultdict(set)
    for invoice in invoices:
        if invoice.cancelled or not first <= invoice.month <= last:
            continue
        income = incomes.get(invoice.family, FamilyIncome(None, None))
        for line in invoice.lines:
            if (line.get("service") != MEAL or line.get("kind") not in SERVED_KINDS
                    or int(line.get("unit_price_cents", 0)) > SOCIAL_MEAL_MAX_CENTS):
                continue
            quantity = int(line.get("quantity", 0))
            days = [date.fromisoformat(d) for d in line.get("days") or ()]
            # A meal is one session: one day each. Lines without days (older ones) count
            # their quantity on the month's first day.
            per_day = [(d, 1) for d in days] if len(days) == quantity else \
                [(month_bounds(invoice.month)[0], quantity)]
            for day, count in per_day:
                qf = family_qf(income.qf, income.effective_from, day)
                tariff = tariff_for(tariffs, MEAL, day)
                bounds = (_bracket_bounds(tariff.prices, qf)
                          if qf is not None and tariff is not None else None)
                meals[bounds] += count
                kids[bounds].add(f"{invoice.family}#{line.get('child_id')}")
                homes[bounds].add(invoice.family)
    period = f"{month_label(first)} – {month_label(last)}"
    order = sorted((b for b in meals if b is not None), key=lambda b: b[0])
    if None in meals:
        order_all: list[tuple[int, int | None] | None] = [*order, None]
    else:
        order_all = list(order)
    rows: list[list[Any]] = []
    for bounds in order_all:
        rows.append([period, _bracket_label(bounds),
                     bounds[0] if bounds else None, bounds[1] if bounds else None,
                     meals[bounds], len(kids[bounds]), len(homes[bounds]),
                     Cents(meals[bounds] * STATE_AID_PER_MEAL_CENTS)])
    total = sum(meals.values())
    rows.append([period, "Total", None, None, total,
                 len(set().union(*kids.values())) if kids else 0,
                 len(set().union(*homes.values())) if homes else 0,
                 Cents(total * STATE_AID_PER_MEAL_CENTS)])
    return rows


# -- the caterer's weekly meal order ---------------------------------------------------

LOCKED_LABEL, PROVISIONAL_LABEL = "Verrouillé", "Prévisionnel"
_WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
ORDER_HEADER = ["Date", "Jour", "Statut"] + [MEAL_TYPE_LABELS[t] for t in MEAL_TYPES] \
    + ["Total", "Malades déduits"]


@dataclass(frozen=True)
class DayMeals:
    """One school day's meals: the lock's frozen counts (``locked``) or those of the
    bookings now, and the children reported sick since, by meal type."""
    day: date
    locked: bool
    by_type: Mapping[str, int]
    sick_by_type: Mapping[str, int]


def order_week(query: Mapping[str, str]) -> date:
    """The Monday of the order's week (``week``: YYYY-MM-DD, a Monday)."""
    raw = query.get("week")
    if not raw:
        raise ValidationError("Indiquez le lundi de la semaine (AAAA-MM-JJ).", field="week",
                              code="invalid_week")
    monday = parse_date(raw, "week")
    if monday.weekday() != 0:
        raise ValidationError("La semaine commence un lundi : indiquez la date du lundi.",
                              field="week", code="invalid_week")
    return monday


def meal_order(days: Iterable[DayMeals]) -> list[list[Any]]:
    """One row a day: meals to deliver per meal type (the count less the children
    reported sick, never below zero), its total, how many sick were taken off, and
    whether the count is the lock's or provisional; then the week's total."""
    rows: list[list[Any]] = []
    week = dict.fromkeys(MEAL_TYPES, 0)
    week_sick = 0
    for meals in sorted(days, key=lambda d: d.day):
        counts = {t: max(0, int(meals.by_type.get(t, 0)) - int(meals.sick_by_type.get(t, 0)))
                  for t in MEAL_TYPES}
        sick = sum(int(meals.by_type.get(t, 0)) - counts[t] for t in MEAL_TYPES)
        for t in MEAL_TYPES:
            week[t] += counts[t]
        week_sick += sick
        rows.append([meals.day, _WEEKDAYS[meals.day.weekday()],
                     LOCKED_LABEL if meals.locked else PROVISIONAL_LABEL]
                    + [counts[t] for t in MEAL_TYPES] + [sum(counts.values()), sick])
    rows.append([None, "Total semaine", None] + [week[t] for t in MEAL_TYPES]
                + [sum(week.values()), week_sick])
    return rows
