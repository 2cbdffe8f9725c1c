"""Pricing: tariffs by family-income bracket, and how a month's uses become invoice lines.

Money is integer cents everywhere. Percentages are applied with integer arithmetic and
rounded half up (``(amount * percent + 50) // 100``, amounts are never negative): a
half cent goes up, exactly as a secretary rounds by hand, and no float ever appears.
Quantities are summed before multiplying, so 17 meals at 4.15 € are 70.55 €, not the
sum of 17 rounded products.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from chalicelib.domain.calendar import parse_date
from chalicelib.domain.commune import ATTENDANCE, BOOKED, SERVICE_CODES
from chalicelib.domain.deadlines import HHMM
from chalicelib.domain.errors import DomainError, ValidationError

SESSION, BLOCK = "session", "block"
UNITS = (SESSION, BLOCK)
PERCENT, FIXED = "percent", "fixed"
SURCHARGE_KINDS = (PERCENT, FIXED)
SERVICE, UNBOOKED, LATE_FEE = "service", "unbooked", "late_fee"
# Days the family reported sick (domain/sickness.py): free, billed as the jour de carence,
# or billed under the commune's rule; each its own line so the invoice shows the absence.
SICK_FREE, SICK_CARENCE, SICK_BILLED = "sick_free", "sick_carence", "sick_billed"
# Within one child and service, lines read: the service, its surcharges, then late fees.
LINE_KINDS = (SERVICE, SICK_BILLED, SICK_CARENCE, SICK_FREE, UNBOOKED, LATE_FEE)
SICK_KINDS = {"billed": SICK_BILLED, "carence": SICK_CARENCE, "free": SICK_FREE}
PRESENT, ABSENT = "present", "absent"
# Bounds that catch typing slips (415 € instead of 4.15 €) without limiting any commune.
MAX_PRICE_CENTS = 100_000
MAX_QF = 100_000
MAX_BRACKETS = 20
MAX_MINUTES = 24 * 60


@dataclass(frozen=True)
class Bracket:
    """One income bracket: QF up to ``max_qf`` inclusive (None: no upper bound)."""
    max_qf: int | None
    price_cents: int


@dataclass(frozen=True)
class Surcharge:
    """Price of an unbooked use: ``percent`` adds ``value`` %, ``fixed`` costs ``value`` cents."""
    kind: str
    value: int


@dataclass(frozen=True)
class Tariff:
    """The prices of one service from ``effective_from`` until the next tariff."""
    service: str
    effective_from: date
    prices: tuple[Bracket, ...]
    unit: str = SESSION
    block_minutes: int | None = None
    late_fee_cents: int = 0
    late_fee_per_minutes: int | None = None
    unbooked: Surcharge | None = None
    sibling_reduction_percent: int = 0


@dataclass(frozen=True)
class Use:
    """One child, one day, one service: the booking and what staff recorded."""
    child_id: str
    day: date
    service: str
    booked: bool
    status: str | None = None
    justified: bool = False
    arrival: str | None = None
    departure: str | None = None
    late_minutes: int = 0
    sick: str | None = None  # reported sick: the commune's charge (billed, free, carence)


@dataclass(frozen=True)
class ChildRef:
    """A child as billing needs it; rank 1 is the first child, for sibling reductions."""
    id: str
    name: str
    rank: int


@dataclass(frozen=True)
class Line:
    """One invoice line: ``quantity`` × ``unit_price_cents`` = ``amount_cents``."""
    child_id: str
    child_name: str
    service: str
    kind: str
    label: str
    quantity: int
    unit_price_cents: int
    amount_cents: int
    days: tuple[str, ...] = ()  # the ISO dates billed on this line, oldest first


class MissingTariff(DomainError):
    """Uses that should be billed but have no tariff on their day: the run must stop."""

    status = 409
    code = "missing_tariff"
    message = ("Aucun tarif n'est défini pour certaines prestations à ces dates ; "
               "la facturation est interrompue.")

    def __init__(self, missing: Iterable[tuple[str, date]]) -> None:
        pairs = sorted(set(missing), key=lambda pair: (pair[1], pair[0]))
        super().__init__(details=[{"service": service, "date": day.isoformat()}
                                  for service, day in pairs])
        self.missing = pairs


# -- arithmetic ------------------------------------------------------------------------

def percent_half_up(amount_cents: int, percent: int) -> int:
    """``amount_cents`` × ``percent`` / 100 in whole cents, a half cent rounded up."""
    return (amount_cents * percent + 50) // 100


def _started_blocks(minutes: int, block: int) -> int:
    # A started block is due in full: 61 minutes are three half-hours.
    return -(-minutes // block)


def _minutes(value: str | None, field: str) -> int | None:
    if value is None or value == "":
        return None
    match = HHMM.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise ValidationError("Heure invalide (format attendu HH:MM).", field=field)
    return int(match.group(1)) * 60 + int(match.group(2))


# -- looking prices up -----------------------------------------------------------------

def tariff_for(tariffs: Iterable[Tariff], service: str, day: date) -> Tariff | None:
    """The service's tariff in force on ``day``: the latest one that starts on or before it."""
    # A new tariff applies from its date, never backwards: later-dated ones are ignored.
    candidates = [t for t in tariffs if t.service == service and t.effective_from <= day]
    return max(candidates, key=lambda t: t.effective_from, default=None)


