"""Direct debit (prélèvement SEPA CORE): the commune's creditor settings, the families'
mandates, the date and sequence of each debit, the reasons a bank gives for a reject.

The rules followed (EPC SEPA Core rulebook, as French banks apply it):
- a mandate has a unique reference (RUM, ≤ 35 characters) given by the creditor, the date
  it was signed, and the creditor's identifier (ICS); it lapses after 36 months without a
  debit (not enforced here: a commune debits monthly);
- the debtor is told the amount and date of each debit ("pré-notification") at least 14
  calendar days before, or the shorter delay the mandate text states;
- a mandate's first debit is sequence ``FRST``, the next ones ``RCUR``; a first debit that
  was rejected leaves the next one ``FRST``;
- when the debtor's account changes under the same mandate, the next debit carries the
  amendment: the former IBAN when the bank stays the same, ``SMNDA`` when the bank changes
  (sequence RCUR allowed since the 2016 rulebook);
- a debit is collected on a TARGET2 business day.

Pure: values in, values out; no AWS, no clock.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

import holidays

from chalicelib.domain.calendar import PARIS
from chalicelib.domain.errors import ValidationError

SCHEMAS = ("pain.008.001.02", "pain.008.001.08")
DEFAULT_SCHEMA = "pain.008.001.08"
MIN_NOTICE_DAYS, DEFAULT_NOTICE_DAYS, MAX_NOTICE_DAYS = 2, 14, 30
DEFAULT_DEBIT_DAY = 10
MAX_DEBIT_DAY = 28  # every month has it
DEFAULT_MAX_REJECTS, MAX_MAX_REJECTS = 2, 10
FRST, RCUR = "FRST", "RCUR"
ACTIVE, SUSPENDED, REVOKED = "active", "suspended", "revoked"
STATE_LABELS = {ACTIVE: "Actif", SUSPENDED: "Suspendu", REVOKED: "Révoqué"}
ONLINE, PAPER = "online", "paper"
SCHEDULED, SENT, REJECTED, CANCELLED = "prevu", "transmis", "rejete", "annule"
DEBIT_LABELS = {SCHEDULED: "Prévu", SENT: "Transmis à la banque", REJECTED: "Rejeté",
                CANCELLED: "Annulé"}
SMNDA = "SMNDA"  # "same mandate, new debtor agent": the debtor moved to another bank
_CODE = "invalid_direct_debit"
_WHERE = "direct_debit"

# The text a family accepts online, by version: the version is recorded with the
# signature, so a later wording never rewrites what a family signed.
MANDATE_TEXT_VERSION = "2026-1"
MANDATE_TEXTS = {
    "2026-1": (
        "En signant ce formulaire de mandat, vous autorisez {creditor} à envoyer des "
        "instructions à votre banque pour débiter votre compte, et votre banque à débiter "
        "votre compte conformément aux instructions de {creditor}, pour le paiement des "
        "factures de restauration scolaire et d'accueil périscolaire de votre famille.",
        "Vous bénéficiez du droit d'être remboursé par votre banque selon les conditions "
        "décrites dans la convention que vous avez passée avec elle. Une demande de "
        "remboursement doit être présentée dans les 8 semaines suivant la date de débit de "
        "votre compte pour un prélèvement autorisé.",
        "Le montant et la date de chaque prélèvement vous sont communiqués par courriel au "
        "moins {notice} jours avant le prélèvement. Vos droits concernant le présent mandat "
        "sont expliqués dans un document que vous pouvez obtenir auprès de votre banque.",
    ),
}

# Reasons a bank gives for a rejected or returned debit (ISO 20022 codes, as the
# commune's bank statement shows them).
REJECT_REASONS = {
    "AC01": "Numéro de compte incorrect",
    "AC04": "Compte clôturé",
    "AC06": "Compte bloqué",
    "AG01": "Prélèvement interdit sur ce compte",
    "AM04": "Provision insuffisante",
    "AM05": "Prélèvement en double",
    "MD01": "Pas de mandat valable",
    "MD02": "Mandat incomplet ou erroné",
    "MD06": "Remboursement demandé par le débiteur",
    "MD07": "Titulaire du compte décédé",
    "MS02": "Refus du débiteur",
    "MS03": "Motif non communiqué par la banque",
    "RC01": "BIC incorrect",
    "RR04": "Motif réglementaire",
    "SL01": "Service spécifique de la banque du débiteur",
}


@dataclass(frozen=True)
class DirectDebitSettings:
    """The commune as a SEPA creditor."""
    enabled: bool = False
    creditor_name: str = ""     # as the bank knows it, ≤ 70 characters
    creditor_id: str = ""       # ICS, « identifiant créancier SEPA », e.g. FR12ZZZ123456
    creditor_iban: str = ""     # the régie's account (régie mode; titres: the Treasury's)
    creditor_bic: str = ""
    debit_day: int = DEFAULT_DEBIT_DAY  # day of the month debits are collected
    notice_days: int = DEFAULT_NOTICE_DAYS
    max_rejects: int = DEFAULT_MAX_REJECTS  # rejects that suspend a mandate
    schema: str = DEFAULT_SCHEMA  # the pain.008 version the commune's bank reads


@dataclass(frozen=True)
class Account:
    """A debtor's bank account."""
    iban: str   # compact, upper case
    bic: str    # 8 or 11 characters


