"""Families, children and staff members: the people who sign in, and their validation."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from chalicelib.domain.errors import ValidationError

STAFF_ROLES = ("admin", "agent", "kitchen")
_EMAIL = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;.]{2,}$")
_PHONE = re.compile(r"^\+?[0-9 .\-()]{6,20}$")


@dataclass(frozen=True)
class Child:
    id: str
    first_name: str
    last_name: str


@dataclass(frozen=True)
class Credentials:
    """What a sign-in checks, whoever the account belongs to."""
    password_hash: str
    must_change_password: bool = False
    temporary_expires_at: datetime | None = None


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

    def child(self, child_id: str) -> Child | None:
        """The family's child with this id, or None if it is not one of theirs."""
        return next((c for c in self.children if c.id == child_id), None)


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


def _text(data: dict[str, Any], name: str, *, required: bool, max_len: int) -> str:
    value = data.get(name, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError(f"Le champ « {name} » doit être un texte.", field=name)
    value = " ".join(value.split())
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
        address=_text(data, "address", required=False, max_len=300),
    )


def parse_new_child(data: dict[str, Any]) -> tuple[str, str]:
    """Validate a child's first and last names."""
    return (_text(data, "first_name", required=True, max_len=60),
            _text(data, "last_name", required=True, max_len=60))
