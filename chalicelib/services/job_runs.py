"""The record of a job's runs: started, then finished in success or failure, as the console
lists them. Written once for the weekly lock and the month's invoice run."""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from chalicelib.domain.jobs import JobRun
from chalicelib.storage.jobs import JobRunRepository

R = TypeVar("R")


class JobRunRecorder:
    """Runs one job's work under a run record; a run still "running" past ``time_limit``
    died with its process (the next start records it failed)."""

    def __init__(self, runs: JobRunRepository, job: str, time_limit: timedelta,
                 log: logging.Logger) -> None:
        self._runs = runs
        self.job = job
        self.time_limit = time_limit
        self._log = log

    def run(self, trigger: str, clock: Callable[[], datetime],
            work: Callable[[str, datetime], R], *,
            failed: Callable[[Exception], tuple[str, dict[str, Any], str]],
            succeeded: Callable[[R], tuple[str, dict[str, Any]]],
            details: dict[str, Any] | None = None, about: str = "") -> tuple[JobRun, R]:
        """Record the start, do ``work(run id, start time)``, record how it ended.

        ``failed`` gives the failure's (summary, details, error) and the error is raised
        again; ``succeeded`` gives the success's (summary, details). Returns (the run as
        it ended, what the work returned).
        """
        started = clock()
        record = self._runs.start(self.job, trigger, started, self.time_limit, details)
        try:
            result = work(record.id, started)
        except Exception as exc:
            self._log.exception("%s run %s%s failed", self.job, record.id, about)
            summary, failure_details, error = failed(exc)
            self._runs.finish(record, "failure", summary, failure_details, error[:500], clock())
            raise
        summary, success_details = succeeded(result)
        run = self._runs.finish(record, "success", summary, success_details, None, clock())
        return run, result

    def recent(self, now: datetime) -> list[JobRun]:
        """The latest runs of the job, newest first."""
        return self._runs.recent(self.job, now, self.time_limit)
