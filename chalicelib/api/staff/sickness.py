"""Sick days reported by families; medical certificates accepted or refused by the admin."""
from __future__ import annotations

from chalice import Blueprint

from chalicelib.api import shapes
from chalicelib.api.routing import STAFF, Call, endpoint
from chalicelib.api.sickness import file_response
from chalicelib.api.staff.roles import ADMIN, OFFICE

bp = Blueprint(__name__)


@endpoint(bp, "/staff/sick-days", audience=STAFF, roles=OFFICE)
def list_sick_reports(call: Call):
    """Sick days over a period (``from``, ``to``; ``pending=1``: certificates waiting)."""
    listed = call.services.sickness.staff_list(call.query, call.now)
    return {"from": listed["from"], "to": listed["to"],
            "reports": [shapes.sick_report(r, f) for r, f in listed["reports"]]}


@endpoint(bp, "/staff/sick-days/{child_id}/{date}/certificate", audience=STAFF, roles=ADMIN)
def get_sick_certificate(call: Call):
    """A certificate's file, to read before deciding."""
    cert, data = call.services.sickness.staff_certificate(call.params["child_id"],
                                                          call.params["date"])
    return file_response(cert.content_type, data, f"certificat-{call.params['date']}")


@endpoint(bp, "/staff/sick-days/{child_id}/{date}/certificate/decision", ("POST",),
          audience=STAFF, roles=ADMIN)
def decide_certificate(call: Call):
    """Accept (the sick days become free under the certificate rule; days already
    invoiced are credited to the family once, « refunds ») or refuse it."""
    before, after, refunds = call.services.sickness.decide(call.params["child_id"],
                                                  call.params["date"], call.body,
                                                  call.principal.ref, call.now)
    call.audit("maladie.certificat.décision", f"{after.child_id} {after.day.isoformat()}",
               shapes.certificate(before.certificate), shapes.certificate(after.certificate))
    for refund in refunds:
        call.audit("maladie.certificat.remboursement", f"{after.family} {refund['invoice']}",
                   None, refund)
    return {**shapes.sick_report(after), "refunds": refunds}
