"""Titres paid by direct debit in the ORMC file: the block InfoPrelevementSEPA of each
ligne de pièce and the debtor's account in its Tiers, where the DGFiP schema (v5.30) wants
them, for the Treasury to collect the debits; titres without one are written as before.
"""
from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from chalicelib.domain.errors import ValidationError
from chalicelib.domain.pes import Piece, ormc_file
from chalicelib.domain.sepa import FRST, RCUR, Account, Debit, check_account
from tests.domain.test_pes import COMMUNE, LEFEVRE, NOVEMBER, lefevre_titre, obrien_titre

SCHEMAS = Path(__file__).resolve().parent.parent / "data" / "pes" / "PES_V2" / "Rev0"


@pytest.fixture(scope="module")
def pes_aller_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / "PES_Aller.xsd")))


ACCOUNT = check_account("FR7630006000011234567890189")          # Crédit Agricole
SAME_BANK_BEFORE = check_account("FR7630006000019876543210076")
OTHER_BANK_BEFORE = check_account("FR1420041010050500013M02606")  # La Banque Postale


def debit_of(piece: Piece, sequence: str = RCUR, holder: str = "Élodie Lefèvre-Dupré",
             amended_from: Account | None = None, account: Account = ACCOUNT) -> Debit:
    return Debit(month="2026-11", invoice=f"2026-{piece.number:06d}", family="FAM-0007",
                 amount_cents=piece.total_cents, collection_date=date(2027, 1, 11),
                 rum="RUM-FAM-0007-001", signed_on=date(2026, 9, 1), holder=holder,
                 account=account, sequence=sequence, amended_from=amended_from)


def with_debit(piece: Piece, **changes) -> Piece:
    return replace(piece, debit=debit_of(piece, **changes))


def month_with(*pieces: Piece) -> bytes:
    return ormc_file(COMMUNE, replace(NOVEMBER, pieces=pieces))


def piece_of(data: bytes, number: int) -> etree._Element:
    root = etree.fromstring(data)
    [found] = [p for p in root.iterfind("PES_RecetteAller/Bordereau/Piece")
               if p.find("BlocPiece/IdPce").get("V") == str(number)]
    return found


def v(element: etree._Element, path: str) -> str | None:
    found = element.find(path)
    return None if found is None else found.get("V")


# -- the file without debits is what it was ---------------------------------------------------

# sha256 of ormc_file(COMMUNE, NOVEMBER) as written before titres could carry a debit.
BEFORE_DEBITS = "70056ae41c9e92a938c9ce8d768d66c2cc6b83eb98a6e2a46f2670fb32a4ab67"


def test_a_month_without_debits_gives_the_same_bytes_as_before():
    assert hashlib.sha256(ormc_file(COMMUNE, NOVEMBER)).hexdigest() == BEFORE_DEBITS
    explicit = replace(NOVEMBER, pieces=tuple(replace(p, debit=None) for p in NOVEMBER.pieces))
    assert ormc_file(COMMUNE, explicit) == ormc_file(COMMUNE, NOVEMBER)


# -- schema and place -----------------------------------------------------------------------

def test_a_month_with_titres_paid_by_debit_and_others_is_valid(pes_aller_schema):
    third = replace(lefevre_titre(43), debtor=replace(LEFEVRE, reference="FAM-0009"))
    data = month_with(with_debit(lefevre_titre(), sequence=RCUR,
                                 amended_from=SAME_BANK_BEFORE),
                      obrien_titre(),
                      with_debit(third, sequence=FRST, amended_from=OTHER_BANK_BEFORE,
                                 holder="M. et Mme Lefèvre"))
    pes_aller_schema.assertValid(etree.fromstring(data))


def test_each_line_of_a_debited_titre_carries_the_block_after_its_identification():
    piece = piece_of(month_with(with_debit(lefevre_titre()), obrien_titre()), 41)
    lines = piece.findall("LigneDePiece")
    assert len(lines) == 3
    for line in lines:
        assert [c.tag for c in line.find("BlocLignePiece")] \
            == ["InfoLignePiece", "InfoPrelevementSEPA"]
        block = line.find("BlocLignePiece/InfoPrelevementSEPA")
        assert [(c.tag, c.get("V")) for c in block if c.tag != "MtPrel"] == [
            ("NatPrel", "01"),        # the Treasury sends the debit to the banks
            ("PerPrel", "07"),        # unique, as the schema advises
            ("DtePrel", "2027-01-11"),
            ("SequencePres", "03"),   # RCUR
            ("DateSignMandat", "2026-09-01"),
            ("RefUniMdt", "RUM-FAM-0007-001"),
            ("LibPrel", "Facture 2026-000041")]
        assert v(line, "BlocLignePiece/InfoLignePiece/MtHT") == v(block, "MtPrel")
    # The lines' amounts add up to the article's debit.
    assert sum(Decimal(v(line, "BlocLignePiece/InfoPrelevementSEPA/MtPrel"))
               for line in lines) == Decimal("120.40")


