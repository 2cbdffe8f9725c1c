"""The export function: writes the CSV files staff asked for, one SQS message a job."""
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
            job_id = json.loads(body)["job"]
        except (ValueError, KeyError, TypeError):
            LOG.error("export message ignored: %r", body[:200])
            continue
        if isinstance(job_id, str) and job_id:
            ids.append(job_id)
    return ids


def write_exports(bodies: Iterable[str]) -> list[tuple[str, str]]:
    """Write the files of these messages' jobs: (job id, done, failed or skipped) each."""
    services = wiring.container()
    return [(job_id, services.export_jobs.run(job_id, services.clock.now))
            for job_id in job_ids(bodies)]


def write_export(event: Any, context: Any = None) -> dict[str, int]:
    """SQS's event (Chalice's ``SQSEvent``: its records' bodies), as Lambda hands it;
    returns how many jobs ended each way."""
    outcomes = write_exports(record.body for record in event)
    LOG.info("export jobs: %s", outcomes)
    return dict(Counter(outcome for _, outcome in outcomes))
