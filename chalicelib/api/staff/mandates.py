"""A family's direct-debit mandates, as the town hall keeps them: read, a paper mandate
entered, suspended, resumed or revoked. Billing data: the admin only."""
from __future__ import annotations

from chalice import Blueprint

from chalicelib.api import shapes
from chalicelib.api.errors import json_response
from chalicelib.api.mandates import audit_change, pdf_response
from chalicelib.api.routing import STAFF, Call, endpoint
from chalicelib.api.staff.roles import ADMIN
from chalicelib.services.mandates import RESUME, REVOKE, SUSPEND

bp = Blueprint(__name__)


@endpoint(bp, "/staff/families/{number}/mandates", audience=STAFF, roles=ADMIN)
def list_mandates(call: Call):
    """The family's mandates, oldest first (the last one is current), IBANs masked; and
    whether the commune offers direct debit."""
    _, mandates = call.services.mandates.of_family(call.params["number"])
    return {"enabled": call.settings.direct_debit.enabled,
            "mandates": [shapes.mandate(m) for m in mandates]}


@endpoint(bp, "/staff/families/{number}/mandates", ("POST",), audience=STAFF, roles=ADMIN)
def enter_paper_mandate(call: Call):
    """Enter a mandate signed on paper (``holder``, ``iban``, ``bic`` optional,
    ``signed_on``)."""
    change = call.services.mandates.enter_paper(call.params["number"], call.body,
                                                call.principal.ref, call.now, call.settings)
    audit_change(call, change)
    return json_response(shapes.mandate(change.after), 201)


def _status(call: Call, event: str):
    change = call.services.mandates.set_status(call.params["number"], call.params["rum"],
                                               event, call.body, call.now, call.settings)
    audit_change(call, change)
    return shapes.mandate(change.after)


@endpoint(bp, "/staff/families/{number}/mandates/{rum}/suspend", ("POST",), audience=STAFF,
          roles=ADMIN)
def suspend_mandate(call: Call):
    """Suspend an active mandate (``reason`` required): no debit while suspended."""
    return _status(call, SUSPEND)


@endpoint(bp, "/staff/families/{number}/mandates/{rum}/resume", ("POST",), audience=STAFF,
          roles=ADMIN)
def resume_mandate(call: Call):
    """Resume a suspended mandate; its count of rejects starts again from 0."""
    return _status(call, RESUME)


@endpoint(bp, "/staff/families/{number}/mandates/{rum}/revoke", ("POST",), audience=STAFF,
          roles=ADMIN)
def revoke_family_mandate(call: Call):
    """Revoke a mandate for good (``reason`` optional)."""
    return _status(call, REVOKE)


@endpoint(bp, "/staff/families/{number}/mandates/{rum}/pdf", audience=STAFF, roles=ADMIN)
def get_family_mandate_pdf(call: Call):
    """One of the family's mandates as a PDF."""
    reference, data = call.services.mandates.staff_pdf(call.params["number"],
                                                       call.params["rum"], call.settings)
    return pdf_response(reference, data)
