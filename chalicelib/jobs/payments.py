"""The scheduled PayFip reconciliation: settles attempts whose notification never came."""
from __future__ import annotations

import logging
from typing import Any

from chalicelib import wiring

LOG = logging.getLogger("cantine.jobs")



def reconcile_payments(event: Any) -> dict[str, int]:
    """Ask PayFip about every pending attempt older than an idOp's lifetime."""
    services = wiring.container()
    counts = services.payments.reconcile(services.clock.now())
    LOG.info("payment reconciliation: %s", counts)
    return counts