def bracket_price(tariff: Tariff, qf: int | None) -> int:
    """The price for this QF; an unknown QF pays the last (highest) bracket."""
    if qf is not None:
        for bracket in tariff.prices:
            if bracket.max_qf is None or qf <= bracket.max_qf:
                return bracket.price_cents
    # Families who have not handed in their QF pay the full price, as communes do.
    return tariff.prices[-1].price_cents


def family_qf(income_qf: int | None, income_effective_from: date | None,
              day: date) -> int | None:
    """The family's QF on ``day``: known from its date of effect on, unknown before."""
    if income_qf is None:
        return None
    # A QF stored without a date predates dated incomes: nothing limits when it applies.
    if income_effective_from is not None and day < income_effective_from:
        return None
    return income_qf


def unit_price(tariff: Tariff, qf: int | None, rank: int) -> int:
    """The bracket price less the sibling reduction (rank >= 2), the reduction rounded half up."""
    price = bracket_price(tariff, qf)
    if rank >= 2 and tariff.sibling_reduction_percent:
        price -= percent_half_up(price, tariff.sibling_reduction_percent)
    return price


def unbooked_price(tariff: Tariff, price: int) -> int | None:
    """The price of an unbooked use given the normal unit price; None: no surcharge."""
    surcharge = tariff.unbooked
    if surcharge is None:
        return None
    if surcharge.kind == FIXED:
        # A fixed price replaces the normal one: no bracket, no sibling reduction.
        return surcharge.value
    return percent_half_up(price, 100 + surcharge.value)


def _quantity(tariff: Tariff, use: Use) -> int:
    if tariff.unit != BLOCK or not tariff.block_minutes:
        return 1
    start = _minutes(use.arrival, "arrival")
    end = _minutes(use.departure, "departure")
    if start is None or end is None:
        # Staff forgot a time: the child was there, bill the one block that is certain.
        return 1
    if end < start:
        raise ValidationError(f"Le départ précède l'arrivée ({use.child_id}, "
                              f"{use.day.isoformat()}).", field="departure")
    return max(1, _started_blocks(end - start, tariff.block_minutes))


def _late_quantity(tariff: Tariff, use: Use) -> int:
    if use.status != PRESENT or use.late_minutes <= 0 or tariff.late_fee_cents <= 0:
        return 0
    if tariff.late_fee_per_minutes is None:
        return 1
    return _started_blocks(use.late_minutes, tariff.late_fee_per_minutes)


def _billed_kind(use: Use, mode: str) -> str | None:
    """SERVICE, UNBOOKED or None (nothing billed), before looking at any price."""
    if mode == ATTENDANCE:
        # No booking exists: only presence counts, absences are never billed.
        return SERVICE if use.status == PRESENT else None
    if mode != BOOKED:
        return None
    if use.booked:
        # The booking stands unless an absence was justified.
        if use.status == ABSENT and use.justified:
            return None
        if use.sick in SICK_KINDS and use.status != PRESENT:
            return SICK_KINDS[use.sick]
        return SERVICE
    return UNBOOKED if use.status == PRESENT else None


# -- pricing a family's month ----------------------------------------------------------

