"""Titres mode: the payments the Treasury collected, entered in the families' accounts."""
from __future__ import annotations

from chalice import Blueprint

from chalicelib.api.errors import json_response
from chalicelib.api.routing import STAFF, Call, endpoint
from chalicelib.api.staff.roles import ADMIN

bp = Blueprint(__name__)


@endpoint(bp, "/staff/families/{number}/treasury-payments", ("POST",), audience=STAFF,
          roles=ADMIN)
def record_treasury_payment(call: Call):
    """One payment the Treasury reports for one of the family's titres (``invoice``,
    ``amount_cents``, ``date``, optional ``reference``): a « Trésor public » credit, once."""
    payment = call.services.treasury.record(call.params["number"], call.body, call.now,
                                            call.principal.ref)
    call.audit("paiement.trésor", call.params["number"], None, payment)
    return json_response(payment, 201)


@endpoint(bp, "/staff/treasury-payments/import", ("POST",), audience=STAFF, roles=ADMIN)
def import_treasury_payments(call: Call):
    """A CSV of the Treasury's payments (``{"csv": "titre;montant;date…"}``): each row
    recorded or refused with its reason; a row recorded before is not recorded again."""
    report = call.services.treasury.import_csv(call.body, call.now, call.principal.ref)
    if report["summary"]["recorded"]:
        call.audit("paiement.trésor.import", f"{report['summary']['recorded']} paiement(s)",
                   None, report["summary"])
    return report
