"""Town-hall staff operations."""
from __future__ import annotations

from chalice import Blueprint

from chalicelib.api.errors import json_response
from chalicelib.api.routing import STAFF, Call, endpoint
from chalicelib.domain.commune import settings_to_dict

bp = Blueprint(__name__)

ADMIN = ("admin",)


@endpoint(bp, "/staff/families", ("POST",), audience=STAFF, roles=ADMIN)
def create_family(call: Call):
    """Create a family; it receives its number and a temporary password by e-mail."""
    family = call.services.families.create_family(call.body, call.now)
    return json_response({"number": family.number}, 201)


@endpoint(bp, "/staff/families/{number}/children", ("POST",), audience=STAFF, roles=ADMIN)
def create_child(call: Call):
    """Add a child to a family."""
    child = call.services.families.add_child(call.params["number"], call.body)
    return json_response({"id": child.id}, 201)


@endpoint(bp, "/staff/settings", audience=STAFF, roles=ADMIN)
def get_settings(call: Call):
    """The commune's settings and closures."""
    return settings_to_dict(call.services.commune.get())


@endpoint(bp, "/staff/settings", ("PUT",), audience=STAFF, roles=ADMIN)
def update_settings(call: Call):
    """Edit school days, zone and services; 400 names the field at fault."""
    return settings_to_dict(call.services.commune.update(call.body))


@endpoint(bp, "/staff/closures", ("POST",), audience=STAFF, roles=ADMIN)
def create_closure(call: Call):
    """Close the service over a date range (strike, "pont", school trip)."""
    return json_response(call.services.commune.add_closure(call.body), 201)


@endpoint(bp, "/staff/closures/{closure_id}", ("DELETE",), audience=STAFF, roles=ADMIN)
def delete_closure(call: Call):
    """Remove a closure."""
    call.services.commune.delete_closure(call.params["closure_id"])
    return json_response(None, 204)
