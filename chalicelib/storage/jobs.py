"""Job runs and the kitchen's frozen head counts."""
from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pynamodb.exceptions import UpdateError

from chalicelib.domain.jobs import Headcount, JobRun
from chalicelib.storage.keys import is_condition_failure, months
from chalicelib.storage.models import HeadcountModel, JobRunModel

RUN_RETENTION = timedelta(days=400)
STALE_ERROR = ("Interrompue : le traitement s'est arrêté avant la fin (délai de {minutes} min "
               "dépassé). Relancez-le : il reprend là où il s'était arrêté.")


def _run_key(started_at: datetime, run_id: str) -> str:
    """The sort key: runs of a job listed newest first by their start."""
    return f"{started_at.astimezone(UTC).isoformat()}#{run_id}"


def _run(item: JobRunModel) -> JobRun:
    return JobRun(item.id, item.job, item.trigger, item.started_at, item.ended_at,
                  item.outcome, item.summary or "", item.details or {}, item.error,
                  int(item.later or 0))


def _stale(run: JobRun, now: datetime, limit: timedelta) -> JobRun:
    """A run still "running" past its time limit died with its process: say so."""
    if run.outcome != "running" or now - run.started_at <= limit:
        return run
    return JobRun(run.id, run.job, run.trigger, run.started_at, None, "failure",
                  run.summary, run.details,
                  STALE_ERROR.format(minutes=int(limit.total_seconds() // 60)), run.later)


class JobRunRepository:
    """One item per run, newest first per job."""

    def start(self, job: str, trigger: str, now: datetime,
              limit: timedelta = timedelta(minutes=20),
              details: dict[str, Any] | None = None) -> JobRun:
        """Record that a run began, after closing the runs of this job that died."""
        self.expire(job, now, limit)
        run_id = secrets.token_hex(6)
        item = JobRunModel(job, _run_key(now, run_id),
                           id=run_id, trigger=trigger, started_at=now, outcome="running",
                           details=details or {}, expires=now + RUN_RETENTION)
        item.save()
        return _run(item)

    def expire(self, job: str, now: datetime, limit: timedelta) -> int:
        """Mark as failed the recent runs still "running" past ``limit``; how many."""
        count = 0
        for item in JobRunModel.query(job, scan_index_forward=False, limit=20):
            run = _run(item)
            stale = _stale(run, now, limit)
            if stale is run or stale.error is None:  # a stale run always says why
                continue
            try:
                item.update(actions=[JobRunModel.outcome.set("failure"),
                                     JobRunModel.error.set(stale.error)],
                            condition=JobRunModel.outcome == "running")
                count += 1
            except UpdateError as exc:
                if not is_condition_failure(exc):
                    raise  # else it ended meanwhile: nothing to do
        return count

    def finish(self, run: JobRun, outcome: str, summary: str, details: dict[str, Any],
               error: str | None, now: datetime) -> JobRun:
        """Record how a run ended."""
        item = JobRunModel(run.job, _run_key(run.started_at, run.id))
        item.update(actions=[JobRunModel.ended_at.set(now), JobRunModel.outcome.set(outcome),
                             JobRunModel.summary.set(summary),
                             JobRunModel.details.set(details),
                             JobRunModel.error.set(error) if error else JobRunModel.error.remove()],
                    # The run's own item, never a new one made by a key gone wrong.
                    condition=JobRunModel.id == run.id)
        return _run(item)

    def add_later(self, job: str, started_at: datetime, run_id: str, count: int) -> None:
        """Add what a background batch did for the run (one atomic ADD: batches handled
        side by side never lose each other's count)."""
        if count:
            JobRunModel(job, _run_key(started_at, run_id)).update(
                actions=[JobRunModel.later.add(count)],
                condition=JobRunModel.id == run_id)

    def recent(self, job: str, now: datetime, stale_after: timedelta,
               limit: int = 50) -> list[JobRun]:
        """The latest runs of a job; one still "running" past ``stale_after`` is shown
        failed, as it is (the next run records it so)."""
        return [_stale(_run(i), now, stale_after)
                for i in JobRunModel.query(job, scan_index_forward=False, limit=limit)]


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
