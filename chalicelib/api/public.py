"""Endpoints anyone may call."""
from __future__ import annotations

from chalice import Blueprint

from chalicelib.api.routing import PUBLIC, Call, endpoint

bp = Blueprint(__name__)


@endpoint(bp, "/health", audience=PUBLIC)
def get_health(call: Call):
    """Liveness: the function starts and its settings load."""
    return {"status": "ok", "stage": call.services.settings.stage}


@endpoint(bp, "/payfip/notification", ("POST",), audience=PUBLIC, form=True)
def receive_payfip_notification(call: Call):
    """PayFip's notice that an idOp changed: checked with PayFip before any credit."""
    idop = call.body.get("idop") or call.body.get("idOp")
    call.services.payments.notification(idop, call.now)
    return {"received": True}
