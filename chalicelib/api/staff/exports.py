"""CSV files for Excel, each export behind its own roles."""
from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.api.routing import STAFF, Call, endpoint
from chalicelib.api.staff.roles import ADMIN, ALL_STAFF, OFFICE
from chalicelib.domain.errors import Forbidden, NotFound

bp = Blueprint(__name__)


EXPORT_ROLES = {"headcounts": ALL_STAFF, "bookings": OFFICE, "attendance": OFFICE,
                "families": ADMIN, "invoices": ADMIN, "ledger": ADMIN}


@endpoint(bp, "/staff/exports/{name}", audience=STAFF, roles=ALL_STAFF)
def download_export(call: Call):
    """A CSV for Excel: ``headcounts``, ``bookings``, ``attendance`` or ``families``."""
    name = call.params["name"]
    if not name.endswith(".csv") or name[:-4] not in EXPORT_ROLES:
        raise NotFound()
    name = name[:-4]
    if call.principal.role not in EXPORT_ROLES[name]:
        raise Forbidden("Cet export n'est pas accessible à votre rôle.")
    if name in ("invoices", "ledger"):
        filename, text = call.services.billing.export(name, call.query, call.now)
    else:
        filename, text = call.services.exports.export(name, call.query, call.now)
    return Response(body=text, status_code=200, headers={
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})
