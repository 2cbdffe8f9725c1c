"""Reading what the Treasury reports: titres, amounts in euros, dates, and its CSV file."""
from __future__ import annotations

from datetime import date

import pytest

from chalicelib.domain.errors import ValidationError
from chalicelib.domain.treasury import parse_amount, parse_day, parse_titre, read_csv


@pytest.mark.parametrize("text, titre", [
    ("2026-000123", "2026-000123"), ("2026-123", "2026-000123"), (" 2026/7 ", "2026-000007"),
    ("2026000123", "2026-000123"), ("2026123", None), ("2026-0", None), ("2026-1234567", None),
    ("", None), ("titre", None), (None, None), (2026, None),
])
def test_a_titre_is_the_invoice_number(text, titre):
    assert parse_titre(text) == titre


@pytest.mark.parametrize("text, cents", [
    ("12,50", 1250), ("12.5", 1250), ("4,15", 415), ("1 234,50 €", 123450), ("3", 300),
    ("0,01", 1), ("0", None), ("-3,00", None), ("1,234", None), ("1e3", None), ("", None),
    ("10000,00", 1_000_000), ("10000,01", None), (None, None),
])
def test_amounts_are_read_as_cents_without_floats(text, cents):
    assert parse_amount(text) == cents


@pytest.mark.parametrize("text, day", [
    ("01/12/2026", date(2026, 12, 1)), ("1/2/2027", date(2027, 2, 1)),
    ("2026-12-01", date(2026, 12, 1)), ("31/02/2026", None), ("2026-13-01", None),
    ("01.12.2026", None), ("", None), (None, None),
])
def test_dates_are_french_or_iso(text, day):
    assert parse_day(text) == day


@pytest.mark.parametrize("text", ["", "   ", "\ufeff", None, 12, "titre;montant;date\n",
                                  "titre;montant\n2026-000001;1,00\n"])
def test_a_file_that_cannot_be_read_is_refused_whole(text):
    with pytest.raises(ValidationError):
        read_csv(text)


def test_identical_rows_of_one_file_are_distinct_payments_with_distinct_marks():
    rows = read_csv("Titre;Montant;Date\n2026-1;1,00;01/12/2026\n2026-1;1,00;01/12/2026\n")
    marks = [row.payment.mark for row in rows]
    assert marks == ["tresor#2026-000001#2026-12-01#100#1",
                     "tresor#2026-000001#2026-12-01#100#2"]
