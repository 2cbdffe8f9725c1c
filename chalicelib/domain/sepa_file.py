"""The régie's debit file: an ISO 20022 ``pain.008`` customer direct debit initiation
(SEPA CORE) that the commune uploads to its bank, written with sepaxml.

What the file holds: one group header (message id, creation time, number of debits and
their total); one payment-information block per sequence (FRST, RCUR) and collection date,
booked as a batch, each with its count and total; one transaction per invoice: the
invoice number as end-to-end id, the amount, the mandate (RUM, date of signature), the
debtor's bank (BIC), name and IBAN, and « Facture <number> » as remittance information.

What sepaxml leaves to us, done here:
- same inputs, same bytes: sepaxml draws a random message id and payment-information ids
  and reads the server's clock for the creation time; the message id and creation time are
  the caller's and each payment-information id is derived from the message id and its
  batch, so neither its clock nor its randomness reaches the file;
- amendments (a mandate whose account changed since its last debit): sepaxml does not
  write them; they are added to its tree, in the schema's order, before it is serialized;
- texts in the SEPA Latin character set (letters without marks, digits, ``/ - ? : ( ) . ,
  ' +`` and space), which every bank of the scheme accepts: names are transliterated
  (é → e, ñ → n, œ → oe, ’ → ') and anything else becomes a space;
- amounts from integer cents, never a float (sepaxml takes cents too).

Pure: no AWS, no clock.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from xml.etree import ElementTree as etree  # sepaxml builds the standard library's tree

from sepaxml import SepaDD
from text_unidecode import unidecode

from chalicelib.domain.calendar import PARIS
from chalicelib.domain.errors import ValidationError
from chalicelib.domain.sepa import (
    FRST,
    RCUR,
    SCHEMAS,
    SMNDA,
    Account,
    Debit,
    DirectDebitSettings,
    ics_is_valid,
    same_bank,
)
from chalicelib.domain.text import clean_line

MAX_NAME = 70          # EPC: names of the creditor and of the debtor
MAX_REMITTANCE = 140   # unstructured remittance information
MAX_IDENTIFIER = 35    # message, payment-information, end-to-end and mandate ids
# A payment-information id is "<message id>-<sequence>-<YYYYMMDD>" (14 more characters).
MAX_MESSAGE_ID = MAX_IDENTIFIER - 14
CURRENCY = "EUR"

_NOT_SEPA = re.compile(r"[^A-Za-z0-9/?:().,'+ -]")
# Identifiers: the SEPA set without the space; never starting or ending with "/" nor
# holding "//" (EPC usage rule for references).
_IDENTIFIER = re.compile(r"(?!/)(?!.*//)[A-Za-z0-9/?:().,'+-]{1,35}(?<!/)")
_MESSAGE_ID = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,19}[A-Za-z0-9])?")
_MONTH = re.compile(r"[0-9]{4}-(?:0[1-9]|1[0-2])")
_SEQUENCE_ORDER = {FRST: 0, RCUR: 1}
_NOT_READY = "direct_debit_not_ready"
_INVALID = "invalid_debit"


def sepa_text(value: str, max_len: int) -> str:
    """Free text in the SEPA Latin character set, blanks collapsed, cut at ``max_len``."""
    text = _NOT_SEPA.sub(" ", unidecode(clean_line(value)))
    return " ".join(text.split())[:max_len].rstrip()


# -- checks --------------------------------------------------------------------------------

def _check_creditor(settings: DirectDebitSettings) -> None:
    """The régie can send debits: name, a valid ICS, its IBAN (and BIC for .02)."""
    missing = []
    if not sepa_text(settings.creditor_name, MAX_NAME):
        missing.append(("creditor_name", "le nom du créancier"))
    if not settings.creditor_id or not ics_is_valid(settings.creditor_id):
        missing.append(("creditor_id", "l'identifiant créancier SEPA (ICS)"))
    if not settings.creditor_iban:
        missing.append(("creditor_iban", "l'IBAN du compte de la régie"))
    # pain.008.001.02 has no "NOTPROVIDED" for the creditor's bank: the BIC is required.
    elif not settings.creditor_bic and settings.schema == "pain.008.001.02":
        missing.append(("creditor_bic", "le BIC du compte de la régie"))
    if settings.schema not in SCHEMAS:
        missing.append(("schema", "la version du fichier attendue par la banque"))
    if missing:
        raise ValidationError(
            "Le fichier de prélèvements ne peut pas être produit : indiquez "
            f"{' et '.join(label for _, label in missing)} dans « Prélèvement automatique ».",
            field=f"direct_debit.{missing[0][0]}", code=_NOT_READY)


def _check_message_id(message_id: str) -> None:
    # It comes from the product, never from a person: a wrong one is a bug.
    if not isinstance(message_id, str) or not _MESSAGE_ID.fullmatch(message_id):
        raise ValueError(f"message_id must be 1 to {MAX_MESSAGE_ID} letters, digits or "
                         f"inner hyphens, not {message_id!r}")


def _check_debits(debits: Sequence[Debit]) -> list[Debit]:
    """The debits, checked, in the file's order: by collection date, FRST before RCUR,
    then by invoice number."""
    debits = list(debits)
    if not debits:
        raise ValidationError("Aucun prélèvement à transmettre : le fichier serait vide.",
                              field="debits", code="no_debits")
    seen: set[str] = set()
    for i, debit in enumerate(debits):
        where = f"debits[{i}]"
        amount = debit.amount_cents
        if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
            raise ValidationError("Un prélèvement doit avoir un montant positif (centimes).",
                                  field=f"{where}.amount_cents", code=_INVALID)
        if debit.sequence not in _SEQUENCE_ORDER:
            raise ValidationError("Séquence de prélèvement inconnue (FRST ou RCUR).",
                                  field=f"{where}.sequence", code=_INVALID)
        for name, value in (("invoice", debit.invoice), ("rum", debit.rum)):
            if not isinstance(value, str) or not _IDENTIFIER.fullmatch(value):
                raise ValidationError(
                    "Référence refusée par les banques (35 caractères au plus : lettres sans "
                    "accent, chiffres, / - ? : ( ) . , ' +).", field=f"{where}.{name}",
                    code=_INVALID)
        if not sepa_text(debit.holder, MAX_NAME):
            raise ValidationError("Le titulaire du compte n'a pas de nom transmissible.",
                                  field=f"{where}.holder", code=_INVALID)
        if debit.invoice in seen:
            raise ValidationError(f"La facture {debit.invoice} est prélevée deux fois.",
                                  field=f"{where}.invoice", code=_INVALID)
        seen.add(debit.invoice)
    return sorted(debits, key=lambda d: (d.collection_date, _SEQUENCE_ORDER[d.sequence],
                                         d.invoice))


# -- amendments ----------------------------------------------------------------------------

def _amend(mandate: etree.Element, former: Account, current: Account) -> None:
    """AmdmntInd and AmdmntInfDtls, right after MndtId and DtOfSgntr (the schema's order in
    MandateRelatedInformation, .02 and .08 alike).

    Source: EPC SDD Core customer-to-bank implementation guidelines (EPC130-08) from
    version 9.0 (rulebook of 20 November 2016, still pain.008.001.02), section 1.5.4,
    carried unchanged into the guidelines on pain.008.001.08: a new account at the same
    bank gives the former IBAN in Original Debtor Account; a new account at another bank
    gives "SMNDA" (now read "same mandate, new debtor account") in Original Debtor
    Account/Identification/Other/Identification, and Original Debtor Agent is not used
    (before 2016 "SMNDA" went in Original Debtor Agent and the debit had to be FRST; a
    RCUR has been allowed since). Both versions follow that rule.
    """
    etree.SubElement(mandate, "AmdmntInd").text = "true"
    details = etree.SubElement(mandate, "AmdmntInfDtls")
    account_id = etree.SubElement(etree.SubElement(details, "OrgnlDbtrAcct"), "Id")
    if same_bank(former, current):
        etree.SubElement(account_id, "IBAN").text = former.iban
    else:
        etree.SubElement(etree.SubElement(account_id, "Othr"), "Id").text = SMNDA


class _Initiation(SepaDD):
    """sepaxml's direct debit writer with our identifiers, our time and amendments."""

    def __init__(self, config: dict[str, Any], schema: str, message_id: str, created: str,
                 amendments: dict[str, tuple[Account, Account]]) -> None:
        # Set before sepaxml's constructor: it writes the group header.
        self._message_id = message_id
        self._created = created
        self._amendments = amendments
        super().__init__(config, schema=schema, clean=False)

    def _create_header(self) -> None:
        super()._create_header()
        header = self._xml.find("CstmrDrctDbtInitn/GrpHdr")
        # In place of make_msg_id()'s random id and datetime.now().
        header.find("MsgId").text = self._message_id
        header.find("CreDtTm").text = self._created

    def _finalize_batch(self) -> None:
        super()._finalize_batch()
        for info in self._xml.iterfind("CstmrDrctDbtInitn/PmtInf"):
            sequence = info.findtext("PmtTpInf/SeqTp")
            day = info.findtext("ReqdColltnDt", "").replace("-", "")
            # In place of make_id()'s random one.
            info.find("PmtInfId").text = f"{self._message_id}-{sequence}-{day}"
            for transaction in info.iterfind("DrctDbtTxInf"):
                change = self._amendments.get(transaction.findtext("PmtId/EndToEndId", ""))
                if change is not None:
                    _amend(transaction.find("DrctDbtTx/MndtRltdInf"), *change)


