"""Job runs and the kitchen's frozen head counts."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

from chalicelib.storage.keys import months
from chalicelib.storage.models import HeadcountModel, JobRunModel

RUN_RETENTION = timedelta(days=400)


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


def _run(item: JobRunModel) -> JobRun:
    return JobRun(item.id, item.job, item.trigger, item.started_at, item.ended_at,
                  item.outcome, item.summary or "", item.details or {}, item.error)


class JobRunRepository:
    """One item per run, newest first per job."""

    def start(self, job: str, trigger: str, now: datetime) -> JobRunModel:
        """Record that a run began."""
        run_id = secrets.token_hex(6)
        item = JobRunModel(job, f"{now.astimezone(timezone.utc).isoformat()}#{run_id}",
                           id=run_id, trigger=trigger, started_at=now, outcome="running",
                           expires=now + RUN_RETENTION)
        item.save()
        return item

    def finish(self, item: JobRunModel, outcome: str, summary: str, details: dict[str, Any],
               error: str | None, now: datetime) -> JobRun:
        """Record how a run ended."""
        item.update(actions=[JobRunModel.ended_at.set(now), JobRunModel.outcome.set(outcome),
                             JobRunModel.summary.set(summary),
                             JobRunModel.details.set(details),
                             JobRunModel.error.set(error) if error else JobRunModel.error.remove()])
        return _run(item)

    def recent(self, job: str, limit: int = 50) -> list[JobRun]:
        """The latest runs of a job."""
        return [_run(i) for i in JobRunModel.query(job, scan_index_forward=False, limit=limit)]


@dataclass(frozen=True)
class Headcount:
    day: date
    service: str
    total: int
    by_meal_type: dict[str, int]


class HeadcountRepository:
    """Frozen counts per day × service × meal type."""

    def put(self, count: Headcount, run_id: str, now: datetime) -> None:
        """Store (or rewrite identically, on a rerun) one day's counts."""
        HeadcountModel(count.day.strftime("%Y-%m"), f"{count.day.isoformat()}#{count.service}",
                       total=count.total, by_meal_type=count.by_meal_type, locked_at=now,
                       run_id=run_id).save()

    def between(self, start: date, end: date) -> list[Headcount]:
        """Frozen counts of a date range, by day then service (one query per month)."""
        out: list[Headcount] = []
        for key in months(start, end):
            for item in HeadcountModel.query(key, HeadcountModel.slot.between(
                    start.isoformat(), end.isoformat() + "#~")):
                day, _, service = item.slot.partition("#")
                out.append(Headcount(date.fromisoformat(day), service, int(item.total),
                                     dict(item.by_meal_type)))
        return out
