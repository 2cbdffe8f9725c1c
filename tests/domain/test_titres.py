"""Invoices as titres: the débiteur's address, the debt number and its check keys."""
from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from lxml import etree

from chalicelib.domain.accounts import Family
from chalicelib.domain.collection import TitresSettings
from chalicelib.domain.errors import ValidationError
from chalicelib.domain.invoicing import Invoice
from chalicelib.domain.pes import (Collectivity, Imputation, article_keys, key_modulo_11,
                                   key_modulo_23, ormc_file)
from chalicelib.domain.titres import (build_bordereau, debt_number, debtor_of,
                                      debtor_problem, parse_bordereau_id, postal_address)

SCHEMA = Path(__file__).resolve().parents[1] / "data" / "pes" / "PES_V2" / "Rev0" / "PES_Aller.xsd"
COMMUNE = Collectivity("21690195200012", "067", "00", "069041", "Commune de Saint-Just")
SETTINGS = TitresSettings(COMMUNE, {"meal": Imputation("7067", "CANT", "251")})


@pytest.mark.parametrize("text, expected", [
    ("12 rue des Lilas\n69000 Lyon", ("12 rue des Lilas", "69000", "Lyon", None)),
    ("Appt 3\n12 rue des Lilas\n69000 LYON CEDEX 03",
     ("12 rue des Lilas", "69000", "LYON CEDEX 03", "Appt 3")),
    ("  Chez Mme Martin \r\n 3 place du Marché\r\n\r\n 75001   Paris ",
     ("3 place du Marché", "75001", "Paris", "Chez Mme Martin")),
])
def test_an_address_is_cut_into_street_postcode_city_and_complement(text, expected):
    address = postal_address(text)
    assert (address.street, address.postcode, address.city, address.complement) == expected


@pytest.mark.parametrize("text", ["", "12 rue des Lilas", "69000 Lyon", "12 rue\nLyon 69000",
                                  "12 rue\n6900 Lyon"])
def test_an_address_without_a_street_then_a_postcode_line_is_not_guessed(text):
    assert postal_address(text) is None


def family(address: str, name: str = "DUPONT Marie") -> Family:
    return Family(number="1007", name=name, emails=("a@example.org",), address=address)


def test_the_debtor_is_the_familys_payer_and_a_missing_address_is_said_in_french():
    debtor = debtor_of(family("3 rue Neuve\n69490 Pontcharra"))
    assert (debtor.last_name, debtor.first_name, debtor.civility) == ("DUPONT Marie", None, None)
    assert debtor.reference == "FAM-1007"
    assert debtor_problem(family("3 rue Neuve\n69490 Pontcharra")) is None
    assert "code postal" in debtor_problem(family("3 rue Neuve"))
    too_long = debtor_problem(family("3 rue " + "x" * 40 + "\n69490 Pontcharra"))
    assert too_long.startswith("Titre de recette impossible — Rue : 38 caractères au plus")


def test_the_debt_number_is_the_invoice_number_in_digits():
    assert debt_number("2026-000123") == 2026000123
    with pytest.raises(ValidationError):
        debt_number("AV-2026-1")


def test_the_check_keys_follow_their_moduli():
    # Weights 2..7 from the right: 1*2 + 2*3 + 3*4 = 20; 11 - 20 % 11 = 2.
    assert key_modulo_11("321") == 2
    assert key_modulo_11("0") == 1          # 11 - 0 = 11: written 1
    assert key_modulo_23("0") == "A" and key_modulo_23("22") == "Y" and key_modulo_23("23") == "A"
    key1, key2 = article_keys("067", 2026, 2026000123)
    assert key1 == key_modulo_11("067" "01" "26" "1" "0002026000123")
    assert key2 == key_modulo_23("26" "1" "00" "0002026000123")


def test_a_months_invoices_become_a_valid_bordereau_with_debt_numbers():
    invoices = [Invoice("1007", "2026-000002", "2026-11", date(2026, 12, 1), [
        {"child_name": "Léa DUPONT", "service": "meal", "label": "Repas", "quantity": 17,
         "unit_price_cents": 415, "amount_cents": 7055},
        {"child_name": "Léa DUPONT", "service": "meal", "label": "Repas", "quantity": 1,
         "unit_price_cents": 0, "amount_cents": 0}], 7055, None)]
    bordereau = build_bordereau(SETTINGS, "2026-11", 2026, 5, date(2026, 12, 1), invoices,
                                {"1007": family("3 rue Neuve\n69490 Pontcharra")})
    (piece,) = bordereau.pieces
    assert piece.debt_number == 2026000002 and len(piece.lines) == 1   # free line left out
    data = ormc_file(COMMUNE, bordereau)
    assert data == ormc_file(COMMUNE, bordereau)                        # same bytes
    root = etree.fromstring(data)
    etree.XMLSchema(etree.parse(str(SCHEMA))).assertValid(root)
    bloc = root.find("PES_RecetteAller/Bordereau/Piece/BlocPiece")
    assert [bloc.find(t).get("V") for t in ("NumDette", "Per", "Cle1", "Cle2")] == [
        "2026000002", "1", *map(str, article_keys("067", 2026, 2026000002))]
    assert root.find(".//Tiers/InfoTiers/Civilite") is None
    with pytest.raises(ValidationError):
        build_bordereau(replace(SETTINGS, imputations={}), "2026-11", 2026, 5,
                        date(2026, 12, 1), invoices,
                        {"1007": family("3 rue Neuve\n69490 Pontcharra")})


@pytest.mark.parametrize("value", ["2026-0000012-1", "2026-0000012-12"])
def test_a_bordereau_id_is_read_back(value):
    exercice, number, attempt = parse_bordereau_id(value)
    assert (exercice, number) == (2026, 12) and attempt in (1, 12)


@pytest.mark.parametrize("value", ["", "2026-12-1", "2026-0000000-1", "2026-0000012-0",
                                   None, "1999-0000012-1"])
def test_a_bad_bordereau_id_is_refused(value):
    with pytest.raises(ValidationError):
        parse_bordereau_id(value)
