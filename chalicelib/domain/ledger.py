"""The family's account ("relevé de compte"): running balance, statuses, payments."""
from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from chalicelib.domain.calendar import parse_date
from chalicelib.domain.errors import ValidationError

TYPE_LABELS = {"opening": "Report", "invoice": "Facture", "payment": "Paiement",
               "credit_note": "Avoir", "adjustment": "Régularisation",
               "refund": "Remboursement", "reject": "Rejet de prélèvement"}
# The statement's first and last lines, as in the guide: today's line carrying today's
# balance on top, and at the bottom the line that opens the account ("Solde initial"), or
# the balance carried over from elsewhere ("Report", a stored opening line).
TODAY_TYPE, TODAY_LABEL = "today", "SOLDE A CE JOUR"
INITIAL_LABEL = "Solde initial"
STAFF_METHODS = ("cheque", "especes", "cesu", "virement", "prelevement")
METHOD_LABELS = {"cheque": "Chèque", "especes": "Espèces", "cesu": "CESU",
                 "virement": "Virement", "prelevement": "Prélèvement", "payfip": "PayFip",
                 "tresor": "Trésor public"}
# A payment the Treasury collected for a titre (titres mode): paid to it, not to the
# commune, and the statement says so.
TRESOR_TYPE_LABEL = "Paiement au Trésor public"
MAX_PAYMENT_CENTS = 1_000_000
# Credits that settle the invoice they name first (the rest go oldest first).
NAMED_CREDITS = ("payment", "adjustment")


@dataclass(frozen=True)
class LedgerEntry:
    """One line of a family's account: written once, never edited or deleted."""
    family: str
    day: date
    type: str
    reference: str
    invoice: str | None
    debit_cents: int
    credit_cents: int
    method: str | None = None


@dataclass(frozen=True)
class Overpayment:
    """Money an online payment brought beyond what the family owed, until staff refund
    it or keep it on the account."""
    id: str
    family: str
    invoice: str | None
    amount_cents: int
    reference: str
    received_on: date
    status: str
    created_at: datetime


def balance(entries: Iterable[LedgerEntry]) -> int:
    """What the family owes (positive) or is owed (negative), in cents."""
    return sum(m.debit_cents - m.credit_cents for m in entries)


def statement(entries: list[LedgerEntry], limit: int | None, today: date) -> dict[str, Any]:
    """The "Relevé de compte" as in the guide, newest first, the running balance on
    every line.

    ``entries`` are one family's, oldest first. The first line is today's, "SOLDE A CE
    JOUR", carrying today's balance; the last opens the account: a stored opening line
    ("Report"), or one at zero ("Solde initial") on the day of the first entry. ``limit``
    counts today's line, as the guide's first screen does.
    """
    ordered = list(entries)
    if not any(m.type == "opening" for m in ordered):
        first = ordered[0].day if ordered else today
        family = ordered[0].family if ordered else ""
        ordered.insert(0, LedgerEntry(family, first, "opening", INITIAL_LABEL, None, 0, 0))
    running = 0
    lines = []
    for m in ordered:
        running += m.debit_cents - m.credit_cents
        label = INITIAL_LABEL if m.type == "opening" and m.reference == INITIAL_LABEL \
            else TRESOR_TYPE_LABEL if m.type == "payment" and m.method == "tresor" \
            else TYPE_LABELS.get(m.type, m.type)
        lines.append({"date": m.day.isoformat(), "type": m.type, "type_label": label,
                      "reference": m.reference, "invoice": m.invoice,
                      "debit_cents": m.debit_cents, "credit_cents": m.credit_cents,
                      "balance_cents": running})
    lines.append({"date": max(today, ordered[-1].day).isoformat(), "type": TODAY_TYPE,
                  "type_label": TODAY_LABEL, "reference": TODAY_LABEL, "invoice": None,
                  "debit_cents": 0, "credit_cents": 0, "balance_cents": running})
    lines.reverse()
    total = len(lines)
    return {"balance_cents": running, "lines": lines[:limit] if limit else lines,
            "total": total}


