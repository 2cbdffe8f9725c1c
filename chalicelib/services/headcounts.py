"""How many children eat (or come) for one day and service, by meal type."""
from __future__ import annotations

from collections import Counter
from datetime import date

from chalicelib.domain.accounts import MEAL_TYPES, Family
from chalicelib.storage.accounts import AccountRepository
from chalicelib.storage.jobs import Headcount


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
        if child is None or child.archived or family.archived:
            continue
        by_type[child.meal_type] += 1
    return Headcount(day, service, sum(by_type.values()), dict(by_type))
