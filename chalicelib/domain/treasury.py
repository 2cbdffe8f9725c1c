"""When the Treasury collects (titres mode): what families read, and the payments it reports.

An invoice issued in titres mode is a *détail de facturation*: the family does not pay the
commune, it waits for the *avis des sommes à payer* (ASAP) the Trésor public mails, and
pays that on payfip.gouv.fr with the ASAP's reference, by direct debit, or at a tobacconist
displaying « paiement de proximité ». The same words go on the PDF, in the e-mail and on
the site, from here.

The money the Treasury collected comes back to the commune as a list (titre, amount,
date), typed one by one or imported as a CSV file; each payment becomes a ``tresor``
credit line on the family's account so that its statement stays true.

The titre's number is the invoice's number (``2026-000123``): the family reads it on its
détail de facturation, and the bordereau's pièce carries it as its ``NumDette``, digits
only (``2026000123``, which ``parse_titre`` reads too). The pièce's ``IdPce`` is only its
rank in the rôle (1, 2… in each bordereau), not the invoice number.

Pure: values in, values out.
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

from chalicelib.domain.errors import Conflict, ValidationError

TRESOR_METHOD = "tresor"
TRESOR_LABEL = "Trésor public"
DOCUMENT_TITLE = "Détail de facturation"

# How to pay a titre: the PDF, the e-mail and the site say it in these words.
TITRES_PAYMENT_HELP = (
    "Ne payez pas ce document à la mairie : il détaille ce qui vous sera demandé. "
    "Le Trésor public vous enverra un avis des sommes à payer. Vous pourrez le régler "
    "en ligne sur www.payfip.gouv.fr avec la référence indiquée sur l'avis, "
    "par prélèvement, ou en espèces ou par carte bancaire chez un buraliste affichant "
    "« paiement de proximité » (avec le QR code de l'avis).")
TITRES_PAYMENT_NOTE = ("Pour toute question sur l'avis des sommes à payer, adressez-vous au "
                       "Trésor public (centre des finances publiques indiqué sur l'avis).")


def titres_payment_note(number: str, family_number: str) -> str:
    """The reminder under the help on a détail de facturation."""
    return (f"Titre n° {number}, famille n° {family_number}. " + TITRES_PAYMENT_NOTE)


class PaidToTreasury(Conflict):
    """A titre is paid to the Treasury, never through the commune's PayFip Régie."""
    code = "collected_by_treasury"
    message = ("Cette facture est recouvrée par le Trésor public : payez-la avec l'avis des "
               "sommes à payer qu'il vous enverra (sur www.payfip.gouv.fr avec la référence "
               "de l'avis, par prélèvement, ou chez un buraliste affichant « paiement de "
               "proximité »).")


# -- a payment the Treasury reports ----------------------------------------------------------

MAX_ROWS = 1000
MAX_AMOUNT_CENTS = 1_000_000
_TITRE = re.compile(r"(\d{4})[-/ ](\d{1,6})|(\d{4})(\d{6})")
_EUROS = re.compile(r"(\d{1,7})(?:[.,](\d{1,2}))?")
_FR_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")

# Row outcomes: stable codes, as the import's report gives them.
RECORDED = "recorded"
ALREADY_RECORDED = "already_recorded"
UNKNOWN_TITRE = "unknown_titre"
NOT_A_TITRE = "not_a_titre"
CANCELLED_TITRE = "cancelled_titre"
ABOVE_REMAINING = "above_remaining"
INVALID_ROW = "invalid_row"


@dataclass(frozen=True)
class TreasuryPayment:
    """One payment the Treasury collected for a titre."""
    titre: str           # the invoice number, YYYY-NNNNNN
    amount_cents: int
    day: date
    reference: str = ""  # the Treasury's own reference, if given
    occurrence: int = 1  # the n-th identical (titre, amount, date) of the same file

    @property
    def mark(self) -> str:
        """The once-only marker: a payment typed, then found again in an imported file
        (or a file imported twice), is recorded once."""
        return (f"tresor#{self.titre}#{self.day.isoformat()}#{self.amount_cents}"
                f"#{self.occurrence}")

    @property
    def label(self) -> str:
        """The reference the family reads on its statement."""
        text = f"{TRESOR_LABEL} - titre {self.titre}"
        return f"{text} ({self.reference})" if self.reference else text


def parse_titre(value: Any) -> str | None:
    """``2026-000123``, ``2026-123``, ``2026/123`` or ``2026000123`` → ``2026-000123``."""
    if not isinstance(value, str):
        return None
    match = _TITRE.fullmatch(value.strip())
    if not match:
        return None
    year, number = (match.group(1), match.group(2)) if match.group(1) else \
        (match.group(3), match.group(4))
    if int(number) == 0:
        return None
    return f"{year}-{int(number):06d}"


def parse_amount(value: Any) -> int | None:
    """``12,50`` / ``12.5`` / ``1 234,50 €`` → cents (never through a float); None if not
    a positive amount."""
    if not isinstance(value, str):
        return None
    compact = re.sub(r"[\s\u00a0\u202f]", "", value).removesuffix("€").removesuffix("EUR")
    match = _EUROS.fullmatch(compact)
    if not match:
        return None
    cents = int(match.group(1)) * 100 + int((match.group(2) or "").ljust(2, "0"))
    return cents if 0 < cents <= MAX_AMOUNT_CENTS else None


