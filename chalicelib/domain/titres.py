"""The month's invoices as a bordereau of titres de recette, and the bordereau's life.

In ``titres`` mode, confirming a month makes one bordereau (rôle ORMC) of the month's
standing invoices: one pièce per invoice, one line per child × service (× kind of line:
a surcharge or a late fee has its own unit price), the family's payer as the débiteur.
The Treasury answers with an acknowledgement: the bordereau is then ``accepte`` or
``rejete`` (with the reasons); a rejected one is corrected and sent again, and a month
whose invoices changed (credit note, new confirmation) gets a new bordereau while the
old one is ``remplace``.

The family's postal address is free text of up to six lines (AFNOR NF Z10-011): the line
starting with a 5-digit postcode gives CP and city; the line above it is the street
(Adr2), the one above that the complement (Adr1). Nothing else is guessed: an address
without a postcode line cannot be sent, and the draft says so before anything is issued.

Pure: values in, values out.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from chalicelib.domain.accounts import Family
from chalicelib.domain.collection import TitresSettings, bordereau_object
from chalicelib.domain.errors import ValidationError
from chalicelib.domain.invoicing import Invoice
from chalicelib.domain.money import month_label
from chalicelib.domain.pes import (
    Bordereau,
    Debtor,
    Line,
    Piece,
    check_bordereau,
    check_debtor,
)
from chalicelib.domain.sepa import Debit

# States of a bordereau (one attempt of one roll number).
TO_SEND, ACCEPTED, REJECTED, REPLACED = "a_transmettre", "accepte", "rejete", "remplace"
STATE_LABELS = {TO_SEND: "À transmettre", ACCEPTED: "Accepté", REJECTED: "Rejeté",
                REPLACED: "Remplacé"}
# States whose file may still reach the Treasury, and so may be replaced by a new one.
OPEN_STATES = (TO_SEND, REJECTED)

_POSTCODE_LINE = re.compile(r"^\s*([0-9]{5})\s+(\S.*?)\s*$")


@dataclass(frozen=True)
class PostalAddress:
    """A family's address cut into the fields Hélios asks for."""

    street: str
    postcode: str
    city: str
    complement: str | None = None


@dataclass(frozen=True)
class BordereauRecord:
    """One bordereau as stored: one attempt of one roll number of a budget year."""

    exercice: int
    number: int
    attempt: int
    month: str
    state: str
    invoices: tuple[str, ...]        # the invoice numbers it carries, in pièce order
    emitted_on: date
    file_name: str
    file_key: str                    # where its bytes are (S3 key)
    sha256: str
    total_cents: int
    created_at: Any                  # datetime (UTC), as stored
    created_by: str
    reasons: tuple[str, ...] = ()    # the Treasury's reasons, when rejected
    acknowledged_at: Any = None
    acknowledged_by: str | None = None
    replaced_by: str | None = None   # id of the bordereau that replaces it

    @property
    def id(self) -> str:
        """``2026-000012-1``: exercice, roll number, attempt."""
        return bordereau_id(self.exercice, self.number, self.attempt)


def bordereau_id(exercice: int, number: int, attempt: int) -> str:
    """The public id of a bordereau attempt."""
    return f"{exercice}-{number:07d}-{attempt}"


def parse_bordereau_id(value: Any) -> tuple[int, int, int]:
    """(exercice, number, attempt) of an id, or ValidationError."""
    match = re.fullmatch(r"(20[0-9]{2})-([0-9]{7})-([0-9]{1,3})", value) \
        if isinstance(value, str) else None
    if match is None or int(match.group(2)) == 0 or int(match.group(3)) == 0:
        raise ValidationError("Identifiant de bordereau invalide.", field="bordereau_id")
    return int(match.group(1)), int(match.group(2)), int(match.group(3))


