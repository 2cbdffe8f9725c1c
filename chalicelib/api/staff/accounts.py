"""Staff accounts: who works for the town hall, with which role."""
from __future__ import annotations

from chalice import Blueprint

from chalicelib.api import shapes
from chalicelib.api.errors import json_response
from chalicelib.api.routing import STAFF, Call, endpoint
from chalicelib.api.staff.roles import ADMIN

bp = Blueprint(__name__)


@endpoint(bp, "/staff/accounts", audience=STAFF, roles=ADMIN)
def list_accounts(call: Call):
    """Every staff account."""
    return {"accounts": [shapes.staff_member(m) for m in call.services.families.list_staff()]}


@endpoint(bp, "/staff/accounts", ("POST",), audience=STAFF, roles=ADMIN)
def create_account(call: Call):
    """Open a staff account with a role; the password goes by e-mail."""
    member = call.services.families.create_staff(call.body, call.now)
    call.audit("personnel.création", member.email, None, shapes.staff_member(member))
    return json_response(shapes.staff_member(member), 201)


@endpoint(bp, "/staff/accounts/{email}", ("PUT",), audience=STAFF, roles=ADMIN)
def update_account(call: Call):
    """Change a staff member's name or role."""
    before, after = call.services.families.update_staff(call.params["email"], call.body,
                                                        call.principal.ref)
    call.audit("personnel.modification", after.email, shapes.staff_member(before), shapes.staff_member(after))
    return shapes.staff_member(after)


@endpoint(bp, "/staff/accounts/{email}", ("DELETE",), audience=STAFF, roles=ADMIN)
def delete_account(call: Call):
    """Close a staff account."""
    member = call.services.families.delete_staff(call.params["email"], call.principal.ref)
    call.audit("personnel.suppression", member.email, shapes.staff_member(member), None)
    return json_response(None, 204)
