"""The titres de recette file (PES V2 ORMC) the commune sends its public accountant.

Every file is validated against the DGFiP schemas kept in tests/data/pes; what the schemas
cannot see (totals, counts, SIRET key, one debtor per titre) is asserted here.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from chalicelib.domain.errors import ValidationError
from chalicelib.domain.pes import (ENCODING, NS_ALLER, Bordereau, Collectivity, Debtor,
                                   Imputation, Line, Piece, euros, file_name, ormc_file,
                                   siret_is_valid)

SCHEMAS = Path(__file__).resolve().parent.parent / "data" / "pes" / "PES_V2" / "Rev0"


@pytest.fixture(scope="module")
def pes_aller_schema() -> etree.XMLSchema:
    # Compiled once per module: the set is ~60 files, all resolved offline.
    return etree.XMLSchema(etree.parse(str(SCHEMAS / "PES_Aller.xsd")))


# -- a realistic month: November 2026, two families, three children ----------------------

COMMUNE = Collectivity(siret="21690195200012", collectivity_code="067", budget_code="00",
                       accounting_office="069041",
                       label="Commune de Saint-Just-d'Avray")
MEAL = Imputation(nature="7067", function="251", product_code="CANT")
CARE = Imputation(nature="7067", function="421", product_code="GARD")

LEFEVRE = Debtor(civility="MME", last_name="Lefèvre-Dupré", first_name="Élodie",
                 street="3 rue de l'Église", complement="Appartement 2", postcode="69490",
                 city="Saint-Just-d'Avray", reference="FAM-0007")
OBRIEN = Debtor(civility="M", last_name="O’Brien & Fils", first_name="Noël",
                street="12 chemin <des> Œillets", locality="Lieu-dit « Le Bourg »",
                postcode="69870", city="Chambost-Allières", reference="FAM-0012")


def lefevre_titre(number: int = 41) -> Piece:
    return Piece(number=number, debtor=LEFEVRE, object="Cantine et garderie novembre 2026",
                 lines=(Line("Repas - Léa Lefèvre-Dupré", 12, 415, 4980, MEAL),
                        Line("Garderie soir - Léa Lefèvre-Dupré", 8, 260, 2080, CARE),
                        Line("Repas - Hugo Lefèvre-Dupré", 12, 415, 4980, MEAL)))


def obrien_titre(number: int = 42) -> Piece:
    # 17 × 4,15 € = 70,55 €: the amount a peer once rounded wrong.
    return Piece(number=number, debtor=OBRIEN, object="Cantine et garderie novembre 2026",
                 lines=(Line("Repas - Maëlys O’Brien", 17, 415, 7055, MEAL),
                        Line("Garderie matin - Maëlys O’Brien", 5, 125, 625, CARE)))


NOVEMBER = Bordereau(exercice=2026, number=12, emitted_on=date(2026, 12, 3),
                     object="Restauration scolaire et garderie - novembre 2026",
                     pieces=(lefevre_titre(), obrien_titre()))


def parse(data: bytes) -> etree._Element:
    return etree.fromstring(data)


def values(root: etree._Element, path: str) -> list[str]:
    return [e.get("V") for e in root.iterfind(path)]


# -- schema, structure -------------------------------------------------------------------

def test_the_month_file_is_valid_against_the_dgfip_schema(pes_aller_schema):
    doc = etree.fromstring(ormc_file(COMMUNE, NOVEMBER))
    pes_aller_schema.assertValid(doc)


def test_the_root_is_namespace_qualified_and_every_child_is_not():
    root = parse(ormc_file(COMMUNE, NOVEMBER))
    assert root.tag == f"{{{NS_ALLER}}}PES_Aller"
    assert all(etree.QName(e).namespace is None for e in root.iterdescendants())
    # Values sit in V attributes: no element carries text.
    assert all(not (e.text or "").strip() for e in root.iter())


def test_the_file_is_an_ormc_recette_with_one_bordereau_of_ormc_titres():
    root = parse(ormc_file(COMMUNE, NOVEMBER))
    assert values(root, "Enveloppe/Parametres/Version") == ["2"]
    assert values(root, "Enveloppe/Parametres/TypFic") == ["PESORMC"]
    assert values(root, "PES_RecetteAller/EnTeteRecette/IdVer") == ["2"]
    assert len(root.findall("PES_RecetteAller/Bordereau")) == 1
    bloc = "PES_RecetteAller/Bordereau/BlocBordereau/"
    assert values(root, bloc + "TypBord") == ["06"]
    assert values(root, bloc + "Exer") == ["2026"]
    assert values(root, bloc + "IdBord") == ["12"]
    assert values(root, bloc + "DteBordEm") == ["2026-12-03"]
    piece = "PES_RecetteAller/Bordereau/Piece/BlocPiece/"
    assert values(root, piece + "TypPce") == ["15", "15"]
    assert values(root, piece + "NatPce") == ["01", "01"]
    assert values(root, piece + "IdPce") == ["41", "42"]


def test_the_header_carries_the_communes_identifiers():
    root = parse(ormc_file(COMMUNE, NOVEMBER))
    assert values(root, "EnTetePES/DteStr") == ["2026-12-03"]
    assert values(root, "EnTetePES/IdPost") == ["069041"]
    assert values(root, "EnTetePES/IdColl") == ["21690195200012"]
    assert values(root, "EnTetePES/CodCol") == ["067"]
    assert values(root, "EnTetePES/CodBud") == ["00"]
    assert values(root, "EnTetePES/LibelleColBud") == ["Commune de Saint-Just-d'Avray"]


# -- totals and counts (the schema checks none of them) ------------------------------------

def test_totals_and_counts_add_up():
    root = parse(ormc_file(COMMUNE, NOVEMBER))
    bloc = root.find("PES_RecetteAller/Bordereau/BlocBordereau")
    pieces = root.findall("PES_RecetteAller/Bordereau/Piece")
    assert bloc.find("NbrPce").get("V") == "2" == str(len(pieces))
    line_amounts = [Decimal(v) for v in values(root, ".//InfoLignePiece/MtHT")]
    assert line_amounts == [Decimal("49.80"), Decimal("20.80"), Decimal("49.80"),
                            Decimal("70.55"), Decimal("6.25")]
    assert Decimal(bloc.find("MtBordHt").get("V")) == sum(line_amounts) == Decimal("197.20")
    assert bloc.find("MtBordHt").get("V") == "197.20"


def test_lines_are_numbered_from_one_in_each_titre_and_carry_the_imputation():
    root = parse(ormc_file(COMMUNE, NOVEMBER))
    pieces = root.findall("PES_RecetteAller/Bordereau/Piece")
    assert [values(p, "LigneDePiece/BlocLignePiece/InfoLignePiece/IdLigne") for p in pieces] \
        == [["1", "2", "3"], ["1", "2"]]
    first = pieces[0].find("LigneDePiece/BlocLignePiece/InfoLignePiece")
    assert [first.find(tag).get("V") for tag in ("CodProdLoc", "Nature", "Fonction", "Majo",
                                                  "TvaIntraCom")] \
        == ["CANT", "7067", "251", "0", "0"]
    # Quantity and unit price have no field of their own: the line's wording shows them.
    assert first.find("ObjLignePce").get("V") == "Repas - Léa Lefèvre-Dupré : 12 x 4,15 EUR"


def test_every_line_names_the_one_debtor_of_its_titre():
    root = parse(ormc_file(COMMUNE, NOVEMBER))
    first = root.find("PES_RecetteAller/Bordereau/Piece")
    names = values(first, "LigneDePiece/Tiers/InfoTiers/Nom")
    assert names == ["Lefèvre-Dupré"] * 3
    tiers = first.find("LigneDePiece/Tiers")
    assert [tiers.find("InfoTiers/" + t).get("V") for t in
            ("RefTiers", "CatTiers", "NatJur", "TypTiers", "Civilite", "Prenom")] \
        == ["FAM-0007", "01", "01", "01", "MME", "Élodie"]
    assert [tiers.find("Adresse/" + t).get("V") for t in
            ("TypAdr", "Adr1", "Adr2", "CP", "Ville", "CodRes")] \
        == ["1", "Appartement 2", "3 rue de l'Église", "69490", "Saint-Just-d'Avray", "0"]


def test_amounts_are_decimal_euros_written_from_integer_cents():
    assert [euros(c) for c in (1, 10, 415, 7055, 19720, 123456789)] \
        == ["0.01", "0.10", "4.15", "70.55", "197.20", "1234567.89"]
    with pytest.raises(TypeError):
        euros(4.15)  # type: ignore[arg-type]


# -- bytes: encoding, escaping, determinism --------------------------------------------------

def test_the_file_is_iso_8859_1_and_says_so_on_its_first_line():
    data = ormc_file(COMMUNE, NOVEMBER)
    assert ENCODING == "ISO-8859-1"
    assert data.startswith(b'<?xml version="1.0" encoding="ISO-8859-1"?>\n')
    assert "Lefèvre".encode("latin-1") in data  # é is one byte, not UTF-8's two
    assert "Lefèvre".encode("utf-8") not in data
    data.decode("latin-1")  # every byte is Latin-1


def test_special_characters_are_escaped_and_read_back_unchanged():
    data = ormc_file(COMMUNE, NOVEMBER)
    assert b"&amp;" in data and b"&lt;des&gt;" in data
    tiers = parse(data).findall(".//Tiers")[-1]
    assert tiers.find("InfoTiers/Nom").get("V") == "O'Brien & Fils"
    assert tiers.find("Adresse/Adr2").get("V") == "12 chemin <des> OEillets"
    assert tiers.find("Adresse/Adr3").get("V") == "Lieu-dit « Le Bourg »"


def test_characters_outside_latin_1_are_folded_to_their_usual_spelling():
    debtor = replace(OBRIEN, last_name="Cœur\u00a0–\u200b Michał", first_name="Zoë “Zo”")
    bordereau = replace(NOVEMBER, pieces=(replace(obrien_titre(), debtor=debtor),))
    tiers = parse(ormc_file(COMMUNE, bordereau)).find(".//Tiers/InfoTiers")
    assert tiers.find("Nom").get("V") == "Coeur - Michal"
    assert tiers.find("Prenom").get("V") == 'Zoë "Zo"'


@pytest.mark.parametrize("name", ["王小明", "Dupont 🙂"])
def test_characters_hélios_cannot_take_are_refused_with_the_field_named(name):
    bordereau = replace(NOVEMBER, pieces=(
        lefevre_titre(), replace(obrien_titre(), debtor=replace(OBRIEN, last_name=name))))
    with pytest.raises(ValidationError) as error:
        ormc_file(COMMUNE, bordereau)
    assert error.value.field == "pieces[1].debtor.last_name"
    assert "ISO-8859-1" in error.value.message or "caractère" in error.value.message


def test_the_same_month_gives_the_same_bytes_whatever_the_order_of_the_titres():
    first = ormc_file(COMMUNE, NOVEMBER)
    assert ormc_file(COMMUNE, NOVEMBER) == first
    shuffled = replace(NOVEMBER, pieces=tuple(reversed(NOVEMBER.pieces)))
    assert ormc_file(COMMUNE, shuffled) == first


# -- file name ---------------------------------------------------------------------------

def test_the_file_name_follows_the_platforms_pesalr2_convention():
    assert file_name(COMMUNE, NOVEMBER) == "PESALR2_21690195200012_261203_012.xml"
    assert file_name(COMMUNE, NOVEMBER, attempt=2) == "PESALR2_21690195200012_261203_012-2.xml"
    root = parse(ormc_file(COMMUNE, NOVEMBER, attempt=2))
    assert values(root, "Enveloppe/Parametres/NomFic") == [
        "PESALR2_21690195200012_261203_012-2.xml"]


# -- refused before anything is written ------------------------------------------------------

@pytest.mark.parametrize("siret, valid", [
    ("21690195200012", True), ("73282932000074", True),
    ("21690195200019", False), ("2169019520001", False), ("2169019520001A", False),
    ("", False), ("35600000000010", True),  # La Poste: digit sum multiple of 5
])
def test_siret_key(siret, valid):
    assert siret_is_valid(siret) is valid


@pytest.mark.parametrize("commune, field", [
    (replace(COMMUNE, siret=""), "collectivity.siret"),
    (replace(COMMUNE, siret="21690195200019"), "collectivity.siret"),
    (replace(COMMUNE, collectivity_code="67"), "collectivity.collectivity_code"),
    (replace(COMMUNE, budget_code="0"), "collectivity.budget_code"),
    (replace(COMMUNE, accounting_office="69041"), "collectivity.accounting_office"),
])
def test_a_collectivity_with_a_missing_or_wrong_identifier_is_refused(commune, field):
    with pytest.raises(ValidationError) as error:
        ormc_file(commune, NOVEMBER)
    assert error.value.field == field


def bordereau_with(**changes) -> Bordereau:
    return replace(NOVEMBER, **changes)


def with_first_line(**changes) -> Bordereau:
    piece = lefevre_titre()
    lines = (replace(piece.lines[0], **changes),) + piece.lines[1:]
    return bordereau_with(pieces=(replace(piece, lines=lines), obrien_titre()))


@pytest.mark.parametrize("bordereau, field", [
    (bordereau_with(pieces=()), "pieces"),
    (bordereau_with(pieces=(lefevre_titre(7), obrien_titre(7))), "pieces[1].number"),
    (bordereau_with(pieces=(replace(lefevre_titre(), lines=()), obrien_titre())),
     "pieces[0].lines"),
    (with_first_line(amount_cents=4979), "pieces[0].lines[0].amount_cents"),
    (with_first_line(quantity=0, amount_cents=0), "pieces[0].lines[0].amount_cents"),
    (with_first_line(unit_price_cents=4.15), "pieces[0].lines[0].unit_price_cents"),
    (with_first_line(imputation=replace(MEAL, nature="")),
     "pieces[0].lines[0].imputation.nature"),
    (bordereau_with(number=0), "bordereau.number"),
    (bordereau_with(exercice=2024), "bordereau.exercice"),
    (bordereau_with(pieces=(replace(lefevre_titre(), debtor=replace(LEFEVRE, postcode="6949")),
                            obrien_titre())), "pieces[0].debtor.postcode"),
    (bordereau_with(pieces=(replace(lefevre_titre(), debtor=replace(LEFEVRE, civility="Mlle")),
                            obrien_titre())), "pieces[0].debtor.civility"),
    (bordereau_with(pieces=(replace(lefevre_titre(), debtor=replace(LEFEVRE, street=" ")),
                            obrien_titre())), "pieces[0].debtor.street"),
    (bordereau_with(pieces=(replace(lefevre_titre(), debtor=replace(LEFEVRE, city="x" * 39)),
                            obrien_titre())), "pieces[0].debtor.city"),
])
def test_a_broken_month_is_refused_with_the_field_at_fault(bordereau, field):
    with pytest.raises(ValidationError) as error:
        ormc_file(COMMUNE, bordereau)
    assert error.value.field == field
    assert error.value.message  # French, for the secretary


def test_long_wordings_are_cut_to_what_helios_keeps(pes_aller_schema):
    long = "Restauration scolaire " * 10
    piece = replace(lefevre_titre(), object=long)
    data = ormc_file(COMMUNE, replace(NOVEMBER, object=long, pieces=(piece,)))
    pes_aller_schema.assertValid(etree.fromstring(data))
    root = parse(data)
    assert len(values(root, ".//BlocBordereau/Objet")[0]) == 160
    assert len(values(root, ".//BlocPiece/ObjPce")[0]) == 160
