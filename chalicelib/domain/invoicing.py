"""The month's draft invoices ("pré-facturation"): what each family would be billed, and
what deserves a look before anything is numbered.

Pure: the caller reads the month's uses, the families, the tariffs and the invoices
already issued; this module decides what is billable (a service day of an active
service, for a child of the family) and prices it. Nothing outside a service day is ever
billed, whatever the tables hold: such uses are left out and reported.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from chalicelib.domain.accounts import Family
from chalicelib.domain.collection import REGIE, TITRES
from chalicelib.domain.commune import ATTENDANCE, BOOKED, CommuneSettings
from chalicelib.domain.errors import ValidationError
from chalicelib.domain.money import money
from chalicelib.domain.pricing import (
    PRESENT,
    ChildRef,
    Line,
    MissingTariff,
    Tariff,
    Use,
    price_uses,
    total,
)

BLOCKING, WARNING, INFO = "blocking", "warning", "info"
# A month's total this many times the family's usual one, and at least this much above
# it, is worth a look (a forgotten "absent", a tariff typed in euros instead of cents).
UNUSUAL_FACTOR = 2
UNUSUAL_MARGIN_CENTS = 2000
_WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


@dataclass(frozen=True)
class Anomaly:
    """Something staff should look at; ``blocking`` ones stop the confirmation."""
    code: str
    level: str
    message: str
    child_id: str | None = None
    day: date | None = None
    service: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """As stored in the draft and shown by the API."""
        return {"code": self.code, "level": self.level, "message": self.message,
                "child_id": self.child_id, "date": self.day.isoformat() if self.day else None,
                "service": self.service}


@dataclass(frozen=True)
class DraftRow:
    """One family's draft invoice."""
    family: str
    name: str
    lines: tuple[Line, ...]
    total_cents: int
    anomalies: tuple[Anomaly, ...] = ()
    invoice: str | None = None           # the live invoice already issued for the month
    ignored: int = 0                     # uses left out (no service that day…)

    @property
    def blocking(self) -> bool:
        """Whether the row stops the month's confirmation."""
        return any(a.level == BLOCKING for a in self.anomalies)

    @property
    def to_issue(self) -> bool:
        """Whether confirming issues an invoice for this row."""
        return self.invoice is None and self.total_cents > 0 and not self.blocking


@dataclass(frozen=True)
class IssuedInvoice:
    """An invoice already standing for the month (not cancelled)."""
    number: str
    total_cents: int


@dataclass(frozen=True)
class Invoice:
    """An issued invoice: numbered, never edited; a credit note may cancel it."""
    family: str
    number: str
    month: str
    issued_on: date
    lines: list[dict[str, Any]]
    total_cents: int
    credit_note: str | None
    # How the commune collected when it issued it (collection.REGIE or TITRES): fixed at
    # issue, so that a commune switching mode later does not change how it reads.
    collection: str = REGIE


@dataclass
class _Collector:
    anomalies: list[Anomaly] = field(default_factory=list)
    ignored: int = 0

    def add(self, *args: Any, **kwargs: Any) -> None:
        self.anomalies.append(Anomaly(*args, **kwargs))


def _day_text(day: date) -> str:
    return f"{_WEEKDAYS[day.weekday()]} {day.strftime('%d/%m/%Y')}"


def billable_uses(family: Family, uses: Iterable[Use], settings: CommuneSettings,
                  collector: _Collector) -> list[Use]:
    """The uses that may be billed; the others are reported and left out."""
    calendar = settings.calendar()
    children = {c.id: c for c in family.children}
    labels = {s.code: s.label for s in settings.services}
    kept = []
    for use in uses:
        label = labels.get(use.service, use.service)
        child = children.get(use.child_id)
        if child is None:
            collector.ignored += 1
            collector.add("unknown_child", WARNING,
                          f"{label} du {_day_text(use.day)} : enfant inconnu de la famille "
                          f"({use.child_id}), non facturé.", use.child_id, use.day, use.service)
            continue
        who = f"{child.first_name} {child.last_name}"
        service = settings.service(use.service)
        if service is None or service.mode not in (BOOKED, ATTENDANCE):
            collector.ignored += 1
            collector.add("service_off", INFO,
                          f"{who} : {label} du {_day_text(use.day)} n'est plus proposé, "
                          "non facturé.", use.child_id, use.day, use.service)
            continue
        info = calendar.day(use.day)
        if not info.school_day:
            collector.ignored += 1
            what = "réservé" if use.booked else "pointé"
            collector.add("not_a_service_day", INFO,
                          f"{who} : {label} {what} le {_day_text(use.day)} "
                          f"({info.why_closed()}), non facturé.",
                          use.child_id, use.day, use.service)
            continue
        if service.mode == BOOKED and not use.booked and use.status == PRESENT:
            collector.add("present_not_booked", WARNING,
                          f"{who} : présent sans réservation, {label} du "
                          f"{_day_text(use.day)}.", use.child_id, use.day, use.service)
        kept.append(use)
    return kept


