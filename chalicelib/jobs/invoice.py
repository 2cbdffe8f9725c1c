"""The scheduled monthly invoice run."""
from __future__ import annotations

import logging
from typing import Any

from chalicelib import wiring
from chalicelib.settings import PARIS

LOG = logging.getLogger("cantine.jobs")



def previous_month(year: int, month: int) -> str:
    """The month before (year, month), as YYYY-MM."""
    return f"{year - 1}-12" if month == 1 else f"{year:04d}-{month - 1:02d}"


def invoice_month(event: Any, context: Any = None) -> dict[str, Any]:
    """Draft (and, if the commune chose so, confirm) the month that just ended; or run
    the step staff asked for from the console (see services.launcher)."""
    services = wiring.container()
    now = services.clock.now().astimezone(PARIS)
    asked = event.get("month") if isinstance(event, dict) else None
    if asked:
        step = event.get("step")
        who = str(event.get("who") or "staff")
        run = services.invoicing.confirm_month if step == "confirm" else \
            services.invoicing.build_draft
        result = run(asked, "staff", who, services.clock.now)
    else:
        result = services.invoicing.scheduled_run(previous_month(now.year, now.month),
                                                  services.clock.now)
    LOG.info("invoice run %s: %s", result["run"].id, result["run"].summary)
    return {"run": result["run"].id, "invoiced": int(result.get("invoiced", 0))}
