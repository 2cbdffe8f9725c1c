"""The invoice PDF, read back with pypdf: what a family reads on it, in French, accents
and euro sign intact, over as many pages as it takes."""
from __future__ import annotations

import dataclasses
import io
import subprocess
import sys
from datetime import date

import pytest
from pypdf import PdfReader

from chalicelib.documents.invoice_pdf import InvoiceDocument, PdfLine, render_invoice
from chalicelib.domain.money import money, month_label

PAYMENT_HELP = ("Payez en ligne sur PayFip (www.payfip.gouv.fr), par chèque à l'ordre du "
                "Trésor public déposé en mairie, ou en espèces à l'accueil de la mairie.\n"
                "Si vous avez déjà réglé cette facture, ne tenez pas compte de ce rappel.")


def make_doc(**changes) -> InvoiceDocument:
    lines = changes.pop("lines", (
        PdfLine("TOTO TEST", "Repas", 17, 415, 7055),
        PdfLine("TOTO TEST", "Garderie matin", 6, 150, 900),
        PdfLine("LÉA TEST", "Garderie soir", 4, 200, 800),
    ))
    values = dict(
        commune_name="Commune de démonstration",
        commune_address="Mairie, place de l'Église\n69870 Saint-Just-d'Avray",
        family_number="1001", family_name="M. et Mme TEST",
        family_address="12 rue des Écoles\n69870 Saint-Just-d'Avray",
        number="2026-000042", month="2026-11", issued_on=date(2026, 12, 3),
        lines=lines, total_cents=sum(line.amount_cents for line in lines),
        balance_cents=8755, payment_help=PAYMENT_HELP)
    values.update(changes)
    return InvoiceDocument(**values)


def read(pdf: bytes) -> tuple[PdfReader, list[str]]:
    reader = PdfReader(io.BytesIO(pdf))
    return reader, [page.extract_text() for page in reader.pages]


def text_of(doc: InvoiceDocument) -> str:
    return "\n".join(read(render_invoice(doc))[1])


@pytest.mark.parametrize("cents, expected", [
    (0, "0,00 €"),
    (5, "0,05 €"),
    (-5, "-0,05 €"),
    (100, "1,00 €"),
    (7055, "70,55 €"),
    (99999, "999,99 €"),
    (123450, "1 234,50 €"),
    (-123450, "-1 234,50 €"),
    (100000000, "1 000 000,00 €"),
])
def test_money_is_french(cents, expected):
    assert money(cents) == expected


@pytest.mark.parametrize("not_cents", [70.55, "7055", True, None])
def test_money_takes_only_integer_cents(not_cents):
    with pytest.raises(TypeError):
        money(not_cents)


@pytest.mark.parametrize("month, expected", [
    ("2026-11", "novembre 2026"), ("2027-02", "février 2027"), ("2027-08", "août 2027"),
    ("2026-12", "décembre 2026"), ("2027-01", "janvier 2027"),
])
def test_month_label_in_french(month, expected):
    assert month_label(month) == expected


@pytest.mark.parametrize("month", ["2026-13", "2026-1", "11/2026", "", "2026-11-01"])
def test_month_label_refuses_other_formats(month):
    with pytest.raises(ValueError):
        month_label(month)


def test_a_real_one_page_a4_portrait_pdf():
    pdf = render_invoice(make_doc())
    assert pdf.startswith(b"%PDF-")
    reader, _ = read(pdf)
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4, points


def test_everything_the_family_reads():
    text = text_of(make_doc())
    for expected in (
            "Commune de démonstration", "place de l'Église", "69870 Saint-Just-d'Avray",
            "FACTURE N° 2026-000042", "Date : 03/12/2026", "Période : novembre 2026",
            "Famille n° 1001", "M. et Mme TEST", "12 rue des Écoles",
            "TOTO TEST", "LÉA TEST",
            "Prestation", "Quantité", "Prix unitaire", "Montant",
            "Repas", "Garderie matin", "Garderie soir",
            "4,15 €", "70,55 €",            # 17 × 4,15 €
            "1,50 €", "9,00 €", "2,00 €", "8,00 €",
            "Total de la facture : 87,55 €",
            "Solde de votre compte : 87,55 € à payer",
            "PayFip", "chèque à l'ordre du Trésor public", "déjà réglé", "Page 1/1"):
        assert expected in text, expected
    assert "ANNULÉE" not in text


def test_the_line_reads_quantity_unit_price_and_amount_in_order():
    text = text_of(make_doc())
    assert "Repas 17 4,15 € 70,55 €" in text


def test_lines_are_grouped_under_their_child_in_order_of_first_appearance():
    lines = (PdfLine("TOTO TEST", "Repas", 2, 415, 830),
             PdfLine("LÉA TEST", "Garderie soir", 1, 200, 200),
             PdfLine("TOTO TEST", "Garderie matin", 3, 150, 450))
    text = text_of(make_doc(lines=lines))
    toto, lea = text.index("TOTO TEST"), text.index("LÉA TEST")
    assert toto < text.index("Repas") < text.index("Garderie matin") < lea
    assert lea < text.index("Garderie soir")
    assert "Sous-total TOTO TEST 12,80 €" in text
    assert "Sous-total LÉA TEST 2,00 €" in text
    assert "Total de la facture : 14,80 €" in text


def test_one_child_has_no_sub_total():
    lines = (PdfLine("TOTO TEST", "Repas", 17, 415, 7055),)
    text = text_of(make_doc(lines=lines, balance_cents=7055))
    assert "Sous-total" not in text
    assert "Total de la facture : 70,55 €" in text
    assert "Solde de votre compte : 70,55 € à payer" in text


