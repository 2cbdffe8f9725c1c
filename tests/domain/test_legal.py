"""The legal notices' settings (accessibility statement, personal-data notice) and the
diets recorded as needs only."""
from __future__ import annotations

from datetime import date

import pytest

from chalicelib.domain.accounts import MEAL_TYPE_LABELS, MEAL_TYPES, Child, apply_child_edit
from chalicelib.domain.commune import default_settings, parse_settings, settings_to_dict
from chalicelib.domain.errors import ValidationError
from chalicelib.domain.legal import (
    AccessibilitySettings,
    PlanYear,
    PrivacySettings,
    accessibility_from_dict,
    accessibility_to_dict,
    parse_accessibility,
    parse_privacy,
    privacy_from_dict,
    privacy_to_dict,
)

GOOD = {"status": "partiellement", "audit_date": "2026-09-15", "method": "auto-evaluation",
        "rate": 74,
        "contact": " Accessibilite@Mairie.example.org ",
        "non_compliant": "Le tableau des inscriptions n'a pas de résumé.",
        "derogations": "",
        "plan": [{"year": 2027, "actions": "Audit externe."},
                 {"year": 2026, "actions": "Corriger les formulaires."}]}


def test_a_portal_never_evaluated_is_non_conforme_by_default():
    settings = AccessibilitySettings()
    assert settings.status == "non" and settings.label == "non conforme"
    assert default_settings().accessibility == settings
    assert default_settings().privacy.retention_months == 12


def test_a_good_statement_is_kept_with_its_plan_in_year_order():
    parsed = parse_accessibility(GOOD, AccessibilitySettings())
    assert parsed.status == "partiellement" and parsed.label == "partiellement conforme"
    assert parsed.audit_date == date(2026, 9, 15)
    assert parsed.contact == "accessibilite@mairie.example.org"
    assert parsed.plan == (PlanYear(2026, "Corriger les formulaires."),
                           PlanYear(2027, "Audit externe."))
    assert accessibility_from_dict(accessibility_to_dict(parsed)) == parsed


def test_a_form_address_is_a_contact_too():
    parsed = parse_accessibility({"contact": "https://mairie.example.org/contact"},
                                 AccessibilitySettings())
    assert parsed.contact == "https://mairie.example.org/contact"


@pytest.mark.parametrize("edit, field", [
    ({"status": "conforme"}, "accessibility.status"),
    ({"status": "totalement"}, "accessibility.audit_date"),   # no evaluation dated
    ({"status": "partiellement", "audit_date": "15/09/2026"}, "accessibility.audit_date"),
    ({"status": "partiellement", "audit_date": "2026-02-30"}, "accessibility.audit_date"),
    ({"method": "audit"}, "accessibility.method"),
    ({"contact": "pas une adresse"}, "accessibility.contact"),
    ({"contact": "http://mairie.example.org/contact"}, "accessibility.contact"),
    ({"non_compliant": 12}, "accessibility.non_compliant"),
    ({"derogations": "x" * 4001}, "accessibility.derogations"),
    ({"plan": "2026 : tout"}, "accessibility.plan"),
    ({"rate": 101, "audit_date": "2026-09-15"}, "accessibility.rate"),
    ({"rate": "80", "audit_date": "2026-09-15"}, "accessibility.rate"),
    ({"rate": 80}, "accessibility.audit_date"),
    ({"plan": [{"year": 1999, "actions": "a"}]}, "accessibility.plan[0].year"),
    ({"plan": [{"year": True, "actions": "a"}]}, "accessibility.plan[0].year"),
    ({"plan": [{"year": 2026, "actions": "  "}]}, "accessibility.plan[0].actions"),
    ({"plan": [{"year": 2026, "actions": "a"}, {"year": 2026, "actions": "b"}]},
     "accessibility.plan"),
    ({"plan": [{"year": 2020 + i, "actions": "a"} for i in range(11)]}, "accessibility.plan"),
])
def test_a_bad_statement_is_refused_in_french_naming_its_field(edit, field):
    with pytest.raises(ValidationError) as error:
        parse_accessibility(edit, AccessibilitySettings())
    assert error.value.code == "invalid_accessibility"
    assert error.value.details == {"field": field}
    assert error.value.message[0].isupper() and error.value.message.endswith(".")


def test_the_privacy_notice_keeps_its_fields_and_shows_the_accounting_years():
    parsed = parse_privacy({"controller": "Mairie de  Démo", "address": "1 place de la Mairie",
                            "dpo_contact": "dpo@example.org", "retention_months": 24},
                           PrivacySettings())
    assert parsed.controller == "Mairie de Démo" and parsed.retention_months == 24
    shown = privacy_to_dict(parsed)
    assert shown["accounting_years"] == 10
    assert privacy_from_dict(shown) == parsed


@pytest.mark.parametrize("months", [0, 37, "12", True, None, 1.5])
def test_a_retention_out_of_one_to_thirty_six_months_is_refused(months):
    with pytest.raises(ValidationError) as error:
        parse_privacy({"retention_months": months}, PrivacySettings())
    assert error.value.code == "invalid_privacy"
    assert error.value.details == {"field": "privacy.retention_months"}


def test_the_commune_settings_carry_both_blocks_and_leave_them_alone_when_absent():
    current = default_settings()
    edited = parse_settings({"accessibility": GOOD, "privacy": {"controller": "Mairie"}},
                            current)
    assert edited.accessibility.status == "partiellement"
    assert edited.privacy.controller == "Mairie"
    untouched = parse_settings({"zone": "B"}, edited)
    assert untouched.accessibility == edited.accessibility
    assert untouched.privacy == edited.privacy
    shown = settings_to_dict(edited)
    assert shown["accessibility"]["status_label"] == "partiellement conforme"
    assert shown["privacy"]["retention_months"] == 12


# -- diets: needs, never beliefs ---------------------------------------------------------
BELIEFS = ("halal", "casher", "kasher", "cacher", "hallal", "musulman", "juif", "religi",
           "confession", "carême", "careme")


def test_the_meal_types_are_a_closed_list_of_needs_with_no_religious_label():
    assert MEAL_TYPES == ("standard", "sans_porc", "vegetarien", "panier_pai")
    words = " ".join(MEAL_TYPES + tuple(MEAL_TYPE_LABELS.values())).lower()
    assert not [b for b in BELIEFS if b in words]
    assert set(MEAL_TYPE_LABELS) == set(MEAL_TYPES)


@pytest.mark.parametrize("meal_type", ["halal", "casher", "Sans porc", "", None, 3])
def test_an_unknown_meal_type_is_refused_with_a_french_message(meal_type):
    child = Child("1001-1", "TOTO", "TEST")
    with pytest.raises(ValidationError) as error:
        apply_child_edit(child, {"meal_type": meal_type})
    assert error.value.code == "invalid_meal_type"
    assert error.value.details == {"field": "meal_type"}
    assert "besoin alimentaire" in error.value.message