def price_uses(uses: Iterable[Use], children: Iterable[ChildRef], tariffs: Iterable[Tariff],
               labels: dict[str, str], modes: dict[str, str], income_qf: int | None,
               income_effective_from: date | None) -> list[Line]:
    """One family's uses priced and grouped into invoice lines; MissingTariff if a price lacks."""
    by_child = {c.id: (index, c) for index, c in enumerate(children)}
    tariffs = tuple(tariffs)
    # (child, service, kind, unit price) -> [quantity, first day, days], to order and sum.
    groups: dict[tuple[str, str, str, int], list[Any]] = {}
    missing: set[tuple[str, date]] = set()
    seen: set[tuple[str, date, str]] = set()

    def add(key: tuple[str, str, str, int], quantity: int, day: date) -> None:
        entry = groups.setdefault(key, [0, day, set()])
        entry[0] += quantity
        entry[1] = min(entry[1], day)
        entry[2].add(day)

    for use in uses:
        if use.child_id not in by_child:
            raise ValidationError(f"Prestation d'un enfant inconnu de la famille "
                                  f"({use.child_id}).", field="child_id")
        slot = (use.child_id, use.day, use.service)
        if slot in seen:
            # Two records of one slot would bill it twice: the caller must merge them.
            raise ValidationError(f"Prestation en double ({use.child_id}, {use.service}, "
                                  f"{use.day.isoformat()}).", field="uses")
        seen.add(slot)
        kind = _billed_kind(use, modes.get(use.service, ""))
        if kind is None:
            continue
        tariff = tariff_for(tariffs, use.service, use.day)
        if tariff is None:
            missing.add((use.service, use.day))
            continue
        child = by_child[use.child_id][1]
        price = unit_price(tariff, family_qf(income_qf, income_effective_from, use.day),
                           child.rank)
        if kind == UNBOOKED:
            surcharged = unbooked_price(tariff, price)
            if surcharged is None:
                kind = SERVICE
            else:
                price = surcharged
        if kind == SICK_FREE:
            price = 0  # shown on the invoice, not charged
        add((use.child_id, use.service, kind, price), _quantity(tariff, use), use.day)
        late = _late_quantity(tariff, use)
        if late:
            # Late fees are flat penalties: no bracket, no sibling reduction.
            add((use.child_id, use.service, LATE_FEE, tariff.late_fee_cents), late, use.day)

    if missing:
        raise MissingTariff(missing)

    order = {code: index for index, code in enumerate(labels)}

    def sort_key(item: tuple[tuple[str, str, str, int], list[Any]]) -> tuple:
        (child_id, service, kind, price), (_, first_day, _days) = item
        index, child = by_child[child_id]
        return (child.rank, index, order.get(service, len(order)), service,
                LINE_KINDS.index(kind), first_day, price)

    lines = []
    for (child_id, service, kind, price), (quantity, _, days) in sorted(groups.items(),
                                                                         key=sort_key):
        label = _label(labels.get(service, service), kind)
        if kind in SICK_KINDS.values():
            # The invoice (and its PDF) says which days: the family checks its absences.
            label += " : " + ", ".join(d.strftime("%d/%m") for d in sorted(days))
        lines.append(Line(child_id, by_child[child_id][1].name, service, kind,
                          label, quantity, price,
                          quantity * price, tuple(d.isoformat() for d in sorted(days))))
    return lines


def _label(service_label: str, kind: str) -> str:
    if kind == UNBOOKED:
        return f"{service_label} (sans réservation)"
    if kind == LATE_FEE:
        return f"{service_label} – retard"
    if kind == SICK_FREE:
        return f"{service_label} – absence maladie justifiée (non facturée)"
    if kind == SICK_CARENCE:
        return f"{service_label} – maladie, jour de carence"
    if kind == SICK_BILLED:
        return f"{service_label} – absence maladie (facturée)"
    return service_label


def total(lines: Iterable[Line]) -> int:
    """Sum of the lines' amounts, in cents."""
    return sum(line.amount_cents for line in lines)


# -- reading and writing tariffs -------------------------------------------------------

def _int(value: Any, field: str, low: int, high: int, what: str) -> int:
    # bool is an int in Python; floats are refused so that money never becomes one.
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError(f"{what} doit être un nombre entier de {low} à {high}.",
                              field=field)
    return value


def _optional_int(value: Any, field: str, low: int, high: int, what: str) -> int | None:
    return None if value is None else _int(value, field, low, high, what)


