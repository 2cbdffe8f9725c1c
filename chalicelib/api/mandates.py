"""« Prélèvement automatique »: a family signs its SEPA mandate, changes the account it is
debited from, stops it, and downloads it as a PDF."""
from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.api import shapes
from chalicelib.api.errors import json_response
from chalicelib.api.routing import FAMILY, Call, endpoint
from chalicelib.services.mandates import Change

bp = Blueprint(__name__)


def audit_change(call: Call, change: Change) -> None:
    """Note a mandate's change in the audit log (nothing when nothing changed)."""
    if change.event is None:
        return
    call.audit(f"mandat.{change.event}", f"{change.after.family} {change.after.rum}",
               shapes.mandate(change.before) if change.before else None,
               shapes.mandate(change.after))


def pdf_response(reference: str, data: bytes) -> Response:
    """A mandate's PDF, never cached."""
    return Response(body=data, status_code=200, headers={
        "Content-Type": "application/pdf",
        "Content-Disposition": f'inline; filename="mandat-{reference}.pdf"',
        "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


@endpoint(bp, "/family/mandate", audience=FAMILY)
def get_mandate(call: Call):
    """The commune's direct-debit offer (its mandate text) and the family's latest
    mandate, or null; the IBAN masked."""
    latest = call.services.mandates.current(call.family())
    return {"offer": shapes.direct_debit_offer(call.settings.direct_debit),
            "mandate": shapes.mandate(latest) if latest else None}


@endpoint(bp, "/family/mandate", ("POST",), audience=FAMILY)
def sign_mandate(call: Call):
    """Sign the mandate (``holder``, ``iban``, ``bic`` optional, ``accept``: true and the
    ``text_version`` read): 201 for a new mandate; 200 when the standing one moves to
    this account (same reference) or already uses it."""
    change = call.services.mandates.sign(call.family(), call.body, call.now, call.settings)
    audit_change(call, change)
    return json_response(shapes.mandate(change.after), 201 if change.created else 200)


@endpoint(bp, "/family/mandate/revoke", ("POST",), audience=FAMILY)
def revoke_mandate(call: Call):
    """« Arrêter le prélèvement » (``confirm``: true): the mandate is revoked for good."""
    change = call.services.mandates.stop(call.family(), call.body, call.now, call.settings)
    audit_change(call, change)
    return shapes.mandate(change.after)


@endpoint(bp, "/family/mandate/pdf", audience=FAMILY)
def get_mandate_pdf(call: Call):
    """The family's latest mandate as a PDF."""
    reference, data = call.services.mandates.family_pdf(call.family(), call.settings)
    return pdf_response(reference, data)
