"""The scheduled weekly lock, invoked by EventBridge like Lambda does."""
from __future__ import annotations

import logging
from typing import Any

from chalicelib import wiring

LOG = logging.getLogger("cantine.jobs")



def lock_bookings(event: Any) -> dict[str, Any]:
    """Freeze every (day, service) past its deadline; safe to run any number of times."""
    services = wiring.container()
    result = services.lock.run("schedule", services.clock.now)
    LOG.info("lock run %s froze %d slot(s)", result["run"].id, len(result["frozen"]))
    return {"run": result["run"].id, "frozen": len(result["frozen"])}
