"""Exports of any size: staff ask for a file, a background function writes it to S3.

Lambda answers at most 6 MB: a year of bookings is more. The console's request writes an
export job and sends one SQS message (services.launcher.ExportQueue); the export function
(jobs/exports.py) claims the job by a conditional write, reads the rows page by page (a
day, or a hundred families: Queries, never a Scan) and sends them to S3 as they come, in
parts of 8 MiB (one put for a small file), noting the rows written as it goes. The
console polls the job and, once written, gets a presigned link valid 15 minutes.

- A repeat of the request (double click, retry: the same ``Idempotency-Key``) finds the
  same job; a message delivered twice writes the file once (the claim is conditional).
- A run that dies (Lambda's time limit) leaves the job "running" until its lease ends;
  SQS then delivers the message again and the next run writes the file from the start.
  After ``MAX_ATTEMPTS`` the job is failed, with a French message; so is any error.
"""
from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from chalicelib.domain import csv_export
from chalicelib.domain.errors import Conflict, NotFound, ValidationError
from chalicelib.domain.jobs import ExportJob
from chalicelib.services.exports import MAX_FILE_DAYS, ExportService
from chalicelib.storage.export_jobs import ExportJobRepository
from chalicelib.storage.files import PART_SIZE, FileStore

LOG = logging.getLogger("cantine.exports")

IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9_\-]{8,80}")
CSV_TYPE = "text/csv; charset=utf-8"
# The export function's time limit is 15 minutes (.chalice/config.json): a run still
# "running" after that died, and the queue's next delivery (visibility 16 minutes,
# infra/template.py) may take the job over.
LEASE = timedelta(minutes=15)
MAX_ATTEMPTS = 3
LINK_SECONDS = 15 * 60
# The files bucket deletes exports a day or two after they are written (lifecycle rule):
# no link is given after a day.
FILE_LIFETIME = timedelta(days=1)
PROGRESS_EVERY = 10_000  # rows between two notes of the progress (and at each part sent)

FAILED = ("L'export n'a pas pu être préparé (erreur du serveur). Demandez-le à nouveau ; "
          "si l'erreur se répète, prévenez l'assistance.")
INTERRUPTED = ("L'export s'est interrompu {attempts} fois avant la fin. Demandez une période "
               "plus courte, ou prévenez l'assistance.")
NOT_STARTED = ("La préparation du fichier n'a pas pu être lancée. Réessayez dans un instant.")


class ExportKeyReused(Conflict):
    code = "idempotency_key_reused"
    message = ("Cette clé d'envoi a déjà servi pour un autre export : rechargez la page "
               "avant d'en demander un nouveau.")


@dataclass(frozen=True)
class ExportJobView:
    """A job as staff see it: its record, whether its file is gone, and a link to it."""
    job: ExportJob
    expired: bool
    link: str | None
    link_expires_at: datetime | None


