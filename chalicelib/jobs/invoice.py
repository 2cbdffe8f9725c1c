"""The scheduled monthly invoice run."""
from __future__ import annotations

import logging
from typing import Any

from chalicelib import wiring
from chalicelib.settings import PARIS

LOG = logging.getLogger("cantine.jobs")

# 04:00 UTC (05:00 or 06:00 in Paris) on the 1st to the 5th: the run is idempotent, so
# the later days only finish what an earlier run could not (a crash, a throttled table).
SCHEDULE = ("0", "4", "1-5", "*", "?", "*")


def previous_month(year: int, month: int) -> str:
    """The month before (year, month), as YYYY-MM."""
    return f"{year - 1}-12" if month == 1 else f"{year:04d}-{month - 1:02d}"


def invoice_month(event: Any, context: Any = None) -> dict[str, Any]:
    """Invoice the month that just ended, or the month staff asked for."""
    services = wiring.container()
    now = services.clock.now().astimezone(PARIS)
    asked = event.get("month") if isinstance(event, dict) else None
    if asked:  # started from the console, run in the background (see services.launcher)
        result = services.billing.run_month(asked, "staff", services.clock.now)
    else:
        result = services.billing.run_month(previous_month(now.year, now.month), "schedule",
                                            services.clock.now)
    LOG.info("invoice run %s: %d invoice(s)", result["run"]["id"], result["invoiced"])
    return {"run": result["run"]["id"], "invoiced": result["invoiced"]}
