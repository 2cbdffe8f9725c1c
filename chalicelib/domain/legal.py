"""What the law asks the commune to publish about its portal: the accessibility statement
and its multi-year plan (RGAA 4.1, decree 2019-768), and the personal-data notice (RGPD,
CNIL reference for school catering and périscolaire).

Settings only: the statement and the notice are written from them by the public pages.
Pure values, no I/O.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from chalicelib.domain.accounts import is_email, normalize_email
from chalicelib.domain.errors import ValidationError
from chalicelib.domain.text import strip_invisible

# Conformity states of decree 2019-768, art. 5; the footer reads « Accessibilité : <label> ».
TOTAL, PARTIAL, NONE = "totalement", "partiellement", "non"
STATUSES = (TOTAL, PARTIAL, NONE)
STATUS_LABELS = {TOTAL: "totalement conforme", PARTIAL: "partiellement conforme",
                 NONE: "non conforme"}
SELF, EXTERNAL = "auto-evaluation", "audit-externe"
METHODS = (SELF, EXTERNAL)
METHOD_LABELS = {SELF: "auto-évaluation", EXTERNAL: "audit externe"}

MAX_TEXT = 4000
MAX_PLAN_YEARS = 10
MAX_ACTIONS = 2000
# Accounting records (invoices, ledger lines): 10 years (Code de commerce L123-22,
# instruction M14 for the commune's accounts). Not a setting: the law fixes it.
ACCOUNTING_YEARS = 10
# A family whose last child left: the CNIL's guidance for périscolaire files keeps the
# file at most one school year more; the commune may shorten or lengthen it (1–36 months).
DEFAULT_RETENTION_MONTHS = 12
MIN_RETENTION_MONTHS, MAX_RETENTION_MONTHS = 1, 36
# The audit log (who changed what, with the before and after): a trace, not an accounting
# record. The CNIL recommends keeping such traces six months to a year; a year lets a
# secretary answer for the last school year, and a family's name, address or allergies
# copied into an entry are gone at most a year after it was written, whatever the purge.
AUDIT_LOG_DAYS = 366

ACCESSIBILITY_ERROR = "invalid_accessibility"
PRIVACY_ERROR = "invalid_privacy"


@dataclass(frozen=True)
class PlanYear:
    """One year of the multi-year plan and the actions planned for it."""
    year: int
    actions: str


@dataclass(frozen=True)
class AccessibilitySettings:
    """The accessibility statement's facts. A portal never audited is « non conforme »
    (the DINUM's guidance): that is the default until the commune says otherwise."""
    status: str = NONE
    audit_date: date | None = None
    method: str = SELF
    contact: str = ""                  # an e-mail address or the https address of a form
    non_compliant: str = ""            # non-conformities found
    derogations: str = ""              # disproportionate burden, exempted contents
    plan: tuple[PlanYear, ...] = field(default=())
    rate: int | None = None            # % of the RGAA criteria met, as the audit found

    @property
    def label(self) -> str:
        """« totalement conforme », « partiellement conforme » or « non conforme »."""
        return STATUS_LABELS[self.status]


@dataclass(frozen=True)
class PrivacySettings:
    """The controller (the commune), its data protection officer and how long the family
    files stay once the last child left; accounting records are kept ``ACCOUNTING_YEARS``."""
    controller: str = ""               # « Mairie de … », as the notice names it
    address: str = ""                  # the town hall's postal address
    dpo_contact: str = ""              # e-mail address or postal address of the DPO
    retention_months: int = DEFAULT_RETENTION_MONTHS


def _text(data: dict, key: str, current: str, where: str, code: str, *,
          limit: int = MAX_TEXT, one_line: bool = False) -> str:
    value = data.get(key, current)
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError("Texte attendu.", field=f"{where}.{key}", code=code)
    value = strip_invisible(value).strip()
    if one_line:
        value = " ".join(value.split())
    if len(value) > limit:
        raise ValidationError(f"Texte trop long ({limit} caractères au plus).",
                              field=f"{where}.{key}", code=code)
    return value


def _contact(value: str, where: str) -> str:
    """An e-mail address, or the https address of a contact form."""
    if not value:
        return ""
    if value.lower().startswith("https://"):
        if any(c.isspace() for c in value) or len(value) > 500 or len(value) < 12:
            raise ValidationError("Adresse du formulaire de contact invalide.",
                                  field=f"{where}.contact", code=ACCESSIBILITY_ERROR)
        return value
    email = normalize_email(value)
    if not is_email(email):
        raise ValidationError("Indiquez une adresse mail ou l'adresse (https://…) d'un "
                              "formulaire de contact.", field=f"{where}.contact",
                              code=ACCESSIBILITY_ERROR)
    return email


def _plan(raw: Any, where: str) -> tuple[PlanYear, ...]:
    if not isinstance(raw, list) or len(raw) > MAX_PLAN_YEARS:
        raise ValidationError(f"Le schéma pluriannuel est une liste d'au plus "
                              f"{MAX_PLAN_YEARS} années.", field=f"{where}.plan",
                              code=ACCESSIBILITY_ERROR)
    years: list[PlanYear] = []
    for index, item in enumerate(raw):
        at = f"{where}.plan[{index}]"
        if not isinstance(item, dict):
            raise ValidationError("Année du schéma invalide.", field=at,
                                  code=ACCESSIBILITY_ERROR)
        year = item.get("year")
        if isinstance(year, bool) or not isinstance(year, int) or not 2019 <= year <= 2100:
            raise ValidationError("Année invalide (de 2019 à 2100).", field=f"{at}.year",
                                  code=ACCESSIBILITY_ERROR)
        actions = _text(item, "actions", "", at, ACCESSIBILITY_ERROR, limit=MAX_ACTIONS)
        if not actions:
            raise ValidationError("Indiquez les actions prévues pour cette année.",
                                  field=f"{at}.actions", code=ACCESSIBILITY_ERROR)
        years.append(PlanYear(year, actions))
    if len({y.year for y in years}) != len(years):
        raise ValidationError("Une année apparaît deux fois dans le schéma.",
                              field=f"{where}.plan", code=ACCESSIBILITY_ERROR)
    return tuple(sorted(years, key=lambda y: y.year))


def parse_accessibility(data: Any, current: AccessibilitySettings,
                        where: str = "accessibility") -> AccessibilitySettings:
    """Validate a staff edit of the statement; fields left out keep their value."""
    if not isinstance(data, dict):
        raise ValidationError("Paramètres d'accessibilité invalides.", field=where,
                              code=ACCESSIBILITY_ERROR)
    status = data.get("status", current.status)
    if status not in STATUSES:
        raise ValidationError("État de conformité invalide (totalement, partiellement ou "
                              "non).", field=f"{where}.status", code=ACCESSIBILITY_ERROR)
    method = data.get("method", current.method)
    if method not in METHODS:
        raise ValidationError("Méthode invalide (auto-evaluation ou audit-externe).",
                              field=f"{where}.method", code=ACCESSIBILITY_ERROR)
    audit_date = current.audit_date
    if "audit_date" in data:
        raw = data["audit_date"]
        if raw in (None, ""):
            audit_date = None
        else:
            try:
                audit_date = date.fromisoformat(raw) if isinstance(raw, str) else None
            except ValueError:
                audit_date = None
            if audit_date is None or len(raw) != 10:
                raise ValidationError("Date d'évaluation invalide (AAAA-MM-JJ).",
                                      field=f"{where}.audit_date", code=ACCESSIBILITY_ERROR)
    # « Totalement » or « partiellement » conforme is the result of an evaluation: the
    # statement must say when it was made (decree 2019-768, art. 5).
    if status != NONE and audit_date is None:
        raise ValidationError("Un état « totalement » ou « partiellement conforme » "
                              "suppose une évaluation : indiquez sa date.",
                              field=f"{where}.audit_date", code=ACCESSIBILITY_ERROR)
    contact = _contact(_text(data, "contact", current.contact, where, ACCESSIBILITY_ERROR,
                             limit=500, one_line=True), where)
    plan = _plan(data["plan"], where) if "plan" in data else current.plan
    rate = data.get("rate", current.rate)
    if rate is not None and (isinstance(rate, bool) or not isinstance(rate, int)
                             or not 0 <= rate <= 100):
        raise ValidationError("Le taux de conformité est un pourcentage entier (0 à 100), "
                              "ou vide.", field=f"{where}.rate", code=ACCESSIBILITY_ERROR)
    if rate is not None and audit_date is None:
        raise ValidationError("Un taux de conformité suppose une évaluation : indiquez sa "
                              "date.", field=f"{where}.audit_date", code=ACCESSIBILITY_ERROR)
    return AccessibilitySettings(
        status=status, audit_date=audit_date, method=method, contact=contact,
        non_compliant=_text(data, "non_compliant", current.non_compliant, where,
                            ACCESSIBILITY_ERROR),
        derogations=_text(data, "derogations", current.derogations, where,
                          ACCESSIBILITY_ERROR),
        plan=plan, rate=rate)


def accessibility_to_dict(settings: AccessibilitySettings) -> dict[str, Any]:
    """The statement's settings as stored and as the API shows them."""
    return {"status": settings.status, "status_label": settings.label,
            "audit_date": settings.audit_date.isoformat() if settings.audit_date else None,
            "method": settings.method, "method_label": METHOD_LABELS[settings.method],
            "contact": settings.contact, "non_compliant": settings.non_compliant,
            "derogations": settings.derogations,
            "plan": [{"year": y.year, "actions": y.actions} for y in settings.plan],
            "rate": settings.rate}


def accessibility_from_dict(data: Any) -> AccessibilitySettings:
    """Stored settings (absent on communes set up before: the defaults)."""
    if not isinstance(data, dict):
        return AccessibilitySettings()
    stored = {k: v for k, v in data.items() if k not in ("status_label", "method_label")}
    return parse_accessibility(stored, AccessibilitySettings())


def parse_privacy(data: Any, current: PrivacySettings,
                  where: str = "privacy") -> PrivacySettings:
    """Validate a staff edit of the personal-data notice; fields left out keep theirs."""
    if not isinstance(data, dict):
        raise ValidationError("Paramètres « Données personnelles » invalides.", field=where,
                              code=PRIVACY_ERROR)
    months = data.get("retention_months", current.retention_months)
    if isinstance(months, bool) or not isinstance(months, int) \
            or not MIN_RETENTION_MONTHS <= months <= MAX_RETENTION_MONTHS:
        raise ValidationError(f"La durée de conservation après le départ du dernier enfant "
                              f"doit être de {MIN_RETENTION_MONTHS} à {MAX_RETENTION_MONTHS} "
                              f"mois.", field=f"{where}.retention_months", code=PRIVACY_ERROR)
    return PrivacySettings(
        controller=_text(data, "controller", current.controller, where, PRIVACY_ERROR,
                         limit=200, one_line=True),
        address=_text(data, "address", current.address, where, PRIVACY_ERROR, limit=500),
        dpo_contact=_text(data, "dpo_contact", current.dpo_contact, where, PRIVACY_ERROR,
                          limit=500),
        retention_months=months)


def privacy_to_dict(settings: PrivacySettings) -> dict[str, Any]:
    """The notice's settings as stored and as the API shows them."""
    return {"controller": settings.controller, "address": settings.address,
            "dpo_contact": settings.dpo_contact,
            "retention_months": settings.retention_months,
            "accounting_years": ACCOUNTING_YEARS}


def privacy_from_dict(data: Any) -> PrivacySettings:
    """Stored settings (absent on communes set up before: the defaults)."""
    if not isinstance(data, dict):
        return PrivacySettings()
    return parse_privacy({k: v for k, v in data.items() if k != "accounting_years"},
                         PrivacySettings())
