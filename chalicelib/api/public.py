"""Endpoints anyone may call."""
from __future__ import annotations

import time

from chalice import Blueprint

from chalicelib.api.routing import PUBLIC, Call, endpoint
from chalicelib.domain.legal import accessibility_to_dict, privacy_to_dict

bp = Blueprint(__name__)

# The commune's name changes once in a blue moon: a container reads it at most once in
# COMMUNE_CACHE_SECONDS, so sign-in pages cost (nearly) no DynamoDB request.
COMMUNE_CACHE_SECONDS = 300
_commune_cache: dict[str, tuple[float, str, str]] = {}


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


@endpoint(bp, "/commune", audience=PUBLIC)
def get_commune(call: Call):
    """The commune's name, for the header of every page (sign-in pages included), and its
    accessibility state, for the footer's « Accessibilité : … » (decree 2019-768)."""
    cached = _commune_cache.get("name")
    if cached is None or time.monotonic() - cached[0] > COMMUNE_CACHE_SECONDS:
        settings = call.services.commune.get()
        cached = (time.monotonic(), settings.name, settings.accessibility.status)
        _commune_cache["name"] = cached
    return {"name": cached[1], "accessibility": cached[2]}


@endpoint(bp, "/commune/legal", audience=PUBLIC)
def get_legal_notices(call: Call):
    """What the public pages « Déclaration d'accessibilité », « Schéma pluriannuel » and
    « Données personnelles » are written from: read by anyone, no sign-in."""
    settings = call.services.commune.get()
    return {"name": settings.name,
            "accessibility": accessibility_to_dict(settings.accessibility),
            "privacy": privacy_to_dict(settings.privacy)}
