"""The background function: writes the CSV files staff asked for (one SQS message a
job), hands out the batches of invoices a big month's confirmation queued
(services/deliveries.py), and sends the batches of reminders a big commune's hourly run
queued (services/reminders.py)."""
from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib import wiring

LOG = logging.getLogger("cantine.jobs")


def write_exports(bodies: Iterable[str]) -> list[tuple[str, str]]:
    """Do the work of these messages, each read once: an export job (``{"job": id}``), a
    batch of invoices to hand out (``{"deliver": {month, items}}``), or a batch of
    reminders (``{"remind": {deadline, families, run, started}}``); (job id, month or
    deadline, outcome) each."""
    services = wiring.container()
    done = []
    for body in bodies:
        work = _work(body)
        if work is None:
            LOG.error("background message ignored: %r", body[:200])
        elif isinstance(work, str):
            done.append((work, services.export_jobs.run(work, services.clock.now)))
        elif isinstance(work, Reminders):
            result = services.reminders.remind_batch(
                work.deadline, work.families, work.run, work.started, services.clock.now())
            done.append((work.deadline, f"reminded {result['sent']}"))
        else:
            month, items = work
            result = services.invoicing.deliveries.deliver(month, items, services.clock.now())
            done.append((month, f"delivered {result['delivered']}"))
    return done


@dataclass(frozen=True)
class Reminders:
    """A batch of reminders: the families of one deadline, and the run that queued them."""
    deadline: str
    families: list[str]
    run: str
    started: datetime


def _work(body: str) -> str | Reminders | tuple[str, list[tuple[str, str, bool]]] | None:
    """What a message asks, read once: an export job's id, a batch of reminders, a batch of
    invoices (month, items), or None when it cannot be read (delivering it again would
    change nothing)."""
    try:
        message = json.loads(body)
        if "remind" in message:
            batch = message["remind"]
            return Reminders(str(batch["deadline"]), [str(n) for n in batch["families"]],
                             str(batch["run"]), datetime.fromisoformat(batch["started"]))
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
