"""Each confirmed invoice handed to its family: its e-mail sent, its PDF drawn and kept.

Confirming a month issues the invoices one after another (their numbers must follow
without a gap), then hands them out here. A village's month (up to ``INLINE_UP_TO``
invoices) is handed out in the confirmation itself, one e-mail per invoice as it always
was, the PDF drawn at its first download (services/billing.py keeps it). Beyond, each
batch of ``BATCH`` invoices goes to the background queue as one message, and the
background function (app.py, ``on_sqs_message``) hands the batches out side by side,
drawing and keeping each PDF as it goes: a PDF and an e-mail take some 150 ms a family,
two hours for 50,000 families one after another, minutes in parallel batches; and the
confirmation's own requests stay one transaction a family.

In the background, each invoice is handed out once whatever the number of deliveries of
a message or of confirmations: a marker (``delivered#<number>``, one conditional write)
is taken before its e-mail goes, and given back if the e-mail could not go. The month's
header counts what the batches handed out, for the console.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from chalicelib.domain.accounts import Family
from chalicelib.domain.invoicing import Invoice
from chalicelib.domain.money import month_label
from chalicelib.mail import templates
from chalicelib.mail.sender import Mailer
from chalicelib.services.commune import CommuneService
from chalicelib.services.launcher import batches
from chalicelib.storage.accounts import AccountRepository
from chalicelib.storage.billing import BillingRepository
from chalicelib.storage.drafts import DraftRepository
from chalicelib.storage.leases import FOREVER

LOG = logging.getLogger("cantine.deliveries")

BATCH = 100         # invoices a message carries
INLINE_UP_TO = 500  # a month this size or smaller is handed out in the confirmation itself

# One invoice to hand out: (family number, invoice number, paid by direct debit).
Item = tuple[str, str, bool]


def mark_of(invoice_number: str) -> str:
    return f"delivered#{invoice_number}"


class DeliveryService:
    """Hands the invoices of a confirmed month to their families."""

    def __init__(self, commune: CommuneService, accounts: AccountRepository,
                 billing: BillingRepository, drafts: DraftRepository, mailer: Mailer,
                 site_url: str, draw_pdf: Callable[..., bytes],
                 debits_of: Callable[[str], dict[str, Any]],
                 send: Callable[[dict[str, Any]], None] | None = None) -> None:
        self._commune = commune
        self._accounts = accounts
        self._billing = billing
        self._drafts = drafts
        self._mailer = mailer
        self._site_url = site_url
        self._draw_pdf = draw_pdf        # BillingService.invoice_pdf: drawn once, kept
        self._debits_of = debits_of      # a family's debits by invoice
        self._send = send                # one message to the background queue

    def hand_out(self, month: str, fresh: list[tuple[Family, Invoice, bool]],
                 earlier: list[Item], now: datetime) -> dict[str, Any]:
        """Hand out a confirmed month's invoices: ``fresh`` ones issued by this
        confirmation, ``earlier`` ones a confirmation that stopped halfway issued. A
        village's month at once (the fresh ones: the earlier ones had their e-mail), a
        bigger one as messages to the background queue (all: each is handed out once).
        What the confirmation's summary says of it."""
        everything = earlier + [(f.number, i.number, d) for f, i, d in fresh]
        if len(everything) <= INLINE_UP_TO or self._send is None:
            sent = sum(self._mail(family, invoice, by_debit)
                       for family, invoice, by_debit in fresh)
            return {"to_deliver": len(fresh), "delivered_now": sent}
        parts = batches(everything, BATCH)
        for part in parts:
            self._send({"deliver": {"month": month, "items": [list(i) for i in part]}})
        LOG.info("%s: %d invoices handed to the background in %d batches", month,
                 len(everything), len(parts))
        return {"to_deliver": len(everything), "delivery_batches": len(parts)}

    def _mail(self, family: Family, invoice: Invoice | None, by_debit: bool) -> bool:
        """The invoice's e-mail; whether it went (a family without address: nothing)."""
        if invoice is None or not family.emails:
            return False
        try:
            self._mailer.send(templates.invoice_ready(
                family.emails, family.name, invoice.number, month_label(invoice.month),
                invoice.total_cents, self._site_url, invoice.collection, by_debit))
        except Exception:  # noqa: BLE001 - the invoice stands; the family still sees it
            LOG.exception("invoice e-mail not sent for %s", invoice.number)
            return False
        return True

    def deliver(self, month: str, items: list[Item], now: datetime) -> dict[str, int]:
        """One batch, in the background: each invoice not handed out yet gets its PDF
        drawn and kept, and its e-mail."""
        settings = self._commune.get()
        families = self._accounts.get_families(sorted({family for family, _, _ in items}))
        delivered = skipped = 0
        for family_number, number, by_debit in items:
            family = families.get(family_number)
            if family is None or not self._billing.claim(mark_of(number), "sent",
                                                         FOREVER, now):
                skipped += 1  # handed out already, or by a batch running right now
                continue
            debit = (self._debits_of(family_number).get(number)
                     if settings.direct_debit.enabled else None)
            self._draw_pdf(family, number, settings, debit)
            invoice = self._billing.invoice(family_number, number)
            if family.emails and not self._mail(family, invoice, by_debit):
                # Not sent: give the marker back, for the message's next delivery.
                self._billing.release(mark_of(number), "sent", now)
                raise RuntimeError(f"invoice e-mail not sent for {number}")
            delivered += 1
        self._drafts.count_delivered(month, delivered)
        return {"delivered": delivered, "skipped": skipped}
