"""Paying an invoice online through PayFip (régie web service).

Nothing PayFip's notification or the parent's return says is trusted: both only name an
idOp, and the payment is confirmed with ``recupererDetailPaiementSecurise`` before any
credit. Crediting is once per idOp (a marker in the same transaction as the ledger line),
so replayed or forged notifications credit nothing more.

An invoice has at most one live attempt. "Payer en ligne" asks PayFip for exactly what
remains of the invoice; clicked again while an attempt lives (an idOp lives 15 minutes,
and an "A" answer may still turn into a payment for a few minutes more), it resumes that
attempt, or waits for it, instead of opening a second one. Money PayFip still confirms
for an invoice settled meanwhile by other means is credited all the same, and the part
beyond what the family owed is listed for staff as an overpayment ("trop-perçu").
"""
from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from chalicelib.domain.collection import TITRES
from chalicelib.domain.errors import Conflict, NotFound, ValidationError
from chalicelib.domain.ledger import METHOD_LABELS, LedgerEntry
from chalicelib.domain.money import month_label
from chalicelib.domain.treasury import PaidToTreasury
from chalicelib.payfip.client import (
    NETWORK,
    NOT_PAID_YET,
    UNKNOWN_IDOP,
    PayFipClient,
    PayFipError,
    PaymentRequest,
    make_refdet,
)
from chalicelib.services.billing import BillingService
from chalicelib.services.debits import DebitService
from chalicelib.settings import PARIS
from chalicelib.storage.billing import AlreadyDone, BillingRepository
from chalicelib.storage.payments import Attempt, PaymentAttemptRepository

LOG = logging.getLogger("cantine.payfip")
MINIMUM_CENTS = 100          # PayFip refuses less than 1 €
IDOP_LIFETIME = timedelta(minutes=15)
# PayFip may answer "A" (abandoned) for an attempt that is then paid a couple of minutes
# later: until this long after its creation an attempt is not given up.
SETTLING_TIME = timedelta(minutes=20)
GIVE_UP_AFTER = timedelta(hours=2)  # a still-unknown attempt is abandoned after this
# While one "Payer en ligne" creates the attempt, a second one waits this long for it.
CREATING_LEASE = timedelta(seconds=30)
WAIT_FOR_CREATION = 5.0      # seconds
WAIT_STEP = 0.25

MESSAGES = {
    "paid": "Votre paiement a bien été enregistré. Merci !",
    "failed": "Le paiement n'a pas abouti. Aucune somme n'a été prélevée ; vous pouvez réessayer.",
    "pending": "Votre paiement est en cours de vérification. Il apparaîtra sur votre relevé "
               "dans quelques minutes.",
}


class PaymentInProgress(Conflict):
    code = "payment_in_progress"
    message = ("Un paiement en ligne de cette facture est en cours de vérification auprès de "
               "PayFip. Réessayez dans quelques minutes : il apparaîtra sur votre relevé "
               "s'il a abouti.")


def live_key(invoice: str) -> str:
    """The marker holding an invoice's live attempt."""
    return f"payfip-live#{invoice}"