def _parse_brackets(raw: Any, field: str) -> tuple[Bracket, ...]:
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_BRACKETS:
        raise ValidationError(f"Indiquez de 1 à {MAX_BRACKETS} tranches de prix.", field=field)
    brackets: list[Bracket] = []
    for index, item in enumerate(raw):
        where = f"{field}[{index}]"
        if not isinstance(item, dict):
            raise ValidationError("Tranche de prix invalide.", field=where)
        last = index == len(raw) - 1
        max_qf = item.get("max_qf")
        if last:
            if max_qf is not None:
                raise ValidationError("La dernière tranche ne doit pas avoir de plafond "
                                      "(max_qf null).", field=f"{where}.max_qf")
        else:
            max_qf = _int(max_qf, f"{where}.max_qf", 0, MAX_QF,
                          "Le plafond de quotient familial")
            previous = brackets[-1].max_qf if brackets else None
            if previous is not None and max_qf <= previous:
                raise ValidationError("Les plafonds des tranches doivent être strictement "
                                      "croissants.", field=f"{where}.max_qf")
        price = _int(item.get("price_cents"), f"{where}.price_cents", 0, MAX_PRICE_CENTS,
                     "Le prix (en centimes)")
        brackets.append(Bracket(max_qf, price))
    return tuple(brackets)


def _parse_surcharge(raw: Any, field: str) -> Surcharge | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise ValidationError("Majoration invalide.", field=field)
    kind = raw.get("kind")
    if kind not in SURCHARGE_KINDS:
        raise ValidationError("Type de majoration invalide (percent ou fixed).",
                              field=f"{field}.kind")
    if kind == PERCENT:
        value = _int(raw.get("value"), f"{field}.value", 0, 100, "La majoration (en %)")
    else:
        value = _int(raw.get("value"), f"{field}.value", 0, MAX_PRICE_CENTS,
                     "Le prix sans réservation (en centimes)")
    return Surcharge(kind, value)


def parse_tariff(data: dict, field: str = "tariff") -> Tariff:
    """Validate a tariff as the API sends it; errors name the field, e.g. ``tariff.prices[1]``."""
    if not isinstance(data, dict):
        raise ValidationError("Tarif invalide.", field=field)
    service = data.get("service")
    if service not in SERVICE_CODES:
        raise ValidationError(f"Code de prestation inconnu ({', '.join(SERVICE_CODES)}).",
                              field=f"{field}.service")
    effective_from = parse_date(data.get("effective_from"), f"{field}.effective_from")
    prices = _parse_brackets(data.get("prices"), f"{field}.prices")
    unit = data.get("unit", SESSION)
    if unit is None:
        unit = SESSION
    if unit not in UNITS:
        raise ValidationError("Unité invalide (session ou block).", field=f"{field}.unit")
    block_minutes = data.get("block_minutes")
    if unit == BLOCK:
        if block_minutes is None:
            raise ValidationError("Indiquez la durée d'une tranche horaire (en minutes).",
                                  field=f"{field}.block_minutes")
        block_minutes = _int(block_minutes, f"{field}.block_minutes", 1, MAX_MINUTES,
                             "La durée d'une tranche horaire (en minutes)")
    elif block_minutes is not None:
        raise ValidationError("Une durée de tranche horaire n'a de sens qu'avec l'unité block.",
                              field=f"{field}.block_minutes")
    late_fee = _int(data.get("late_fee_cents", 0), f"{field}.late_fee_cents", 0,
                    MAX_PRICE_CENTS, "La pénalité de retard (en centimes)")
    late_per = _optional_int(data.get("late_fee_per_minutes"), f"{field}.late_fee_per_minutes",
                             1, MAX_MINUTES, "La durée facturée par pénalité (en minutes)")
    unbooked = _parse_surcharge(data.get("unbooked"), f"{field}.unbooked")
    sibling = _int(data.get("sibling_reduction_percent", 0),
                   f"{field}.sibling_reduction_percent", 0, 100,
                   "La réduction fratrie (en %)")
    return Tariff(service, effective_from, prices, unit, block_minutes, late_fee, late_per,
                  unbooked, sibling)


def tariff_to_dict(t: Tariff) -> dict:
    """A tariff as stored and as the API shows it (``parse_tariff`` reads it back)."""
    return {"service": t.service, "effective_from": t.effective_from.isoformat(),
            "prices": [{"max_qf": b.max_qf, "price_cents": b.price_cents} for b in t.prices],
            "unit": t.unit, "block_minutes": t.block_minutes,
            "late_fee_cents": t.late_fee_cents, "late_fee_per_minutes": t.late_fee_per_minutes,
            "unbooked": ({"kind": t.unbooked.kind, "value": t.unbooked.value}
                         if t.unbooked else None),
            "sibling_reduction_percent": t.sibling_reduction_percent}
