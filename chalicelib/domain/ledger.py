"""The family's account ("relevé de compte"): running balance, statuses, payments."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Iterable

from chalicelib.domain.calendar import parse_date
from chalicelib.domain.errors import ValidationError

TYPE_LABELS = {"opening": "SOLDE A CE JOUR", "invoice": "Facture", "payment": "Paiement",
               "credit_note": "Avoir", "adjustment": "Régularisation"}
STAFF_METHODS = ("cheque", "especes", "cesu", "virement", "prelevement")
METHOD_LABELS = {"cheque": "Chèque", "especes": "Espèces", "cesu": "CESU",
                 "virement": "Virement", "prelevement": "Prélèvement", "payfip": "PayFip"}
MAX_PAYMENT_CENTS = 1_000_000


@dataclass(frozen=True)
class Movement:
    day: date
    type: str
    reference: str
    invoice: str | None
    debit_cents: int
    credit_cents: int


def balance(movements: Iterable[Movement]) -> int:
    """What the family owes (positive) or is owed (negative), in cents."""
    return sum(m.debit_cents - m.credit_cents for m in movements)


def statement(movements: list[Movement], limit: int | None, today: date) -> dict[str, Any]:
    """Newest first, with the running balance right on every line and the opening line.

    ``movements`` are oldest first. When the account has no stored opening line, one at
    zero opens it, as on the guide's first screen ("SOLDE A CE JOUR").
    """
    ordered = list(movements)
    if not any(m.type == "opening" for m in ordered):
        first = ordered[0].day if ordered else today
        ordered.insert(0, Movement(first, "opening", TYPE_LABELS["opening"], None, 0, 0))
    running = 0
    lines = []
    for m in ordered:
        running += m.debit_cents - m.credit_cents
        lines.append({"date": m.day.isoformat(), "type": m.type,
                      "type_label": TYPE_LABELS.get(m.type, m.type),
                      "reference": m.reference, "invoice": m.invoice,
                      "debit_cents": m.debit_cents, "credit_cents": m.credit_cents,
                      "balance_cents": running})
    lines.reverse()
    total = len(lines)
    return {"balance_cents": running, "lines": lines[:limit] if limit else lines,
            "total": total}


def invoice_statuses(invoices: list[tuple[str, int, bool]],
                     movements: Iterable[Movement]) -> dict[str, str]:
    """Status of each invoice: cancelled, paid or unpaid.

    ``invoices`` are (number, total, cancelled) oldest first. Credits other than the
    credit notes of cancelled invoices settle the oldest invoices first.
    """
    cancelled_refs = {n for n, _, c in invoices if c}
    credits = sum(m.credit_cents for m in movements
                  if not (m.type == "credit_note" and m.invoice in cancelled_refs))
    credits -= sum(m.debit_cents for m in movements if m.type not in ("invoice",))
    statuses = {}
    for number, total, cancelled in invoices:
        if cancelled:
            statuses[number] = "cancelled"
            continue
        if credits >= total:
            statuses[number] = "paid"
            credits -= total
        else:
            statuses[number] = "unpaid"
            credits = 0
    return statuses


def parse_payment(data: dict[str, Any], today: date) -> tuple[int, str, str, date]:
    """Validate a payment staff record: (amount in cents, method, reference, date)."""
    amount = data.get("amount_cents")
    if isinstance(amount, bool) or not isinstance(amount, int) or \
            not 0 < amount <= MAX_PAYMENT_CENTS:
        raise ValidationError("Le montant doit être un nombre entier de centimes positif.",
                              field="amount_cents")
    method = data.get("method")
    if method not in STAFF_METHODS:
        raise ValidationError("Mode de paiement invalide (cheque, especes, cesu, virement, "
                              "prelevement).", field="method")
    reference = data.get("reference") or ""
    if not isinstance(reference, str) or len(reference) > 60:
        raise ValidationError("Référence trop longue (60 caractères).", field="reference")
    day = parse_date(data["date"], "date") if data.get("date") else today
    if day > today:
        raise ValidationError("La date du paiement ne peut être dans le futur.", field="date")
    return amount, method, " ".join(reference.split()), day
