"""CSV as French Excel opens it: ``;``, UTF-8 with BOM, dd/mm/yyyy, decimal comma, and no
cell that a spreadsheet would run as a formula."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime

import pytest

from chalicelib.domain.csv_export import BOM, Cents, cell, neutralize, render
from chalicelib.settings import PARIS


def read(text: str) -> list[list[str]]:
    assert text.startswith(BOM)
    return list(csv.reader(io.StringIO(text[len(BOM):], newline=""), delimiter=";"))


@pytest.mark.parametrize("value, expected", [
    (Cents(7055), "70,55"),
    (Cents(5), "0,05"),
    (Cents(100), "1,00"),
    (Cents(0), "0,00"),
    (Cents(-5), "-0,05"),
    (Cents(-12345), "-123,45"),
    (date(2026, 11, 30), "30/11/2026"),
    (date(2027, 1, 4), "04/01/2027"),
    (datetime(2026, 12, 1, 8, 5, tzinfo=PARIS), "01/12/2026 08:05"),
    (True, "oui"),
    (False, "non"),
    (None, ""),
    (0, "0"),
    (12, "12"),
    (-3, "-3"),
    ("Repas", "Repas"),
    ("", ""),
])
def test_each_value_is_written_as_a_french_spreadsheet_expects(value, expected):
    assert cell(value) == expected


@pytest.mark.parametrize("text, expected", [
    ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
    ("+33 6 12 34 56 78", "'+33 6 12 34 56 78"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"),
    ("DUPONT", "DUPONT"),
    ("Jean-Pierre", "Jean-Pierre"),    # a dash inside is harmless
    ("a=b", "a=b"),
    ("'déjà cité", "'déjà cité"),
])
def test_text_a_spreadsheet_would_evaluate_is_prefixed_with_a_quote(text, expected):
    assert neutralize(text) == expected
    assert cell(text) == expected


def test_numbers_and_amounts_are_not_taken_for_formulas():
    assert cell(-3) == "-3"
    assert cell(Cents(-5)) == "-0,05"


def test_a_file_starts_with_the_bom_uses_semicolons_and_crlf_line_ends():
    text = render(["Date", "Famille", "Montant"], [[date(2026, 11, 30), "DUPONT", Cents(7055)]])
    assert text.startswith(BOM)
    assert text == BOM + "Date;Famille;Montant\r\n30/11/2026;DUPONT;70,55\r\n"


def test_a_file_reads_back_with_the_csv_module_even_with_separators_and_quotes_inside():
    rows = [[date(2026, 12, 1), "DUPONT; MARTIN", 'Le "petit" Louis', True],
            [date(2026, 12, 3), "Ligne\nsuivante", None, False]]
    parsed = read(render(["Date", "Famille", "Enfant", "Repas"], rows))
    assert parsed == [["Date", "Famille", "Enfant", "Repas"],
                      ["01/12/2026", "DUPONT; MARTIN", 'Le "petit" Louis', "oui"],
                      ["03/12/2026", "Ligne\nsuivante", "", "non"]]


def test_every_cell_of_a_rendered_file_is_neutralised_headers_included():
    parsed = read(render(["=titre", "Nom"], [["=1+1", "+2"], ["@x", "-y"]]))
    assert parsed == [["'=titre", "Nom"], ["'=1+1", "'+2"], ["'@x", "'-y"]]


def test_a_file_without_rows_still_has_its_header():
    assert read(render(["Date", "Total"], [])) == [["Date", "Total"]]
