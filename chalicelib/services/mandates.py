"""Direct-debit mandates: a family signs one online from « Vos informations », changes the
account it is debited from or stops it; staff read a family's mandates, enter a paper
one, suspend, resume or revoke one. Each change is e-mailed to the family, the IBAN
masked. Scheduling the debits is the debits' concern: a mandate only says whether, and
from which account, the family may be debited."""
from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

from chalicelib.domain.accounts import Family
from chalicelib.domain.calendar import parse_date
from chalicelib.domain.commune import CommuneSettings
from chalicelib.domain.errors import Conflict, NotFound, ValidationError
from chalicelib.domain.retention import FamilyAnonymised
from chalicelib.domain.sepa import (
    ACTIVE,
    MANDATE_TEXT_VERSION,
    MANDATE_TEXTS,
    ONLINE,
    PAPER,
    REVOKED,
    STATE_LABELS,
    SUSPENDED,
    Account,
    Mandate,
    check_account,
    mandate_text,
    mask_iban,
    rum,
)
from chalicelib.domain.text import clean_line
from chalicelib.mail import templates
from chalicelib.mail.sender import Mailer
from chalicelib.settings import PARIS
from chalicelib.storage.accounts import AccountRepository
from chalicelib.storage.mandates import MandateMoved, MandateRepository

LOG = logging.getLogger(__name__)

MAX_HOLDER = 70        # the debtor's name in a pain.008 file
MAX_REASON = 200
PAPER_TEXT_VERSION = "papier"
# SEPA direct debit started in France on 1 November 2009: no SEPA mandate is older.
FIRST_SEPA_DAY = date(2009, 11, 1)
# What each change is called in the audit log and the family's e-mail.
SIGNED, AMENDED, ENTERED = "signature", "changement_de_compte", "saisie_papier"
SUSPEND, RESUME, REVOKE = "suspension", "reprise", "révocation"


class DirectDebitOff(Conflict):
    """The commune does not offer direct debit: mandates can be read, not changed."""
    code = "direct_debit_off"
    message = ("La commune ne propose pas le prélèvement automatique : les mandats ne "
               "peuvent pas être signés ni modifiés.")


@dataclass(frozen=True)
class Change:
    """A write and its outcome: the mandate before (None when created) and after;
    ``event`` is None when nothing changed (a repeated request)."""
    before: Mandate | None
    after: Mandate
    event: str | None

    @property
    def created(self) -> bool:
        return self.before is None and self.event is not None


def _require_on(settings: CommuneSettings) -> None:
    if not settings.direct_debit.enabled:
        raise DirectDebitOff()


def _holder(data: dict[str, Any]) -> str:
    value = data.get("holder")
    holder = clean_line(value) if isinstance(value, str) else ""
    if not 1 <= len(holder) <= MAX_HOLDER:
        raise ValidationError(f"Indiquez le titulaire du compte ({MAX_HOLDER} caractères au "
                              "plus).", field="holder", code="invalid_holder")
    return holder


def _account(data: dict[str, Any]) -> Account:
    return check_account(data.get("iban"), data.get("bic"))


def _open(mandate: Mandate | None) -> bool:
    """Whether the family's latest mandate still stands (active or suspended)."""
    return mandate is not None and mandate.status in (ACTIVE, SUSPENDED)


def _today(now: datetime) -> date:
    return now.astimezone(PARIS).date()


