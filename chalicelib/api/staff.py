"""Town-hall staff operations."""
from __future__ import annotations

from chalice import Blueprint

from chalicelib.api.errors import json_response
from chalicelib.api.routing import STAFF, Call, endpoint

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
