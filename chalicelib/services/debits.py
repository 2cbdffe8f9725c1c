"""Direct debits: scheduled when a month is confirmed, announced to each family, sent in
the régie's pain.008 file (or in the bordereau of titres), and rejects recorded.

The money stays exact:
- one debit per invoice, ever (a conditional write keyed by month and invoice);
- a debit goes into one file only (a conditional state change, prevu → transmis), and the
  file's bytes are written once: downloading it again gives the same file;
- a debit sent is a payment on the family's ledger (régie), once (a marker per invoice);
  its reject is a « Rejet de prélèvement » line that makes the invoice due again, once;
- while a debit is announced or sent, the family cannot also pay it online.

The family is told the amount and date at least the commune's notice before: when the
notice could not be kept (an e-mail that failed, a file issued after the date), the debit
moves to the next debit day and the family is told again.
"""
from __future__ import annotations

import logging
import secrets
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from chalicelib.domain.accounts import Family
from chalicelib.domain.calendar import parse_date
from chalicelib.domain.collection import TITRES
from chalicelib.domain.commune import CommuneSettings
from chalicelib.domain.errors import Conflict, NotFound, ValidationError
from chalicelib.domain.invoicing import Invoice
from chalicelib.domain.ledger import LedgerEntry
from chalicelib.domain.money import month_label
from chalicelib.domain.sepa import (
    ACTIVE,
    CANCELLED,
    FRST,
    REJECT_REASONS,
    REJECTED,
    SCHEDULED,
    SENT,
    Debit,
    DirectDebitSettings,
    Mandate,
    Reject,
    after_reject,
    collection_date,
    notice_kept,
    sequence_of,
)
from chalicelib.mail import templates
from chalicelib.mail.sender import Mailer
from chalicelib.services import retry
from chalicelib.services.billing import states_of
from chalicelib.settings import PARIS
from chalicelib.storage.accounts import AccountRepository
from chalicelib.storage.billing import AlreadyDone, BillingRepository
from chalicelib.storage.debits import DebitMoved, DebitRepository
from chalicelib.storage.files import FileStore
from chalicelib.storage.mandates import MandateMoved, MandateRepository

LOG = logging.getLogger(__name__)
FILE_TYPE = "application/xml"


class DirectDebitOff(Conflict):
    code = "direct_debit_off"
    message = ("La commune ne propose pas le prélèvement automatique (Paramètres, "
               "« Prélèvement automatique »).")


class DebitsInBordereau(Conflict):
    code = "debits_in_bordereau"
    message = ("En mode titres, les prélèvements partent dans le bordereau de titres (fichier "
               "PES) : le Trésor public les présente à la banque des familles.")


class NotReady(Conflict):
    code = "direct_debit_not_ready"
    message = ("Indiquez d'abord l'identifiant créancier SEPA (ICS) et l'IBAN du compte de la "
               "régie dans Paramètres, « Prélèvement automatique ».")


class NothingToSend(Conflict):
    code = "no_debits"
    message = "Aucun prélèvement à transmettre pour ce mois."


class PaidByDebit(Conflict):
    """A debit of this invoice is announced or sent: paying it again would pay twice."""
    code = "paid_by_debit"
    message = ("Cette facture sera payée par prélèvement automatique : elle n'est pas à "
               "payer en ligne. Si la banque rejette le prélèvement, vous pourrez la payer "
               "ici.")


def _file_id(month: str, rank: int) -> str:
    return f"{month}-{rank:02d}"


def _file_key(month: str, file_id: str) -> str:
    return f"debits/{month}/{file_id}.xml"


class DebitFileBusy(Conflict):
    code = "debit_file_busy"
    message = ("Un fichier de prélèvement de ce mois est en cours d'émission : rechargez la "
               "page dans quelques instants.")


class DebitSent(Conflict):
    """Staff record a payment for an invoice whose debit went to the bank."""
    code = "paid_by_debit"
    message = ("Cette facture est prélevée : le prélèvement a été transmis à la banque. "
               "Si la banque l'a rejeté, enregistrez d'abord le rejet (« Facturation », "
               "« Prélèvements automatiques »), puis le paiement.")


