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


def job_ids(bodies: Iterable[str]) -> list[str]:
    """The job ids of the messages' bodies (``{"job": id}``); an unreadable one is
    logged and dropped: delivering it again would change nothing."""
    ids = []
    for body in bodies:
        try:
            message = json.loads(body)
            if isinstance(message, dict) and "deliver" in message:
                continue  # a batch of invoices: deliveries(bodies)
            job_id = message["job"]
        except (ValueError, KeyError, TypeError):
            LOG.error("export message ignored: %r", body[:200])
            continue
        if isinstance(job_id, str) and job_id:
            ids.append(job_id)
    return ids


def deliveries(bodies: Iterable[str]) -> list[tuple[str, list[tuple[str, str, bool]]]]:
    """The batches of invoices of these messages' bodies: (month, items) each."""
    found = []
    for body in bodies:
        try:
            message = json.loads(body)
            batch = message["deliver"] if isinstance(message, dict) else None
            if batch is None:
                continue
            items = [(str(f), str(n), bool(d)) for f, n, d in batch["items"]]
            found.append((str(batch["month"]), items))
        except (ValueError, KeyError, TypeError):
            LOG.error("delivery message ignored: %r", body[:200])
    return found


def write_exports(bodies: Iterable[str]) -> list[tuple[str, str]]:
    """Do the work of these messages: (job id or month, outcome) each."""
    services = wiring.container()
    bodies = list(bodies)
    done = [(job_id, services.export_jobs.run(job_id, services.clock.now))
            for job_id in job_ids(bodies)]
    for month, items in deliveries(bodies):
        result = services.invoicing.deliveries.deliver(month, items, services.clock.now())
        done.append((month, f"delivered {result['delivered']}"))
    return done


def write_export(event: Any, context: Any = None) -> dict[str, int]:
    """SQS's event (Chalice's ``SQSEvent``: its records' bodies), as Lambda hands it;
    returns how many jobs ended each way."""
    outcomes = write_exports(record.body for record in event)
    LOG.info("export jobs: %s", outcomes)
    return dict(Counter(outcome for _, outcome in outcomes))