def draft_row(family: Family, uses: list[Use], settings: CommuneSettings,
              tariffs: tuple[Tariff, ...], issued: IssuedInvoice | None,
              usual_cents: int | None) -> DraftRow | None:
    """One family's draft, or None when there is nothing to bill nor to look at."""
    collector = _Collector()
    kept = billable_uses(family, uses, settings, collector)
    labels = {s.code: s.label for s in settings.services}
    modes = {s.code: s.mode for s in settings.services}
    children = [ChildRef(c.id, f"{c.first_name} {c.last_name}", rank)
                for rank, c in enumerate(family.children, start=1)]

    def price(selected: list[Use]) -> list[Line]:
        return price_uses(selected, children, tariffs, labels, modes, family.income.qf,
                          family.income.effective_from)

    try:
        lines = price(kept)
    except MissingTariff as exc:
        for service, day in exc.missing:
            collector.add("missing_tariff", BLOCKING,
                          f"Aucun tarif pour {labels.get(service, service)} le "
                          f"{_day_text(day)} : ajoutez un tarif puis recalculez.",
                          None, day, service)
        missing = set(exc.missing)
        lines = price([u for u in kept if (u.service, u.day) not in missing])
    except ValidationError as exc:
        collector.add("invalid_record", BLOCKING, f"{exc.message} Corrigez le pointage "
                      "puis recalculez.")
        lines = []
    amount = total(lines)
    if issued is not None:
        if issued.total_cents != amount:
            collector.add("differs_from_invoice", INFO,
                          f"Déjà facturée (facture {issued.number}, "
                          f"{money(issued.total_cents)}) ; le recalcul donne "
                          f"{money(amount)}. Pour corriger : émettez un avoir, "
                          "recalculez puis validez.")
    elif amount > 0:
        if not family.emails:
            collector.add("no_email", WARNING,
                          "Aucune adresse e-mail : la famille ne sera pas prévenue de sa "
                          "facture.")
        problem = _titre_problem(family, settings)
        if problem is not None:
            # The Treasury writes to the family: without what it needs the bordereau
            # could not be written, so the month waits for the correction.
            collector.add("titre_debtor", BLOCKING, problem)
        elif not family.address.strip():
            collector.add("no_address", WARNING, "Aucune adresse postale.")
        if usual_cents and amount >= UNUSUAL_FACTOR * usual_cents \
                and amount - usual_cents >= UNUSUAL_MARGIN_CENTS:
            collector.add("unusual_total", WARNING,
                          f"Total inhabituel : {money(amount)} contre "
                          f"{money(usual_cents)} en moyenne les mois précédents.")
    if issued is None and amount <= 0 and not collector.anomalies:
        return None
    return DraftRow(family.number, family.name, tuple(lines), amount,
                    tuple(collector.anomalies), issued.number if issued else None,
                    collector.ignored)


def _titre_problem(family: Family, settings: CommuneSettings) -> str | None:
    """In titres mode, why the family's invoice could not become a titre (else None)."""
    if settings.collection.mode != TITRES:
        return None
    # Imported here: domain.titres builds titres from this module's invoices.
    from chalicelib.domain.titres import debtor_problem
    return debtor_problem(family)


def usual_total(previous: list[int]) -> int | None:
    """The family's usual monthly total: the mean of its previous invoices, if any."""
    return sum(previous) // len(previous) if previous else None



def mark_sick_uses(uses: dict[str, list[Use]],
                   charges: dict[tuple[str, date], str]) -> dict[str, list[Use]]:
    """Each family's booked uses on a day reported sick, marked with the commune's charge
    for it (domain/sickness.py ``sick_charges``)."""
    return {family: [replace(u, sick=charges.get((u.child_id, u.day))) if u.booked
                     and (u.child_id, u.day) in charges else u for u in family_uses]
            for family, family_uses in uses.items()}
