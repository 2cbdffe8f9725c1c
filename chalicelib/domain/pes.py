"""Titres de recette for the Treasury: the PES V2 file (ORMC) and its acknowledgement.

When a commune has no régie for the canteen, its public accountant (DGFiP, application
Hélios) collects the money. Each month the commune sends a ``PES_Aller`` file of type
``PESORMC`` (ordre de recette multi-créanciers): one bordereau (the *rôle*), one pièce per
family invoice (an *article de rôle*, one debtor each), one ligne de pièce per child ×
service (a *sous-article*). The accountant answers with a ``PES_ACQUIT``.

What the DGFiP schema (``PES_V2/Rev0/PES_Aller.xsd``, v5.30) fixes and we follow:
- the root ``PES_Aller`` is in the namespace ``NS_ALLER``, its children in none, and every
  value sits in a ``V`` attribute;
- ``TypFic`` ``PESORMC``; bordereau ``TypBord`` 06 (ORMC), pièce ``TypPce`` 15 (titre
  ORMC) and ``NatPce`` 01 (fonctionnement), the triplet Noethysweb's exporter sends too;
- amounts are ``xs:decimal`` with two decimals and strictly positive: euros written from
  integer cents, never through a float;
- texts are at most 38 characters for a person or an address line, 160 for a wording,
  and may not be ``.``, a lone space, ``nc`` or only zeros.
What it leaves to us, checked here before anything is written: the SIRET key, the counts
and totals, one number per titre, lines numbered from 1, quantity × unit price = amount.

A titre paid by SEPA direct debit carries it, for the Treasury to collect: the block
``InfoPrelevementSEPA`` of each line (mandate, collection date, sequence, amendment) and
the debtor's account in each line's ``Tiers`` (see "direct debit" below).

Encoding: ISO-8859-1, as Hélios has always read the PES and as s2low's own test files and
the peers' exporters write it. Characters outside it are folded to their usual spelling
(œ → oe, ’ → ', – → -) or refused with the field named, never sent as character references
the accountant's screens would show raw.

The output is deterministic: same input, same bytes (titres sorted by number, no clock).
Pure: no AWS, no current time.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Literal, overload
from xml.etree import ElementTree as etree  # writing: the standard library's

import defusedxml.ElementTree as safe_xml  # reading files from outside: no DTD, no entities

from chalicelib.domain.errors import ValidationError
from chalicelib.domain.money import money
from chalicelib.domain.sepa import FRST, RCUR, Account, Debit, same_bank
from chalicelib.domain.text import clean_line

NS_ALLER = "http://www.minefi.gouv.fr/cp/helios/pes_v2/Rev0/aller"
ENCODING = "ISO-8859-1"
# Enveloppe/Emetteur: "Sigle" (≤ 32) names the publisher, "Adresse" (≤ 38) the application.
EMITTER = ("Portail cantine et periscolaire", "Portail des familles - titres ORMC")

TYP_FIC = "PESORMC"
TYP_BORD_ORMC = "06"
TYP_PCE_ORMC = "15"
NAT_PCE_FONCTIONNEMENT = "01"
CIVILITIES = ("M", "MME")  # Hélios' list; "Mlle" is refused since 2012

_CODIQUE = re.compile(r"02[AB][0-9]{3,4}|[0-9]{6,7}")
_COD_COL = re.compile(r"[0-9]{3}")
_COD_BUD = re.compile(r"[0-9A-Z][0-9]")
_PRODUCT = re.compile(r"[0-9A-Za-z]{1,4}")
_DIGITS = re.compile(r"[0-9]+")
_POSTCODE = re.compile(r"[0-9]{5}")


# -- what the file needs ------------------------------------------------------------------

@dataclass(frozen=True)
class Collectivity:
    """The commune's budget as Hélios knows it (EnTetePES)."""

    siret: str              # IdColl: 14 digits, Luhn key
    collectivity_code: str  # CodCol: 3 digits, given by the accountant
    budget_code: str        # CodBud: 2 characters, "00" for the main budget
    accounting_office: str  # IdPost: the accountant's codique, 6-7 digits (02A/02B…)
    label: str              # LibelleColBud, at most 38 characters


@dataclass(frozen=True)
class Imputation:
    """Where a service's revenue is booked: budget account, function, local product code."""

    nature: str                # Nature: compte par nature, e.g. 7067 (cantine, garderie)
    product_code: str          # CodProdLoc: 1-4 letters or digits, agreed with the accountant
    function: str | None = None  # Fonction: only for budgets voted by function (M14, M57…)


