"""CSV files for Excel, each export behind its own roles: answered directly (a period of
up to a term), or asked for as a file written in the background (any size)."""
from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.api import shapes
from chalicelib.api.errors import json_response
from chalicelib.api.routing import STAFF, Call, endpoint
from chalicelib.api.staff.roles import ADMIN, ALL_STAFF, CATERING, OFFICE
from chalicelib.domain.calendar import parse_date
from chalicelib.domain.errors import Forbidden, NotFound, ValidationError
from chalicelib.services.exports import EXPORTS
from chalicelib.services.state_reports import REPORTS as STATE_REPORTS

bp = Blueprint(__name__)


EXPORT_ROLES = {"headcounts": ALL_STAFF, "bookings": OFFICE, "attendance": OFFICE,
                "families": ADMIN, "invoices": ADMIN, "ledger": ADMIN,
                # The State's reports: the CAF's activity report and the "cantine à 1 €"
                # claim (income brackets, money) for the admin; the caterer's order for
                # the kitchen too.
                "caf": ADMIN, "meal_aid": ADMIN, "meal_order": CATERING}
FORBIDDEN_EXPORT = "Cet export n'est pas accessible à votre rôle."


@endpoint(bp, "/staff/exports/{name}", audience=STAFF, roles=ALL_STAFF)
def download_export(call: Call):
    """A CSV for Excel: ``headcounts``, ``bookings``, ``attendance``, ``families``, the
    billing ones (``invoices``, ``ledger``) or the State's reports (``caf``, ``meal_aid``,
    ``meal_order``)."""
    name = call.params["name"]
    if not name.endswith(".csv") or name[:-4] not in EXPORT_ROLES:
        raise NotFound()
    name = name[:-4]
    if call.principal.role not in EXPORT_ROLES[name]:
        raise Forbidden(FORBIDDEN_EXPORT)
    if name in ("invoices", "ledger"):
        filename, text = call.services.billing.export(name, call.query, call.now)
    elif name in STATE_REPORTS:
        filename, text = call.services.state_reports.export(name, call.query, call.now)
    else:
        filename, text = call.services.exports.export(name, call.query, call.now)
    return Response(body=text, status_code=200, headers={
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


@endpoint(bp, "/staff/export-jobs", ("POST",), audience=STAFF, roles=ALL_STAFF)
def create_export_job(call: Call):
    """Ask for an export as a file (``{"export", "from", "to"}``, ``Idempotency-Key``):
    202 with the job to poll; the same key again answers the same job."""
    name = call.body.get("export")
    if not isinstance(name, str) or name not in EXPORTS:
        raise ValidationError("Export inconnu (headcounts, bookings, attendance ou "
                              "families).", field="export", code="unknown_export")
    if call.principal.role not in EXPORT_ROLES[name]:
        raise Forbidden(FORBIDDEN_EXPORT)
    # A date the page sends is a date: an empty or malformed one is refused here rather
    # than read as "today" (the query string of a direct download may leave them out).
    query: dict[str, str] = {}
    for k in ("from", "to"):
        if k in call.body:
            query[k] = parse_date(call.body[k], k).isoformat()
    key = call.idempotency_key()
    job, created = call.services.export_jobs.request(name, query, key, call.principal.ref,
                                                     call.now)
    if created:
        call.audit("export", job.id, None, {"export": name, **query})
    else:
        call.audit_entries.append(("export (répété)", job.id, None, None))
    view = call.services.export_jobs.view(job.id, lambda _: True, call.now)
    return json_response(shapes.export_job(view), 202)


@endpoint(bp, "/staff/export-jobs/{job_id}", audience=STAFF, roles=ALL_STAFF)
def get_export_job(call: Call):
    """An export job: its progress, then a link to its file valid 15 minutes. A job of an
    export the caller's role may not read does not exist for them."""
    role = call.principal.role
    view = call.services.export_jobs.view(call.params["job_id"],
                                          lambda export: role in EXPORT_ROLES[export],
                                          call.now)
    return shapes.export_job(view)
