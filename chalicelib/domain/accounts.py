"""Families, children and staff members: the people who sign in, and their validation."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from chalicelib.domain.calendar import parse_date
from chalicelib.domain.errors import ValidationError
from chalicelib.domain.text import clean_line, clean_lines, strip_invisible

STAFF_ROLES = ("admin", "agent", "kitchen")
_EMAIL = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;.]{2,}$")
_PHONE = re.compile(r"^\+?[0-9 .\-()]{6,20}$")


# Diets are recorded as needs only (CNIL, school catering): never a religion or a belief
# (no "halal", "casher"); a family asking for one is offered the need it implies ("sans
# porc", "végétarien"). A closed list, so no free text can carry a belief here.
MEAL_TYPES = ("standard", "sans_porc", "vegetarien", "panier_pai")
MEAL_TYPE_LABELS = {"standard": "Standard", "sans_porc": "Sans porc",
                    "vegetarien": "Végétarien", "panier_pai": "Panier repas (PAI)"}


@dataclass(frozen=True)
class Child:
    id: str
    first_name: str
    last_name: str
    school: str = ""
    class_name: str = ""
    meal_type: str = "standard"
    allergies: str = ""
    pickup_people: tuple[str, ...] = ()
    archived: bool = False
    # Optional, typed by staff: the CAF's activity report splits hours under 6 and 6 and
    # over by the child's age on each day (a child without one is counted apart).
    birth_date: date | None = None


@dataclass(frozen=True)
class Income:
    """The family's quotient familial and the date from which it applies."""
    qf: int | None = None
    effective_from: date | None = None


@dataclass(frozen=True)
class Credentials:
    """What a sign-in checks, whoever the account belongs to."""
    password_hash: str
    must_change_password: bool = False
    temporary_expires_at: datetime | None = None


@dataclass(frozen=True)
class PendingEmail:
    """A second address waiting for its owner to confirm it (the token is stored hashed)."""
    email: str
    token_hash: str
    expires_at: datetime


@dataclass(frozen=True)
class Family:
    number: str
    name: str
    emails: tuple[str, ...]
    phones: tuple[str, ...] = ()
    address: str = ""
    children: tuple[Child, ...] = ()
    credentials: Credentials | None = None
    version: int | None = None
    archived: bool = False
    income: Income = field(default_factory=Income)
    pending_email: PendingEmail | None = None
    # "Vos informations": a reminder before a deadline (on unless the family opts out) and
    # a receipt after each save (off unless the family opts in).
    reminders: bool = True
    receipts: bool = False
    # The Europe/Paris day its last child left (the family or its last active child
    # archived), until the family comes back; the purge counts the retention from it
    # (domain/retention.py). Kept once the family is anonymised, with when that was.
    left_on: date | None = None
    anonymised_at: datetime | None = None

    def child(self, child_id: str) -> Child | None:
        """The family's child with this id, or None if it is not one of theirs."""
        return next((c for c in self.children if c.id == child_id), None)

    def active_children(self) -> tuple[Child, ...]:
        """Children still enrolled."""
        return tuple(c for c in self.children if not c.archived)

    @property
    def anonymised(self) -> bool:
        """Whether the purge erased its personal data (only accounting records remain)."""
        return self.anonymised_at is not None


@dataclass(frozen=True)
class StaffMember:
    email: str
    name: str
    role: str
    credentials: Credentials | None = None


@dataclass(frozen=True)
class Principal:
    """Who is signed in: a family (``ref`` = number) or a staff member (``ref`` = e-mail)."""
    kind: str
    ref: str
    name: str
    role: str | None = None
    must_change_password: bool = False

    @property
    def key(self) -> str:
        """Stable identifier, used to find all sessions of one account."""
        return f"{self.kind}#{self.ref}"


@dataclass(frozen=True)
class NewFamily:
    name: str
    emails: tuple[str, ...]
    phones: tuple[str, ...] = field(default=())
    address: str = ""


def normalize_email(value: str) -> str:
    """E-mail addresses are compared without case and surrounding blanks."""
    return value.strip().lower()


