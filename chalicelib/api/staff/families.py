"""Families and their children, as the town hall keeps them."""
from __future__ import annotations

from chalice import Blueprint

from chalicelib.api import shapes
from chalicelib.api.errors import json_response
from chalicelib.api.routing import STAFF, Call, endpoint
from chalicelib.api.staff.roles import ADMIN, INCOME_ROLES, OFFICE
from chalicelib.domain.accounts import Family
from chalicelib.domain.retention import purge_on

bp = Blueprint(__name__)


def _details(call: Call, family: Family):
    """The family as staff see it, and for one that left, from when the nightly purge may
    anonymise it (the commune's retention, read only then)."""
    purge = (purge_on(family.left_on, call.settings.privacy.retention_months)
             if family.left_on is not None and not family.anonymised else None)
    return shapes.family_details(family, with_income=call.principal.role in INCOME_ROLES,
                                 purge_on=purge)


@endpoint(bp, "/staff/families", audience=STAFF, roles=OFFICE)
def list_families(call: Call):
    """Search families by number, e-mail or the start of the name; paged."""
    families, cursor = call.services.families.search(call.query)
    return {"families": [shapes.family_summary(f) for f in families], "next": cursor}


@endpoint(bp, "/staff/families", ("POST",), audience=STAFF, roles=ADMIN)
def create_family(call: Call):
    """Create a family; it receives its number and a temporary password by e-mail."""
    family = call.services.families.create_family(call.body, call.now)
    call.audit("famille.création", family.number, None, shapes.family_details(family))
    return json_response({"number": family.number}, 201)


@endpoint(bp, "/staff/families/{number}", audience=STAFF, roles=OFFICE)
def get_family(call: Call):
    """A family with its children's details (its income bracket for the admin only)."""
    return _details(call, call.services.families.get_family(call.params["number"]))


@endpoint(bp, "/staff/families/{number}", ("PUT",), audience=STAFF, roles=ADMIN)
def update_family(call: Call):
    """Edit a family's names, e-mails, phones, address and income bracket."""
    before, after = call.services.families.update_family(call.params["number"], call.body)
    call.audit("famille.modification", after.number, shapes.family_details(before),
               shapes.family_details(after))
    return _details(call, after)


def _archive(call: Call, archived: bool):
    before, after = call.services.families.set_archived(call.params["number"], archived,
                                                        call.now)
    call.audit("famille.archivage" if archived else "famille.réactivation", after.number,
               {"archived": before.archived}, {"archived": after.archived})
    return _details(call, after)


@endpoint(bp, "/staff/families/{number}/archive", ("POST",), audience=STAFF, roles=ADMIN)
def archive_family(call: Call):
    """Archive a family: it can no longer sign in and leaves the lists."""
    return _archive(call, True)


@endpoint(bp, "/staff/families/{number}/unarchive", ("POST",), audience=STAFF, roles=ADMIN)
def unarchive_family(call: Call):
    """Bring an archived family back."""
    return _archive(call, False)


@endpoint(bp, "/staff/families/{number}/credentials", ("POST",), audience=STAFF, roles=ADMIN)
def resend_credentials(call: Call):
    """E-mail the family its number and a link to choose a password; the current one
    keeps working until the link is used."""
    sent_to = call.services.families.resend_credentials(call.params["number"], call.now)
    call.audit("famille.identifiants", call.params["number"], None, {"envoyés": True})
    return json_response({"message": "Identifiants renvoyés à " + ", ".join(sent_to)
                          + " : un lien pour choisir un mot de passe, valable 7 jours. Le "
                          "mot de passe actuel de la famille reste valable.",
                          "sent_to": list(sent_to)}, 202)


@endpoint(bp, "/staff/families/{number}/children", ("POST",), audience=STAFF, roles=ADMIN)
def create_child(call: Call):
    """Add a child to a family."""
    child = call.services.families.add_child(call.params["number"], call.body)
    call.audit("enfant.création", child.id, None, shapes.child_details(child))
    return json_response({"id": child.id}, 201)


@endpoint(bp, "/staff/families/{number}/children/{child_id}", ("PUT",), audience=STAFF,
          roles=ADMIN)
def update_child(call: Call):
    """Edit a child's school, class, meal type, allergies and pick-up people."""
    before, after = call.services.families.update_child(
        call.params["number"], call.params["child_id"], call.body, call.now)
    call.audit("enfant.modification", after.id, shapes.child_details(before),
               shapes.child_details(after))
    return shapes.child_details(after)


@endpoint(bp, "/staff/families/{number}/children/{child_id}/archive", ("POST",),
          audience=STAFF, roles=ADMIN)
def archive_child(call: Call):
    """Archive a child who left the school."""
    before, after = call.services.families.update_child(
        call.params["number"], call.params["child_id"], {}, call.now, archived=True)
    call.audit("enfant.archivage", after.id, {"archived": False}, {"archived": True})
    return shapes.child_details(after)
