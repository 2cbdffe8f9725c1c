"""How the commune collects: its own régie, or titres de recette through the Treasury."""
from __future__ import annotations

import copy

import pytest

from chalicelib.domain.collection import (REGIE, TITRES, CollectionSettings, bordereau_object,
                                          collection_to_dict, default_collection,
                                          parse_collection)
from chalicelib.domain.errors import ValidationError
from chalicelib.domain.pes import Collectivity, Imputation

TITRES_DATA = {
    "mode": "titres",
    "titres": {
        "siret": "216 901 952 00012",
        "collectivity_code": "067",
        "budget_code": "00",
        "accounting_office": "069041",
        "label": "Commune de Saint-Just-d'Avray",
        "imputations": {
            "meal": {"nature": "7067", "function": "251", "product_code": "CANT"},
            "care_evening": {"nature": "7067", "function": None, "product_code": "GARD"},
        },
        "object_template": "Cantine et garderie - {mois}",
        "next_roll_number": 12,
        "roll_exercice": 2026,
    },
}


def titres_with(**changes):
    data = copy.deepcopy(TITRES_DATA)
    data["titres"].update(changes)
    return data


def test_a_commune_collects_through_its_own_regie_by_default():
    settings = default_collection()
    assert (settings.mode, settings.titres) == (REGIE, None)
    assert collection_to_dict(settings) == {"mode": "regie", "titres": None}
    assert parse_collection(None) == settings
    assert parse_collection({}) == settings


def test_titres_settings_are_read_with_their_identifiers_and_imputations():
    settings = parse_collection(TITRES_DATA)
    assert settings.mode == TITRES
    titres = settings.titres
    assert titres.collectivity == Collectivity("21690195200012", "067", "00", "069041",
                                               "Commune de Saint-Just-d'Avray")
    assert titres.imputations == {"meal": Imputation("7067", "CANT", "251"),
                                  "care_evening": Imputation("7067", "GARD", None)}
    assert titres.object_template == "Cantine et garderie - {mois}"
    assert (titres.next_roll_number, titres.roll_exercice) == (12, 2026)


def test_settings_survive_a_round_trip_through_their_dict():
    settings = parse_collection(TITRES_DATA)
    data = collection_to_dict(settings)
    assert data["titres"]["siret"] == "21690195200012"
    assert parse_collection(data) == settings


def test_titres_defaults_the_wording_and_starts_the_rolls_at_one():
    data = titres_with()
    del data["titres"]["object_template"], data["titres"]["next_roll_number"]
    del data["titres"]["roll_exercice"]
    titres = parse_collection(data).titres
    assert titres.object_template == "Restauration scolaire et périscolaire - {mois}"
    assert (titres.next_roll_number, titres.roll_exercice) == (1, None)


def test_the_roll_number_starts_again_at_one_each_budget_year():
    titres = parse_collection(TITRES_DATA).titres
    assert titres.roll_number(2026) == 12
    after = titres.after_roll(2026)
    assert (after.next_roll_number, after.roll_exercice) == (13, 2026)
    assert titres.roll_number(2027) == 1
    assert titres.after_roll(2027).next_roll_number == 2


def test_the_wording_template_fills_in_the_month():
    assert bordereau_object("Cantine et garderie - {mois}", "2026-11") \
        == "Cantine et garderie - novembre 2026"
    assert bordereau_object("Périscolaire {annee}", "2027-01") == "Périscolaire 2027"


def test_a_regie_commune_may_keep_its_titres_identifiers_for_later():
    data = titres_with()
    data["mode"] = "regie"
    settings = parse_collection(data)
    assert settings.mode == REGIE and settings.titres is not None


@pytest.mark.parametrize("data, field, message", [
    ({"mode": "tresor"}, "collection.mode", "régie"),
    ({"mode": "titres"}, "collection.titres", "obligatoire"),
    ({"mode": "titres", "titres": "oui"}, "collection.titres", "invalide"),
    (titres_with(siret=None), "collection.titres.siret", "SIRET"),
    (titres_with(siret="21690195200019"), "collection.titres.siret", "clé"),
    (titres_with(siret="2169019520001"), "collection.titres.siret", "14 chiffres"),
    (titres_with(collectivity_code=""), "collection.titres.collectivity_code", "collectivité"),
    (titres_with(budget_code=None), "collection.titres.budget_code", "budget"),
    (titres_with(accounting_office="12345"), "collection.titres.accounting_office",
     "poste comptable"),
    (titres_with(label=""), "collection.titres.label", "obligatoire"),
    (titres_with(imputations={}), "collection.titres.imputations", "prestation"),
    (titres_with(imputations={"lunch": {"nature": "7067", "product_code": "C"}}),
     "collection.titres.imputations.lunch", "inconnu"),
    (titres_with(imputations={"meal": {"nature": "70 67", "product_code": "C"}}),
     "collection.titres.imputations.meal.nature", "nature"),
    (titres_with(imputations={"meal": {"nature": "7067", "product_code": "CANTINE"}}),
     "collection.titres.imputations.meal.product_code", "produit"),
    (titres_with(imputations={"meal": {"nature": "7067", "product_code": "C",
                                       "function": "25.1"}}),
     "collection.titres.imputations.meal.function", "fonction"),
    (titres_with(object_template="Cantine {mois.__class__}"),
     "collection.titres.object_template", "{mois}"),
    (titres_with(object_template="x" * 150 + " {mois}"), "collection.titres.object_template",
     "160"),
    (titres_with(next_roll_number=0), "collection.titres.next_roll_number", "rôle"),
    (titres_with(next_roll_number="12"), "collection.titres.next_roll_number", "rôle"),
    (titres_with(roll_exercice=26), "collection.titres.roll_exercice", "exercice"),
])
def test_wrong_settings_are_refused_in_french_with_the_field_named(data, field, message):
    with pytest.raises(ValidationError) as error:
        parse_collection(data)
    assert error.value.field == field
    assert message in error.value.message


def test_services_the_commune_bills_must_have_an_imputation():
    with pytest.raises(ValidationError) as error:
        parse_collection(TITRES_DATA, billed_services=("meal", "care_morning"))
    assert error.value.field == "collection.titres.imputations.care_morning"
    assert "Garderie matin" in error.value.message
    assert parse_collection(TITRES_DATA, billed_services=("meal",)).mode == TITRES
    # In régie mode nothing is sent to the Treasury: no imputation needed.
    assert parse_collection({"mode": "regie"}, billed_services=("meal",)).mode == REGIE


def test_collection_settings_are_frozen():
    settings = CollectionSettings()
    with pytest.raises(AttributeError):
        settings.mode = TITRES  # type: ignore[misc]