def postal_address(text: str) -> PostalAddress | None:
    """The address's street, postcode, city and complement, or None if it has no line
    starting with a French postcode that follows a street line."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    for index in range(len(lines) - 1, -1, -1):
        match = _POSTCODE_LINE.match(lines[index])
        if match is None:
            continue
        if index == 0:
            return None
        postcode, city = match.group(1), match.group(2)
        # "69000 LYON CEDEX 03" keeps its CEDEX: the postal norm writes it there.
        return PostalAddress(street=lines[index - 1], postcode=postcode, city=city,
                             complement=lines[index - 2] if index >= 2 else None)
    return None


def debtor_of(family: Family) -> Debtor:
    """The family's payer as the Treasury writes to them, or ValidationError saying what
    is missing (in French, for the draft's anomaly)."""
    address = postal_address(family.address)
    if address is None:
        raise ValidationError(
            "Adresse postale incomplète pour le Trésor public : il faut une ligne « numéro "
            "et rue » suivie d'une ligne « code postal (5 chiffres) et commune ».",
            field="address")
    # The family is known by one name (the payer's, as staff typed it): Hélios takes it as
    # the Nom; civility and first name are optional in the schema and left out.
    return Debtor(civility=None, last_name=family.name, first_name=None,
                  street=address.street, postcode=address.postcode, city=address.city,
                  reference=f"FAM-{family.number}", complement=address.complement)


def debtor_problem(family: Family) -> str | None:
    """Why this family's invoice could not be a titre, or None when it can."""
    try:
        check_debtor(debtor_of(family), "debtor")  # the writer's own checks, not a copy
    except ValidationError as exc:
        field = exc.field or ""
        what = {"last_name": "nom", "street": "rue", "city": "commune",
                "complement": "complément d'adresse", "postcode": "code postal"}.get(
                    field.rpartition(".")[2], "")
        prefix = f"{what.capitalize()} : " if what and field != "address" else ""
        return f"Titre de recette impossible — {prefix}{exc.message}"
    return None


def debt_number(invoice_number: str) -> int:
    """The invoice number as the Treasury's numéro de dette: ``2026-000123`` → 2026000123."""
    digits = invoice_number.replace("-", "")
    if not digits.isascii() or not digits.isdigit():
        raise ValidationError(f"Numéro de facture inattendu : {invoice_number}.",
                              field="invoice")
    return int(digits)


def build_bordereau(titres: TitresSettings, month: str, exercice: int, number: int,
                    emitted_on: date, invoices: list[Invoice],
                    families: dict[str, Family],
                    debits: dict[str, Debit] | None = None) -> Bordereau:
    """The rôle of ``month``: one pièce per invoice (in invoice order), checked; a titre
    the family pays by direct debit carries its debit (``debits`` by invoice number)."""
    pieces = []
    for index, invoice in enumerate(sorted(invoices, key=lambda i: i.number), start=1):
        family = families.get(invoice.family)
        if family is None:
            raise ValidationError(f"Famille {invoice.family} introuvable.", field="family")
        lines = []
        for raw in invoice.lines:
            if int(raw.get("amount_cents", 0)) <= 0:
                continue  # a free line (price 0): nothing for the Treasury to collect
            service = str(raw.get("service", ""))
            imputation = titres.imputations.get(service)
            if imputation is None:
                raise ValidationError(f"Aucune imputation pour la prestation {service}.",
                                      field=f"collection.titres.imputations.{service}")
            lines.append(Line(f"{raw.get('label', service)} - {raw.get('child_name', '')}",
                              int(raw["quantity"]), int(raw["unit_price_cents"]),
                              int(raw["amount_cents"]), imputation))
        pieces.append(Piece(number=index, debtor=debtor_of(family),
                            object=f"Facture {invoice.number} - {month_label(month)}",
                            lines=tuple(lines), debt_number=debt_number(invoice.number),
                            debit=(debits or {}).get(invoice.number)))
    return check_bordereau(Bordereau(exercice=exercice, number=number, emitted_on=emitted_on,
                                     object=bordereau_object(titres.object_template, month),
                                     pieces=tuple(pieces)))


def invoice_set_key(month: str, invoices: list[str]) -> str:
    """A short fingerprint of the invoices a bordereau carries: the once-only marker of
    "this month's bordereau of exactly these invoices"."""
    digest = hashlib.sha256("|".join(sorted(invoices)).encode()).hexdigest()[:24]
    return f"titres#{month}#{digest}"