UNPAID, PARTIAL, PAID, CANCELLED = "unpaid", "partial", "paid", "cancelled"
STATE_LABELS = {UNPAID: "À payer", PARTIAL: "Partiellement payée", PAID: "Payée",
                CANCELLED: "Annulée"}


@dataclass(frozen=True)
class InvoiceState:
    """What an invoice has received and what remains of it, in cents."""
    number: str
    total_cents: int
    paid_cents: int
    cancelled: bool = False

    @property
    def remaining_cents(self) -> int:
        """What is still due on it (nothing once cancelled)."""
        return 0 if self.cancelled else self.total_cents - self.paid_cents

    @property
    def status(self) -> str:
        """unpaid, partial, paid or cancelled."""
        if self.cancelled:
            return CANCELLED
        if self.paid_cents >= self.total_cents:
            return PAID
        return PARTIAL if self.paid_cents > 0 else UNPAID


def allocate(invoices: list[tuple[str, int, bool]], entries: Iterable[LedgerEntry],
             treasury: Collection[str] = ()) -> dict[str, InvoiceState]:
    """Which part of the family's credits settles which invoice.

    ``invoices`` are (number, total, cancelled) oldest first; ``entries`` the ledger
    oldest first. A cancelled invoice is settled by its own credit note and takes nothing
    else. A payment or an adjustment (a certificate's refund) that names an open invoice
    goes to it first, up to what remains of it; every other credit (payments naming no
    invoice or a cancelled one, the surplus of a named credit, adjustments naming none)
    forms a pool, less the debits that are not invoices
    (refunds, opening debts), which settles the open invoices oldest first. A rejected
    direct debit ("reject", a debit naming its invoice) takes back what its payment gave
    that invoice, which is then due again, whatever the order of two lines of one day. The
    states only ever add up to what the ledger holds: nothing is created or lost.

    ``treasury`` names the titres de recette: the Treasury collects them, so only a payment
    naming one (what the Treasury reported) settles it; the pool and the commune's
    adjustments never do, or a credit on the family's account would show a titre paid
    that the Treasury still asks for.
    """
    open_totals = {n: t for n, t, cancelled in invoices if not cancelled}
    cancelled = {n for n, _, c in invoices if c}
    paid = dict.fromkeys(open_totals, 0)
    pool = 0
    rejects: list[tuple[str, int]] = []
    for m in entries:
        if m.type == "invoice":
            continue
        if m.type == "credit_note" and m.invoice in cancelled:
            continue  # it settles its own invoice, which is out of the count
        if m.type == "reject" and m.invoice in open_totals:
            # After every payment: it takes back one that came before.
            rejects.append((m.invoice, m.debit_cents))
            continue
        pool -= m.debit_cents
        credit = m.credit_cents
        # A titre takes only what the Treasury collected (a payment naming it): a refund
        # of the commune's stays a credit on the account, the titre due at the Treasury.
        if m.type in NAMED_CREDITS and m.invoice in open_totals and credit > 0 \
                and (m.type == "payment" or m.invoice not in treasury):
            taken = min(credit, open_totals[m.invoice] - paid[m.invoice])
            paid[m.invoice] += taken
            credit -= taken
        pool += credit
    for number, amount in rejects:
        back = min(amount, paid[number])
        paid[number] -= back
        pool -= amount - back
    for number, total, was_cancelled in invoices:
        if was_cancelled or pool <= 0 or number in treasury:
            continue
        taken = min(pool, total - paid[number])
        paid[number] += taken
        pool -= taken
    return {number: InvoiceState(number, total, 0 if c else paid[number], c)
            for number, total, c in invoices}


def parse_payment(data: dict[str, Any], today: date,
                  earliest: date) -> tuple[int, str, str, date]:
    """Validate a payment staff record: (amount in cents, method, reference, date).

    The date lies between ``earliest`` (1 January of the commune's first invoice year)
    and today: a slip such as 0001-01-01 would credit money no ledger export shows.
    """
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
    if day < earliest:
        raise ValidationError(f"La date du paiement ne peut précéder le "
                              f"{earliest.strftime('%d/%m/%Y')}.", field="date",
                              code="date_out_of_range")
    return amount, method, " ".join(reference.split()), day
