"""Export jobs: one item per file asked for, its state changed only by conditional writes.

Access patterns: a job by its id (``export_jobs`` get). Items expire by TTL a little after
their file (the lifecycle rule of the files bucket's ``exports/`` prefix).
"""
from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta

from pynamodb.exceptions import PutError, UpdateError

from chalicelib.domain.jobs import ExportJob
from chalicelib.storage.keys import is_condition_failure
from chalicelib.storage.models import ExportJobModel

JOB_RETENTION = timedelta(days=3)


def _job(item: ExportJobModel) -> ExportJob:
    period = (date.fromisoformat(item.start), date.fromisoformat(item.end)) \
        if item.start and item.end else None
    return ExportJob(
        id=item.id, export=item.export, period=period, requested_by=item.requested_by,
        created_at=item.created_at, fingerprint=item.fingerprint, state=item.state,
        rows=int(item.rows or 0), pages_done=int(item.pages_done or 0),
        pages_total=int(item.pages_total) if item.pages_total is not None else None,
        file_name=item.file_name or "", key=item.key or "", size=int(item.size or 0),
        error=item.error, attempts=int(item.attempts or 0), lease_until=item.lease_until,
        run_token=item.run_token or "", ended_at=item.ended_at)


def _changed(exc: Exception) -> bool:
    """Whether a conditional write lost (the job's state moved on): else re-raise."""
    if is_condition_failure(exc):
        return True
    raise exc


class ExportJobRepository:
    """Create, read and move export jobs from state to state, each move at most once."""

    def create(self, job: ExportJob) -> bool:
        """Write a new job; False if a job of that id exists already (a repeat)."""
        item = ExportJobModel(
            job.id, export=job.export,
            start=job.period[0].isoformat() if job.period else None,
            end=job.period[1].isoformat() if job.period else None,
            requested_by=job.requested_by, created_at=job.created_at,
            fingerprint=job.fingerprint, state=job.state, pages_total=job.pages_total,
            expires=job.created_at + JOB_RETENTION)
        try:
            item.save(condition=ExportJobModel.id.does_not_exist())
        except PutError as exc:
            _changed(exc)
            return False
        return True

    def get(self, job_id: str) -> ExportJob | None:
        """The job, or None."""
        try:
            return _job(ExportJobModel.get(job_id, consistent_read=True))
        except ExportJobModel.DoesNotExist:
            return None

    def claim(self, job_id: str, now: datetime, lease: timedelta) -> ExportJob | None:
        """Take the job to write it: only if it waits, or if the run that took it ended
        without a word (its lease is over). None if it is done, failed or being written:
        a message delivered twice writes the file once."""
        token = secrets.token_hex(8)
        item = ExportJobModel(job_id)
        try:
            item.update(actions=[ExportJobModel.state.set("running"),
                                 ExportJobModel.run_token.set(token),
                                 ExportJobModel.lease_until.set(now + lease),
                                 ExportJobModel.attempts.add(1),
                                 ExportJobModel.rows.set(0),
                                 ExportJobModel.pages_done.set(0)],
                        condition=ExportJobModel.id.exists()
                        & ((ExportJobModel.state == "queued")
                           | ((ExportJobModel.state == "running")
                              & (ExportJobModel.lease_until < now))))
        except UpdateError as exc:
            _changed(exc)
            return None
        return _job(item)

    def progress(self, job: ExportJob, rows: int, pages_done: int) -> bool:
        """Note the rows written so far; False if the job is no longer this run's."""
        try:
            ExportJobModel(job.id).update(
                actions=[ExportJobModel.rows.set(rows),
                         ExportJobModel.pages_done.set(pages_done)],
                condition=(ExportJobModel.run_token == job.run_token)
                & (ExportJobModel.state == "running"))
        except UpdateError as exc:
            return not _changed(exc)
        return True

    def finish(self, job: ExportJob, rows: int, pages_done: int, file_name: str, key: str,
               size: int, now: datetime) -> bool:
        """The file is written: the job is done (once, by the run that holds it)."""
        try:
            ExportJobModel(job.id).update(
                actions=[ExportJobModel.state.set("done"), ExportJobModel.rows.set(rows),
                         ExportJobModel.pages_done.set(pages_done),
                         ExportJobModel.file_name.set(file_name),
                         ExportJobModel.key.set(key), ExportJobModel.size.set(size),
                         ExportJobModel.ended_at.set(now)],
                condition=(ExportJobModel.run_token == job.run_token)
                & (ExportJobModel.state == "running"))
        except UpdateError as exc:
            return not _changed(exc)
        return True

    def fail(self, job_id: str, error: str, now: datetime, run_token: str | None = None) -> bool:
        """The job failed, with the French reason staff will read; only a job still
        waiting or running (``run_token``: the run's own), never one written."""
        if run_token is not None:
            condition = (ExportJobModel.run_token == run_token) \
                & (ExportJobModel.state == "running")
        else:
            condition = ExportJobModel.state.is_in("queued", "running")
        try:
            ExportJobModel(job_id).update(
                actions=[ExportJobModel.state.set("failed"), ExportJobModel.error.set(error),
                         ExportJobModel.ended_at.set(now)],
                condition=condition)
        except UpdateError as exc:
            return not _changed(exc)
        return True