def is_email(value: str) -> bool:
    """A plausible address (the real test is the e-mail reaching its owner)."""
    return len(value) <= 254 and bool(_EMAIL.match(value))


ADDRESS_LINES = 6  # a French postal address has at most six lines (norme AFNOR NF Z10-011)


def _text(data: dict[str, Any], name: str, *, required: bool, max_len: int,
          lines: int = 1) -> str:
    value = data.get(name, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError(f"Le champ « {name} » doit être un texte.", field=name)
    value = clean_line(value) if lines == 1 else clean_lines(value, lines)
    if required and not value:
        raise ValidationError(f"Le champ « {name} » est obligatoire.", field=name)
    if len(value) > max_len:
        raise ValidationError(
            f"Le champ « {name} » ne doit pas dépasser {max_len} caractères.", field=name)
    return value


def parse_emails(value: Any, field_name: str = "emails") -> tuple[str, ...]:
    """One or two distinct valid addresses, normalized."""
    if not isinstance(value, list) or not 1 <= len(value) <= 2:
        raise ValidationError("Indiquez une ou deux adresses e-mail.", field=field_name)
    emails: list[str] = []
    for index, item in enumerate(value):
        if not isinstance(item, str) or not is_email(item.strip()):
            raise ValidationError("Adresse e-mail invalide.", field=f"{field_name}[{index}]")
        email = normalize_email(item)
        if email in emails:
            raise ValidationError("Les deux adresses e-mail sont identiques.",
                                  field=f"{field_name}[{index}]")
        emails.append(email)
    return tuple(emails)


def parse_phones(value: Any, field_name: str = "phones") -> tuple[str, ...]:
    """Up to three phone numbers, digits and usual separators."""
    if value is None:
        return ()
    if not isinstance(value, list) or len(value) > 3:
        raise ValidationError("Indiquez au plus trois numéros de téléphone.", field=field_name)
    phones = []
    for index, item in enumerate(value):
        if not isinstance(item, str) or not _PHONE.match(item.strip()):
            raise ValidationError("Numéro de téléphone invalide.", field=f"{field_name}[{index}]")
        phones.append(item.strip())
    return tuple(p for p in phones if p)


def parse_new_family(data: dict[str, Any]) -> NewFamily:
    """Validate a staff request to create a family."""
    return NewFamily(
        name=_text(data, "name", required=True, max_len=100),
        emails=parse_emails(data.get("emails")),
        phones=parse_phones(data.get("phones")),
        address=_text(data, "address", required=False, max_len=300,
                     lines=ADDRESS_LINES),
    )


def parse_new_child(data: dict[str, Any]) -> tuple[str, str]:
    """Validate a child's first and last names."""
    return (_text(data, "first_name", required=True, max_len=60),
            _text(data, "last_name", required=True, max_len=60))


def search_key(name: str, number: str) -> str:
    """Sort and prefix-search key: the name without accents or case, then the number."""
    return f"{fold(name)}#{number}"


def fold(text: str) -> str:
    """Lower case without accents, single spaces: how people search names."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(plain.lower().split())


def parse_income(value: Any) -> Income:
    """``{"qf": int|null, "effective_from": "YYYY-MM-DD"|null}``: a QF needs its date."""
    if value is None:
        return Income()
    if not isinstance(value, dict):
        raise ValidationError("Quotient familial invalide.", field="income")
    qf = value.get("qf")
    if qf is None or qf == "":
        if value.get("effective_from") not in (None, ""):
            raise ValidationError("Indiquez le quotient familial qui prend effet à cette date.",
                                  field="income.qf")
        return Income()
    if isinstance(qf, bool) or not isinstance(qf, int) or not 0 <= qf <= 100_000:
        raise ValidationError("Le quotient familial doit être un nombre entier positif.",
                              field="income.qf")
    raw = value.get("effective_from")
    if raw in (None, ""):
        raise ValidationError("Indiquez la date d'effet du quotient familial (AAAA-MM-JJ).",
                              field="income.effective_from")
    return Income(qf, parse_date(raw, "income.effective_from"))


def apply_family_edit(family: Family, data: dict[str, Any]) -> Family:
    """A staff edit of a family: fields left out keep their value."""
    name = _text(data, "name", required=True, max_len=100) if "name" in data else family.name
    emails = parse_emails(data["emails"]) if "emails" in data else family.emails
    phones = parse_phones(data["phones"]) if "phones" in data else family.phones
    address = (_text(data, "address", required=False, max_len=300,
                     lines=ADDRESS_LINES) if "address" in data
               else family.address)
    income = parse_income(data["income"]) if "income" in data else family.income
    return replace(family, name=name, emails=emails, phones=phones, address=address,
                   income=income)


def apply_own_edit(family: Family, data: dict[str, Any],
                   now: datetime) -> tuple[Family, str | None]:
    """A family's edit of its own details: phones, address and second e-mail only.

    Returns the edited family and the new second address asked for, if any: a new
    address is not the family's until its owner confirms it (``pending_email``), so the
    edit never says whether the address is used elsewhere. Removing the second address,
    or a request still pending, takes effect at once."""
    unknown = set(data) - {"phones", "address", "second_email", "reminders", "receipts"}
    if unknown:
        raise ValidationError("Seuls les téléphones, l'adresse, la seconde adresse e-mail et "
                              "les courriels de rappel et de récapitulatif peuvent être "
                              "modifiés ici.", field=sorted(unknown)[0])
    choices = {}
    for name in ("reminders", "receipts"):
        if name in data:
            if not isinstance(data[name], bool):
                raise ValidationError(f"« {name} » doit valoir true ou false.", field=name)
            choices[name] = data[name]
    phones = parse_phones(data["phones"]) if "phones" in data else family.phones
    address = (_text(data, "address", required=False, max_len=300,
                     lines=ADDRESS_LINES) if "address" in data
               else family.address)
    emails, pending, requested = family.emails, family.pending_email, None
    if "second_email" in data:
        second = data["second_email"]
        if second in (None, ""):
            emails, pending = family.emails[:1], None
        else:
            wanted = parse_emails([family.emails[0], second], "second_email")[1]
            if wanted in family.emails:
                pending = None  # already the family's: nothing to confirm
            elif pending is None or pending.email != wanted or now >= pending.expires_at:
                requested = wanted
    return replace(family, phones=phones, address=address, emails=emails,
                   pending_email=pending, **choices), requested


def _lines(value: Any, field_name: str, max_items: int = 10) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or len(value) > max_items or any(
            not isinstance(v, str) or len(v) > 100 for v in value):
        raise ValidationError(f"Indiquez au plus {max_items} noms de 100 caractères.",
                              field=field_name)
    return tuple(line for line in (clean_line(v) for v in value) if line)


def apply_child_edit(child: Child, data: dict[str, Any]) -> Child:
    """A staff edit of a child's details."""
    def text(name: str, current: str, required: bool = False, max_len: int = 60) -> str:
        return _text(data, name, required=required, max_len=max_len) if name in data else current
    meal_type = data.get("meal_type", child.meal_type)
    if meal_type not in MEAL_TYPES:
        raise ValidationError("Régime inconnu : choisissez un besoin alimentaire de la liste "
                              "(standard, sans porc, végétarien, panier repas PAI).",
                              field="meal_type", code="invalid_meal_type")
    allergies = data.get("allergies", child.allergies)
    if allergies is None:
        allergies = ""
    if not isinstance(allergies, str) or len(allergies) > 1000:
        raise ValidationError("Note d'allergies ou de PAI trop longue (1000 caractères).",
                              field="allergies")
    birth_date = child.birth_date
    if "birth_date" in data:
        raw = data["birth_date"]
        birth_date = None if raw in (None, "") else parse_date(raw, "birth_date")
    return replace(
        child,
        birth_date=birth_date,
        first_name=text("first_name", child.first_name, True),
        last_name=text("last_name", child.last_name, True),
        school=text("school", child.school, max_len=100),
        class_name=text("class_name", child.class_name, max_len=40),
        meal_type=meal_type, allergies=strip_invisible(allergies).strip(),
        pickup_people=(_lines(data["pickup_people"], "pickup_people")
                       if "pickup_people" in data else child.pickup_people))
