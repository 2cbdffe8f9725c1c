"""Finding a family as a secretary types: a child's first name, part of an address."""
from __future__ import annotations

import pytest

from chalicelib.domain.accounts import Child, NewFamily
from chalicelib.storage.models import FamilyTermModel
from tests.requests_counter import count_dynamodb_requests


def numbers(services, text):
    families, _ = services.accounts.search_families(text, None)
    return [f.number for f in families]


@pytest.fixture
def dupont(services):
    """A second family with two children and two addresses."""
    accounts = services.accounts
    now = services.clock.now()
    number = accounts.next_family_number()
    accounts.create_family(number, NewFamily("DUPONT", ("lea.dupont@example.org",
                                                        "papa-dupont@example.net")),
                           "x", None, now)
    accounts.add_child(number, Child("", "Léa", "Dupont"))
    accounts.add_child(number, Child("", "Noé", "Martin-Dupont"))
    return number


@pytest.mark.parametrize("text", ["toto", "TOTO", "tot", "famille.test",
                                  "famille.test@example.org", "Famille", "1001", "test toto"])
def test_the_demo_family_is_found_by_its_childs_first_name_or_part_of_its_address(
        services, text):
    assert numbers(services, text) == ["1001"]


@pytest.mark.parametrize("text, expected", [
    ("lea", "dupont"), ("LÉA", "dupont"), ("noe", "dupont"), ("martin", "dupont"),
    ("papa", "dupont"), ("papa-dupont@example.net", "dupont"), ("lea dupont", "dupont"),
    ("dupont lea", "dupont"), ("noe test", None), ("example", None), ("zoé", None),
])
def test_children_accents_and_addresses_are_folded_and_every_word_must_match(
        services, dupont, text, expected):
    assert numbers(services, text) == ([dupont] if expected else [])


def test_renaming_a_child_or_changing_an_address_moves_the_terms(services, dupont):
    from dataclasses import replace
    accounts = services.accounts
    family = accounts.get_family(dupont)
    lea = family.children[0]
    after = replace(family, emails=("lea.durand@example.org",),
                    children=(replace(lea, first_name="Léonie"),) + family.children[1:])
    accounts.save_family(family, after)
    assert numbers(services, "leonie") == [dupont]
    assert numbers(services, "lea") == [dupont]            # lea.durand@…
    assert numbers(services, "papa") == []
    assert numbers(services, "lea.dupont") == []
    stored = {i.term for i in FamilyTermModel.query("family")}
    assert not any(t.startswith("papa") for t in stored)


def test_a_search_costs_one_query_and_one_batch_read_and_never_a_scan(services, dupont):
    with count_dynamodb_requests() as calls:
        assert numbers(services, "dupont") == [dupont]
    assert "Scan" not in calls
    assert sum(calls.values()) <= 2, calls


def test_indexing_every_family_again_changes_nothing(services, dupont):
    before = sorted(i.term for i in FamilyTermModel.query("family"))
    FamilyTermModel.get("family", "toto#1001").delete()
    assert services.accounts.index_all_families() == 2
    services.accounts.index_all_families()
    assert sorted(i.term for i in FamilyTermModel.query("family")) == before
