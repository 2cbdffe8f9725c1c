"""Which credit settles which invoice: tables of cases a secretary would check by hand."""
from __future__ import annotations

from datetime import date

import pytest

from chalicelib.domain.errors import ValidationError
from chalicelib.domain.ledger import LedgerEntry, allocate, parse_payment

D = date(2026, 12, 1)


def invoice(number, total):
    return LedgerEntry("1001", D, "invoice", "Facture", number, total, 0)


def payment(amount, invoice_number=None):
    return LedgerEntry("1001", D, "payment", "Chèque", invoice_number, 0, amount)


def credit_note(number, amount):
    return LedgerEntry("1001", D, "credit_note", "Avoir", number, 0, amount)


def states(invoices, entries):
    return {n: (s.status, s.paid_cents, s.remaining_cents)
            for n, s in allocate(invoices, entries).items()}


def debit_payment(amount, invoice_number):
    return LedgerEntry("1001", D, "payment", "Prélèvement", invoice_number, 0, amount,
                       "prelevement")


def reject(amount, invoice_number):
    return LedgerEntry("1001", D, "reject", "Rejet", invoice_number, amount, 0, "prelevement")


@pytest.mark.parametrize("invoices, entries, expected", [
    # The bank returns the debit: the invoice is due again.
    ([("A", 550, False)], [invoice("A", 550), debit_payment(550, "A"), reject(550, "A")],
     {"A": ("unpaid", 0, 550)}),
    # The same day, the reject line may come first: it still takes the debit back.
    ([("A", 550, False)], [invoice("A", 550), reject(550, "A"), debit_payment(550, "A")],
     {"A": ("unpaid", 0, 550)}),
    # A debit of what remained after a cheque, rejected: the cheque stands.
    ([("A", 550, False)], [invoice("A", 550), payment(200, "A"), debit_payment(350, "A"),
                           reject(350, "A")],
     {"A": ("partial", 200, 350)}),
    # The family had a credit on its account: it settles the invoice once the debit is
    # taken back.
    ([("A", 550, False)], [payment(100), invoice("A", 550), debit_payment(550, "A"),
                           reject(550, "A")],
     {"A": ("partial", 100, 450)}),
])
def test_a_rejected_debit_makes_its_invoice_due_again(invoices, entries, expected):
    assert states(invoices, entries) == expected


@pytest.mark.parametrize("invoices, entries, expected", [
    # Nothing paid.
    ([("A", 2450, False)], [invoice("A", 2450)], {"A": ("unpaid", 0, 2450)}),
    # A 20 € cheque on a 24.50 € invoice: partly paid, 4.50 € remain.
    ([("A", 2450, False)], [invoice("A", 2450), payment(2000)],
     {"A": ("partial", 2000, 450)}),
    # Oldest first when the payment names no invoice.
    ([("A", 350, False), ("B", 700, False)], [invoice("A", 350), invoice("B", 700),
                                              payment(400)],
     {"A": ("paid", 350, 0), "B": ("partial", 50, 650)}),
    # Staff chose the newer invoice: it is settled first, the rest goes oldest first.
    ([("A", 350, False), ("B", 700, False)], [invoice("A", 350), invoice("B", 700),
                                              payment(800, "B")],
     {"A": ("partial", 100, 250), "B": ("paid", 700, 0)}),
    # A cancelled invoice takes nothing; the payment made on it stays on the account.
    ([("A", 350, True), ("B", 700, False)], [invoice("A", 350), payment(350, "A"),
                                             credit_note("A", 350), invoice("B", 700)],
     {"A": ("cancelled", 0, 0), "B": ("partial", 350, 350)}),
    # A refund takes back the credit it refunds before any invoice sees it.
    ([("A", 350, False)], [invoice("A", 350), payment(700, "A"),
                           LedgerEntry("1001", D, "refund", "Remboursement", "A", 350, 0)],
     {"A": ("paid", 350, 0)}),
    # A certificate's refund (an adjustment) goes to the invoice it names, not the oldest.
    ([("A", 350, False), ("B", 1400, False)], [
        invoice("A", 350), invoice("B", 1400),
        LedgerEntry("1001", D, "adjustment", "Certificat médical accepté", "B", 0, 700)],
     {"A": ("unpaid", 0, 350), "B": ("partial", 700, 700)}),
    # An opening debt is older than any invoice: credits settle it first.
    ([("A", 350, False)], [LedgerEntry("1001", D, "opening", "Report", None, 500, 0),
                           invoice("A", 350), payment(600)],
     {"A": ("partial", 100, 250)}),
])
def test_credits_settle_invoices_as_a_secretary_would(invoices, entries, expected):
    assert states(invoices, entries) == expected


def test_no_invoice_ever_receives_more_than_its_total_nor_more_than_was_paid():
    invoices = [("A", 300, False), ("B", 300, False)]
    moves = [invoice("A", 300), invoice("B", 300), payment(1000, "A"), payment(50, "B")]
    result = allocate(invoices, moves)
    assert all(0 <= s.paid_cents <= s.total_cents for s in result.values())
    assert sum(s.paid_cents for s in result.values()) == 600


def tresor(amount, invoice_number):
    return LedgerEntry("1001", D, "payment", "Paiement au Trésor public", invoice_number,
                       0, amount, "tresor")


@pytest.mark.parametrize("invoices, entries, expected", [
    # A titre is the Treasury's to collect: a credit on the family's account (a cheque
    # that named no invoice, an advance) never settles it, or the family's statement
    # would call it paid while the Treasury still asks for it.
    ([("T", 350, False)], [invoice("T", 350), payment(350)],
     {"T": ("unpaid", 0, 350)}),
    # What the Treasury reports as collected settles it.
    ([("T", 350, False)], [invoice("T", 350), payment(350), tresor(350, "T")],
     {"T": ("paid", 350, 0)}),
    # A refund of the commune's naming the titre (a certificate accepted late) is a
    # credit on the account: the Treasury still asks for the titre.
    ([("T", 350, False)], [invoice("T", 350),
                           LedgerEntry("1001", D, "adjustment", "Régularisation", "T", 0, 350)],
     {"T": ("unpaid", 0, 350)}),
    # The credit still settles the family's régie invoice, older or newer.
    ([("R", 200, False), ("T", 350, False)],
     [invoice("R", 200), invoice("T", 350), payment(500)],
     {"R": ("paid", 200, 0), "T": ("unpaid", 0, 350)}),
])
def test_a_titre_is_settled_only_by_what_the_treasury_collected(invoices, entries, expected):
    result = allocate(invoices, entries, treasury={"T"})
    assert {n: (s.status, s.paid_cents, s.remaining_cents)
            for n, s in result.items()} == expected


TODAY = date(2026, 12, 2)
EARLIEST = date(2026, 1, 1)


@pytest.mark.parametrize("day", ["0001-01-01", "1999-06-30", "2025-12-31"])
def test_a_payment_dated_before_the_first_invoice_year_is_refused(day):
    with pytest.raises(ValidationError) as refused:
        parse_payment({"amount_cents": 100, "method": "cheque", "date": day}, TODAY, EARLIEST)
    assert refused.value.code == "date_out_of_range" and refused.value.field == "date"


def test_a_payment_dated_within_the_window_is_taken():
    assert parse_payment({"amount_cents": 100, "method": "cheque", "date": "2026-01-01"},
                         TODAY, EARLIEST)[3] == EARLIEST