@dataclass(frozen=True)
class Debtor:
    """The family's paying parent, as the Treasury will write to them (a natural person).

    The PES Recette tiers block has no e-mail or telephone: those travel only in a PES
    Facture attachment (the avis des sommes à payer), which this file does not carry.
    """

    civility: str | None     # "M" or "MME"; optional in the schema (a family may not say)
    last_name: str
    first_name: str | None   # optional in the schema: a family is often known by one name
    street: str              # Adr2: number and street (postal norm)
    postcode: str            # CP: 5 digits (families living abroad are not handled)
    city: str
    reference: str           # RefTiers: our family id, lets Hélios group a family's debts
    complement: str | None = None  # Adr1: flat, building, "chez …"
    locality: str | None = None    # Adr3: lieu-dit, BP


@dataclass(frozen=True)
class Line:
    """One child × one service over the month."""

    label: str               # e.g. "Repas - Léa Martin"
    quantity: int
    unit_price_cents: int
    amount_cents: int
    imputation: Imputation


@dataclass(frozen=True)
class Piece:
    """One family invoice: one titre ORMC (article de rôle), one debtor."""

    number: int              # IdPce: the article number, unique in the bordereau
    debtor: Debtor
    object: str
    lines: tuple[Line, ...]
    # NumDette: the commune's own number of the debt (our invoice number, digits only).
    # With it the file carries Per, Cle1 and Cle2, the keys of the article's reference.
    debt_number: int | None = None
    # Paid by SEPA direct debit: the Treasury collects it (InfoPrelevementSEPA on each
    # line, the debtor's account in each line's Tiers). Its amount is the titre's total.
    debit: Debit | None = None

    @property
    def total_cents(self) -> int:
        return sum(line.amount_cents for line in self.lines)


@dataclass(frozen=True)
class Bordereau:
    """The month's rôle."""

    exercice: int            # budget year
    number: int              # IdBord: the ORMC roll number, unique per year
    emitted_on: date
    object: str
    pieces: tuple[Piece, ...]

    @property
    def total_cents(self) -> int:
        return sum(piece.total_cents for piece in self.pieces)


# -- small rules ------------------------------------------------------------------------

def siret_is_valid(siret: str) -> bool:
    """Whether ``siret`` is 14 digits with a right Luhn key (La Poste's: digit sum ÷ 5)."""
    if not isinstance(siret, str) or len(siret) != 14 or not siret.isascii() \
            or not siret.isdigit():
        return False
    if siret.startswith("356000000"):  # La Poste's establishments break the Luhn rule
        return sum(int(d) for d in siret) % 5 == 0
    total = 0
    for i, ch in enumerate(reversed(siret)):
        digit = int(ch) * (2 if i % 2 else 1)
        total += digit - 9 if digit > 9 else digit
    return total % 10 == 0


def euros(cents: int) -> str:
    """Integer cents as the schema's decimal euros: ``euros(7055) == "70.55"``."""
    if isinstance(cents, bool) or not isinstance(cents, int):
        raise TypeError(f"euros() takes integer cents, not {cents!r}")
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(cents), 100)
    return f"{sign}{whole}.{rest:02d}"


# Usual spellings of characters ISO-8859-1 lacks (typed on phones, pasted from letters).
_FOLD = {"œ": "oe", "Œ": "OE", "Ÿ": "Y", "’": "'", "‘": "'", "‚": ",", "‛": "'",
         "“": '"', "”": '"', "„": '"', "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-",
         "−": "-", "…": "...", "€": "EUR", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D",
         "ı": "i", "ŀ": "l", "Ŀ": "L"}


def _latin1(text: str, field: str) -> str:
    out = []
    for ch in text:
        if ord(ch) < 256:
            out.append(ch)
        elif ch in _FOLD:
            out.append(_FOLD[ch])
        else:
            # A Latin letter with a mark Latin-1 lacks (ş, ő, č): keep the letter.
            base = "".join(c for c in unicodedata.normalize("NFKD", ch)
                           if not unicodedata.combining(c))
            if not base or any(ord(c) >= 256 for c in base):
                raise ValidationError(
                    f"Le caractère « {ch} » ne peut pas être transmis au Trésor public "
                    "(jeu ISO-8859-1) : corrigez la saisie.", field=field)
            out.append(base)
    return "".join(out)


@overload
def _text(value: Any, field: str, max_len: int, *, cut: bool = False,
          required: Literal[True] = True) -> str: ...
@overload
def _text(value: Any, field: str, max_len: int, *, cut: bool = False,
          required: bool) -> str | None: ...
def _text(value: Any, field: str, max_len: int, *, cut: bool = False,
          required: bool = True) -> str | None:
    """A text value as Hélios takes it, or a ValidationError naming ``field``."""
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise ValidationError("Texte attendu.", field=field)
    text = " ".join(_latin1(clean_line(value), field).split())
    if not text:
        if not required:
            return None
        raise ValidationError("Ce champ est obligatoire pour le Trésor public.", field=field)
    if len(text) > max_len:
        if not cut:
            raise ValidationError(f"{max_len} caractères au plus pour le Trésor public "
                                  f"({len(text)} saisis).", field=field)
        text = text[:max_len].rstrip()
    # Hélios' base text type refuses ".", a lone space, "nc" and strings of zeros.
    if text in (".", "nc") or set(text) == {"0"}:
        raise ValidationError("Valeur refusée par le Trésor public.", field=field)
    return text


