"""Endpoints anyone may call."""
from __future__ import annotations

from chalice import Blueprint

from chalicelib.api.routing import PUBLIC, Call, endpoint

bp = Blueprint(__name__)


@endpoint(bp, "/health", audience=PUBLIC)
def get_health(call: Call):
    """Liveness: the function starts and its settings load."""
    return {"status": "ok", "stage": call.services.settings.stage}
