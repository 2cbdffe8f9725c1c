"""How a commune collects what families owe: its own régie, or titres through the Treasury.

- ``regie`` (the default): the commune's régisseur takes the payments (PayFip Régie,
  cheques, cash); nothing is sent to the Treasury.
- ``titres``: each month the invoices become titres de recette that the public accountant
  collects (PES V2 ORMC file, see ``domain.pes``). The commune then needs the identifiers
  its accountant gave it, an imputation (budget account) per service it bills, the wording
  of the monthly rôle and the number of the next rôle.

Pure: values in, values out. Stored and shown as a plain dict (``collection_to_dict``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from chalicelib.domain.errors import ValidationError
from chalicelib.domain.money import month_label
from chalicelib.domain.pes import (
    Collectivity,
    Imputation,
    check_collectivity,
    check_imputation,
    siret_is_valid,
)

REGIE, TITRES = "regie", "titres"
MODES = (REGIE, TITRES)
DEFAULT_OBJECT_TEMPLATE = "Restauration scolaire et périscolaire - {mois}"
PLACEHOLDERS = ("mois", "annee")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_WHERE = "collection"


@dataclass(frozen=True)
class TitresSettings:
    """What a commune collecting through titres de recette must have set."""

    collectivity: Collectivity
    imputations: dict[str, Imputation]  # per service code
    object_template: str = DEFAULT_OBJECT_TEMPLATE
    next_roll_number: int = 1
    roll_exercice: int | None = None  # the budget year of the last rôle issued

    def roll_number(self, exercice: int) -> int:
        """The number the next rôle of ``exercice`` takes: rolls count again from 1 each
        budget year (Hélios checks they follow each other within a year)."""
        return self.next_roll_number if self.roll_exercice in (exercice, None) else 1

    def after_roll(self, exercice: int) -> TitresSettings:
        """These settings once a rôle of ``exercice`` has been issued."""
        return replace(self, next_roll_number=self.roll_number(exercice) + 1,
                       roll_exercice=exercice)


@dataclass(frozen=True)
class CollectionSettings:
    mode: str = REGIE
    titres: TitresSettings | None = field(default=None)


def default_collection() -> CollectionSettings:
    """A new commune runs its own régie."""
    return CollectionSettings()


def bordereau_object(template: str, month: str) -> str:
    """The rôle's wording for ``month`` (``"2026-11"``): ``{mois}`` → "novembre 2026",
    ``{annee}`` → "2026"."""
    values = {"mois": month_label(month), "annee": month[:4]}
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], template)


# -- reading and writing --------------------------------------------------------------------

def _parse_siret(value: Any, where: str) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValidationError("Le SIRET de la commune est obligatoire pour émettre des titres.",
                              field=where)
    siret = "".join(value.split()) if isinstance(value, str) else ""
    if len(siret) != 14 or not siret.isascii() or not siret.isdigit():
        raise ValidationError("Le SIRET doit compter 14 chiffres.", field=where)
    if not siret_is_valid(siret):
        raise ValidationError("SIRET invalide : la clé de contrôle ne correspond pas "
                              "(vérifiez chaque chiffre).", field=where)
    return siret


def _service_codes() -> tuple[tuple[str, ...], dict[str, str]]:
    # Imported here, not at the top: CommuneSettings is meant to hold these settings, so
    # domain.commune will import this module.
    from chalicelib.domain.commune import DEFAULT_LABELS, SERVICE_CODES
    return SERVICE_CODES, DEFAULT_LABELS


def _received(data: dict[str, Any], key: str) -> Any:
    """A field of the request as it came, None when missing: the check_* functions of the
    PES module that each value is passed to validate it (type included) before any use."""
    return data.get(key)


def _parse_imputations(data: Any, where: str) -> dict[str, Imputation]:
    SERVICE_CODES, _ = _service_codes()
    if not isinstance(data, dict) or not data:
        raise ValidationError("Indiquez l'imputation budgétaire d'au moins une prestation.",
                              field=where)
    imputations = {}
    for code in sorted(data, key=lambda c: (SERVICE_CODES.index(c)
                                            if c in SERVICE_CODES else len(SERVICE_CODES), c)):
        here = f"{where}.{code}"
        if code not in SERVICE_CODES:
            raise ValidationError(f"Code de prestation inconnu ({', '.join(SERVICE_CODES)}).",
                                  field=here)
        item = data[code]
        if not isinstance(item, dict):
            raise ValidationError("Imputation invalide.", field=here)
        imputations[code] = check_imputation(
            Imputation(nature=_received(item, "nature"),
                       product_code=_received(item, "product_code"),
                       function=item.get("function")), here)
    return imputations


def _parse_template(value: Any, where: str) -> str:
    if value is None:
        return DEFAULT_OBJECT_TEMPLATE
    template = " ".join(value.split()) if isinstance(value, str) else ""
    if not template:
        raise ValidationError("L'objet du rôle ne peut pas être vide.", field=where)
    if any(name not in PLACEHOLDERS for name in _PLACEHOLDER.findall(template)) \
            or "{" in _PLACEHOLDER.sub("", template) or "}" in _PLACEHOLDER.sub("", template):
        raise ValidationError("Seuls {mois} et {annee} peuvent être remplacés dans l'objet "
                              "du rôle.", field=where)
    if len(bordereau_object(template, "2026-09")) > 160:  # septembre: the longest month
        raise ValidationError("L'objet du rôle doit tenir en 160 caractères, mois compris.",
                              field=where)
    return template


def _parse_titres(data: Any, where: str) -> TitresSettings:
    if not isinstance(data, dict):
        raise ValidationError("Paramètres des titres de recette invalides.", field=where)
    siret = _parse_siret(data.get("siret"), f"{where}.siret")
    collectivity = check_collectivity(
        Collectivity(siret=siret, collectivity_code=_received(data, "collectivity_code"),
                     budget_code=_received(data, "budget_code"),
                     accounting_office=_received(data, "accounting_office"),
                     label=_received(data, "label")), where)
    imputations = _parse_imputations(data.get("imputations"), f"{where}.imputations")
    template = _parse_template(data.get("object_template"), f"{where}.object_template")
    roll = data.get("next_roll_number", 1)
    if isinstance(roll, bool) or not isinstance(roll, int) or not 1 <= roll <= 9_999_999:
        raise ValidationError("Numéro du prochain rôle invalide (nombre entier de 1 à 9999999).",
                              field=f"{where}.next_roll_number")
    year = data.get("roll_exercice")
    if year is not None and (isinstance(year, bool) or not isinstance(year, int)
                             or not 2000 <= year <= 2999):
        raise ValidationError("L'exercice du dernier rôle doit être une année sur 4 chiffres.",
                              field=f"{where}.roll_exercice")
    return TitresSettings(collectivity, imputations, template, roll, year)


def parse_collection(data: Any, *, billed_services: tuple[str, ...] = ()) -> CollectionSettings:
    """Read the collection settings from their dict; missing or empty means ``regie``.

    ``billed_services`` are the codes of the services the commune bills: in titres mode
    each needs an imputation, or its lines could not be written. A titres block is kept
    in régie mode too (validated the same way) so that switching back loses nothing.
    """
    if data is None:
        return default_collection()
    if not isinstance(data, dict):
        raise ValidationError("Paramètres d'encaissement invalides.", field=_WHERE)
    mode = data.get("mode", REGIE)
    if mode not in MODES:
        raise ValidationError("Mode d'encaissement invalide : « regie » (régie de la "
                              "commune) ou « titres » (titres de recette, Trésor public).",
                              field=f"{_WHERE}.mode")
    raw = data.get("titres")
    if raw is None:
        if mode == TITRES:
            raise ValidationError("Les identifiants donnés par le comptable public sont "
                                  "obligatoires pour émettre des titres de recette.",
                                  field=f"{_WHERE}.titres")
        return CollectionSettings(mode, None)
    titres = _parse_titres(raw, f"{_WHERE}.titres")
    if mode == TITRES:
        _, DEFAULT_LABELS = _service_codes()
        for code in billed_services:
            if code not in titres.imputations:
                label = DEFAULT_LABELS.get(code, code)
                raise ValidationError(f"La prestation « {label} » est facturée : indiquez son "
                                      "imputation budgétaire (nature, code produit).",
                                      field=f"{_WHERE}.titres.imputations.{code}")
    return CollectionSettings(mode, titres)


def collection_to_dict(settings: CollectionSettings) -> dict[str, Any]:
    """The settings as stored and as the API shows them (``parse_collection`` reads it)."""
    titres = settings.titres
    if titres is None:
        return {"mode": settings.mode, "titres": None}
    c = titres.collectivity
    return {"mode": settings.mode, "titres": {
        "siret": c.siret, "collectivity_code": c.collectivity_code,
        "budget_code": c.budget_code, "accounting_office": c.accounting_office,
        "label": c.label,
        "imputations": {code: {"nature": i.nature, "function": i.function,
                               "product_code": i.product_code}
                        for code, i in titres.imputations.items()},
        "object_template": titres.object_template,
        "next_roll_number": titres.next_roll_number,
        "roll_exercice": titres.roll_exercice}}
