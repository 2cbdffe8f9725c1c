"""Money: tariffs, the month's invoice run, invoices, statements, payments at the
counter, credit notes and overpayments."""
from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.api import shapes
from chalicelib.api.errors import json_response
from chalicelib.api.routing import STAFF, Call, endpoint
from chalicelib.api.staff.roles import ADMIN

bp = Blueprint(__name__)


@endpoint(bp, "/staff/tariffs", audience=STAFF, roles=ADMIN)
def list_tariffs(call: Call):
    """Every dated tariff."""
    return {"tariffs": call.services.billing.tariffs()}


@endpoint(bp, "/staff/tariffs", ("POST",), audience=STAFF, roles=ADMIN)
def create_tariff(call: Call):
    """A new price for a service from a date (never backwards)."""
    tariff = call.services.billing.add_tariff(call.body, call.now)
    call.audit("tarif.création", f"{tariff['service']} {tariff['effective_from']}", None, tariff)
    return json_response(tariff, 201)


def _billing_step(call: Call, step: str):
    month = call.params["month"]
    invoicing = call.services.invoicing
    invoicing.check_month(month, call.now)
    action = "facturation.pré-facturation" if step == "draft" else "facturation.validation"
    if call.services.launcher.in_background:
        call.services.launcher.start_billing_step(month, step, call.principal.ref)
        call.audit(action, month, None, {"started": True})
        return json_response({"started": True, "month": month,
                              "message": "Le traitement est lancé ; suivez-le dans la liste "
                                         "des exécutions."}, 202)
    run = invoicing.build_draft if step == "draft" else invoicing.confirm_month
    result = run(month, "staff", call.principal.ref, call.services.clock.now)
    call.audit(action, month, None, {k: result[k] for k in ("invoiced", "to_issue",
                                                            "total_cents") if k in result})
    return shapes.with_run(result)


@endpoint(bp, "/staff/billing/{month}", audience=STAFF, roles=ADMIN)
def get_billing_month(call: Call):
    """The month's draft invoices ("pré-facturation"): per family, lines, total and the
    anomalies worth a look, with the month's status (draft, confirmed)."""
    return call.services.invoicing.month_view(call.params["month"], call.now)


@endpoint(bp, "/staff/billing/{month}/draft", ("POST",), audience=STAFF, roles=ADMIN)
def build_billing_draft(call: Call):
    """Compute (or compute again) the month's draft; no invoice is issued."""
    return _billing_step(call, "draft")


@endpoint(bp, "/staff/billing/{month}/confirm", ("POST",), audience=STAFF, roles=ADMIN)
def confirm_billing_month(call: Call):
    """Confirm the draft: invoices are numbered, entered in the ledger and e-mailed."""
    return _billing_step(call, "confirm")


@endpoint(bp, "/staff/invoices", audience=STAFF, roles=ADMIN)
def list_month_invoices(call: Call):
    """Every invoice of a month, with its family, state and what remains to pay;
    ``state=unpaid`` keeps those not fully paid."""
    return {"invoices": [shapes.month_invoice(row) for row in call.services.billing
                         .month_invoices(call.query.get("month", ""), call.query.get("state"))]}


@endpoint(bp, "/staff/families/{number}/statement", audience=STAFF, roles=ADMIN)
def get_family_statement(call: Call):
    """A family's account, as the family sees it."""
    call.services.families.get_family(call.params["number"])
    return call.services.billing.statement(call.params["number"], call.query.get("limit"),
                                           call.now.date())


@endpoint(bp, "/staff/families/{number}/invoices", audience=STAFF, roles=ADMIN)
def list_family_invoices(call: Call):
    """A family's invoices with their status."""
    call.services.families.get_family(call.params["number"])
    return {"invoices": [shapes.invoice(invoice, state) for invoice, state
                         in call.services.billing.invoices(call.params["number"])]}


@endpoint(bp, "/staff/families/{number}/invoices/{invoice_id}/pdf", audience=STAFF,
          roles=ADMIN)
def get_family_invoice_pdf(call: Call):
    """Any family's invoice as a PDF, for the town hall."""
    family = call.services.families.get_family(call.params["number"])
    debit = call.services.debits.of_family(family.number).get(call.params["invoice_id"]) \
        if call.settings.direct_debit.enabled else None
    pdf = call.services.billing.invoice_pdf(family, call.params["invoice_id"],
                                            call.settings, debit)
    return Response(body=pdf, status_code=200, headers={
        "Content-Type": "application/pdf",
        "Content-Disposition": f'inline; filename="facture-{call.params["invoice_id"]}.pdf"',
        "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


@endpoint(bp, "/staff/families/{number}/payments", ("POST",), audience=STAFF, roles=ADMIN)
def record_payment(call: Call):
    """Record a payment received at the town hall (cheque, cash, CESU, transfer, debit),
    once per ``Idempotency-Key``: a repeat answers the first result."""
    key = call.idempotency_key()
    payment, recorded = call.services.billing.record_payment(
        call.params["number"], call.body, key, call.now, call.principal.ref)
    if recorded:
        call.audit("paiement", call.params["number"], None, payment)
    return json_response(payment, 201)


@endpoint(bp, "/staff/families/{number}/invoices/{invoice_id}/credit-note", ("POST",),
          audience=STAFF, roles=ADMIN)
def create_credit_note(call: Call):
    """Cancel an invoice with a credit note ("avoir")."""
    note = call.services.billing.credit_note(call.params["number"], call.params["invoice_id"],
                                             call.body, call.now, call.principal.ref)
    call.audit("avoir", note["invoice"], None, note)
    return json_response(note, 201)


@endpoint(bp, "/staff/overpayments", audience=STAFF, roles=ADMIN)
def list_overpayments(call: Call):
    """Money received beyond what the family owed ("trop-perçus"), to refund or keep."""
    return {"overpayments": [{**shapes.overpayment(o), "family_name": name}
                             for o, name in call.services.billing.overpayments()]}


@endpoint(bp, "/staff/overpayments/{overpayment_id}", ("POST",), audience=STAFF, roles=ADMIN)
def settle_overpayment(call: Call):
    """Refund an overpayment (``{"action": "refund", "method"}``) or keep it on the
    family's account (``{"action": "keep"}``)."""
    settled = shapes.overpayment(call.services.billing.settle_overpayment(
        call.params["overpayment_id"], call.body, call.now, call.principal.ref))
    call.audit("trop-perçu", settled["id"], {"status": "open"}, settled)
    return settled