def test_the_debtors_account_travels_in_each_lines_tiers():
    piece = piece_of(month_with(with_debit(lefevre_titre()), obrien_titre()), 41)
    for tiers in piece.iterfind("LigneDePiece/Tiers"):
        assert [c.tag for c in tiers] == ["InfoTiers", "Adresse", "CpteBancaire"]
        assert [(c.tag, c.get("V")) for c in tiers.find("CpteBancaire")] == [
            ("BIC", "AGRIFRPPXXX"), ("IBAN", "FR7630006000011234567890189"),
            ("TitCpte", "Élodie Lefèvre-Dupré")]


def test_a_titre_without_debit_has_neither_block_nor_account():
    piece = piece_of(month_with(with_debit(lefevre_titre()), obrien_titre()), 42)
    assert piece.find(".//InfoPrelevementSEPA") is None
    assert piece.find(".//CpteBancaire") is None


def test_a_first_debit_is_sequence_02():
    piece = piece_of(month_with(with_debit(lefevre_titre(), sequence=FRST)), 41)
    assert {v(b, "SequencePres") for b in piece.iterfind(".//InfoPrelevementSEPA")} == {"02"}


# -- amendments and the holder -------------------------------------------------------------

def test_a_new_account_at_the_same_bank_gives_the_former_iban():
    block = piece_of(month_with(with_debit(lefevre_titre(), amended_from=SAME_BANK_BEFORE)),
                     41).find(".//InfoPrelevementSEPA")
    assert v(block, "AncienIBAN") == SAME_BANK_BEFORE.iban
    assert block.find("AncienneBanque") is None


def test_a_new_account_at_another_bank_says_the_bank_changed():
    data = month_with(with_debit(lefevre_titre(), amended_from=OTHER_BANK_BEFORE))
    block = piece_of(data, 41).find(".//InfoPrelevementSEPA")
    assert v(block, "AncienneBanque") == "1"
    assert block.find("AncienIBAN") is None
    assert OTHER_BANK_BEFORE.iban.encode() not in data


def test_an_unchanged_account_and_the_debtor_as_holder_add_nothing():
    block = piece_of(month_with(with_debit(lefevre_titre(), amended_from=ACCOUNT,
                                           holder="LEFEVRE-DUPRE Elodie")),
                     41).find(".//InfoPrelevementSEPA")
    assert block[-1].tag == "LibPrel"


def test_another_holder_than_the_debtor_is_flagged():
    block = piece_of(month_with(with_debit(lefevre_titre(), holder="Marc Lefèvre")),
                     41).find(".//InfoPrelevementSEPA")
    assert v(block, "TitCpteDiff") == "1"


def test_a_long_holder_is_cut_to_32_characters_and_folded_to_latin_1(pes_aller_schema):
    data = month_with(with_debit(lefevre_titre(),
                                 holder="Marie-Françoise Œillet de La Tour d’Auvergne"))
    pes_aller_schema.assertValid(etree.fromstring(data))
    assert v(piece_of(data, 41), ".//CpteBancaire/TitCpte") == "Marie-Françoise OEillet de La To"


def test_a_long_name_of_the_debtor_as_holder_is_not_taken_for_another_holder():
    debtor = replace(LEFEVRE, first_name="Marie-Françoise", last_name="de La Tour d'Auvergne")
    piece = replace(lefevre_titre(), debtor=debtor)
    data = month_with(with_debit(piece, holder="Marie-Françoise de La Tour d’Auvergne"))
    assert piece_of(data, 41).find(".//TitCpteDiff") is None


# -- refusals -----------------------------------------------------------------------------

@pytest.mark.parametrize(("change", "field"), [
    ({"amount_cents": 100}, "pieces[0].debit.amount_cents"),
    ({"sequence": "OOFF"}, "pieces[0].debit.sequence"),
    ({"rum": "RUM-Élodie"}, "pieces[0].debit.rum"),
    ({"rum": "R" * 36}, "pieces[0].debit.rum"),
    ({"account": Account("fr7630006000011234567890189", "AGRIFRPPXXX")},
     "pieces[0].debit.account.iban"),
    ({"account": Account("FR7630006000011234567890189", "agrifrpp")},
     "pieces[0].debit.account.bic"),
    ({"amended_from": Account("FR76", "AGRIFRPP")}, "pieces[0].debit.amended_from.iban"),
    ({"holder": " "}, "pieces[0].debit.holder"),
])
def test_a_debit_helios_would_reject_is_refused_with_its_field(change, field):
    piece = lefevre_titre()
    bad = replace(piece, debit=replace(debit_of(piece), **change))
    with pytest.raises(ValidationError) as error:
        month_with(bad, obrien_titre())
    assert error.value.field == field
