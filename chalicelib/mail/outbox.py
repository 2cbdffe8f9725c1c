"""Local stage only: read back what was sent through moto's SES, newest first."""
from __future__ import annotations

import json
import urllib.request
from typing import Any


def _from_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for message in messages:
        destinations = message.get("destinations") or {}
        out.append({"to": list(destinations.get("ToAddresses") or []),
                    "subject": message.get("subject", ""),
                    "text": message.get("body", "")})
    out.reverse()
    return out


def read_outbox(endpoint: str | None, region: str) -> list[dict[str, Any]]:
    """Messages held by moto: from its server's model dump, or in-process under a mock."""
    if endpoint:
        # moto builds this dump from everything it holds: slow once the local data grows.
        with urllib.request.urlopen(f"{endpoint}/moto-api/data.json", timeout=60) as reply:
            data = json.load(reply)
        return _from_messages(data.get("ses", {}).get("Message", []))
    from moto.core import DEFAULT_ACCOUNT_ID  # only importable where moto is: tests
    from moto.ses import ses_backends
    backend = ses_backends[DEFAULT_ACCOUNT_ID][region]
    return _from_messages([{"destinations": m.destinations, "subject": m.subject,
                            "body": m.body} for m in backend.sent_messages
                           if hasattr(m, "destinations")])
