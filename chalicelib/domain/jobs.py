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


@dataclass(frozen=True)
class Headcount:
    day: date
    service: str
    total: int
    by_meal_type: dict[str, int]
