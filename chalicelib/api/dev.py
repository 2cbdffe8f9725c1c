"""Local stage only: helpers for a person trying the demo. Never registered elsewhere."""
from __future__ import annotations

from chalice import Blueprint

from chalicelib.api.routing import PUBLIC, Call, endpoint
from chalicelib.mail.outbox import read_outbox

bp = Blueprint(__name__)


@endpoint(bp, "/dev/outbox", audience=PUBLIC)
def list_outbox(call: Call):
    """Every e-mail sent through the local SES, newest first."""
    settings = call.services.settings
    return read_outbox(settings.aws_endpoint, settings.region)