class ExportJobService:
    """Ask for export files, write them in the background, and give links to them."""

    def __init__(self, exports: ExportService, jobs: ExportJobRepository, files: FileStore,
                 send: Callable[[str], None], part_size: int = PART_SIZE,
                 progress_every: int = PROGRESS_EVERY) -> None:
        self._exports = exports
        self._jobs = jobs
        self._files = files
        self._send = send
        self.part_size = part_size
        self.progress_every = progress_every

    # -- the console's side -------------------------------------------------------------
    def request(self, name: str, query: dict[str, str], key: Any, who: str,
                now: datetime) -> tuple[ExportJob, bool]:
        """The job for this request, and whether this call created it: the same key from
        the same staff member (a double click, a retry) gets the same job."""
        if not isinstance(key, str) or not IDEMPOTENCY_KEY.fullmatch(key):
            raise ValidationError("Clé d'envoi manquante ou invalide (en-tête "
                                  "Idempotency-Key : 8 à 80 lettres, chiffres, - ou _).",
                                  field="idempotency_key", code="idempotency_key_required")
        period = self._exports.period(name, query, now, MAX_FILE_DAYS)
        fingerprint = hashlib.sha256(json.dumps(
            {"export": name, "period": [d.isoformat() for d in period] if period else None},
            sort_keys=True).encode()).hexdigest()
        job_id = hashlib.sha256(f"{who}\n{key}".encode()).hexdigest()[:24]
        existing = self._jobs.get(job_id)
        if existing is None:
            job = ExportJob(job_id, name, period, who, now, fingerprint, "queued",
                            pages_total=(period[1] - period[0]).days + 1 if period else None)
            if self._jobs.create(job):
                return self._start(job, now), True
            existing = self._jobs.get(job_id)  # a parallel duplicate wrote it first
            if existing is None:
                raise Conflict()
        if existing.fingerprint != fingerprint:
            raise ExportKeyReused()
        if existing.state == "queued":
            # Its message may have been lost with the request that wrote it: send again
            # (a second message finds the job taken, and writes nothing).
            return self._start(existing, now), False
        return existing, False

    def _start(self, job: ExportJob, now: datetime) -> ExportJob:
        try:
            self._send(job.id)
        except Exception:  # noqa: BLE001 - the job says it did not start; staff retry
            LOG.exception("export job %s: message not sent", job.id)
            self._jobs.fail(job.id, NOT_STARTED, now)
            return self._jobs.get(job.id) or replace(job, state="failed", error=NOT_STARTED)
        return job

    def view(self, job_id: str, may_read: Callable[[str], bool],
             now: datetime) -> ExportJobView:
        """The job and, once written, a link to its file valid ``LINK_SECONDS``; NotFound
        if there is no such job or the caller's role may not read its export."""
        job = self._jobs.get(job_id)
        if job is None or not may_read(job.export):
            raise NotFound()
        if job.state != "done":
            return ExportJobView(job, False, None, None)
        if now - (job.ended_at or job.created_at) > FILE_LIFETIME:
            return ExportJobView(job, True, None, None)
        return ExportJobView(job, False, self._files.link(job.key, job.file_name, LINK_SECONDS),
                             now + timedelta(seconds=LINK_SECONDS))

    # -- the export function's side ------------------------------------------------------
    def run(self, job_id: str, now: Callable[[], datetime]) -> str:
        """Write the job's file if it is still to be written: "done", "failed", or
        "skipped" (unknown, written, failed, or being written by another run)."""
        current = self._jobs.get(job_id)
        if current is None or current.state not in ("queued", "running"):
            return "skipped"
        started = now()
        if current.attempts >= MAX_ATTEMPTS and (
                current.state == "queued" or (current.lease_until or started) < started):
            self._jobs.fail(job_id, INTERRUPTED.format(attempts=current.attempts), started)
            return "failed"
        job = self._jobs.claim(job_id, started, LEASE)
        if job is None:
            return "skipped"
        upload = None
        try:
            source = self._exports.source(job.export, job.period)
            key = f"exports/{job.id}/{source.file_name}"
            upload = self._files.upload(key, CSV_TYPE, self.part_size)
            upload.write(csv_export.head(source.header).encode("utf-8"))
            rows = pages = noted = 0
            for page in source.pages:
                sent = upload.write(csv_export.lines(page).encode("utf-8"))
                rows += len(page)
                pages += 1
                if sent or rows - noted >= self.progress_every:
                    if not self._jobs.progress(job, rows, pages):
                        upload.abort()  # another run took the job over
                        return "skipped"
                    noted = rows
            upload.close()
            if not self._jobs.finish(job, rows, pages, source.file_name, key, upload.size,
                                     now()):
                return "skipped"
            LOG.info("export job %s: %d rows, %d bytes, %d part(s)", job.id, rows,
                     upload.size, upload.parts)
            return "done"
        except Exception:  # noqa: BLE001 - any failure is the job's, told in French
            LOG.exception("export job %s failed", job.id)
            if upload is not None:
                try:
                    upload.abort()
                except Exception:  # noqa: BLE001 - the lifecycle rule drops the parts
                    LOG.exception("export job %s: upload not aborted", job.id)
            self._jobs.fail(job.id, FAILED, now(), job.run_token)
            return "failed"
