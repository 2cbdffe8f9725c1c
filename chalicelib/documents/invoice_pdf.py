"""A family's monthly invoice as a PDF (A4 portrait), drawn with fpdf2.

Fonts: the PDF's standard Helvetica (one of the 14 fonts every PDF reader has), written
in WinAnsiEncoding (Windows-1252). fpdf2 declares its core fonts as WinAnsiEncoding but
encodes text as Latin-1 by default, which has no "€"; with
``core_fonts_encoding = "windows-1252"`` the euro sign, French accents (é è ê à â ç ô
û î ï ù), œ, « », ’ and the no-break space all come out right. No font file is read, so
rendering works the same in AWS Lambda (which has no system fonts) as on a laptop, and
the PDFs stay small. Text a caller passes that Windows-1252 cannot write (a name in
another script, an emoji) is folded to its closest Latin letters, or "?" as a last
resort, rather than making the whole invoice fail.

fpdf2 (with Pillow and fontTools) takes a quarter of a second to import: it is imported
only when an invoice is drawn, so importing this module for ``money()`` costs nothing.
"""
from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from chalicelib.domain.money import money, month_label

__all__ = ["PdfLine", "InvoiceDocument", "render_invoice", "money", "month_label"]

_ENCODING = "windows-1252"
# Characters Windows-1252 lacks but that have an obvious stand-in.
_STAND_INS = {"\u202f": "\u00a0", "\u2007": "\u00a0", "\u2009": " ", "\u200a": " ",
              "\u2002": " ", "\u2003": " ", "\u2010": "-", "\u2011": "-", "\u2012": "-",
              "\u2212": "-", "\u2015": "\u2014", "\u2032": "'", "\u2033": '"',
              "\u2044": "/", "\u2192": "->", "\u00ad": "", "\u200b": "", "\ufeff": "",
              "\t": " ", "\r": "", "Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "ı": "i"}

# Colours (RGB).
_INK = (33, 37, 41)
_MUTED = (100, 106, 115)
_ACCENT = (31, 73, 125)
_ACCENT_LIGHT = (226, 234, 244)
_RULE = (190, 196, 204)
_RED = (192, 0, 0)
_WATERMARK = (248, 214, 214)

# Page geometry (mm). A4 is 210 × 297.
_MARGIN = 15
_RIGHT_COL_X = 112
_COL_WIDTHS = (96, 24, 30, 30)  # Prestation | Quantité | Prix unitaire | Montant = 180


@dataclass(frozen=True)
class PdfLine:
    """One row of the invoice: a service for one child over the billed month."""
    child_name: str
    label: str
    quantity: int
    unit_price_cents: int
    amount_cents: int


@dataclass(frozen=True)
class InvoiceDocument:
    """Everything printed on one invoice, already decided by billing."""
    commune_name: str
    commune_address: str
    family_number: str
    family_name: str
    family_address: str
    number: str                     # e.g. "2026-000042"
    month: str                      # "YYYY-MM": the billed period
    issued_on: date
    lines: tuple[PdfLine, ...]
    total_cents: int
    balance_cents: int              # the family's balance after this invoice (positive = owed)
    payment_help: str               # how to pay (PayFip, cheque, cash at the town hall...)
    cancelled_by: str | None = None  # the credit note's number when cancelled
    # "Facture", or "Détail de facturation" when the Treasury collects (titres mode).
    title: str = "Facture"
    payment_note: str | None = None  # under the help; None: recall the reference to quote


def _date_fr(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _balance_text(balance_cents: int) -> str:
    if balance_cents > 0:
        return f"Solde de votre compte : {money(balance_cents)} à payer"
    if balance_cents < 0:
        return f"Solde de votre compte : {money(-balance_cents)} en votre faveur"
    return f"Solde de votre compte : {money(0)} (rien à payer)"


def _encodable(text: str) -> bool:
    try:
        text.encode(_ENCODING)
    except UnicodeEncodeError:
        return False
    return True


def _fold(char: str) -> str:
    """A character Windows-1252 lacks, as the closest text it has: "ễ" → "ê", "ș" → "s",
    "ﬁ" → "fi"; "?" when nothing is close."""
    decomposed = unicodedata.normalize("NFKD", char)
    base = "".join(c for c in decomposed if not unicodedata.combining(c))
    if not base or not _encodable(base):
        return "?"
    for mark in (c for c in decomposed if unicodedata.combining(c)):
        candidate = unicodedata.normalize("NFC", base + mark)
        if _encodable(candidate):
            base = candidate
    return base


def _printable(text: str) -> str:
    """Text that Helvetica in WinAnsiEncoding can write (see the module doc)."""
    out: list[str] = []
    for char in unicodedata.normalize("NFC", text or ""):
        char = _STAND_INS.get(char, char)
        out.append(char if _encodable(char) else _fold(char))
    return "".join(out)


def _by_child(lines: tuple[PdfLine, ...]) -> list[tuple[str, list[PdfLine]]]:
    """Lines grouped by child, children in their order of first appearance."""
    groups: dict[str, list[PdfLine]] = {}
    for line in lines:
        groups.setdefault(line.child_name, []).append(line)
    return list(groups.items())


def _check(doc: InvoiceDocument) -> None:
    month_label(doc.month)
    for name in ("total_cents", "balance_cents"):
        value = getattr(doc, name)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{name} doit être un entier de centimes : {value!r}")
    for line in doc.lines:
        for value in (line.quantity, line.unit_price_cents, line.amount_cents):
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"ligne {line.label!r} : entier attendu, pas {value!r}")
    lines_sum = sum(line.amount_cents for line in doc.lines)
    if lines_sum != doc.total_cents:
        raise ValueError(f"facture {doc.number} : le total ({doc.total_cents}) n'est pas "
                         f"la somme des lignes ({lines_sum})")


def render_invoice(doc: InvoiceDocument) -> bytes:
    """The invoice as the bytes of a PDF file, A4 portrait.

    Raises ValueError when the document is inconsistent (a month not "YYYY-MM", amounts
    that are not integer cents, a total that is not the sum of the lines). The same
    document always gives the same bytes.
    """
    _check(doc)
    pdf = _pdf_class()(doc)
    pdf.add_page()
    _draw_head(pdf, doc)
    if doc.cancelled_by:
        _draw_cancelled_banner(pdf, doc.cancelled_by)
    _draw_lines(pdf, doc)
    _draw_totals(pdf, doc)
    _draw_payment_help(pdf, doc)
    return bytes(pdf.output())


@functools.cache
def _pdf_class() -> Any:
    """The fpdf2 document class, defined on first use (keeps ``import fpdf`` out of this
    module's import)."""
    from fpdf import FPDF

    class InvoicePdf(FPDF):
        def __init__(self, doc: InvoiceDocument) -> None:
            super().__init__(orientation="P", unit="mm", format="A4")
            self.core_fonts_encoding = _ENCODING
            self.doc = doc
            self.set_margins(_MARGIN, _MARGIN, _MARGIN)
            self.set_auto_page_break(True, margin=20)
            self.alias_nb_pages()
            title = f"{doc.title} n° {doc.number} - {month_label(doc.month)}"
            self.set_title(_printable(title))
            self.set_author(_printable(doc.commune_name))
            self.set_subject(_printable(f"Famille n° {doc.family_number}"))
            self.set_creator("Portail cantine et périscolaire")
            self.set_lang("fr-FR")
            # A fixed date makes the same invoice give the same bytes.
            self.set_creation_date(datetime(doc.issued_on.year, doc.issued_on.month,
                                            doc.issued_on.day, tzinfo=UTC))

        def header(self) -> None:
            doc = self.doc
            if doc.cancelled_by:
                # Pale, diagonal, drawn first so that the text stays on top of it.
                self.set_font("Helvetica", "B", 90)
                self.set_text_color(*_WATERMARK)
                word = _printable("ANNULÉE")
                cap_height = 90 * 0.718 * 25.4 / 72  # Helvetica's capitals, in mm
                with self.rotation(angle=55, x=105, y=148.5):
                    self.text(105 - self.get_string_width(word) / 2,
                              148.5 + cap_height / 2, word)
            if self.page_no() > 1:
                self.set_y(8)
                self.set_font("Helvetica", "", 8.5)
                self.set_text_color(*_MUTED)
                self.cell(0, 5, _printable(doc.commune_name))
                self.set_x(_MARGIN)
                self.cell(0, 5, _printable(f"{doc.title} N° {doc.number} - {month_label(doc.month)}"
                                           f" - Famille n° {doc.family_number} (suite)"),
                          align="R")
                self.set_draw_color(*_RULE)
                self.line(_MARGIN, 14, 210 - _MARGIN, 14)
                self.set_y(18)
            self.set_text_color(*_INK)

        def footer(self) -> None:
            doc = self.doc
            self.set_y(-13)
            self.set_draw_color(*_RULE)
            self.line(_MARGIN, self.get_y(), 210 - _MARGIN, self.get_y())
            self.set_font("Helvetica", "", 8)
            self.set_text_color(*_MUTED)
            self.cell(0, 6, _printable(f"{doc.commune_name} - {doc.title} N° {doc.number}"))
            self.set_x(_MARGIN)
            self.cell(0, 6, f"Page {self.page_no()}/{{nb}}", align="R")
            self.set_text_color(*_INK)

    return InvoicePdf


def _draw_head(pdf: Any, doc: InvoiceDocument) -> None:
    top = pdf.get_y()
    # The commune, top left.
    pdf.set_text_color(*_ACCENT)
    pdf.set_font("Helvetica", "B", 14)
    pdf.multi_cell(90, 6.5, _printable(doc.commune_name), align="L", new_x="LMARGIN",
                   new_y="NEXT")
    pdf.set_text_color(*_MUTED)
    pdf.set_font("Helvetica", "", 9.5)
    address = _printable((doc.commune_address or "").strip())
    if address:
        pdf.multi_cell(90, 4.6, address, align="L", new_x="LMARGIN", new_y="NEXT")
    left_bottom = pdf.get_y()

    # The invoice's identity, top right.
    width = 210 - _MARGIN - _RIGHT_COL_X
    pdf.set_xy(_RIGHT_COL_X, top)
    pdf.set_text_color(*_INK)
    heading = _printable(f"{doc.title.upper()} N° {doc.number}")
    pdf.set_font("Helvetica", "B", 16)
    if pdf.get_string_width(heading) > width:
        pdf.set_font("Helvetica", "B", 11)  # "DÉTAIL DE FACTURATION N° …" on one line
    pdf.cell(width, 8, heading, align="R", new_x="LEFT", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    pdf.cell(width, 5.5, f"Date : {_date_fr(doc.issued_on)}", align="R",
             new_x="LEFT", new_y="NEXT")
    pdf.cell(width, 5.5, _printable(f"Période : {month_label(doc.month)}"), align="R",
             new_x="LEFT", new_y="NEXT")

    # The family, where a window envelope shows it.
    box_top = max(pdf.get_y() + 8, 45.0)
    pdf.set_xy(_RIGHT_COL_X + 4, box_top + 4)
    inner = width - 8
    pdf.set_font("Helvetica", "", 9)
    pdf.set_text_color(*_MUTED)
    pdf.cell(inner, 4.5, _printable(f"Famille n° {doc.family_number}"),
             new_x="LEFT", new_y="NEXT")
    pdf.set_text_color(*_INK)
    pdf.set_font("Helvetica", "B", 11)
    pdf.multi_cell(inner, 5.5, _printable(doc.family_name), align="L", new_x="LEFT",
                   new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    address = _printable((doc.family_address or "").strip())
    if address:
        pdf.multi_cell(inner, 5, address, align="L", new_x="LEFT", new_y="NEXT")
    box_bottom = pdf.get_y() + 4
    pdf.set_draw_color(*_RULE)
    pdf.set_line_width(0.3)
    pdf.rect(_RIGHT_COL_X, box_top, width, box_bottom - box_top, round_corners=True,
             corner_radius=2)
    pdf.set_line_width(0.2)
    pdf.set_xy(_MARGIN, max(box_bottom, left_bottom) + 8)


def _draw_cancelled_banner(pdf: Any, credit_note: str) -> None:
    pdf.set_draw_color(*_RED)
    pdf.set_text_color(*_RED)
    pdf.set_line_width(0.6)
    pdf.set_font("Helvetica", "B", 13)
    pdf.cell(0, 11, _printable(f"ANNULÉE par l'avoir n° {credit_note}"), border=1,
             align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    pdf.cell(0, 6, _printable("Cette facture n'est plus due : l'avoir en reprend le montant"
                              " sur votre compte."), align="C", new_x="LMARGIN",
             new_y="NEXT")
    pdf.set_line_width(0.2)
    pdf.set_text_color(*_INK)
    pdf.ln(4)


class _LinesTable:
    """The table of lines, drawn row by row so that a page break repeats the column
    headings and the current child's name ("(suite)"), and never leaves a child's
    name alone at the foot of a page."""
    HEAD_H = 7.0
    CHILD_H = 6.5
    LINE_H = 4.6     # one line of text inside a row
    PAD_X = 2.2
    PAD_Y = 1.3
    TITLES = ("Prestation", "Quantité", "Prix unitaire", "Montant")

    def __init__(self, pdf: Any) -> None:
        self.pdf = pdf
        self.xs = [float(_MARGIN)]
        for width in _COL_WIDTHS[:-1]:
            self.xs.append(self.xs[-1] + width)
        self.child: str | None = None

    def _rule(self, y: float) -> None:
        self.pdf.set_draw_color(*_RULE)
        self.pdf.line(_MARGIN, y, _MARGIN + sum(_COL_WIDTHS), y)

    def _fits(self, height: float) -> bool:
        return not self.pdf.will_page_break(height)

    def _new_page(self) -> None:
        self.pdf.add_page()
        self.heading()
        if self.child is not None:
            self._child_row(f"{self.child} (suite)")

    def heading(self) -> None:
        pdf = self.pdf
        y = pdf.get_y()
        pdf.set_fill_color(*_ACCENT)
        pdf.rect(_MARGIN, y, sum(_COL_WIDTHS), self.HEAD_H, style="F")
        pdf.set_text_color(255, 255, 255)
        pdf.set_font("Helvetica", "B", 9.5)
        for i, title in enumerate(self.TITLES):
            pdf.set_xy(self.xs[i] + self.PAD_X, y)
            pdf.cell(_COL_WIDTHS[i] - 2 * self.PAD_X, self.HEAD_H, _printable(title),
                     align="L" if i == 0 else "R")
        pdf.set_xy(_MARGIN, y + self.HEAD_H)
        pdf.set_text_color(*_INK)

    def _child_row(self, text: str) -> None:
        pdf = self.pdf
        y = pdf.get_y()
        pdf.set_fill_color(*_ACCENT_LIGHT)
        pdf.rect(_MARGIN, y, sum(_COL_WIDTHS), self.CHILD_H, style="F")
        pdf.set_text_color(*_ACCENT)
        pdf.set_font("Helvetica", "B", 9.5)
        pdf.set_xy(_MARGIN + self.PAD_X, y)
        pdf.cell(sum(_COL_WIDTHS) - 2 * self.PAD_X, self.CHILD_H, _printable(text))
        pdf.set_xy(_MARGIN, y + self.CHILD_H)
        pdf.set_text_color(*_INK)

    def _row_height(self, label: str, width: float) -> float:
        self.pdf.set_font("Helvetica", "", 9.5)
        lines = self.pdf.multi_cell(width - 2 * self.PAD_X, self.LINE_H, label,
                                    dry_run=True, output="LINES")
        return max(1, len(lines)) * self.LINE_H + 2 * self.PAD_Y

    def _row(self, cells: tuple[str, str, str, str], note: bool = False) -> None:
        """One row; a note (sub-total, "no line") is italic, its text right-aligned over
        the first three columns."""
        pdf = self.pdf
        label = _printable(cells[0])
        label_width = sum(_COL_WIDTHS[:3]) if note else _COL_WIDTHS[0]
        height = self._row_height(label, label_width)
        if not self._fits(height):
            self._new_page()
        y = pdf.get_y()
        pdf.set_font("Helvetica", "I" if note else "", 9.5)
        pdf.set_text_color(*(_MUTED if note else _INK))
        pdf.set_xy(self.xs[0] + self.PAD_X, y + self.PAD_Y)
        pdf.multi_cell(label_width - 2 * self.PAD_X, self.LINE_H, label,
                       align="R" if note else "L")
        for i in (1, 2, 3):
            if cells[i]:
                pdf.set_xy(self.xs[i] + self.PAD_X, y)
                pdf.cell(_COL_WIDTHS[i] - 2 * self.PAD_X, height, _printable(cells[i]),
                         align="R")
        self._rule(y + height)
        pdf.set_xy(_MARGIN, y + height)
        pdf.set_text_color(*_INK)

    def start_child(self, name: str, first_label: str) -> None:
        self.child = None
        first_row = self._row_height(_printable(first_label), _COL_WIDTHS[0])
        if not self._fits(self.CHILD_H + first_row):
            self._new_page()
        self._child_row(name)
        self.child = name

    def line(self, line: PdfLine) -> None:
        self._row((line.label, str(line.quantity), money(line.unit_price_cents),
                   money(line.amount_cents)))

    def subtotal(self, name: str, cents: int) -> None:
        self._row((f"Sous-total {name}", "", "", money(cents)), note=True)

    def empty(self) -> None:
        self._row(("Aucune prestation facturée pour ce mois.", "", "", ""), note=True)


def _draw_lines(pdf: Any, doc: InvoiceDocument) -> None:
    pdf.set_font("Helvetica", "B", 11)
    pdf.set_text_color(*_ACCENT)
    pdf.cell(0, 7, _printable(f"Prestations de {month_label(doc.month)}"),
             new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    table = _LinesTable(pdf)
    if pdf.will_page_break(table.HEAD_H + table.CHILD_H + 10):
        pdf.add_page()
    table.heading()
    groups = _by_child(doc.lines)
    if not groups:
        table.empty()
    for name, lines in groups:
        table.start_child(name, lines[0].label)
        for line in lines:
            table.line(line)
        if len(groups) > 1:
            table.subtotal(name, sum(line.amount_cents for line in lines))
        table.child = None


def _draw_totals(pdf: Any, doc: InvoiceDocument) -> None:
    width = 100
    x = 210 - _MARGIN - width
    pdf.ln(5)
    if pdf.will_page_break(26):
        pdf.add_page()
    margin = pdf.c_margin
    pdf.c_margin = 3
    pdf.set_x(x)
    pdf.set_fill_color(*_ACCENT)
    pdf.set_text_color(255, 255, 255)
    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(width, 9, _printable(f"Total de la facture : {money(doc.total_cents)}"),
             align="R", fill=True, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1.5)
    pdf.set_x(x)
    pdf.set_fill_color(*_ACCENT_LIGHT)
    pdf.set_text_color(*(_RED if doc.balance_cents > 0 else _ACCENT))
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(width, 8, _printable(_balance_text(doc.balance_cents)), align="R", fill=True,
             new_x="LMARGIN", new_y="NEXT")
    pdf.c_margin = margin
    pdf.set_x(x)
    pdf.set_text_color(*_MUTED)
    pdf.set_font("Helvetica", "I", 8)
    pdf.cell(width, 5, _printable("Le solde tient compte de vos factures, avoirs et "
                                  "paiements précédents."), align="R",
             new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*_INK)


def _draw_payment_help(pdf: Any, doc: InvoiceDocument) -> None:
    text = _printable((doc.payment_help or "").strip())
    if not text:
        return
    pdf.ln(6)
    if pdf.will_page_break(20):
        pdf.add_page()
    pdf.set_draw_color(*_RULE)
    pdf.line(_MARGIN, pdf.get_y(), 210 - _MARGIN, pdf.get_y())
    pdf.ln(3)
    pdf.set_font("Helvetica", "B", 11)
    pdf.set_text_color(*_ACCENT)
    pdf.cell(0, 6, "Comment payer", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*_INK)
    pdf.set_font("Helvetica", "", 9.5)
    pdf.multi_cell(0, 4.8, text, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("Helvetica", "I", 8.5)
    pdf.set_text_color(*_MUTED)
    note = doc.payment_note if doc.payment_note is not None else (
        f"Merci de rappeler la référence {doc.number} et votre numéro de famille "
        f"{doc.family_number} avec votre paiement.")
    pdf.multi_cell(0, 4.4, _printable(note), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*_INK)
