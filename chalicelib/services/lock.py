"""The weekly lock: freeze bookings past every deadline and keep the kitchen's counts."""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from chalicelib.domain.accounts import Family
from chalicelib.domain.errors import Conflict
from chalicelib.domain.jobs import JobRun
from chalicelib.domain.lock import days_to_freeze
from chalicelib.services import retry
from chalicelib.services.commune import CommuneService
from chalicelib.services.headcounts import count_slot
from chalicelib.services.job_runs import JobRunRecorder
from chalicelib.storage.accounts import AccountRepository
from chalicelib.storage.bookings import BookingRepository
from chalicelib.storage.commune import CommuneRepository
from chalicelib.storage.jobs import HeadcountRepository, JobRunRepository

LOG = logging.getLogger("cantine.jobs.lock")
JOB = "lock"
# Twice the lock function's Lambda timeout (.chalice/config.json): a run still "running"
# after that died with its process.
TIME_LIMIT = timedelta(minutes=10)


class LockService:
    """Runs the lock, records each run, answers head-count questions."""

    def __init__(self, commune: CommuneService, commune_repository: CommuneRepository,
                 bookings: BookingRepository, accounts: AccountRepository,
                 headcounts: HeadcountRepository, runs: JobRunRepository) -> None:
        self._commune = commune
        self._commune_repository = commune_repository
        self._bookings = bookings
        self._accounts = accounts
        self._headcounts = headcounts
        self._recorder = JobRunRecorder(runs, JOB, TIME_LIMIT, LOG)

    def run(self, trigger: str, clock: Callable[[], datetime]) -> dict[str, Any]:
        """Freeze what is due; idempotent, and a rerun after a crash finishes the work.
        Returns the ``run`` (a record) and the (day, service) pairs ``frozen``."""
        run, frozen = self._recorder.run(
            trigger, clock, self._freeze,
            failed=lambda exc: ("Échec du verrouillage", {}, f"{type(exc).__name__}: {exc}"),
            succeeded=lambda frozen: (
                f"{len(frozen)} créneau(x) verrouillé(s)" if frozen else "Rien à verrouiller",
                {"frozen": frozen[:500], "frozen_count": len(frozen)}))
        return {"run": run, "frozen": frozen}

    def _freeze(self, run_id: str, now: datetime) -> list[dict[str, str]]:
        settings = self._commune.get()
        frozen: list[dict[str, str]] = []
        day_cache: dict[date, list[tuple[str, str, frozenset[str]]]] = {}
        families: dict[str, Family] = {}
        for service in settings.bookable_services():
            days, watermark = days_to_freeze(service, settings, now)
            if not days or watermark is None:  # the mark is the last of the days
                continue
            for day in days:
                if day not in day_cache:
                    day_cache[day] = self._bookings.on_day(day)
                count = count_slot(day, service.code, day_cache[day], families,
                                   self._accounts)
                self._headcounts.put(count, run_id, now)
                frozen.append({"date": day.isoformat(), "service": service.code})
            # The mark moves after the counts are stored: a crash before it means the
            # rerun counts these days again (same numbers) and then moves it.
            settings = self._advance(service.code, watermark)
        return frozen

    def _advance(self, service: str, watermark: date):
        def move():
            settings = self._commune.get()
            current = settings.locked_through.get(service)
            if current is not None and current >= watermark:
                return settings
            marks = dict(settings.locked_through)
            marks[service] = watermark
            return self._commune_repository.save(replace(settings, locked_through=marks))
        try:
            # A staff edit landed meanwhile: read again and retry.
            return retry.on_conflict(move, Conflict, retry.LOCK_MARK_ATTEMPTS)
        except Conflict:
            raise Conflict("Impossible d'enregistrer le verrouillage, réessayez.") from None

    def runs(self, now: datetime) -> list[JobRun]:
        """The latest lock runs, newest first."""
        return self._recorder.recent(now)