# -- the file ------------------------------------------------------------------------------

def pain_008(settings: DirectDebitSettings, debits: Sequence[Debit], *, message_id: str,
             created_at: datetime) -> bytes:
    """The debits as a pain.008 file in the commune's version, UTF-8 bytes;
    ValidationError (``direct_debit_not_ready``, ``no_debits``, ``invalid_debit``) before
    anything is written."""
    _check_creditor(settings)
    _check_message_id(message_id)
    if created_at.tzinfo is None:
        raise ValueError("created_at must be an aware datetime")
    ordered = _check_debits(debits)
    # The schema's ISODateTime is xs:dateTime: Paris time with its offset, to the second.
    created = created_at.astimezone(PARIS).replace(microsecond=0).isoformat()
    config: dict[str, Any] = {
        "name": sepa_text(settings.creditor_name, MAX_NAME), "IBAN": settings.creditor_iban,
        "batch": True, "creditor_id": settings.creditor_id, "currency": CURRENCY}
    if settings.creditor_bic:
        config["BIC"] = settings.creditor_bic
    amendments = {d.invoice: (d.amended_from, d.account) for d in ordered
                  if d.amended_from is not None and d.amended_from.iban != d.account.iban}
    writer = _Initiation(config, settings.schema, message_id, created, amendments)
    for d in ordered:
        writer.add_payment({
            "name": sepa_text(d.holder, MAX_NAME), "IBAN": d.account.iban,
            "BIC": d.account.bic, "amount": d.amount_cents, "type": d.sequence,
            "collection_date": d.collection_date, "mandate_id": d.rum,
            "mandate_date": d.signed_on,
            "description": sepa_text(f"Facture {d.invoice}", MAX_REMITTANCE),
            "endtoend_id": d.invoice})
    # The tests validate against the official schemas; at run time sepaxml's own check
    # (xmlschema) would only repeat them, slowly.
    data: bytes = writer.export(validate=False)
    return data


def debit_file_name(_settings: DirectDebitSettings, month: str, message_id: str) -> str:
    """The file's name, ``prelevements-2026-11-<message id>.xml``: the month billed and the
    message id the bank quotes back. The settings are taken, as by ``pain_008``, but not
    read: a file keeps its name when the commune's settings change after it was written."""
    _check_message_id(message_id)
    if not isinstance(month, str) or not _MONTH.fullmatch(month):
        raise ValueError(f"month must be YYYY-MM, not {month!r}")
    return f"prelevements-{month}-{message_id}.xml"