LEASE = timedelta(minutes=5)      # longer than any request: API Gateway stops at 29 s
ONCE = timedelta(days=36500)      # a marker that never expires: a step done once


class DebitService:
    """The month's debits, from scheduling to the bank's reject."""

    def __init__(self, accounts: AccountRepository, billing: BillingRepository,
                 mandates: MandateRepository, debits: DebitRepository, files: FileStore,
                 mailer: Mailer, site_url: str) -> None:
        self._accounts = accounts
        self._billing = billing
        self._mandates = mandates
        self._debits = debits
        self._files = files
        self._mailer = mailer
        self._site_url = site_url

    # -- what a family may still owe on an invoice -----------------------------------------
    def _remaining(self, invoice: Invoice) -> int:
        state = states_of(self._billing.invoices_of(invoice.family),
                          self._billing.ledger(invoice.family)).get(invoice.number)
        return state.remaining_cents if state is not None else 0

    def _due(self, debit: Debit, mode: str) -> int:
        """What ``debit`` may collect now: nothing if its invoice was cancelled or is a
        titre of another mode than ``mode``; a titre whole (the Treasury collects it);
        what remains of a régie invoice (paid at the town hall meanwhile: less)."""
        invoice = self._billing.invoice(debit.family, debit.invoice)
        if invoice is None or invoice.credit_note is not None \
                or (invoice.collection == TITRES) != (mode == TITRES):
            return 0
        if mode == TITRES:
            return invoice.total_cents
        return min(debit.amount_cents, self._remaining(invoice))

    # -- confirmation: schedule and announce -----------------------------------------------
    def active_mandates(self) -> dict[str, Mandate]:
        """The mandates debits may be scheduled on, by family."""
        return self._mandates.active()

    def schedule_month(self, month: str, settings: CommuneSettings, now: datetime,
                       mandates: dict[str, Mandate] | None = None) -> dict[str, Any]:
        """A debit for each confirmed invoice of the month whose family has an active
        mandate, on the commune's next debit day the notice allows; each family is told.
        Rerun after a crash, it schedules and tells only what is missing (moving a debit
        whose notice can no longer be kept)."""
        dd = settings.direct_debit
        if not dd.enabled:
            return {}
        mandates = dict(self._mandates.active() if mandates is None else mandates)
        if not mandates:
            return {}  # one read: no family pays by debit (yet)
        invoices = [i for i in self._billing.invoices_of_month(month)
                    if i.credit_note is None and i.total_cents > 0]
        if not invoices:
            return {}
        held = {d.invoice: d for d in self._debits.of_month(month)}
        today = now.astimezone(PARIS).date()
        day = collection_date(today, dd)
        scheduled = 0
        for invoice in sorted(invoices, key=lambda i: i.number):
            mandate = mandates.get(invoice.family)
            if invoice.number in held or mandate is None:
                continue
            # A titre is collected whole by the Treasury; the régie collects what remains.
            amount = invoice.total_cents if settings.collection.mode == TITRES \
                else self._remaining(invoice)
            if amount <= 0:
                continue
            # Account, sequence and amendment are the mandate's of today; they are taken
            # again from the mandate when the debit is sent.
            debit = Debit(month, invoice.number, invoice.family, amount, day, mandate.rum,
                          mandate.signed_on, mandate.holder, mandate.account,
                          sequence_of(mandate), mandate.amended_from)
            try:
                self._debits.create(debit)
            except DebitMoved:
                continue  # another confirmation scheduled it
            held[invoice.number] = debit
            scheduled += 1
        untold = []
        for debit in held.values():
            if debit.status != SCHEDULED or debit.notified_at is not None:
                continue
            if (debit.collection_date - today).days < dd.notice_days:
                # Told today, the family would not have its notice: a later debit day.
                try:
                    self._debits.reschedule(debit, day)
                except DebitMoved:
                    continue
                debit = replace(debit, collection_date=day)
                held[debit.invoice] = debit
            untold.append(debit)
        announced = self._announce(untold, settings, now)
        mine = [d for d in held.values() if d.status != CANCELLED]
        return {"debits": {"scheduled": scheduled, "announced": announced,
                           "count": len(mine),
                           "total_cents": sum(d.amount_cents for d in mine),
                           "collection_date": day.isoformat()}}

    def _announce(self, debits: list[Debit], settings: CommuneSettings,
                  now: datetime) -> int:
        """The pre-notification: the amount and date of each debit, by e-mail, once."""
        if not debits:
            return 0
        families = self._accounts.get_families(sorted({d.family for d in debits}))
        told = 0
        for debit in sorted(debits, key=lambda d: d.invoice):
            family = families.get(debit.family)
            if family is None or not family.emails:
                continue
            try:
                self._mailer.send(templates.debit_notice(
                    family.emails, family.name, debit.invoice, month_label(debit.month),
                    debit.amount_cents, debit.collection_date, debit.rum,
                    settings.direct_debit.creditor_name or settings.name,
                    settings.direct_debit.creditor_id, self._site_url))
            except Exception:  # noqa: BLE001 - left untold: the file moves its date
                LOG.exception("debit notice not sent for %s", debit.invoice)
                continue
            try:
                self._debits.notified(debit, now)
            except DebitMoved:
                continue
            told += 1
        return told

    # -- sending: the régie's file, or the bordereau of titres --------------------------------
    def _sorted_out(self, debits: list[Debit], settings: CommuneSettings,
                    today: date) -> tuple[list[Debit], list[Debit], list[Debit]]:
        """The month's scheduled debits split as (to send now, as the mandate stands
        today; to move to a later debit day; to cancel)."""
        dd = settings.direct_debit
        waiting = [d for d in debits if d.status == SCHEDULED]
        mandates = self._mandates.active() if waiting else {}
        ready, late, dropped = [], [], []
        for debit in sorted(waiting, key=lambda d: d.invoice):
            mandate = mandates.get(debit.family)
            amount = 0 if mandate is None or mandate.rum != debit.rum \
                else self._due(debit, settings.collection.mode)
            if amount <= 0 or mandate is None:
                dropped.append(debit)
            elif not notice_kept(debit, dd, today):
                late.append(debit)
            else:
                # As the mandate stands now: an account changed since the notice goes to
                # the new account, with its amendment; FRST until a debit went out.
                # (An amendment only means something to a bank that saw a debit before.)
                ready.append(replace(debit, amount_cents=amount, holder=mandate.holder,
                                     account=mandate.account,
                                     sequence=sequence_of(mandate),
                                     amended_from=mandate.amended_from
                                     if mandate.collected else None))
                mandates[debit.family] = replace(mandate, collected=True, amended_from=None)
        return ready, late, dropped

    def _sent(self, debits: list[Debit], file_id: str) -> list[Debit]:
        """Mark ``debits`` sent in ``file_id``; each mandate's first debit is then taken
        (RCUR next) and the amendment it carried told. The ones this call sent."""
        sent = []
        for debit in debits:
            try:
                self._debits.claim(debit, file_id)
            except DebitMoved:
                continue  # sent, moved or cancelled by another call
            self._carried(debit)
            sent.append(replace(debit, status=SENT, file=file_id))
        return sent

    def _mandate_of(self, debit: Debit) -> Mandate | None:
        """The mandate ``debit`` was taken under, as it stands (read consistently)."""
        return next((m for m in self._mandates.of_family(debit.family) if m.rum == debit.rum),
                    None)

    def _carried(self, debit: Debit) -> None:
        if debit.sequence != FRST and debit.amended_from is None:
            return
        for attempt in retry.numbering_attempts():
            current = self._mandate_of(debit)
            if current is None:
                return
            try:
                self._mandates.save(replace(current, collected=True, amended_from=None))
                return
            except MandateMoved:
                retry.pause(attempt)
        raise retry.NumberingBusy()

    def _set_aside(self, late: list[Debit], dropped: list[Debit], settings: CommuneSettings,
                   now: datetime) -> tuple[int, int, int]:
        """Move the late debits to the next debit day the notice allows and tell their
        families again; cancel the dropped ones and tell theirs. (moved, told, cancelled)"""
        day = collection_date(now.astimezone(PARIS).date(), settings.direct_debit)
        moved = []
        for debit in late:
            try:
                self._debits.reschedule(debit, day)
            except DebitMoved:
                continue
            moved.append(replace(debit, collection_date=day, notified_at=None))
        told = self._announce(moved, settings, now)
        cancelled = []
        for debit in dropped:
            try:
                self._debits.set_status(debit, SCHEDULED, CANCELLED)
            except DebitMoved:
                continue
            cancelled.append(debit)
        self._tell_cancelled(cancelled, settings)
        return len(moved), told, len(cancelled)

    def _tell_cancelled(self, debits: list[Debit], settings: CommuneSettings) -> None:
        if not debits:
            return
        families = self._accounts.get_families(sorted({d.family for d in debits}))
        for debit in debits:
            family = families.get(debit.family)
            if family is None or not family.emails:
                continue
            try:
                self._mailer.send(templates.debit_cancelled(
                    family.emails, family.name, debit.invoice, debit.collection_date,
                    titres=settings.collection.mode == TITRES, site_url=self._site_url))
            except Exception:  # noqa: BLE001 - the invoice page says it too
                LOG.exception("debit cancellation e-mail not sent for %s", debit.invoice)

    def for_bordereau(self, month: str, settings: CommuneSettings,
                      now: datetime) -> list[Debit]:
        """Titres mode: the month's debits a bordereau written now carries — the ones
        already in one, and the scheduled ones whose notice holds, as their mandate
        stands; the others are moved or cancelled (their titre is then paid with the
        avis des sommes à payer)."""
        if not settings.direct_debit.enabled:
            return []
        debits = self._debits.of_month(month)
        ready, late, dropped = self._sorted_out(debits, settings,
                                                now.astimezone(PARIS).date())
        self._set_aside(late, dropped, settings, now)
        return [d for d in debits if d.status == SENT] + ready

    def bordereau_sent(self, debits: list[Debit], tag: str) -> list[Debit]:
        """Send the scheduled ones of ``debits`` with a bordereau: those it may carry (the
        ones sent before, and the ones this call sent)."""
        return [d for d in debits if d.status == SENT] \
            + self._sent([d for d in debits if d.status == SCHEDULED], tag)

    def issue_file(self, month: str, settings: CommuneSettings, now: datetime,
                   who: str) -> dict[str, Any]:
        """Put the month's announced debits in a new pain.008 file for the régie's bank,
        one call at a time per month.

        A debit whose notice cannot be kept (never told, told too late, or too close to
        its date for the bank) moves to the next debit day and its family is told again;
        one whose mandate was stopped, or whose invoice was paid meanwhile, is cancelled
        and its family told. Files a crash left unfinished are finished first."""
        dd = settings.direct_debit
        if settings.collection.mode == TITRES:
            raise DebitsInBordereau()
        if not dd.enabled:
            raise DirectDebitOff()
        if not dd.creditor_id or not dd.creditor_iban or not dd.creditor_bic:
            raise NotReady()
        if not any(d.status == SCHEDULED or d.file for d in self._debits.of_month(month)):
            raise NothingToSend()  # refused before anything is written, the lease included
        lease, token = f"debit-file#{month}", secrets.token_urlsafe(16)
        if not self._billing.claim(lease, token, now + LEASE, now):
            raise DebitFileBusy()
        try:
            return self._issue(month, settings, now, who)
        finally:
            self._billing.release(lease, token, now)

    def _issue(self, month: str, settings: CommuneSettings, now: datetime,
               who: str) -> dict[str, Any]:
        debits = self._debits.of_month(month)
        files = sorted({d.file for d in debits if d.file})
        file_id = _file_id(month, len(files) + 1)
        ready, late, dropped = self._sorted_out(debits, settings,
                                                now.astimezone(PARIS).date())
        sent = self._sent(ready, file_id)
        if sent:
            files.append(file_id)
        moved, announced, cancelled = self._set_aside(late, dropped, settings, now)
        for one in files:
            self._finish(month, one, settings.direct_debit, now, who)
        if not sent and not moved and not cancelled and not files:
            raise NothingToSend()
        return {**self.month_view(month, settings),
                "issued": {"file": file_id if sent else None, "debits": len(sent),
                           "moved": moved, "announced": announced, "cancelled": cancelled}}

    def _finish(self, month: str, file_id: str, dd: DirectDebitSettings, now: datetime,
                who: str) -> None:
        """Write the file once, and the payment of each of its debits on the ledger once."""
        debits = sorted((d for d in self._debits.of_month(month) if d.file == file_id),
                        key=lambda d: d.invoice)
        if not debits:
            return
        key = _file_key(month, file_id)
        if not self._files.exists(key):
            from chalicelib.domain.sepa_file import pain_008  # sepaxml: not at a cold start
            data = pain_008(dd, debits, message_id=f"PRLV-{file_id}", created_at=now)
            self._files.put(key, data, FILE_TYPE)
        for debit in debits:
            entry = LedgerEntry(debit.family, now.astimezone(PARIS).date(), "payment",
                                f"Prélèvement du {debit.collection_date:%d/%m/%Y}",
                                debit.invoice, 0, debit.amount_cents, "prelevement")
            try:
                self._billing.append(entry, now, who, mark=f"debit#{debit.invoice}")
            except AlreadyDone:
                continue

    def file(self, month: str, file_id: str, settings: CommuneSettings) -> tuple[str, bytes]:
        """A debit file as written: its name and bytes."""
        if not file_id.startswith(f"{month}-") or not file_id[len(month) + 1:].isdigit():
            raise NotFound()
        data = self._files.get(_file_key(month, file_id))
        from chalicelib.domain.sepa_file import debit_file_name
        return debit_file_name(settings.direct_debit, month, f"PRLV-{file_id}"), data

    # -- the bank's answer ---------------------------------------------------------------------
    def reject(self, month: str, invoice: str, data: Any, settings: CommuneSettings,
               now: datetime, who: str) -> dict[str, Any]:
        """Record that the family's bank rejected a debit: the invoice is due again (régie),
        the mandate counts the reject and is suspended at the commune's limit, and the
        family is told — each once. Recording the same reject again finishes what a
        failure may have left undone, and changes nothing else."""
        if not isinstance(data, dict):
            raise ValidationError("Rejet invalide.", field="code")
        code = data.get("code")
        if not isinstance(code, str) or code not in REJECT_REASONS:
            raise ValidationError("Motif de rejet inconnu (code à 4 caractères du relevé de la "
                                  "banque, par exemple AM04).", field="code",
                                  code="invalid_reject_reason")
        today = now.astimezone(PARIS).date()
        day = parse_date(data["date"], "date") if data.get("date") else today
        debit = self._one(month, invoice)
        if day > today or day < date.fromisoformat(f"{month}-01"):
            raise ValidationError("La date du rejet doit être passée, et postérieure au mois "
                                  "facturé.", field="date", code="date_out_of_range")
        if debit.status == SENT:
            try:
                self._debits.rejected(debit, Reject(code, day, who, now))
            except DebitMoved:
                pass  # rejected by a parallel call: read below
            debit = self._one(month, invoice)
        if debit.status != REJECTED or debit.reject is None:
            raise Conflict("Ce prélèvement n'a pas été transmis à la banque : il ne peut pas "
                           "avoir été rejeté.", code="debit_not_sent")
        if debit.reject.code != code:
            raise Conflict("Ce prélèvement est déjà enregistré comme rejeté (motif "
                           f"{debit.reject.code}).", code="already_rejected")
        return {"debit": debit, "mandate": self._after_reject(debit, settings, now, who)}

    def _one(self, month: str, invoice: str) -> Debit:
        debit = next((d for d in self._debits.of_month(month) if d.invoice == invoice), None)
        if debit is None:
            raise NotFound()
        return debit

    def _after_reject(self, debit: Debit, settings: CommuneSettings, now: datetime,
                      who: str) -> Mandate | None:
        """What a reject entails, each step once whatever the number of calls."""
        assert debit.reject is not None
        reason = f"{debit.reject.code} – {REJECT_REASONS[debit.reject.code]}"
        if settings.collection.mode != TITRES:
            # Dated the day it is recorded (after the debit's payment, which it takes
            # back); the bank's date is in its wording.
            entry = LedgerEntry(debit.family, now.astimezone(PARIS).date(), "reject",
                                f"Rejet du {debit.reject.day:%d/%m/%Y} du prélèvement du "
                                f"{debit.collection_date:%d/%m/%Y} ({reason})",
                                debit.invoice, debit.amount_cents, 0, "prelevement")
            try:
                self._billing.append(entry, now, who, mark=f"debit-reject#{debit.invoice}")
            except AlreadyDone:
                pass
        token = secrets.token_urlsafe(16)
        if self._billing.claim(f"debit-reject-count#{debit.invoice}", token, now + ONCE, now):
            mandate = self._count_reject(debit, settings.direct_debit)
        else:
            mandate = self._mandate_of(debit)
        if self._billing.claim(f"debit-reject-mail#{debit.invoice}", token, now + ONCE, now):
            family = self._accounts.get_family(debit.family)
            if family is not None and family.emails:
                self._tell_reject(family, debit, mandate, settings)
        return mandate

    def _count_reject(self, debit: Debit, dd: DirectDebitSettings) -> Mandate | None:
        for attempt in retry.numbering_attempts():
            current = self._mandate_of(debit)
            if current is None:
                return None
            try:
                return self._mandates.save(after_reject(current, dd, debit))
            except MandateMoved:
                retry.pause(attempt)
        raise retry.NumberingBusy()

    def _tell_reject(self, family: Family, debit: Debit, mandate: Mandate | None,
                     settings: CommuneSettings) -> None:
        try:
            self._mailer.send(templates.debit_rejected(
                family.emails, family.name, debit.invoice, debit.amount_cents,
                debit.collection_date, REJECT_REASONS[debit.reject.code if debit.reject
                                                      else "MS03"],
                suspended=mandate is not None and mandate.status != ACTIVE,
                titres=settings.collection.mode == TITRES, site_url=self._site_url))
        except Exception:  # noqa: BLE001 - the reject stands; the console shows it
            LOG.exception("reject e-mail not sent for %s", debit.invoice)

    # -- reading ----------------------------------------------------------------------------------
    def month_view(self, month: str, settings: CommuneSettings) -> dict[str, Any]:
        """The month's debits and files, for Facturation."""
        debits = sorted(self._debits.of_month(month), key=lambda d: d.invoice)
        families = self._accounts.get_families(sorted({d.family for d in debits})) \
            if debits else {}
        files: dict[str, list[Debit]] = {}
        for d in debits:
            if d.file:
                files.setdefault(d.file, []).append(d)
        names = {}
        if files:
            from chalicelib.domain.sepa_file import debit_file_name  # sepaxml: loaded late
            names = {file_id: debit_file_name(settings.direct_debit, month, f"PRLV-{file_id}")
                     for file_id in files}
        return {"month": month, "mode": settings.collection.mode,
                "enabled": settings.direct_debit.enabled,
                "debits": [(d, families[d.family].name if d.family in families else "")
                           for d in debits],
                "files": [(file_id, names[file_id], files[file_id])
                          for file_id in sorted(files)]}

    def of_family(self, family: str) -> dict[str, Debit]:
        """The family's debits by invoice number (the latest state of each)."""
        return {d.invoice: d for d in self._debits.of_family(family)}

    def check_not_pending(self, family: str, invoice: str) -> None:
        """PaidByDebit when a debit of the invoice is announced or sent (online payment)."""
        debit = self.of_family(family).get(invoice)
        if debit is not None and debit.pending:
            raise PaidByDebit()

    def check_not_sent(self, invoice: Invoice) -> None:
        """DebitSent when the invoice's debit went to the bank (a town-hall payment would
        collect it twice; one before the file makes the debit cancelled instead)."""
        debit = self._debits.get(invoice.month, invoice.number)
        if debit is not None and debit.status == SENT:
            raise DebitSent()
