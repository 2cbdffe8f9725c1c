"""The commune's settings and closures."""
from __future__ import annotations

from chalice import Blueprint

from chalicelib.api.errors import json_response
from chalicelib.api.routing import STAFF, Call, endpoint
from chalicelib.api.staff.roles import ADMIN
from chalicelib.domain.commune import settings_to_dict

bp = Blueprint(__name__)


@endpoint(bp, "/staff/settings", audience=STAFF, roles=ADMIN)
def get_settings(call: Call):
    """The commune's settings and closures."""
    return settings_to_dict(call.services.commune.get())


@endpoint(bp, "/staff/settings", ("PUT",), audience=STAFF, roles=ADMIN)
def update_settings(call: Call):
    """Edit school days, zone and services; 400 names the field at fault."""
    before, after, released = call.services.closures.update_settings(call.body, call.now)
    # More places (or none counted any more): the waiting lines move up.
    promoted = call.services.waitlist.after_settings(before, after, call.now)
    call.audit("paramètres.modification", "commune", settings_to_dict(before),
               {**settings_to_dict(after), **({"réservations annulées": released["released"]}
                                              if released["released"] else {}),
                **({"places données": promoted} if promoted else {})})
    return {**settings_to_dict(after), "released": released, "promoted": promoted}


@endpoint(bp, "/staff/closures", ("POST",), audience=STAFF, roles=ADMIN)
def create_closure(call: Call):
    """Close the service over a date range (strike, "pont", school trip); the bookings of
    those days are cancelled and each family concerned is told."""
    closure = call.services.closures.add_closure(call.body, call.now)
    call.audit("fermeture.création", closure["id"], None, closure)
    return json_response(closure, 201)


@endpoint(bp, "/staff/closures/{closure_id}", ("DELETE",), audience=STAFF, roles=ADMIN)
def delete_closure(call: Call):
    """Remove a closure."""
    call.services.commune.delete_closure(call.params["closure_id"])
    call.audit("fermeture.suppression", call.params["closure_id"], None, None)
    return json_response(None, 204)
