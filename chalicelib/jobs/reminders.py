"""The scheduled reminders before a booking deadline, invoked by EventBridge."""
from __future__ import annotations

import logging
from typing import Any

from chalicelib import wiring

LOG = logging.getLogger("cantine.jobs")


def remind_families(event: Any) -> dict[str, Any]:
    """E-mail the families with (almost) nothing booked before a near deadline; at most one
    e-mail per family and deadline, however many runs."""
    services = wiring.container()
    result = services.reminders.run("schedule", services.clock.now)
    LOG.info("reminder run %s sent %d e-mail(s), queued %d", result["run"].id,
             result["sent"], result.get("queued", 0))
    return {"run": result["run"].id, "sent": result["sent"],
            "already_sent": result["already_sent"], "deadlines": result["deadlines"],
            "queued": result.get("queued", 0), "batches": result.get("batches", 0)}