@dataclass(frozen=True)
class Mandate:
    """A family's mandate: one at a time per family; a revoked one is kept for the
    record and a new signature gets a new reference."""
    family: str
    rum: str
    holder: str
    account: Account
    status: str
    signed_on: date
    channel: str            # online | paper
    text_version: str       # the wording accepted (online) or the paper form's
    signed_by: str          # the account that signed online, or the staff member who typed it
    signed_at: datetime | None = None  # the online signature's instant (UTC)
    collected: bool = False            # a debit went out and was not rejected: RCUR next
    amended_from: Account | None = None  # the account before a change no file carried yet
    rejects: int = 0
    status_reason: str = ""
    updated_at: datetime | None = None
    version: int | None = None  # optimistic locking of the stored item


@dataclass(frozen=True)
class Reject:
    """A debit the family's bank rejected or returned."""
    code: str
    day: date
    recorded_by: str
    recorded_at: datetime


@dataclass(frozen=True)
class Debit:
    """One invoice collected by one debit, as scheduled when its month was confirmed."""
    month: str               # the billed month, YYYY-MM
    invoice: str             # the invoice (régie) or titre (titres) number
    family: str
    amount_cents: int
    collection_date: date
    rum: str
    signed_on: date
    holder: str
    account: Account
    sequence: str            # FRST | RCUR
    amended_from: Account | None = None
    status: str = "prevu"    # prevu | transmis | rejete | annule
    notified_at: datetime | None = None
    reject: Reject | None = None
    file: str | None = None  # the debit file (régie) or bordereau (titres) that carried it

    @property
    def pending(self) -> bool:
        """Announced or sent, and not rejected: the family must not pay it another way."""
        return self.status in (SCHEDULED, SENT)


# -- accounts ------------------------------------------------------------------------------

def check_account(iban: Any, bic: Any = None, where: str = "iban") -> Account:
    """A debtor's IBAN (checksum, country of the SEPA zone) and BIC: the BIC typed, or the
    one the IBAN's bank code gives; a clear French error on the field otherwise."""
    # Imported here: schwifty reads its package metadata and bank registry on import
    # (about 0.4 s), which only a mandate's form should pay, never a cold start.
    from schwifty import BIC, IBAN
    from schwifty.exceptions import SchwiftyException
    if not isinstance(iban, str) or not iban.strip():
        raise ValidationError("Indiquez l'IBAN du compte à débiter.", field=where,
                              code="invalid_iban")
    try:
        parsed = IBAN(iban)
    except SchwiftyException:
        raise ValidationError("IBAN invalide : vérifiez chaque caractère (la clé de contrôle "
                              "ne correspond pas).", field=where, code="invalid_iban") from None
    if not parsed.in_sepa_zone:
        raise ValidationError("Ce compte n'est pas dans la zone SEPA : il ne peut pas être "
                              "prélevé.", field=where, code="invalid_iban")
    bic_field = where.rsplit(".", 1)[0] + ".bic" if "." in where else "bic"
    if isinstance(bic, str) and bic.strip():
        try:
            typed = BIC("".join(bic.split()).upper())
        except SchwiftyException:
            raise ValidationError("BIC invalide (8 ou 11 lettres et chiffres).",
                                  field=bic_field, code="invalid_bic") from None
        return Account(str(parsed.compact), str(typed.compact))
    if bic not in (None, "") and not isinstance(bic, str):
        raise ValidationError("BIC invalide.", field=bic_field, code="invalid_bic")
    derived = parsed.bic
    if derived is None:
        raise ValidationError("Le BIC de cette banque n'a pas pu être trouvé : indiquez-le "
                              "(il figure sur votre RIB).", field=bic_field,
                              code="bic_required")
    return Account(str(parsed.compact), str(derived.compact))


def mask_iban(iban: str) -> str:
    """The IBAN as shown everywhere but the debit files: country, key and last 4 digits."""
    if len(iban) < 8:
        return "****"
    return f"{iban[:4]} **** **** **** {iban[-4:]}"


def same_bank(a: Account, b: Account) -> bool:
    """Whether two accounts are held by the same bank (the amendment's two cases)."""
    return a.bic[:8] == b.bic[:8]


