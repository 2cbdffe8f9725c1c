"""Titres de recette: the month's bordereau for the Treasury, its file, and its answer.

In ``titres`` mode the month's confirmation ends here: the invoices standing for the
month become one bordereau (PES V2 ORMC), stored as a record and a file. A rerun of the
confirmation finds the bordereau of exactly these invoices and writes nothing; a month
whose invoices changed since (credit note, then a new confirmation) gets a new
bordereau under a new roll number, and the one it replaces stays, marked ``remplace``.
The Treasury's acknowledgement, imported by staff, sets ``accepte`` or ``rejete`` with
its reasons; a rejected bordereau, once the data is corrected, is issued again as a new
attempt of the same roll number (the file name takes ``-2``, ``-3``…).

The file is written once and served as stored: its emission date comes from the record,
never from the clock at download time, so the bytes never change.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import re
from datetime import date, datetime
from typing import Any

from chalicelib.domain.collection import TITRES, TitresSettings
from chalicelib.domain.commune import CommuneSettings
from chalicelib.domain.errors import Conflict, NotFound, ValidationError
from chalicelib.domain.invoicing import Invoice
from chalicelib.domain.pes import file_name, ormc_file, read_acknowledgement
from chalicelib.domain.sepa import Debit
from chalicelib.domain.titres import (
    ACCEPTED,
    OPEN_STATES,
    REJECTED,
    TO_SEND,
    BordereauRecord,
    build_bordereau,
    invoice_set_key,
    parse_bordereau_id,
)
from chalicelib.services import retry
from chalicelib.services.commune import CommuneService
from chalicelib.services.debits import DebitService
from chalicelib.settings import PARIS
from chalicelib.storage.accounts import AccountRepository
from chalicelib.storage.billing import BillingRepository
from chalicelib.storage.files import FileStore
from chalicelib.storage.titres import BordereauExists, BordereauRepository, RollMoved

LOG = logging.getLogger("cantine.titres")
CONTENT_TYPE = "application/xml"
MAX_ACK_BYTES = 150 * 1024  # an acknowledgement is a few kilobytes; the body limit is 256 KB
_SENT_NAME = re.compile(r"(?:ACQUIT_)?PESALR2_[0-9]{14}_([0-9]{2})[0-9]{4}_([0-9]{3,7})"
                        r"(?:-([0-9]{1,3}))?\.xml", re.IGNORECASE)


class NotTitresMode(Conflict):
    code = "not_titres_mode"
    message = ("La commune encaisse par sa régie : aucun bordereau de titres n'est émis "
               "(Paramètres, « Encaissement »).")


class NotRejected(Conflict):
    code = "bordereau_not_rejected"
    message = "Seul un bordereau rejeté par le Trésor public peut être émis à nouveau."


class InvoicesChanged(Conflict):
    code = "bordereau_invoices_changed"
    message = ("Des factures de ce bordereau ont été annulées depuis : validez à nouveau la "
               "facturation du mois, qui émet un nouveau bordereau.")


class UnknownBordereau(ValidationError):
    def __init__(self) -> None:
        super().__init__("Cet accusé de réception ne concerne aucun bordereau émis par le "
                         "portail (numéro de rôle ou nom de fichier inconnu).",
                         field="content_base64", code="unknown_bordereau")


class TitresService:
    """Issues, lists, serves and acknowledges the bordereaux of titres de recette."""

    def __init__(self, commune: CommuneService, accounts: AccountRepository,
                 billing: BillingRepository, bordereaux: BordereauRepository,
                 files: FileStore, debits: DebitService | None = None) -> None:
        self._commune = commune
        self._accounts = accounts
        self._billing = billing
        self._bordereaux = bordereaux
        self._debits = debits
        self._files = files

    def _titres(self) -> TitresSettings | None:
        collection = self._commune.get().collection
        return collection.titres if collection.mode == TITRES else None

    # -- issuing ---------------------------------------------------------------------------
    def _standing(self, month: str, families: set[str]) -> list[Invoice]:
        """The month's invoices not cancelled, read family by family (consistently: the
        ones just issued are not always in the month's index yet)."""
        families |= {i.family for i in self._billing.invoices_of_month(month)}
        return sorted((i for f in sorted(families) for i in self._billing.invoices_of(f)
                       if i.month == month and i.credit_note is None and i.total_cents > 0),
                      key=lambda i: i.number)

    def issue_for_month(self, month: str, families: set[str], now: datetime,
                        who: str) -> dict[str, Any] | None:
        """The month's bordereau after its confirmation (None in régie mode): the id of a
        new one, or of the one already carrying exactly these invoices."""
        settings = self._commune.get()
        titres = settings.collection.titres if settings.collection.mode == TITRES else None
        if titres is None:
            return None
        standing = self._standing(month, set(families))
        existing = self._bordereaux.of_month(month)
        accepted = {n for b in existing if b.state == ACCEPTED for n in b.invoices}
        pending = [i for i in standing if i.number not in accepted]
        if not pending:
            return {"bordereau": None, "message": "Aucune facture à mettre en titres."}
        numbers = sorted(i.number for i in pending)
        open_ones = [b for b in existing if b.state in OPEN_STATES]
        same = next((b for b in open_ones if sorted(b.invoices) == numbers), None)
        if same is not None:
            return {"bordereau": same.id, "created": False}
        mark = invoice_set_key(month, numbers)
        held = self._billing.mark(mark)
        if held is not None:
            return {"bordereau": held.ref, "created": False}
        emitted_on = now.astimezone(PARIS).date()
        exercice = emitted_on.year
        families_read = self._accounts.get_families(sorted({i.family for i in pending}))
        debits = self._debits_for(month, settings, now)
        for attempt in retry.numbering_attempts():
            counter = self._bordereaux.roll_counter(exercice)
            number = max(counter + 1, titres.roll_number(exercice))
            record = self._write(titres, month, exercice, number, 1, emitted_on, pending,
                                 families_read, now, who, debits)
            try:
                self._bordereaux.create(record, mark, counter, open_ones)
            except BordereauExists:
                held = self._billing.mark(mark)
                return {"bordereau": held.ref if held else None, "created": False}
            except RollMoved:
                retry.pause(attempt)
                continue
            LOG.info("bordereau %s issued for %s (%d titres)", record.id, month, len(pending))
            return {"bordereau": record.id, "created": True,
                    "replaced": [b.id for b in open_ones]}
        raise retry.NumberingBusy()

    def _write(self, titres: TitresSettings, month: str, exercice: int, number: int,
               attempt: int, emitted_on: date, invoices: list[Invoice],
               families: dict[str, Any], now: datetime, who: str,
               debits: dict[str, Debit] | None = None) -> BordereauRecord:
        """Build the file, store it, and return the record that points to it."""
        bordereau = build_bordereau(titres, month, exercice, number, emitted_on, invoices,
                                    families, debits)
        data = ormc_file(titres.collectivity, bordereau, attempt=attempt)
        name = file_name(titres.collectivity, bordereau, attempt=attempt)
        key = f"titres/{exercice}/{name}"
        self._files.put(key, data, CONTENT_TYPE)
        return BordereauRecord(
            exercice=exercice, number=number, attempt=attempt, month=month, state=TO_SEND,
            invoices=tuple(sorted(i.number for i in invoices)), emitted_on=emitted_on,
            file_name=name, file_key=key, sha256=hashlib.sha256(data).hexdigest(),
            total_cents=bordereau.total_cents, created_at=now, created_by=who)

    def reissue(self, bordereau_id: Any, now: datetime, who: str) -> BordereauRecord:
        """A rejected bordereau, written again from current data as its next attempt."""
        titres = self._titres()
        if titres is None:
            raise NotTitresMode()
        rejected = self._get(bordereau_id)
        if rejected.state != REJECTED:
            raise NotRejected()
        invoices = [i for i in self._standing(rejected.month, set())
                    if i.number in rejected.invoices]
        if sorted(i.number for i in invoices) != sorted(rejected.invoices):
            raise InvoicesChanged()
        families = self._accounts.get_families(sorted({i.family for i in invoices}))
        attempt = max(b.attempt for b in self._bordereaux.attempts(rejected.exercice,
                                                                   rejected.number)) + 1
        record = self._write(titres, rejected.month, rejected.exercice, rejected.number,
                             attempt, now.astimezone(PARIS).date(), invoices, families, now,
                             who, self._debits_for(rejected.month, self._commune.get(), now))
        self._bordereaux.reissue(record, rejected)
        return record

    # -- the titres paid by direct debit ----------------------------------------------------
    def _debits_for(self, month: str, settings: CommuneSettings,
                    now: datetime) -> dict[str, Debit]:
        """The debits the month's bordereau carries, by invoice: sent before the file is
        written (the Treasury presents them), so that a file written after a crash still
        carries them; a debit whose notice no longer holds is moved, one whose mandate
        stopped cancelled (its titre is paid with the avis des sommes à payer)."""
        if self._debits is None:
            return {}
        debits = self._debits.for_bordereau(month, settings, now)
        sent = self._debits.bordereau_sent(debits, f"titres-{month}")
        return {d.invoice: d for d in sent}

    # -- reading ---------------------------------------------------------------------------
    def _get(self, bordereau_id: Any) -> BordereauRecord:
        record = self._bordereaux.get(*parse_bordereau_id(bordereau_id))
        if record is None:
            raise NotFound("Bordereau introuvable.")
        return record

    def month(self, month: str) -> dict[str, Any]:
        """The month's bordereaux, newest first, with what the console needs to say."""
        records = sorted(self._bordereaux.of_month(month),
                         key=lambda b: (b.exercice, b.number, b.attempt), reverse=True)
        notes = []
        standing = {i.number for i in self._standing(month, set())} if records else set()
        for record in records:
            if record.state == ACCEPTED:
                for number in record.invoices:
                    if number not in standing:
                        notes.append(f"La facture {number}, titrée dans le bordereau "
                                     f"{record.number} accepté, a été annulée depuis : "
                                     "demandez au comptable public d'annuler le titre "
                                     "(réduction ou annulation dans Hélios).")
        return {"month": month, "titres_mode": self._titres() is not None,
                "bordereaux": records, "notes": notes}

    def file(self, bordereau_id: Any) -> tuple[BordereauRecord, bytes]:
        """A bordereau's file, exactly as written."""
        record = self._get(bordereau_id)
        data = self._files.get(record.file_key)
        if hashlib.sha256(data).hexdigest() != record.sha256:
            # The bucket is versioned and no code rewrites a key: say so rather than
            # hand the Treasury a file the record does not describe.
            raise Conflict("Le fichier stocké ne correspond plus au bordereau enregistré.",
                           code="bordereau_file_mismatch")
        return record, data

    # -- the Treasury's answer -------------------------------------------------------------
    def acknowledge(self, body: dict[str, Any], now: datetime,
                    who: str) -> list[BordereauRecord]:
        """Import a PES acknowledgement: the bordereaux it answers become accepted or
        rejected (with the reasons). Importing the same file again changes nothing."""
        raw = body.get("content_base64")
        if not isinstance(raw, str) or not raw.strip():
            raise ValidationError("Joignez le fichier d'accusé de réception (XML).",
                                  field="content_base64", code="invalid_acknowledgement")
        try:
            data = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ValidationError("Fichier illisible (base64 attendu).",
                                  field="content_base64",
                                  code="invalid_acknowledgement") from exc
        if len(data) > MAX_ACK_BYTES:
            raise ValidationError("Fichier trop volumineux pour un accusé de réception.",
                                  field="content_base64", code="invalid_acknowledgement")
        ack = read_acknowledgement(data)
        targets = self._answered(ack)
        if not targets:
            raise UnknownBordereau()
        done = []
        for record in targets:
            state = ack.bordereau_accepted(record.exercice, record.number)
            accepted = ack.accepted if state is None else state
            reasons = tuple(ack.reasons) if not accepted else ()
            new_state = ACCEPTED if accepted else REJECTED
            if record.state != new_state or record.reasons != reasons:
                self._bordereaux.acknowledge(record, new_state, reasons, now, who)
            done.append(self._get(record.id))
        return done

    def _answered(self, ack: Any) -> list[BordereauRecord]:
        """The bordereau attempts an acknowledgement answers."""
        named = _SENT_NAME.fullmatch(ack.file_name or "")
        wanted: dict[tuple[int, int], int | None] = {}
        for element in ack.elements:
            if element.bordereau is not None:
                year: int | None = element.exercice
                if year is None and named:
                    year = 2000 + int(named.group(1))
                if year is not None:
                    wanted[(year, element.bordereau)] = None
        if named:
            key = (2000 + int(named.group(1)), int(named.group(2)))
            # The file name says which attempt was answered; the exercice is its year.
            sent = int(named.group(3) or 1)
            for wanted_key in list(wanted) or [key]:
                if wanted_key[1] == key[1]:
                    wanted[wanted_key] = sent
        found = []
        for (exercice, number), attempt in sorted(wanted.items()):
            attempts = self._bordereaux.attempts(exercice, number)
            if attempt is not None:
                match = [b for b in attempts if b.attempt == attempt]
            else:
                match = [b for b in attempts if b.state == TO_SEND][-1:] or attempts[-1:]
            found += match
        return found
