"""A family's SEPA direct-debit mandate as a PDF (A4 portrait), drawn with fpdf2 as the
invoices are (same core font, same Windows-1252 text: see ``invoice_pdf``).

It carries what the EPC rulebook asks of a mandate — the creditor's name and identifier
(ICS), the unique mandate reference (RUM), the debtor's name, address and account, the
payment type, the wording accepted and the signature's date — the IBAN masked, as
everywhere but the debit files.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from chalicelib.documents.invoice_pdf import _printable

_INK = (33, 37, 41)
_MUTED = (100, 106, 115)
_ACCENT = (31, 73, 125)
_RULE = (190, 196, 204)
_MARGIN = 18
_LABEL_W = 62


@dataclass(frozen=True)
class MandateDocument:
    """Everything printed on a mandate, already decided."""
    creditor_name: str
    creditor_id: str             # ICS
    creditor_address: str
    rum: str
    holder: str
    family_number: str
    family_address: str
    iban_masked: str
    bic: str
    paragraphs: tuple[str, ...]  # the wording of the version signed (online)
    channel: str                 # online | paper
    signed_on: date
    signed_at: datetime | None   # Paris time, online only
    status_label: str


def signature_line(doc: MandateDocument) -> str:
    """« Signé électroniquement le JJ/MM/AAAA à HH:MM » or « Mandat papier signé le … »."""
    if doc.channel == "online" and doc.signed_at is not None:
        return (f"Signé électroniquement le {doc.signed_at:%d/%m/%Y} à "
                f"{doc.signed_at:%H:%M}")
    return f"Mandat papier signé le {doc.signed_on:%d/%m/%Y}"


def render_mandate(doc: MandateDocument) -> bytes:
    """The mandate as the bytes of a PDF file; the same document gives the same bytes."""
    from fpdf import FPDF  # a quarter of a second to import: only when drawn

    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.core_fonts_encoding = "windows-1252"
    pdf.set_margins(_MARGIN, _MARGIN, _MARGIN)
    pdf.set_auto_page_break(True, margin=18)
    pdf.set_title(_printable(f"Mandat de prélèvement SEPA {doc.rum}"))
    pdf.set_author(_printable(doc.creditor_name))
    pdf.set_creator("Portail cantine et périscolaire")
    pdf.set_lang("fr-FR")
    pdf.set_creation_date(datetime(doc.signed_on.year, doc.signed_on.month,
                                   doc.signed_on.day, tzinfo=UTC))
    pdf.add_page()

    pdf.set_text_color(*_ACCENT)
    pdf.set_font("Helvetica", "B", 17)
    pdf.cell(0, 10, _printable("Mandat de prélèvement SEPA"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    pdf.set_text_color(*_MUTED)
    pdf.cell(0, 6, _printable(f"Référence unique du mandat (RUM) : {doc.rum}"),
             new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 6, _printable(f"État : {doc.status_label}"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)

    def heading(text: str) -> None:
        pdf.set_text_color(*_ACCENT)
        pdf.set_font("Helvetica", "B", 11.5)
        pdf.cell(0, 7, _printable(text), new_x="LMARGIN", new_y="NEXT")
        pdf.set_draw_color(*_RULE)
        pdf.line(_MARGIN, pdf.get_y(), 210 - _MARGIN, pdf.get_y())
        pdf.ln(2)

    def row(label: str, value: str) -> None:
        pdf.set_text_color(*_MUTED)
        pdf.set_font("Helvetica", "", 10)
        top = pdf.get_y()
        pdf.multi_cell(_LABEL_W, 5.5, _printable(label), new_x="RIGHT", new_y="TOP")
        pdf.set_text_color(*_INK)
        pdf.set_font("Helvetica", "B", 10)
        pdf.multi_cell(0, 5.5, _printable(value or "-"), new_x="LMARGIN", new_y="NEXT")
        pdf.set_y(max(pdf.get_y(), top + 5.5))
        pdf.ln(0.8)

    heading("Créancier")
    row("Nom", doc.creditor_name)
    row("Identifiant créancier SEPA (ICS)", doc.creditor_id)
    if doc.creditor_address.strip():
        row("Adresse", doc.creditor_address.strip())
    pdf.ln(3)

    heading("Débiteur")
    row("Titulaire du compte", doc.holder)
    row("Famille", f"n° {doc.family_number}")
    row("Adresse", doc.family_address.strip())
    row("IBAN", doc.iban_masked)
    row("BIC", doc.bic)
    pdf.ln(3)

    heading("Mandat")
    row("Type de paiement", "Paiement récurrent")
    row("Signature", signature_line(doc))
    pdf.ln(3)

    pdf.set_text_color(*_INK)
    pdf.set_font("Helvetica", "", 9.5)
    texts = doc.paragraphs or (
        "Mandat signé sur papier : l'original, avec la signature du titulaire du compte, "
        "est conservé par le créancier.",)
    for paragraph in texts:
        pdf.multi_cell(0, 4.9, _printable(paragraph), align="J", new_x="LMARGIN",
                       new_y="NEXT")
        pdf.ln(2)
    pdf.ln(2)
    pdf.set_font("Helvetica", "I", 8.5)
    pdf.set_text_color(*_MUTED)
    pdf.multi_cell(0, 4.4, _printable(
        "L'IBAN est masqué sur ce document. Pour changer de compte ou arrêter le "
        "prélèvement, rendez-vous dans « Vos informations » sur le portail ou adressez-vous "
        "à la mairie."), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
