"""The records of the scheduled jobs: a job's run, and the kitchen's frozen head count."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True)
class JobRun:
    id: str
    job: str
    trigger: str
    started_at: datetime
    ended_at: datetime | None
    outcome: str
    summary: str
    details: dict[str, Any]
    error: str | None
    # What the background function did for this run after it ended (reminders sent from
    # the batches it queued), added up as the batches go.
    later: int = 0


@dataclass(frozen=True)
class Headcount:
    day: date
    service: str
    total: int
    by_meal_type: dict[str, int]


@dataclass(frozen=True)
class ExportJob:
    """A CSV file staff asked for, written to S3 in the background. ``state``: queued,
    running, done (a link can be given) or failed (``error``, in French)."""
    id: str
    export: str
    period: tuple[date, date] | None
    requested_by: str
    created_at: datetime
    fingerprint: str
    state: str
    rows: int = 0
    pages_done: int = 0
    pages_total: int | None = None
    file_name: str = ""
    key: str = ""
    size: int = 0
    error: str | None = None
    attempts: int = 0
    lease_until: datetime | None = None
    run_token: str = ""
    ended_at: datetime | None = None