# -- the creditor identifier ---------------------------------------------------------------

_ICS = re.compile(r"([A-Z]{2})([0-9]{2})([A-Z0-9]{3})([A-Z0-9]{1,28})")


def _mod97(text: str) -> int:
    return int("".join(str(int(c, 36)) for c in text)) % 97


def ics_is_valid(value: str) -> bool:
    """An ICS's key: ISO 7064 mod 97-10 over the national identifier then the country, the
    3-character business code left out (EPC262-08); a French ICS has 13 characters."""
    match = _ICS.fullmatch(value)
    if match is None:
        return False
    country, key, _business, national = match.groups()
    if country == "FR" and len(value) != 13:
        return False
    return _mod97(national + country + key) == 1


def ics_key(country: str, national: str) -> str:
    """The two check digits of an ICS (used to build demo and test identifiers)."""
    return f"{98 - _mod97(national + country + '00'):02d}"


# -- dates and sequence ----------------------------------------------------------------------

@lru_cache(maxsize=8)
def _target_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.financial_holidays("XECB", years=year))


def _target_closed(day: date) -> bool:
    return day.weekday() >= 5 or day in _target_holidays(day.year)


def collection_date(today: date, settings: DirectDebitSettings) -> date:
    """When debits of invoices confirmed ``today`` are collected: the commune's debit day,
    at least ``notice_days`` after today (the family is told today), moved to the next
    TARGET2 business day when it is not one."""
    earliest = today + timedelta(days=settings.notice_days)
    day = date(earliest.year, earliest.month, settings.debit_day)
    if day < earliest:
        day = (date(earliest.year + 1, 1, settings.debit_day) if earliest.month == 12
               else date(earliest.year, earliest.month + 1, settings.debit_day))
    while _target_closed(day):
        day += timedelta(days=1)
    return day


# A debit file must reach the bank this many TARGET2 business days before the debit date
# (one is the rulebook's floor for CORE; French banks ask for one or two).
LEAD_BUSINESS_DAYS = 2


def sendable(today: date, day: date) -> bool:
    """Whether a debit collected on ``day`` can still be sent to the bank ``today``."""
    count, current = 0, today
    while current < day and count < LEAD_BUSINESS_DAYS:
        current += timedelta(days=1)
        if not _target_closed(current):
            count += 1
    return count >= LEAD_BUSINESS_DAYS


def notice_kept(debit: Debit, settings: DirectDebitSettings, today: date) -> bool:
    """Whether ``debit`` may go to the bank ``today``: its family was told at least the
    notice before its date (Paris day of the e-mail), and the bank still has the time."""
    if debit.notified_at is None:
        return False
    told = debit.notified_at.astimezone(PARIS).date()
    return (debit.collection_date - told).days >= settings.notice_days \
        and sendable(today, debit.collection_date)


def sequence_of(mandate: Mandate) -> str:
    """FRST until a debit of the mandate has gone through, RCUR after."""
    return RCUR if mandate.collected else FRST


def rum(family: str, ordinal: int) -> str:
    """The unique mandate reference: the family's number and the mandate's rank."""
    return f"RUM-{family}-{ordinal:03d}"


def mandate_text(settings: DirectDebitSettings, version: str = MANDATE_TEXT_VERSION
                 ) -> tuple[str, ...]:
    """The mandate's paragraphs in ``version``, with the creditor's name and notice."""
    return tuple(p.format(creditor=settings.creditor_name or "la commune",
                          notice=settings.notice_days) for p in MANDATE_TEXTS[version])


def after_reject(mandate: Mandate, settings: DirectDebitSettings, debit: Debit) -> Mandate:
    """The mandate once ``debit`` was rejected: counted, suspended at the commune's limit; a
    rejected first debit leaves the next one FRST, and an amendment it carried is carried
    by the next one."""
    rejects = mandate.rejects + 1
    code = debit.reject.code if debit.reject else "?"
    suspended = mandate.status == ACTIVE and rejects >= settings.max_rejects
    return replace(mandate, rejects=rejects,
                   collected=False if debit.sequence == FRST else mandate.collected,
                   amended_from=mandate.amended_from or debit.amended_from,
                   status=SUSPENDED if suspended else mandate.status,
                   status_reason=(f"Suspendu après {rejects} rejets (dernier motif : {code})"
                                  if suspended
                                  else mandate.status_reason))


# -- the commune's settings ------------------------------------------------------------------

def _text(data: dict[str, Any], key: str, current: str, max_len: int, label: str) -> str:
    value = data.get(key, current)
    if not isinstance(value, str):
        raise ValidationError(f"{label} invalide.", field=f"{_WHERE}.{key}", code=_CODE)
    value = " ".join(value.split())
    if len(value) > max_len:
        raise ValidationError(f"{label} : {max_len} caractères au plus.",
                              field=f"{_WHERE}.{key}", code=_CODE)
    return value