class PaymentService:
    """Starts PayFip payments and settles them from any of the three signals."""

    def __init__(self, client_factory: Callable[[], PayFipClient], billing: BillingService,
                 ledger: BillingRepository, attempts: PaymentAttemptRepository,
                 site_url: str, sleep: Callable[[float], None] = time.sleep,
                 debits: DebitService | None = None) -> None:
        self._client_factory = client_factory
        self._billing = billing
        self._ledger = ledger
        self._attempts = attempts
        self._site_url = site_url
        self._sleep = sleep
        self._debits = debits

    def start(self, family_number: str, email: str, invoice_id: str,
              now: datetime, lost_race: bool = False) -> dict[str, Any]:
        """Send the parent to pay what remains of an invoice: the live attempt if one
        lives, else a new one for exactly the amount remaining. (``lost_race``: another
        click took the invoice's marker while this one was about to.)"""
        invoice = self._billing.invoice_of(family_number, invoice_id)
        if invoice.collection == TITRES:
            raise PaidToTreasury()  # the Treasury's avis des sommes à payer, not our régie
        if self._debits is not None:
            # Announced or sent to the bank: paying it online too would pay it twice.
            self._debits.check_not_pending(family_number, invoice.number)
        key = live_key(invoice.number)
        waited = 0.0
        while True:
            held = self._ledger.mark(key)
            if held is None or (held.until is not None and held.until <= now):
                break  # no live attempt (a lease is over at its time: storage/leases.py)
            if held.ref.startswith("creating#"):
                # Another click is creating it right now: wait for its idOp.
                if waited >= WAIT_FOR_CREATION:
                    raise PaymentInProgress()
                self._sleep(WAIT_STEP)
                waited += WAIT_STEP
                continue
            attempt = self._attempts.get(held.ref)
            if attempt is None:
                break
            status = self.confirm(attempt.idop, now)
            if status == "pending":
                if now - attempt.created_at < IDOP_LIFETIME:
                    # Resume: PayFip's page still takes this idOp.
                    return {"redirect_url": self._client_factory().payment_url(attempt.idop),
                            "amount_cents": attempt.amount_cents, "resumed": True}
                raise PaymentInProgress()
            if status == "paid":
                break  # settled: what remains decides below
            # Refused or abandoned for good: a new attempt may start.
            return self._create(family_number, email, invoice.number, now, replaces=held.ref,
                                lost_race=lost_race)
        return self._create(family_number, email, invoice.number, now, replaces=None,
                            lost_race=lost_race)

    def _create(self, family_number: str, email: str, invoice_number: str, now: datetime,
                replaces: str | None, lost_race: bool = False) -> dict[str, Any]:
        invoice, state = self._billing.invoice_state(family_number, invoice_number)
        if state.remaining_cents <= 0:
            raise Conflict("Cette facture n'est pas à payer.", code="not_payable")
        amount = state.remaining_cents
        if amount < MINIMUM_CENTS:
            raise Conflict("PayFip n'accepte pas les paiements de moins de 1 € : réglez ce "
                           "reste à la mairie.", code="amount_too_small")
        key = live_key(invoice.number)
        token = f"creating#{secrets.token_hex(8)}"
        if not self._ledger.claim(key, token, now + CREATING_LEASE, now, replaces=replaces):
            if lost_race:
                # Held again after looking once more: never go round in circles.
                raise PaymentInProgress()
            # Another click won the race: resume or wait for its attempt.
            return self.start(family_number, email, invoice.number, now, lost_race=True)
        # A new refdet for every attempt, as PayFip requires.
        sequence = self._ledger.next_value(f"payfip-attempt-{invoice.number}")
        refdet = make_refdet(invoice.number, sequence)
        request = PaymentRequest(
            exer=invoice.number[:4], mel=email, montant_cents=amount,
            objet=f"Cantine facture {invoice.number} {month_label(invoice.month)}",
            refdet=refdet, urlnotif=f"{self._site_url}/api/payfip/notification",
            urlredirect=f"{self._site_url}/factures.html")
        client = self._client_factory()
        try:
            idop = client.create_payment(request)
        except PayFipError as exc:
            self._ledger.release(key, token, now)
            LOG.warning("PayFip refused a payment: %s %s", exc.code, exc)
            raise Conflict("Le service de paiement en ligne est indisponible. Réessayez plus "
                           "tard.", code="payfip_unavailable") from exc
        except Exception:
            self._ledger.release(key, token, now)
            raise
        self._attempts.create(Attempt(idop, family_number, invoice.number, amount, refdet,
                                      "pending", now))
        self._ledger.hand_over(key, token, idop, now + SETTLING_TIME)
        return {"redirect_url": client.payment_url(idop), "amount_cents": amount,
                "resumed": False}

    def confirm(self, idop: str, now: datetime) -> str:
        """Ask PayFip what became of an attempt and settle it; returns its status."""
        attempt = self._attempts.get(idop) if isinstance(idop, str) and idop else None
        if attempt is None:
            raise NotFound()
        if attempt.status != "pending":
            return attempt.status
        try:
            detail = self._client_factory().payment_detail(idop)
        except PayFipError as exc:
            if exc.code in (NOT_PAID_YET, NETWORK):
                if exc.code == NOT_PAID_YET and now - attempt.created_at > GIVE_UP_AFTER:
                    self._settle(attempt, "abandoned", None, now)
                    return "abandoned"
                return "pending"
            if exc.code == UNKNOWN_IDOP:  # PayFip no longer knows it: it was never paid
                self._settle(attempt, "failed", UNKNOWN_IDOP, now)
                return "failed"
            raise
        if detail.paid:
            if detail.montant_cents != attempt.amount_cents:
                LOG.error("PayFip amount mismatch on %s: %s != %s", idop,
                          detail.montant_cents, attempt.amount_cents)
            self._credit(attempt, detail, now)
            self._settle(attempt, "paid", detail.resultrans, now)
            return "paid"
        if detail.failed:
            if detail.resultrans == "A" and now - attempt.created_at < SETTLING_TIME:
                return "pending"  # not final yet: the parent may still be paying
            self._settle(attempt, "failed", detail.resultrans, now)
            return "failed"
        return "pending"

    def _settle(self, attempt: Attempt, status: str, result: str | None,
                now: datetime) -> None:
        self._attempts.settle(attempt.idop, status, result, now)
        # The invoice may be paid online again (or it is paid): free its live marker.
        self._ledger.release(live_key(attempt.invoice), attempt.idop, now)

    def _credit(self, attempt: Attempt, detail, now: datetime) -> None:
        day = detail.dattrans or now.astimezone(PARIS).date()
        reference = f"{METHOD_LABELS['payfip']} {detail.numauto or attempt.idop}"
        mark = f"payfip#{attempt.idop}"
        if self._ledger.mark(mark) is not None:
            return  # credited before: a replay, or the return and the notification racing
        # What the family owes before this credit; anything beyond it is an overpayment
        # (its invoice was settled meanwhile by other means), credited all the same.
        owed = sum(e.debit_cents - e.credit_cents for e in self._ledger.ledger(attempt.family))
        entry = LedgerEntry(attempt.family, day, "payment", reference, attempt.invoice, 0,
                            detail.montant_cents, "payfip")
        try:
            self._ledger.credit_online(entry, now, mark,
                                       max(0, detail.montant_cents - max(0, owed)))
        except AlreadyDone:
            pass  # the other signal credited it a moment ago

    def parent_return(self, family_number: str, idop: Any, now: datetime) -> dict[str, str]:
        """The parent is back from PayFip: confirm, then say what happened."""
        if not isinstance(idop, str) or not idop or len(idop) > 64:
            raise ValidationError("Paiement inconnu.", field="idop")
        attempt = self._attempts.get(idop)
        if attempt is None or attempt.family != family_number:
            raise NotFound()
        status = self.confirm(idop, now)
        key = "failed" if status in ("failed", "abandoned") else status
        return {"status": key, "message": MESSAGES[key], "invoice": attempt.invoice}

    def notification(self, idop: Any, now: datetime) -> None:
        """PayFip's server-to-server notice: confirm it; unknown idOps are ignored."""
        if not isinstance(idop, str) or not idop or len(idop) > 64:
            return
        try:
            self.confirm(idop, now)
        except NotFound:
            LOG.warning("PayFip notification for an unknown idOp")

    def reconcile(self, now: datetime) -> dict[str, int]:
        """Settle the attempts whose notification never came."""
        counts = {"paid": 0, "failed": 0, "pending": 0, "abandoned": 0}
        for attempt in self._attempts.pending():
            if now - attempt.created_at < IDOP_LIFETIME:
                continue  # the parent may still be on PayFip's page
            try:
                counts[self.confirm(attempt.idop, now)] += 1
            except Exception:  # noqa: BLE001 - one bad attempt must not stop the others
                LOG.exception("reconciliation of %s failed", attempt.idop)
        return counts
