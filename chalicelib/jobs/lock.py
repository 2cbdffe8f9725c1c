"""The scheduled weekly lock, invoked by EventBridge like Lambda does."""
from __future__ import annotations

import logging
from typing import Any

from chalicelib import wiring

LOG = logging.getLogger("cantine.jobs")

# Every 15 minutes, in UTC: whatever the commune's Europe/Paris deadline (17:00 is 16:00
# UTC in winter, 15:00 UTC in summer) the lock follows it within a quarter of an hour.
SCHEDULE = ("0/15", "*", "*", "*", "?", "*")


def lock_bookings(event: Any) -> dict[str, Any]:
    """Freeze every (day, service) past its deadline; safe to run any number of times."""
    services = wiring.container()
    result = services.lock.run("schedule", services.clock.now)
    LOG.info("lock run %s froze %d slot(s)", result["run"].id, len(result["frozen"]))
    return {"run": result["run"].id, "frozen": len(result["frozen"])}