def _number(data: dict[str, Any], key: str, current: int, low: int, high: int,
            message: str) -> int:
    value = data.get(key, current)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError(message, field=f"{_WHERE}.{key}", code=_CODE)
    return value


def parse_direct_debit(data: Any, current: DirectDebitSettings) -> DirectDebitSettings:
    """Validate a staff edit of « Prélèvement automatique »; fields left out keep their value."""
    if not isinstance(data, dict):
        raise ValidationError("Paramètres du prélèvement invalides.", field=_WHERE, code=_CODE)
    enabled = data.get("enabled", current.enabled)
    if not isinstance(enabled, bool):
        raise ValidationError("« enabled » doit valoir true ou false.",
                              field=f"{_WHERE}.enabled", code=_CODE)
    name = _text(data, "creditor_name", current.creditor_name, 70, "Nom du créancier")
    ics = "".join(_text(data, "creditor_id", current.creditor_id, 35,
                        "Identifiant créancier SEPA (ICS)").split()).upper()
    if ics and not ics_is_valid(ics):
        raise ValidationError("Identifiant créancier SEPA (ICS) invalide : FR, 2 chiffres de "
                              "clé, 3 caractères puis 6 (13 en tout), clé vérifiée.",
                              field=f"{_WHERE}.creditor_id", code=_CODE)
    iban_text = "".join(_text(data, "creditor_iban", current.creditor_iban, 42,
                              "IBAN du créancier").split()).upper()
    bic_text = "".join(_text(data, "creditor_bic", current.creditor_bic, 11,
                             "BIC du créancier").split()).upper()
    iban, bic = "", bic_text
    if iban_text:
        account = check_account(iban_text, bic_text or None, f"{_WHERE}.creditor_iban")
        iban, bic = account.iban, account.bic
    debit_day = _number(data, "debit_day", current.debit_day, 1, MAX_DEBIT_DAY,
                        f"Le jour du prélèvement doit être de 1 à {MAX_DEBIT_DAY}.")
    notice = _number(data, "notice_days", current.notice_days, MIN_NOTICE_DAYS,
                     MAX_NOTICE_DAYS, f"Le délai de pré-notification doit être de "
                     f"{MIN_NOTICE_DAYS} à {MAX_NOTICE_DAYS} jours.")
    max_rejects = _number(data, "max_rejects", current.max_rejects, 1, MAX_MAX_REJECTS,
                          f"Le nombre de rejets avant suspension doit être de 1 à "
                          f"{MAX_MAX_REJECTS}.")
    schema = data.get("schema", current.schema)
    if schema not in SCHEMAS:
        raise ValidationError(f"Version du fichier inconnue ({', '.join(SCHEMAS)}).",
                              field=f"{_WHERE}.schema", code=_CODE)
    if enabled and (not name or not ics):
        raise ValidationError("Pour proposer le prélèvement, indiquez le nom du créancier et "
                              "l'identifiant créancier SEPA (ICS) que votre banque vous a "
                              "attribué.", field=f"{_WHERE}.creditor_id" if name
                              else f"{_WHERE}.creditor_name", code=_CODE)
    return DirectDebitSettings(enabled, name, ics, iban, bic, debit_day, notice, max_rejects,
                               schema)


def direct_debit_to_dict(settings: DirectDebitSettings) -> dict[str, Any]:
    """As stored and as the settings API shows it."""
    return {"enabled": settings.enabled, "creditor_name": settings.creditor_name,
            "creditor_id": settings.creditor_id, "creditor_iban": settings.creditor_iban,
            "creditor_bic": settings.creditor_bic, "debit_day": settings.debit_day,
            "notice_days": settings.notice_days, "max_rejects": settings.max_rejects,
            "schema": settings.schema}


def direct_debit_from_dict(data: Any) -> DirectDebitSettings:
    """As stored (None: a commune that never set it)."""
    if not isinstance(data, dict):
        return DirectDebitSettings()
    default = DirectDebitSettings()
    return DirectDebitSettings(
        enabled=bool(data.get("enabled", False)),
        creditor_name=data.get("creditor_name", ""), creditor_id=data.get("creditor_id", ""),
        creditor_iban=data.get("creditor_iban", ""), creditor_bic=data.get("creditor_bic", ""),
        debit_day=int(data.get("debit_day", default.debit_day)),
        notice_days=int(data.get("notice_days", default.notice_days)),
        max_rejects=int(data.get("max_rejects", default.max_rejects)),
        schema=data.get("schema", default.schema))
