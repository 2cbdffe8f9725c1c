"""Paying an invoice online through PayFip (régie web service).

Nothing PayFip's notification or the parent's return says is trusted: both only name an
idOp, and the payment is confirmed with ``recupererDetailPaiementSecurise`` before any
credit. Crediting is once per idOp (a marker in the same transaction as the ledger line),
so replayed or forged notifications credit nothing more.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any, Callable

from chalicelib.domain.errors import Conflict, NotFound, ValidationError
from chalicelib.domain.ledger import METHOD_LABELS
from chalicelib.payfip.client import (PayFipClient, PayFipError, PaymentRequest,
                                      make_refdet)
from chalicelib.documents.invoice_pdf import month_label as month_name
from chalicelib.services.billing import BillingService
from chalicelib.settings import PARIS
from chalicelib.storage.billing import AlreadyDone, BillingRepository, LedgerEntry
from chalicelib.storage.payments import Attempt, PaymentAttemptRepository

LOG = logging.getLogger("cantine.payfip")
MINIMUM_CENTS = 100          # PayFip refuses less than 1 €
IDOP_LIFETIME = timedelta(minutes=15)
GIVE_UP_AFTER = timedelta(hours=2)  # a still-unknown attempt is abandoned after this

MESSAGES = {
    "paid": "Votre paiement a bien été enregistré. Merci !",
    "failed": "Le paiement n'a pas abouti. Aucune somme n'a été prélevée ; vous pouvez réessayer.",
    "pending": "Votre paiement est en cours de vérification. Il apparaîtra sur votre relevé "
               "dans quelques minutes.",
}


class PaymentService:
    """Starts PayFip payments and settles them from any of the three signals."""

    def __init__(self, client_factory: Callable[[], PayFipClient], billing: BillingService,
                 ledger: BillingRepository, attempts: PaymentAttemptRepository,
                 site_url: str) -> None:
        self._client_factory = client_factory
        self._billing = billing
        self._ledger = ledger
        self._attempts = attempts
        self._site_url = site_url

    def start(self, family_number: str, email: str, invoice_id: str,
              now: datetime) -> dict[str, str]:
        """Create the PayFip payment of an unpaid invoice; returns where to send the parent."""
        invoices = {i["id"]: i for i in self._billing.invoices(family_number)}
        invoice = invoices.get(invoice_id)
        if invoice is None:
            raise NotFound()
        if invoice["status"] != "unpaid":
            raise Conflict("Cette facture n'est pas à payer.", code="not_payable")
        amount = invoice["total_cents"]
        if amount < MINIMUM_CENTS:
            raise Conflict("PayFip n'accepte pas les paiements de moins de 1 €.",
                           code="amount_too_small")
        # A new refdet for every attempt, as PayFip requires.
        attempt = self._ledger.next_value(f"payfip-attempt-{invoice['number']}")
        refdet = make_refdet(invoice["number"], attempt)
        request = PaymentRequest(
            exer=invoice["number"][:4], mel=email, montant_cents=amount,
            objet=f"Cantine facture {invoice['number']} {month_name(invoice['month'])}",
            refdet=refdet, urlnotif=f"{self._site_url}/api/payfip/notification",
            urlredirect=f"{self._site_url}/factures.html")
        client = self._client_factory()
        try:
            idop = client.create_payment(request)
        except PayFipError as exc:
            LOG.warning("PayFip refused a payment: %s %s", exc.code, exc)
            raise Conflict("Le service de paiement en ligne est indisponible. Réessayez plus "
                           "tard.", code="payfip_unavailable") from exc
        self._attempts.create(Attempt(idop, family_number, invoice["number"], amount, refdet,
                                      "pending", now))
        return {"redirect_url": client.payment_url(idop)}

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
            if exc.code == "P5" or exc.code == "network":
                if exc.code == "P5" and now - attempt.created_at > GIVE_UP_AFTER:
                    self._attempts.settle(idop, "abandoned", None, now)
                    return "abandoned"
                return "pending"
            if exc.code == "P1":  # PayFip no longer knows it: it was never paid
                self._attempts.settle(idop, "failed", "P1", now)
                return "failed"
            raise
        if detail.paid:
            if detail.montant_cents != attempt.amount_cents:
                LOG.error("PayFip amount mismatch on %s: %s != %s", idop,
                          detail.montant_cents, attempt.amount_cents)
            self._credit(attempt, detail, now)
            self._attempts.settle(idop, "paid", detail.resultrans, now)
            return "paid"
        if detail.failed:
            self._attempts.settle(idop, "failed", detail.resultrans, now)
            return "failed"
        return "pending"

    def _credit(self, attempt: Attempt, detail, now: datetime) -> None:
        day = detail.dattrans or now.astimezone(PARIS).date()
        reference = f"{METHOD_LABELS['payfip']} {detail.numauto or attempt.idop}"
        entry = LedgerEntry(attempt.family, day, "payment", reference, attempt.invoice, 0,
                            detail.montant_cents, "payfip")
        try:
            self._ledger.append(entry, now, "payfip", mark=f"payfip#{attempt.idop}")
        except AlreadyDone:
            pass  # credited before: a replay, or the return and the notification racing

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
