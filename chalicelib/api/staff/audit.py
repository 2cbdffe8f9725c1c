"""The audit trail: who changed what and when."""
from __future__ import annotations

from chalice import Blueprint

from chalicelib.api.routing import STAFF, Call, endpoint
from chalicelib.api.staff.roles import ADMIN

bp = Blueprint(__name__)


@endpoint(bp, "/staff/audit", audience=STAFF, roles=ADMIN)
def list_audit(call: Call):
    """Who changed what and when, newest first."""
    return {"entries": call.services.audit.list(call.query, call.now)}
