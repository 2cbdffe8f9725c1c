"""When a family left, when it is due for its purge, and what its anonymisation leaves."""
from __future__ import annotations

import json
from dataclasses import asdict, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from chalicelib.domain.accounts import Child, Credentials, Family, Income, PendingEmail
from chalicelib.domain.retention import (
    ANONYMISED_NAME,
    add_months,
    anonymisation_record,
    anonymise,
    departure,
    has_left,
    is_due,
    purge_cutoff,
    purge_on,
)

PARIS = ZoneInfo("Europe/Paris")
TODAY = date(2026, 11, 23)
EARLIER = date(2026, 6, 30)
LEA = Child("1001-1", "Léa", "Dupont", school="École du Bourg", class_name="CM1",
            meal_type="sans_porc", allergies="PAI arachide : trousse dans le cartable",
            pickup_people=("Mamie Jeanne",), birth_date=date(2016, 3, 4))
NOE = Child("1001-2", "Noé", "Dupont", meal_type="vegetarien")
FAMILY = Family("1001", "DUPONT", ("parent@example.org", "autre@example.org"),
                phones=("06 12 34 56 78",), address="3 rue des Écoles\n12345 Bourg",
                children=(LEA, NOE), credentials=Credentials("argon2-hash"), version=4,
                income=Income(812, date(2026, 9, 1)),
                pending_email=PendingEmail("nouvelle@example.org", "hash",
                                           datetime(2026, 11, 24, tzinfo=PARIS)),
                reminders=False, receipts=True)


def archived(family: Family, *child_ids: str) -> Family:
    return replace(family, children=tuple(replace(c, archived=c.id in child_ids or c.archived)
                                          for c in family.children))


@pytest.mark.parametrize("family, left", [
    (FAMILY, False),
    (replace(FAMILY, archived=True), True),
    (archived(FAMILY, "1001-1"), False),              # Noé still attends
    (archived(FAMILY, "1001-1", "1001-2"), True),     # the last child left
    (replace(FAMILY, children=()), False),            # a new family, no child yet
    (replace(FAMILY, children=(), archived=True), True),
])
def test_a_family_has_left_when_archived_or_when_every_child_is(family, left):
    assert has_left(family) is left


@pytest.mark.parametrize("before, after, expected", [
    # Archiving the family, or its last child, dates the departure today.
    (FAMILY, replace(FAMILY, archived=True), TODAY),
    (archived(FAMILY, "1001-1"), archived(FAMILY, "1001-1", "1001-2"), TODAY),
    # Archiving one child while another attends dates nothing.
    (FAMILY, archived(FAMILY, "1001-1"), None),
    # A date once known stays: the family archived after its last child left.
    (replace(archived(FAMILY, "1001-1", "1001-2"), left_on=EARLIER),
     replace(archived(FAMILY, "1001-1", "1001-2"), left_on=EARLIER, archived=True), EARLIER),
    # Another edit of a family that left keeps its date.
    (replace(FAMILY, archived=True, left_on=EARLIER),
     replace(FAMILY, archived=True, left_on=EARLIER, phones=()), EARLIER),
    # Reactivating the family with a child attending clears it…
    (replace(FAMILY, archived=True, left_on=EARLIER), replace(FAMILY, left_on=EARLIER), None),
    # …and with no child attending starts the retention again from its return.
    (replace(archived(FAMILY, "1001-1", "1001-2"), archived=True, left_on=EARLIER),
     replace(archived(FAMILY, "1001-1", "1001-2"), left_on=EARLIER), TODAY),
    # A child attending again (reactivated, or a new one) clears it.
    (replace(archived(FAMILY, "1001-1", "1001-2"), left_on=EARLIER),
     replace(archived(FAMILY, "1001-1"), left_on=EARLIER), None),
    # A family that left before dates were kept gets the day a change first sees it.
    (replace(FAMILY, archived=True), replace(FAMILY, archived=True, phones=()), TODAY),
])
def test_the_departure_is_the_day_the_last_child_left_until_someone_attends_again(
        before, after, expected):
    assert departure(before, after, TODAY) == expected


@pytest.mark.parametrize("day, months, expected", [
    (date(2026, 1, 31), 1, date(2026, 2, 28)),
    (date(2024, 1, 31), 1, date(2024, 2, 29)),
    (date(2026, 3, 31), -1, date(2026, 2, 28)),
    (date(2026, 11, 23), 12, date(2027, 11, 23)),
    (date(2026, 11, 23), -13, date(2025, 10, 23)),
    (date(2026, 12, 15), 1, date(2027, 1, 15)),
])
def test_months_are_added_within_the_month(day, months, expected):
    assert add_months(day, months) == expected


def test_a_family_is_due_once_the_retention_has_passed():
    left = date(2025, 10, 23)
    assert purge_on(left, 12) == date(2026, 10, 23)
    assert is_due(left, TODAY, 12)                          # 13 months ago
    assert not is_due(date(2025, 12, 23), TODAY, 12)        # 11 months ago
    assert is_due(date(2025, 11, 23), TODAY, 12)            # 12 months to the day
    assert not is_due(date(2025, 11, 24), TODAY, 12)
    assert not is_due(date(2025, 10, 23), TODAY, 24)        # a longer retention


@pytest.mark.parametrize("months", [1, 6, 12, 13, 36])
def test_the_index_is_read_up_to_exactly_the_last_day_due(months):
    """Every day of four years: ``left_on <= cutoff`` reads exactly the families due, at
    month ends and in leap years too."""
    for offset in range(4 * 366):
        today = date(2025, 1, 1) + timedelta(days=offset)
        cutoff = purge_cutoff(today, months)
        assert is_due(cutoff, today, months), (today, months)
        assert not is_due(cutoff + timedelta(days=1), today, months), (today, months)


def test_anonymising_leaves_no_personal_data_and_keeps_what_accounting_points_at():
    now = datetime(2026, 11, 23, 3, 30, tzinfo=PARIS)
    family = replace(FAMILY, archived=True, left_on=EARLIER)
    after = anonymise(family, now)
    assert after.number == "1001" and after.version == 4
    assert [c.id for c in after.children] == ["1001-1", "1001-2"]
    assert [(c.first_name, c.last_name) for c in after.children] == [("Enfant 1", ""),
                                                                     ("Enfant 2", "")]
    assert after.children[0] == Child("1001-1", "Enfant 1", "", archived=True)
    assert (after.name, after.emails, after.phones, after.address) == (ANONYMISED_NAME, (),
                                                                       (), "")
    assert after.income == Income() and after.pending_email is None
    assert after.credentials is None
    assert (after.reminders, after.receipts) == (True, False)     # the defaults
    assert after.archived and after.left_on == EARLIER and after.anonymised_at == now
    assert after.anonymised and not family.anonymised
    text = json.dumps(asdict(after), default=str)
    for personal in ("DUPONT", "Dupont", "Léa", "Noé", "example.org", "06 12", "Écoles",
                     "arachide", "Jeanne", "2016", "812", "sans_porc", "vegetarien", "CM1",
                     "argon2"):
        assert personal not in text, personal


def test_the_audit_keeps_dates_and_counts_only():
    family = replace(FAMILY, archived=True, left_on=EARLIER)
    record = anonymisation_record(family, 12)
    assert record == {"anonymisée": True, "left_on": "2026-06-30", "retention_months": 12,
                      "children": 2}
