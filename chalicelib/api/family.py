"""What a signed-in family reads and does about itself."""
from __future__ import annotations

from chalice import Blueprint

from chalicelib.api.routing import FAMILY, Call, endpoint
from chalicelib.domain.accounts import Child, Family

bp = Blueprint(__name__)


def child_json(child: Child) -> dict:
    """A child as the API shows it."""
    return {"id": child.id, "first_name": child.first_name, "last_name": child.last_name}


def family_json(family: Family) -> dict:
    """A family as the API shows it to itself."""
    return {"number": family.number, "name": family.name, "emails": list(family.emails),
            "phones": list(family.phones), "address": family.address,
            "children": [child_json(c) for c in family.children]}


@endpoint(bp, "/family", audience=FAMILY)
def get_family(call: Call):
    """The signed-in family: number, name, contact details and children."""
    return family_json(call.services.families.get_family(call.family_number()))