def test_a_balance_in_the_familys_favour():
    text = text_of(make_doc(balance_cents=-1250))
    assert "Solde de votre compte : 12,50 € en votre faveur" in text
    assert "à payer" not in text


def test_a_settled_balance():
    text = text_of(make_doc(balance_cents=0))
    assert "Solde de votre compte : 0,00 €" in text
    assert "en votre faveur" not in text
    assert "€ à payer" not in text


def test_addresses_and_payment_help_may_be_empty():
    text = text_of(make_doc(commune_address="", family_address="", payment_help=""))
    assert "FACTURE N° 2026-000042" in text
    assert "Famille n° 1001" in text
    assert "Comment payer" not in text


def test_thousands_are_separated_on_the_invoice():
    lines = (PdfLine("TOTO TEST", "Séjour", 1, 123450, 123450),)
    text = text_of(make_doc(lines=lines, balance_cents=123450))
    assert "Total de la facture : 1 234,50 €" in text


def test_a_cancelled_invoice_says_so_with_the_credit_note():
    text = text_of(make_doc(cancelled_by="AV-2026-000007"))
    assert "ANNULÉE par l'avoir n° AV-2026-000007" in text


def test_an_invoice_without_lines():
    text = text_of(make_doc(lines=(), total_cents=0, balance_cents=0))
    assert "Aucune prestation" in text
    assert "Total de la facture : 0,00 €" in text


def test_long_invoices_flow_onto_pages_that_repeat_the_headings():
    lines = tuple(PdfLine(f"ENFANT {i // 40}", f"Repas du jour {i:02d}", 1, 415, 415)
                  for i in range(80))
    reader, pages = read(render_invoice(make_doc(lines=lines, balance_cents=33200)))
    assert len(pages) > 1
    for number, page in enumerate(pages, start=1):
        assert f"Page {number}/{len(pages)}" in page
        assert "FACTURE N° 2026-000042" in page or "Facture N° 2026-000042" in page
    for page in pages[1:]:
        rows = page.splitlines()
        headings = rows.index("Prestation Quantité Prix unitaire Montant")
        # The child whose lines go on, named again under the headings.
        assert rows[headings + 1] in ("ENFANT 0 (suite)", "ENFANT 1 (suite)", "ENFANT 1")
    everything = "\n".join(pages)
    for i in range(80):
        assert f"Repas du jour {i:02d}" in everything
    assert "Total de la facture : 332,00 €" in pages[-1]
    assert "Solde de votre compte : 332,00 € à payer" in pages[-1]
    assert "Total de la facture" not in "\n".join(pages[:-1])


def test_a_child_name_never_ends_a_page_alone():
    # Enough lines that page breaks land on every kind of row.
    for count in range(20, 60, 3):
        lines = tuple(PdfLine(f"ENFANT {i // 4}", "Repas", 1, 415, 415) for i in range(count))
        _, pages = read(render_invoice(make_doc(lines=lines, balance_cents=0)))
        for page in pages[:-1]:
            rows = [row for row in page.splitlines() if row.strip()]
            body = [row for row in rows if not row.startswith("Commune de démonstration")]
            assert not body[-1].startswith("ENFANT"), (count, body[-3:])


def test_text_outside_windows_1252_is_folded_not_fatal():
    text = text_of(make_doc(family_name="Nguyễn Thị Łucja 🍝",
                            family_address="Ștrada\u202f1"))
    assert "Nguyên Thi Lucja ?" in text
    assert "Strada" in text


def test_the_same_invoice_gives_the_same_bytes():
    assert render_invoice(make_doc()) == render_invoice(make_doc())


def test_standard_helvetica_in_winansi_no_font_file_needed():
    """Nothing to load from the file system: what makes it work in Lambda."""
    reader, _ = read(render_invoice(make_doc(cancelled_by="AV-1")))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    assert fonts
    for ref in fonts.values():
        font = ref.get_object()
        assert font["/Subtype"] == "/Type1"
        assert font["/BaseFont"].startswith("/Helvetica")
        assert font["/Encoding"] == "/WinAnsiEncoding"
        assert "/FontDescriptor" not in font  # nothing embedded


def test_metadata():
    reader, _ = read(render_invoice(make_doc()))
    assert reader.metadata.title == "Facture n° 2026-000042 - novembre 2026"
    assert reader.metadata.author == "Commune de démonstration"


@pytest.mark.parametrize("changes", [
    {"total_cents": 1},
    {"month": "2026-13"},
    {"balance_cents": 12.5},
    {"lines": (PdfLine("A", "Repas", 1, 4.15, 415),), "total_cents": 415},
])
def test_inconsistent_documents_are_refused(changes):
    with pytest.raises(ValueError):
        render_invoice(make_doc(**changes))


def test_documents_are_plain_frozen_data():
    doc = make_doc()
    with pytest.raises(dataclasses.FrozenInstanceError):
        doc.number = "x"  # type: ignore[misc]
    assert doc.cancelled_by is None


def test_no_aws_and_no_pdf_library_at_import():
    code = ("import sys, chalicelib.documents.invoice_pdf as m; "
            "assert m.money(7055) == '70,55 €'; "
            "bad = [n for n in ('fpdf', 'PIL', 'fontTools', 'chalice', 'boto3', 'botocore', "
            "'pynamodb') if n in sys.modules]; "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=_repo_root())


def _repo_root() -> str:
    from pathlib import Path
    return str(Path(__file__).resolve().parents[2])
