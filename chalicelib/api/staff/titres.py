"""Titres de recette: the month's bordereaux for the Treasury, their PES files, the
Treasury's acknowledgements, and a rejected bordereau issued again."""
from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.api import shapes
from chalicelib.api.errors import json_response
from chalicelib.api.routing import STAFF, Call, endpoint
from chalicelib.api.staff.roles import ADMIN
from chalicelib.domain.bookings import month_bounds

bp = Blueprint(__name__)


@endpoint(bp, "/staff/billing/{month}/bordereaux", audience=STAFF, roles=ADMIN)
def list_bordereaux(call: Call):
    """The month's bordereaux of titres, newest first, with their state and the
    Treasury's reasons of a rejection."""
    month_bounds(call.params["month"])
    result = call.services.titres.month(call.params["month"])
    return {**result, "bordereaux": [shapes.bordereau(b) for b in result["bordereaux"]]}


@endpoint(bp, "/staff/bordereaux/{bordereau_id}/pes", audience=STAFF, roles=ADMIN)
def get_bordereau_file(call: Call):
    """The bordereau's PES V2 file (ISO-8859-1 XML), as stored, to send to the Treasury
    through the commune's platform (S2LOW, FAST…)."""
    record, data = call.services.titres.file(call.params["bordereau_id"])
    return Response(body=data, status_code=200, headers={
        "Content-Type": "application/xml",
        "Content-Disposition": f'attachment; filename="{record.file_name}"',
        "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


@endpoint(bp, "/staff/bordereaux/acknowledgements", ("POST",), audience=STAFF, roles=ADMIN)
def import_acknowledgement(call: Call):
    """Import the Treasury's acknowledgement (PES Acquit, ``content_base64``): the
    bordereaux it answers become accepted, or rejected with the reasons."""
    records = call.services.titres.acknowledge(call.body, call.now, call.principal.ref)
    shaped = [shapes.bordereau(r) for r in records]
    call.audit("titres.accusé", ", ".join(r["id"] for r in shaped), None,
               [{"id": r["id"], "state": r["state"]} for r in shaped])
    return {"bordereaux": shaped}


@endpoint(bp, "/staff/bordereaux/{bordereau_id}/reissue", ("POST",), audience=STAFF,
          roles=ADMIN)
def reissue_bordereau(call: Call):
    """Issue a rejected bordereau again, from the corrected data (next attempt)."""
    record = shapes.bordereau(call.services.titres.reissue(
        call.params["bordereau_id"], call.now, call.principal.ref))
    call.audit("titres.réémission", call.params["bordereau_id"], None,
               {"id": record["id"], "file_name": record["file_name"]})
    return json_response(record, 201)