def _code(value: Any, pattern: re.Pattern[str], field: str, message: str) -> str:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise ValidationError(message, field=field)
    return value


def _count(value: Any, field: str, top: int, message: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= top:
        raise ValidationError(message, field=field)
    return value


# -- checked values ---------------------------------------------------------------------

def check_collectivity(c: Collectivity, where: str = "collectivity") -> Collectivity:
    """The collectivity's identifiers as Hélios needs them, or a ValidationError."""
    if not isinstance(c.siret, str) or not c.siret.strip():
        raise ValidationError("Le SIRET de la collectivité est obligatoire.",
                              field=f"{where}.siret")
    if not siret_is_valid(c.siret):
        raise ValidationError("SIRET invalide (14 chiffres, clé de contrôle).",
                              field=f"{where}.siret")
    code = _code(c.collectivity_code, _COD_COL, f"{where}.collectivity_code",
                 "Code collectivité invalide (3 chiffres, donnés par le comptable).")
    if code == "000":
        raise ValidationError("Code collectivité invalide (3 chiffres, donnés par le comptable).",
                              field=f"{where}.collectivity_code")
    budget = _code(c.budget_code, _COD_BUD, f"{where}.budget_code",
                   "Code budget invalide (2 caractères, « 00 » pour le budget principal).")
    office = _code(c.accounting_office, _CODIQUE, f"{where}.accounting_office",
                   "Code du poste comptable invalide (6 ou 7 chiffres).")
    label = _text(c.label, f"{where}.label", 38)
    return Collectivity(c.siret, code, budget, office, label)


def check_imputation(i: Imputation, where: str) -> Imputation:
    """An imputation Hélios accepts, or a ValidationError naming the field."""
    nature = i.nature
    if not isinstance(nature, str) or not _DIGITS.fullmatch(nature) or len(nature) > 12 \
            or int(nature) == 0:
        raise ValidationError("Compte de nature invalide (chiffres, par exemple 7067).",
                              field=f"{where}.nature")
    product = _code(i.product_code, _PRODUCT, f"{where}.product_code",
                    "Code produit local invalide (1 à 4 lettres ou chiffres).")
    function = i.function
    if function not in (None, ""):
        if not isinstance(function, str) or not _DIGITS.fullmatch(function) \
                or len(function) > 10:
            raise ValidationError("Code fonction invalide (chiffres, par exemple 251).",
                                  field=f"{where}.function")
    return Imputation(nature, product, function or None)


def check_debtor(d: Debtor, where: str) -> Debtor:
    """The debtor as Hélios takes it (texts folded to ISO-8859-1), or a ValidationError."""
    if d.civility is not None and d.civility not in CIVILITIES:
        raise ValidationError("Civilité attendue : M ou MME.", field=f"{where}.civility")
    postcode = d.postcode.strip() if isinstance(d.postcode, str) else d.postcode
    _code(postcode, _POSTCODE, f"{where}.postcode", "Code postal invalide (5 chiffres).")
    return Debtor(
        civility=d.civility,
        last_name=_text(d.last_name, f"{where}.last_name", 38),
        first_name=_text(d.first_name, f"{where}.first_name", 38, required=False),
        street=_text(d.street, f"{where}.street", 38),
        postcode=postcode,
        city=_text(d.city, f"{where}.city", 38),
        reference=_text(d.reference, f"{where}.reference", 30),
        complement=_text(d.complement, f"{where}.complement", 38, required=False),
        locality=_text(d.locality, f"{where}.locality", 38, required=False))


def _check_line(line: Line, where: str) -> Line:
    for name in ("quantity", "unit_price_cents", "amount_cents"):
        value = getattr(line, name)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError("Nombre entier attendu (montants en centimes).",
                                  field=f"{where}.{name}")
    if line.quantity < 0 or line.unit_price_cents < 0:
        raise ValidationError("Quantité et prix ne peuvent pas être négatifs.",
                              field=f"{where}.quantity")
    if line.amount_cents != line.quantity * line.unit_price_cents:
        raise ValidationError(
            f"Montant incohérent : {line.quantity} × {money(line.unit_price_cents)} ne fait "
            f"pas {money(line.amount_cents)}.", field=f"{where}.amount_cents")
    if line.amount_cents <= 0:
        raise ValidationError("Une ligne de titre doit avoir un montant positif.",
                              field=f"{where}.amount_cents")
    label = _text(line.label, f"{where}.label", 160, cut=True)
    return Line(label, line.quantity, line.unit_price_cents, line.amount_cents,
                check_imputation(line.imputation, f"{where}.imputation"))


def _check_piece(piece: Piece, where: str) -> Piece:
    _count(piece.number, f"{where}.number", 99_999_999,
           "Numéro de titre invalide (1 à 99999999).")
    if not isinstance(piece.lines, tuple) or not piece.lines:
        raise ValidationError("Un titre doit avoir au moins une ligne.", field=f"{where}.lines")
    if len(piece.lines) > 999_999:
        raise ValidationError("Trop de lignes dans un titre.", field=f"{where}.lines")
    lines = tuple(_check_line(line, f"{where}.lines[{i}]") for i, line in enumerate(piece.lines))
    if piece.debt_number is not None:
        _count(piece.debt_number, f"{where}.debt_number", 10**13 - 1,
               "Numéro de dette invalide (13 chiffres au plus).")
    debit = None
    if piece.debit is not None:
        debit = _check_debit(piece.debit, sum(line.amount_cents for line in lines),
                             f"{where}.debit")
    return Piece(piece.number, check_debtor(piece.debtor, f"{where}.debtor"),
                 _text(piece.object, f"{where}.object", 160, cut=True), lines,
                 piece.debt_number, debit)


# -- direct debit (InfoPrelevementSEPA) ------------------------------------------------------
#
# Where Hélios takes a titre's direct debit (Class_LigneTitreAller.xsd, TBlocLignePiece,
# v5.30): the block InfoPrelevementSEPA of each ligne de pièce, right after InfoLignePiece
# (InfoPrelevement, its alternative, is for debits the collectivity sends its bank itself,
# NatPrel 02). For an ORMC titre every line carries the same block but for the amount, and
# the lines' MtPrel add up to the article's debit. The debtor's account travels in each
# line's Tiers, as CpteBancaire (BIC, IBAN, TitCpte: Class_Bancaire.xsd, TBancaire).
#
# The creditor's own identifier (ICS) has no place in PES_Aller: Hélios issues the debits
# under the collectivity's ICS it holds in its own settings; the file only has AncienICS,
# for a mandate taken over from another creditor, which ours never are. Nor has it the
# debtor's name on the mandate beyond TitCpte (32 characters), or the mandate's text.

NAT_PREL_TRESOR = "01"  # NatPrel: the Treasury sends the debits to the banks
# PerPrel: "07" (unique), the value the schema's documentation asks to favour: each titre
# is debited once, whatever the rhythm of the invoices.
PER_PREL_UNIQUE = "07"
SEQUENCE_PRES = {FRST: "02", RCUR: "03"}  # TSequencePres: 01 OOFF, 02 FRST, 03 RCUR, 04 FNAL
_SEPA_35 = re.compile(r"[0-9a-zA-Z/?:().,' +-]{1,35}")  # V_Texte35SEPA
_IBAN = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{1,30}")  # V_Texte34IBAN (upper case asked)
_BIC = re.compile(r"[A-Z]{6}[A-Z2-9][A-NP-Z0-9](?:[A-Z0-9]{3})?")  # V_Texte11BIC


def _check_account(account: Account, where: str) -> Account:
    if not isinstance(account.iban, str) or not _IBAN.fullmatch(account.iban):
        raise ValidationError("IBAN invalide pour le Trésor public.", field=f"{where}.iban")
    if not isinstance(account.bic, str) or not _BIC.fullmatch(account.bic):
        raise ValidationError("BIC invalide pour le Trésor public.", field=f"{where}.bic")
    return account


def _check_debit(debit: Debit, total_cents: int, where: str) -> Debit:
    """A titre's debit as Hélios takes it, or a ValidationError naming the field."""
    if debit.amount_cents != total_cents:
        raise ValidationError(
            f"Le prélèvement ({money(debit.amount_cents)}) doit couvrir le titre entier "
            f"({money(total_cents)}).", field=f"{where}.amount_cents")
    if debit.sequence not in SEQUENCE_PRES:
        raise ValidationError("Séquence de prélèvement inconnue (FRST ou RCUR).",
                              field=f"{where}.sequence")
    if not isinstance(debit.rum, str) or not _SEPA_35.fullmatch(debit.rum) \
            or not debit.rum.strip():
        raise ValidationError("Référence unique de mandat (RUM) invalide : 35 caractères au "
                              "plus, lettres sans accent, chiffres, / - ? : ( ) . , ' +.",
                              field=f"{where}.rum")
    for name in ("collection_date", "signed_on"):
        if not isinstance(getattr(debit, name), date):
            raise ValidationError("Date invalide.", field=f"{where}.{name}")
    if not isinstance(debit.invoice, str) or not sepa_text(debit.invoice, 35):
        raise ValidationError("Numéro de facture invalide.", field=f"{where}.invoice")
    account = _check_account(debit.account, f"{where}.account")
    former = debit.amended_from
    if former is not None:
        former = _check_account(former, f"{where}.amended_from")
        if former.iban == account.iban:
            former = None  # the same account: nothing to amend
    # Kept whole (folded to Latin-1) to compare with the debtor; TitCpte takes 32 of it.
    return replace(debit, holder=_text(debit.holder, f"{where}.holder", 70, cut=True),
                   account=account, amended_from=former)


def check_bordereau(b: Bordereau) -> Bordereau:
    """The bordereau with its texts cleaned and titres sorted, or a ValidationError."""
    _count(b.number, "bordereau.number", 9_999_999,
           "Numéro de rôle invalide (1 à 9999999).")
    if not isinstance(b.emitted_on, date):
        raise ValidationError("Date d'émission invalide.", field="bordereau.emitted_on")
    # A budget year may still take titres in January of the next year (journée
    # complémentaire), never before it starts.
    if isinstance(b.exercice, bool) or not isinstance(b.exercice, int) \
            or b.exercice not in (b.emitted_on.year, b.emitted_on.year - 1):
        raise ValidationError("L'exercice ne correspond pas à la date d'émission.",
                              field="bordereau.exercice")
    if not isinstance(b.pieces, tuple) or not b.pieces:
        raise ValidationError("Le bordereau ne contient aucun titre.", field="pieces")
    if len(b.pieces) > 99_999:
        raise ValidationError("Trop de titres dans un bordereau (99999 au plus).",
                              field="pieces")
    seen: set[int] = set()
    pieces = []
    for i, piece in enumerate(b.pieces):
        checked = _check_piece(piece, f"pieces[{i}]")
        if checked.number in seen:
            raise ValidationError(f"Le numéro de titre {checked.number} apparaît deux fois.",
                                  field=f"pieces[{i}].number")
        seen.add(checked.number)
        pieces.append(checked)
    pieces.sort(key=lambda p: p.number)
    checked_b = Bordereau(b.exercice, b.number, b.emitted_on,
                          _text(b.object, "bordereau.object", 160, cut=True), tuple(pieces))
    if len(euros(checked_b.total_cents)) > 15:  # 14 digits and the point
        raise ValidationError("Montant total trop élevé.", field="pieces")
    return checked_b


# -- the article's reference keys ---------------------------------------------------------

DEBT_PERIOD = 1  # Per: our debts are monthly invoices, each its own period 1
_KEY2_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXY"  # 23 letters: no I, O or Z (read as 1, 0, 2)


def key_modulo_11(digits: str) -> int:
    """Cle1: weights 2 to 7 from the right, 11 minus the remainder; 10 and 11 give 1, as
    the peers' exporters accepted by Hélios write it."""
    if not digits.isascii() or not digits.isdigit():
        raise ValueError(f"digits expected, not {digits!r}")
    total = sum(int(d) * (2 + i % 6) for i, d in enumerate(reversed(digits)))
    key = 11 - total % 11
    return 1 if key > 9 else key


def key_modulo_23(digits: str) -> str:
    """Cle2: the number modulo 23, as one of 23 letters."""
    if not digits.isascii() or not digits.isdigit():
        raise ValueError(f"digits expected, not {digits!r}")
    return _KEY2_LETTERS[int(digits) % 23]


def article_keys(collectivity_code: str, exercice: int, debt_number: int,
                 period: int = DEBT_PERIOD) -> tuple[int, str]:
    """(Cle1, Cle2) of an ORMC article, as the schema describes them: modulo 11 over the
    collectivity code, the pièce's nature code, the exercice's last two digits, the
    period and the debt number (13 digits); modulo 23 over the exercice's two digits, the
    period, "00" and the debt number."""
    year = f"{exercice % 100:02d}"
    debt = f"{debt_number:013d}"
    return (key_modulo_11(f"{collectivity_code}{NAT_PCE_FONCTIONNEMENT}{year}{period}{debt}"),
            key_modulo_23(f"{year}{period}00{debt}"))


# -- the file ---------------------------------------------------------------------------

def file_name(collectivity: Collectivity, bordereau: Bordereau, *, attempt: int = 1) -> str:
    """The file's name, also written in ``NomFic``: ``PESALR2_<SIRET>_<AAMMJJ>_<NNN>.xml``.

    It follows s2low's convention (the file it posts to Hélios is named
    ``PESALR2_<SIRET>_<date AAMMJJ>_<order number on 3 digits>.xml``); the platforms'
    folder watchers (s2low, Pastell) pick up ``PESALR2*`` files and pair each with its
    ``ACQUIT_<name>`` acknowledgement. The date is the bordereau's emission date and the
    order number its roll number, so one rôle gives one name. s2low refuses a ``NomFic``
    it has already received for the collectivity: a corrected file sent again after a
    rejection takes ``attempt`` 2, 3… and the suffix ``-2``, ``-3``.
    """
    name = (f"PESALR2_{collectivity.siret}_{bordereau.emitted_on:%y%m%d}"
            f"_{bordereau.number:03d}")
    if attempt != 1:
        _count(attempt, "attempt", 999, "Numéro d'envoi invalide.")
        name += f"-{attempt}"
    return name + ".xml"


def _v(parent: etree.Element, tag: str, value: str | None) -> None:
    if value is not None:
        etree.SubElement(parent, tag, V=value)


def _line_wording(line: Line) -> str:
    # The PES line has no quantity or unit price: the wording shows them to the accountant.
    unit = money(line.unit_price_cents).replace("\u00a0", " ").replace(" €", " EUR")
    wording = f"{line.label} : {line.quantity} x {unit}"
    return wording if len(wording) <= 160 else line.label


def sepa_text(value: str, max_len: int) -> str:
    """domain.sepa_file's, imported on the first titre paid by debit: sepaxml and
    text_unidecode stay out of a cold start."""
    from chalicelib.domain.sepa_file import sepa_text as clean
    return clean(value, max_len)


def _same_person(holder: str, d: Debtor) -> bool:
    """Whether the account holder's name is the debtor's, whatever the order, case,
    accents or punctuation (TitCpteDiff)."""
    def words(text: str) -> set[str]:
        return set(sepa_text(text, 1000).casefold().replace("-", " ").replace("'", " ")
                   .split())
    return words(holder) == words(f"{d.first_name or ''} {d.last_name}")


def _prelevement(parent: etree.Element, debit: Debit, amount_cents: int, d: Debtor) -> None:
    block = etree.SubElement(parent, "InfoPrelevementSEPA")
    _v(block, "NatPrel", NAT_PREL_TRESOR)
    _v(block, "PerPrel", PER_PREL_UNIQUE)
    _v(block, "DtePrel", debit.collection_date.isoformat())
    _v(block, "MtPrel", euros(amount_cents))
    _v(block, "SequencePres", SEQUENCE_PRES[debit.sequence])
    _v(block, "DateSignMandat", debit.signed_on.isoformat())
    _v(block, "RefUniMdt", debit.rum)
    _v(block, "LibPrel", sepa_text(f"Facture {debit.invoice}", 140))
    former = debit.amended_from
    if former is not None:
        # The same two cases as the pain.008's amendment: "AncienneBanque et AncienIBAN
        # sont exclusifs l'un de l'autre".
        if same_bank(former, debit.account):
            _v(block, "AncienIBAN", former.iban)
        else:
            _v(block, "AncienneBanque", "1")
    if not _same_person(debit.holder, d):
        _v(block, "TitCpteDiff", "1")  # absent: the holder is the debtor


def _tiers(parent: etree.Element, d: Debtor, debit: Debit | None = None) -> None:
    tiers = etree.SubElement(parent, "Tiers")
    info = etree.SubElement(tiers, "InfoTiers")
    _v(info, "RefTiers", d.reference)
    _v(info, "CatTiers", "01")   # personne physique
    _v(info, "NatJur", "01")     # particulier
    _v(info, "TypTiers", "01")   # débiteur principal
    _v(info, "Civilite", d.civility)
    _v(info, "Nom", d.last_name)
    _v(info, "Prenom", d.first_name)
    address = etree.SubElement(tiers, "Adresse")
    _v(address, "TypAdr", "1")   # principale
    _v(address, "Adr1", d.complement)
    _v(address, "Adr2", d.street)
    _v(address, "Adr3", d.locality)
    _v(address, "CP", d.postcode)
    _v(address, "Ville", d.city)
    _v(address, "CodRes", "0")   # résident en France
    if debit is not None:
        account = etree.SubElement(tiers, "CpteBancaire")
        _v(account, "BIC", debit.account.bic)
        _v(account, "IBAN", debit.account.iban)
        _v(account, "TitCpte", debit.holder[:32].rstrip())


def ormc_file(collectivity: Collectivity, bordereau: Bordereau, *, attempt: int = 1,
              emitter: tuple[str, str] = EMITTER) -> bytes:
    """The month's PES_Aller ORMC file, ISO-8859-1 bytes; ValidationError before writing."""
    c = check_collectivity(collectivity)
    b = check_bordereau(bordereau)
    name = file_name(c, b, attempt=attempt)

    # The root alone is namespace-qualified (prefix n:); its children are not.
    root = etree.Element("n:PES_Aller", {"xmlns:n": NS_ALLER})
    envelope = etree.SubElement(root, "Enveloppe")
    params = etree.SubElement(envelope, "Parametres")
    _v(params, "Version", "2")
    _v(params, "TypFic", TYP_FIC)
    _v(params, "NomFic", name)
    sender = etree.SubElement(envelope, "Emetteur")
    _v(sender, "Sigle", _text(emitter[0], "emitter", 32))
    _v(sender, "Adresse", _text(emitter[1], "emitter", 38))

    header = etree.SubElement(root, "EnTetePES")
    _v(header, "DteStr", b.emitted_on.isoformat())
    _v(header, "IdPost", c.accounting_office)
    _v(header, "IdColl", c.siret)
    _v(header, "CodCol", c.collectivity_code)
    _v(header, "CodBud", c.budget_code)
    _v(header, "LibelleColBud", c.label)

    recette = etree.SubElement(root, "PES_RecetteAller")
    recette_header = etree.SubElement(recette, "EnTeteRecette")
    _v(recette_header, "IdVer", "2")
    _v(recette_header, "InfoDematerialisee", "0")  # no electronic signature
    bord = etree.SubElement(recette, "Bordereau")
    bloc = etree.SubElement(bord, "BlocBordereau")
    _v(bloc, "Exer", str(b.exercice))
    _v(bloc, "IdBord", str(b.number))
    _v(bloc, "DteBordEm", b.emitted_on.isoformat())
    _v(bloc, "TypBord", TYP_BORD_ORMC)
    _v(bloc, "NbrPce", str(len(b.pieces)))
    _v(bloc, "MtBordHt", euros(b.total_cents))
    _v(bloc, "Objet", b.object)

    for p in b.pieces:
        piece = etree.SubElement(bord, "Piece")
        bloc_piece = etree.SubElement(piece, "BlocPiece")
        _v(bloc_piece, "IdPce", str(p.number))
        _v(bloc_piece, "TypPce", TYP_PCE_ORMC)
        _v(bloc_piece, "NatPce", NAT_PCE_FONCTIONNEMENT)
        _v(bloc_piece, "ObjPce", p.object)
        if p.debt_number is not None:
            key1, key2 = article_keys(c.collectivity_code, b.exercice, p.debt_number)
            _v(bloc_piece, "NumDette", str(p.debt_number))
            _v(bloc_piece, "Per", str(DEBT_PERIOD))
            _v(bloc_piece, "Cle1", str(key1))
            _v(bloc_piece, "Cle2", key2)
        for number, line in enumerate(p.lines, start=1):
            ligne = etree.SubElement(piece, "LigneDePiece")
            bloc_ligne = etree.SubElement(ligne, "BlocLignePiece")
            info = etree.SubElement(bloc_ligne, "InfoLignePiece")
            _v(info, "IdLigne", str(number))
            _v(info, "ObjLignePce", _line_wording(line))
            _v(info, "CodProdLoc", line.imputation.product_code)
            _v(info, "Nature", line.imputation.nature)
            _v(info, "Fonction", line.imputation.function)
            _v(info, "Majo", "0")
            _v(info, "TvaIntraCom", "0")
            _v(info, "MtHT", euros(line.amount_cents))
            if p.debit is not None:
                _prelevement(bloc_ligne, p.debit, line.amount_cents, p.debtor)
            # An ORMC titre has one debtor: every line names the same one.
            _tiers(ligne, p.debtor, p.debit)

    etree.indent(root)
    body = etree.tostring(root, encoding=ENCODING, xml_declaration=False)
    return f'<?xml version="1.0" encoding="{ENCODING}"?>\n'.encode("ascii") + body + b"\n"


# -- the acknowledgement ----------------------------------------------------------------

NS_ACQUIT = "http://www.minefi.gouv.fr/cp/helios/pes_v2/Rev0/retour/v2"
# The first version of the acknowledgement, still read: same blocks, another namespace.
NS_ACQUIT_V1 = "http://www.minefi.gouv.fr/cp/helios/pes_v2/Rev0/retour"
ACK_DOMAINS = {"0": "Technique", "1": "Signature technique", "2": "Signature globale",
               "3": "Signature bordereau", "4": "Pièce justificative", "5": "Dépense",
               "6": "Recette", "7": "Rôle", "8": "Budget", "9": "Etat actif",
               "10": "Etat passif", "11": "Marché", "12": "Facture", "99": "Paramétrage"}


@dataclass(frozen=True)
class AckError:
    """One anomaly: its DGFiP code (``ERREUR_SIRET``…) and wording, either may be missing."""

    code: str | None
    message: str | None

    def __str__(self) -> str:
        if self.message and self.code:
            return f"{self.message} [{self.code}]"
        return self.message or self.code or "anomalie sans libellé"


@dataclass(frozen=True)
class AckLine:
    number: int
    errors: tuple[AckError, ...]


@dataclass(frozen=True)
class AckPiece:
    number: int
    errors: tuple[AckError, ...]
    lines: tuple[AckLine, ...]


@dataclass(frozen=True)
class AckElement:
    """The state of one thing the file carried: a bordereau (rôle), a PJ, the file itself."""

    domain: str
    accepted: bool
    exercice: int | None
    bordereau: int | None
    attachment_id: str | None
    errors: tuple[AckError, ...]
    pieces: tuple[AckPiece, ...]

    @property
    def domain_label(self) -> str:
        return ACK_DOMAINS.get(self.domain, f"Domaine {self.domain}")

    @property
    def title(self) -> str:
        """How a secretary names it: "Rôle 12 (exercice 2026)", "Technique"."""
        if self.bordereau is None:
            return self.domain_label
        year = f" (exercice {self.exercice})" if self.exercice is not None else ""
        return f"{self.domain_label} {self.bordereau}{year}"


@dataclass(frozen=True)
class Acknowledgement:
    """What the accountant answered: accepted only if every element is."""

    accepted: bool
    file_name: str | None
    emitted_on: date | None
    elements: tuple[AckElement, ...]
    reasons: tuple[str, ...]  # French, one per anomaly, for the staff screen

    def bordereau_accepted(self, exercice: int, number: int) -> bool | None:
        """This bordereau's state, or None when the acknowledgement does not mention it."""
        states = [e.accepted for e in self.elements
                  if e.bordereau == number and e.exercice in (exercice, None)]
        return all(states) if states else None


def _ack_error(message: str) -> ValidationError:
    return ValidationError(f"Accusé de réception illisible : {message}",
                           field="acknowledgement", code="invalid_acknowledgement")


def _ack_value(parent: etree.Element, tag: str) -> str | None:
    element = parent.find(tag)
    return None if element is None else element.get("V")


@overload
def _ack_int(parent: etree.Element, tag: str, required: Literal[True]) -> int: ...
@overload
def _ack_int(parent: etree.Element, tag: str, required: bool = False) -> int | None: ...
def _ack_int(parent: etree.Element, tag: str, required: bool = False) -> int | None:
    value = _ack_value(parent, tag)
    if value is None:
        if required:
            raise _ack_error(f"{tag} manquant.")
        return None
    if not value.strip().isdigit():
        raise _ack_error(f"{tag} n'est pas un nombre ({value!r}).")
    return int(value)


def _ack_errors(parent: etree.Element) -> tuple[AckError, ...]:
    return tuple(AckError(_ack_value(e, "NumAnoAck"), _ack_value(e, "LibelleAnoAck"))
                 for e in parent.findall("Erreur"))


def _ack_element(element: etree.Element) -> AckElement:
    state = (_ack_value(element, "EtatAck") or "").strip()
    if state not in ("0", "1", "true", "false"):
        raise _ack_error(f"état {state!r} inconnu.")
    pieces = tuple(
        AckPiece(_ack_int(p, "NumPiece", required=True), _ack_errors(p),
                 tuple(AckLine(_ack_int(li, "NumLigne", required=True), _ack_errors(li))
                       for li in p.findall("DetailLigne")))
        for p in element.findall("DetailPiece"))
    return AckElement(domain=(_ack_value(element, "DomaineAck") or "").strip(),
                      accepted=state in ("1", "true"),
                      exercice=_ack_int(element, "ExerciceBord"),
                      bordereau=_ack_int(element, "NumBord"),
                      attachment_id=_ack_value(element, "IdUnique"),
                      errors=_ack_errors(element), pieces=pieces)


def _reasons(element: AckElement) -> list[str]:
    reasons = [f"{element.title} : {error}" for error in element.errors]
    for piece in element.pieces:
        where = f"{element.title}, titre {piece.number}"
        reasons += [f"{where} : {error}" for error in piece.errors]
        for line in piece.lines:
            reasons += [f"{where}, ligne {line.number} : {error}" for error in line.errors]
    if not element.accepted and not reasons:
        reasons.append(f"{element.title} : rejeté sans motif indiqué")
    return reasons


def read_acknowledgement(data: bytes) -> Acknowledgement:
    """The accountant's PES_ACQUIT, read; ValidationError if it is not one."""
    # No DTD, no entity expansion, no network: the file comes from outside.
    try:
        root = safe_xml.fromstring(data, forbid_dtd=True)
    except Exception as exc:  # noqa: BLE001 - ParseError, or defusedxml's own refusals
        raise _ack_error("ce n'est pas un fichier XML.") from exc
    if root is None:
        raise _ack_error("ce n'est pas un fichier XML.")
    namespace, _, localname = root.tag[1:].partition("}") if root.tag.startswith("{") \
        else ("", "", root.tag)
    if localname != "PES_ACQUIT" or namespace not in (NS_ACQUIT, NS_ACQUIT_V1):
        raise _ack_error(f"élément racine {localname} au lieu de PES_ACQUIT.")
    elements = tuple(_ack_element(e) for e in root.iterfind("ACQUIT/ElementACQUIT"))
    if not elements:
        raise _ack_error("aucun élément acquitté.")
    emitted = _ack_value(root, "EnTetePES/DteStr")
    try:
        emitted_on = date.fromisoformat(emitted) if emitted else None
    except ValueError as exc:
        raise _ack_error(f"date {emitted!r} invalide.") from exc
    return Acknowledgement(accepted=all(e.accepted for e in elements),
                           file_name=_ack_value(root, "Enveloppe/Parametres/NomFic"),
                           emitted_on=emitted_on, elements=elements,
                           reasons=tuple(r for e in elements for r in _reasons(e)))
