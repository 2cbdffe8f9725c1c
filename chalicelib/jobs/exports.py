"""The background function: writes the CSV files staff asked for (one SQS message a
job), and hands out the batches of invoices a big month's confirmation queued
(services/deliveries.py)."""
from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterable
from typing import Any

from chalicelib import wiring

LOG = logging.getLogger("cantine.jobs")


def write_exports(bodies: Iterable[str]) -> list[tuple[str, str]]:
    """Do the work of these messages, each read once: an export job (``{"job": id}``), or
    a batch of invoices to hand out (``{"deliver": {month, items}}``); (job id or month,
    outcome) each."""
    services = wiring.container()
    done = []
    for body in bodies:
        work = _work(body)
        if work is None:
            LOG.error("background message ignored: %r", body[:200])
        elif isinstance(work, str):
            done.append((work, services.export_jobs.run(work, services.clock.now)))
        else:
            month, items = work
            result = services.invoicing.deliveries.deliver(month, items, services.clock.now())
            done.append((month, f"delivered {result['delivered']}"))
    return done


def _work(body: str) -> str | tuple[str, list[tuple[str, str, bool]]] | None:
    """What a message asks, read once: an export job's id, a batch of invoices (month,
    items), or None when it cannot be read (delivering it again would change nothing)."""
    try:
        message = json.loads(body)
        if "deliver" in message:
            batch = message["deliver"]
            return str(batch["month"]), [(str(f), str(n), bool(d))
                                         for f, n, d in batch["items"]]
        job_id = message["job"]
    except (ValueError, KeyError, TypeError):
        return None
    return job_id if isinstance(job_id, str) and job_id else None


def write_export(event: Any, context: Any = None) -> dict[str, int]:
    """SQS's event (Chalice's ``SQSEvent``: its records' bodies), as Lambda hands it;
    returns how many jobs ended each way."""
    outcomes = write_exports(record.body for record in event)
    LOG.info("export jobs: %s", outcomes)
    return dict(Counter(outcome for _, outcome in outcomes))
