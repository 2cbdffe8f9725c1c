"""The canteen's menus, published a week at a time."""
from __future__ import annotations

from chalice import Blueprint

from chalicelib.api.routing import STAFF, Call, endpoint

bp = Blueprint(__name__)


@endpoint(bp, "/staff/menus/{week}", ("PUT",), audience=STAFF, roles=("admin", "kitchen"))
def publish_menu(call: Call):
    """Publish a week's menu (week = the date of its Monday)."""
    result = call.services.menus.publish_week(call.params["week"], call.body)
    call.audit("menu.publication", result["week"], None, result)
    return result