class MandateService:
    """The families' mandates, as families and staff change them."""

    def __init__(self, accounts: AccountRepository, mandates: MandateRepository,
                 mailer: Mailer, site_url: str) -> None:
        self._accounts = accounts
        self._mandates = mandates
        self._mailer = mailer
        self._site_url = site_url

    # -- the family ------------------------------------------------------------------

    def current(self, family: Family) -> Mandate | None:
        """The family's latest mandate (revoked included), or None."""
        return self._mandates.current(family.number)

    def sign(self, family: Family, data: dict[str, Any], now: datetime,
             settings: CommuneSettings) -> Change:
        """Sign the mandate online; a family with a standing mandate changes its account
        under the same reference (an amendment). The same account again changes nothing."""
        _require_on(settings)
        holder = _holder(data)
        account = _account(data)
        if data.get("accept") is not True:
            raise ValidationError("Cochez la case pour accepter le mandat de prélèvement.",
                                  field="accept", code="mandate_not_accepted")
        if data.get("text_version") != MANDATE_TEXT_VERSION:
            raise Conflict("Le texte du mandat a changé depuis l'ouverture de la page : "
                           "rechargez-la et relisez-le avant de signer.",
                           code="mandate_text_changed")
        signed_by = family.emails[0] if family.emails else f"famille {family.number}"
        change = self._sign(family.number, holder, account, signed_by, now)
        if change.event is not None:
            self._tell(family, change)
        return change

    def _sign(self, number: str, holder: str, account: Account, signed_by: str,
              now: datetime, retried: bool = False) -> Change:
        mandates = self._mandates.of_family(number)
        latest = mandates[-1] if mandates else None
        try:
            if _open(latest):
                assert latest is not None
                return self._change_account(latest, holder, account, now)
            created = Mandate(
                family=number, rum=rum(number, len(mandates) + 1), holder=holder,
                account=account, status=ACTIVE, signed_on=_today(now), channel=ONLINE,
                text_version=MANDATE_TEXT_VERSION, signed_by=signed_by,
                signed_at=now.astimezone(UTC), updated_at=now.astimezone(UTC))
            return Change(None, self._mandates.create(created), SIGNED)
        except MandateMoved:
            # A double click, or two parents at once: what the other request stored is
            # the answer when it holds this account; otherwise this one applies on top.
            if retried:
                raise Conflict() from None
            return self._sign(number, holder, account, signed_by, now, retried=True)

    def _change_account(self, mandate: Mandate, holder: str, account: Account,
                        now: datetime) -> Change:
        if mandate.account.iban == account.iban and mandate.holder == holder:
            return Change(mandate, mandate, None)
        if mandate.account.iban == account.iban:
            changed = replace(mandate, holder=holder, updated_at=now.astimezone(UTC))
            return Change(mandate, self._mandates.save(changed), AMENDED)
        # The account the next debit's amendment names is the one the bank knows: the
        # oldest not yet carried by a file; back to it, there is nothing to amend.
        former = mandate.amended_from or mandate.account
        changed = replace(mandate, holder=holder, account=account,
                          amended_from=None if former.iban == account.iban else former,
                          updated_at=now.astimezone(UTC))
        return Change(mandate, self._mandates.save(changed), AMENDED)

    def stop(self, family: Family, data: dict[str, Any], now: datetime,
             settings: CommuneSettings) -> Change:
        """« Arrêter le prélèvement »: the family revokes its mandate (``confirm``: true)."""
        _require_on(settings)
        if data.get("confirm") is not True:
            raise ValidationError("Confirmez l'arrêt du prélèvement.", field="confirm",
                                  code="confirmation_required")
        latest = self._mandates.current(family.number)
        if latest is None:
            raise NotFound("Aucun mandat de prélèvement.")
        change = self._set_status(latest, REVOKE, "Arrêté par la famille", now)
        if change.event is not None:
            self._tell(family, change)
        return change

    # -- staff -----------------------------------------------------------------------

    def _family(self, number: str) -> Family:
        family = self._accounts.get_family(number) if number.isdigit() else None
        if family is None:
            raise NotFound()
        return family

    def of_family(self, number: str) -> tuple[Family, list[Mandate]]:
        """A family and its mandates, oldest first."""
        family = self._family(number)
        return family, self._mandates.of_family(number)

    def _mandate(self, number: str, reference: str) -> tuple[Family, Mandate]:
        family, mandates = self.of_family(number)
        found = next((m for m in mandates if m.rum == reference), None)
        if found is None:
            raise NotFound()
        return family, found

    def enter_paper(self, number: str, data: dict[str, Any], who: str, now: datetime,
                    settings: CommuneSettings) -> Change:
        """Enter a mandate the family signed on paper (its date not in the future)."""
        _require_on(settings)
        family = self._family(number)
        if family.anonymised:
            raise FamilyAnonymised()
        holder = _holder(data)
        account = _account(data)
        signed_on = parse_date(data.get("signed_on"), "signed_on")
        if signed_on > _today(now):
            raise ValidationError("La date de signature ne peut pas être dans le futur.",
                                  field="signed_on", code="invalid_signed_on")
        if signed_on < FIRST_SEPA_DAY:
            raise ValidationError("Un mandat SEPA est signé le 1er novembre 2009 ou après.",
                                  field="signed_on", code="invalid_signed_on")
        mandates = self._mandates.of_family(number)
        if _open(mandates[-1] if mandates else None):
            raise Conflict("La famille a déjà un mandat en cours : révoquez-le avant "
                           "d'en saisir un autre.", code="mandate_exists")
        entered = Mandate(
            family=number, rum=rum(number, len(mandates) + 1), holder=holder,
            account=account, status=ACTIVE, signed_on=signed_on, channel=PAPER,
            text_version=PAPER_TEXT_VERSION, signed_by=who, updated_at=now.astimezone(UTC))
        try:
            stored = self._mandates.create(entered)
        except MandateMoved:
            raise Conflict() from None  # entered twice at once: the first one stands
        change = Change(None, stored, ENTERED)
        self._tell(family, change)
        return change

    def set_status(self, number: str, reference: str, event: str, data: dict[str, Any],
                   now: datetime, settings: CommuneSettings) -> Change:
        """Staff suspend (a reason required), resume or revoke a mandate."""
        _require_on(settings)
        family, mandate = self._mandate(number, reference)
        reason = data.get("reason") or ""
        reason = clean_line(reason) if isinstance(reason, str) else ""
        if len(reason) > MAX_REASON:
            raise ValidationError(f"Motif trop long ({MAX_REASON} caractères au plus).",
                                  field="reason", code="invalid_reason")
        if event == SUSPEND and not reason:
            raise ValidationError("Indiquez le motif de la suspension.", field="reason",
                                  code="reason_required")
        change = self._set_status(mandate, event, reason, now)
        if change.event is not None:
            self._tell(family, change)
        return change

    def _set_status(self, mandate: Mandate, event: str, reason: str,
                    now: datetime) -> Change:
        if mandate.status == REVOKED:
            if event == REVOKE:
                return Change(mandate, mandate, None)  # revoked once is enough
            raise Conflict("Ce mandat est révoqué : il ne peut plus servir.",
                           code="mandate_revoked")
        if event == SUSPEND and mandate.status != ACTIVE:
            raise Conflict("Seul un mandat actif peut être suspendu.", code="mandate_not_active")
        if event == RESUME and mandate.status != SUSPENDED:
            raise Conflict("Seul un mandat suspendu peut être repris.",
                           code="mandate_not_suspended")
        status = {SUSPEND: SUSPENDED, RESUME: ACTIVE, REVOKE: REVOKED}[event]
        changed = replace(mandate, status=status, status_reason=reason,
                          rejects=0 if event == RESUME else mandate.rejects,
                          updated_at=now.astimezone(UTC))
        try:
            return Change(mandate, self._mandates.save(changed), event)
        except MandateMoved:
            raise Conflict() from None

    # -- the family's e-mail -------------------------------------------------------------

    def _tell(self, family: Family, change: Change) -> None:
        if not family.emails or change.event is None:
            return
        mandate = change.after
        try:
            self._mailer.send(templates.mandate_changed(
                family.emails, family.name, change.event, mandate.rum, mandate.holder,
                mask_iban(mandate.account.iban), mandate.status_reason, self._site_url))
        except Exception:  # noqa: BLE001 - the change stands; the portal shows it
            LOG.exception("mandate e-mail not sent to family %s", family.number)

    # -- the mandate as a PDF ------------------------------------------------------------

    def family_pdf(self, family: Family, settings: CommuneSettings) -> tuple[str, bytes]:
        """The family's latest mandate as a PDF: (reference, bytes)."""
        latest = self._mandates.current(family.number)
        if latest is None:
            raise NotFound("Aucun mandat de prélèvement.")
        return latest.rum, _render(family, latest, settings)

    def staff_pdf(self, number: str, reference: str,
                  settings: CommuneSettings) -> tuple[str, bytes]:
        """One of a family's mandates as a PDF, for staff."""
        family, mandate = self._mandate(number, reference)
        return mandate.rum, _render(family, mandate, settings)


def _render(family: Family, mandate: Mandate, settings: CommuneSettings) -> bytes:
    # Imported here: fpdf2 takes a quarter of a second to import (see invoice_pdf).
    from chalicelib.documents.mandate_pdf import MandateDocument, render_mandate
    debit = settings.direct_debit
    return render_mandate(MandateDocument(
        creditor_name=debit.creditor_name or settings.name, creditor_id=debit.creditor_id,
        creditor_address="", rum=mandate.rum, holder=mandate.holder,
        family_number=family.number, family_address=family.address,
        iban_masked=mask_iban(mandate.account.iban), bic=mandate.account.bic,
        paragraphs=(mandate_text(debit, mandate.text_version)
                    if mandate.text_version in MANDATE_TEXTS else ()),
        channel=mandate.channel, signed_on=mandate.signed_on,
        signed_at=mandate.signed_at.astimezone(PARIS) if mandate.signed_at else None,
        status_label=STATE_LABELS.get(mandate.status, mandate.status)))