def parse_day(value: Any) -> date | None:
    """``31/12/2026`` or ``2026-12-31``; None otherwise."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        if match := _FR_DATE.fullmatch(text):
            return date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
        if match := _ISO_DATE.fullmatch(text):
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None
    return None


def check_day(day: date, today: date, issued_on: date) -> str | None:
    """Why a payment of a titre issued on ``issued_on`` cannot be of that date, or None."""
    if day > today:
        return "La date du paiement ne peut être dans le futur."
    if day < issued_on:
        return (f"La date du paiement précède l'émission du titre "
                f"({issued_on.strftime('%d/%m/%Y')}).")
    return None


@dataclass(frozen=True)
class Row:
    """One line of an imported file: the payment, or why it cannot be read."""
    line: int
    titre: str
    payment: TreasuryPayment | None
    error: str | None = None
    amount_text: str = ""
    date_text: str = ""


def _fold(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z]+", " ", plain.lower()).strip()


def _column(name: str) -> str | None:
    words = _fold(name).split()
    if not words:
        return None
    for word in words:
        if word in ("titre", "facture", "piece"):
            return "titre"
        if word in ("montant", "somme"):
            return "amount"
        if word == "date":
            return "date"
        if word in ("reference", "ref"):
            return "reference"
    return None


COLUMNS_HELP = ("Le fichier doit avoir une ligne d'en-tête avec les colonnes « titre » "
                "(le numéro de la facture, par exemple 2026-000123), « montant » (en euros, "
                "virgule ou point) et « date » (JJ/MM/AAAA), et facultativement "
                "« référence » ; séparateur point-virgule, virgule ou tabulation.")


def read_csv(text: Any) -> list[Row]:
    """The rows of a Treasury payments file, each read or refused on its own.

    Raises ValidationError (400) when the file itself cannot be read: not text, no header
    naming the three columns, no row, or more than ``MAX_ROWS`` rows.
    """
    text = text.lstrip("\ufeff") if isinstance(text, str) else ""
    if not text.strip():
        raise ValidationError("Le fichier est vide.", field="csv", code="treasury_csv_empty")
    first = text.splitlines()[0]
    delimiter = ";" if ";" in first else "\t" if "\t" in first else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = next(reader)
        columns = {}
        for index, name in enumerate(header):
            kind = _column(name)
            if kind is not None and kind not in columns:
                columns[kind] = index
        if not {"titre", "amount", "date"} <= set(columns):
            raise ValidationError(COLUMNS_HELP, field="csv", code="treasury_csv_columns")
        raw = [(reader.line_num, cells) for cells in reader if any(c.strip() for c in cells)]
    except csv.Error:
        raise ValidationError("Fichier CSV illisible : " + COLUMNS_HELP, field="csv",
                              code="treasury_csv_columns") from None
    if not raw:
        raise ValidationError("Le fichier ne contient aucun paiement.", field="csv",
                              code="treasury_csv_empty")
    if len(raw) > MAX_ROWS:
        raise ValidationError(f"Au plus {MAX_ROWS} paiements par fichier : découpez-le.",
                              field="csv", code="treasury_csv_too_long")
    seen: Counter[tuple[str, int, date]] = Counter()
    rows = []
    for line, cells in raw:
        def cell(kind: str, cells: list[str] = cells) -> str:
            index = columns.get(kind)
            return cells[index].strip() if index is not None and index < len(cells) else ""
        titre_text, amount_text, date_text = cell("titre"), cell("amount"), cell("date")
        reference = " ".join(cell("reference").split())[:40]
        titre, cents, day = parse_titre(titre_text), parse_amount(amount_text), \
            parse_day(date_text)
        error = ("Numéro de titre illisible (attendu : 2026-000123)." if titre is None
                 else "Montant illisible ou nul (attendu : 12,50)." if cents is None
                 else "Date illisible (attendue : JJ/MM/AAAA)." if day is None else None)
        if error or titre is None or cents is None or day is None:
            rows.append(Row(line, titre or titre_text[:20], None, error, amount_text[:20],
                            date_text[:20]))
            continue
        seen[(titre, cents, day)] += 1
        rows.append(Row(line, titre, TreasuryPayment(titre, cents, day, reference,
                                                     seen[(titre, cents, day)])))
    return rows


def parse_payment(data: dict[str, Any]) -> TreasuryPayment:
    """One payment typed by staff: ``invoice`` (the titre), ``amount_cents``, ``date``
    (ISO) and an optional ``reference``."""
    titre = parse_titre(data.get("invoice"))
    if titre is None:
        raise ValidationError("Indiquez le titre (numéro de la facture, par exemple "
                              "2026-000123).", field="invoice")
    amount = data.get("amount_cents")
    if isinstance(amount, bool) or not isinstance(amount, int) \
            or not 0 < amount <= MAX_AMOUNT_CENTS:
        raise ValidationError("Le montant doit être un nombre entier de centimes positif.",
                              field="amount_cents")
    day = parse_day(data.get("date"))
    if day is None:
        raise ValidationError("Indiquez la date du paiement (AAAA-MM-JJ).", field="date")
    reference = data.get("reference") or ""
    if not isinstance(reference, str) or len(reference) > 40:
        raise ValidationError("Référence trop longue (40 caractères).", field="reference")
    return TreasuryPayment(titre, amount, day, " ".join(reference.split()))
