"""The nightly purge of the families whose last child left long ago, invoked by
EventBridge."""
from __future__ import annotations

import logging
from typing import Any

from chalicelib import wiring

LOG = logging.getLogger("cantine.jobs")


def purge_families(event: Any) -> dict[str, Any]:
    """Anonymise the families whose last child left more than the commune's retention ago
    and whose account is settled; their accounting records stay. Any number of runs
    anonymise a family once."""
    services = wiring.container()
    result = services.purge.run("schedule", services.clock.now)
    LOG.info("purge run %s anonymised %d family(ies), kept %d for their balance",
             result["run"].id, result["anonymised"], len(result["skipped"]))
    return {"run": result["run"].id, "anonymised": result["anonymised"],
            "skipped": len(result["skipped"]), "more": result["more"]}
