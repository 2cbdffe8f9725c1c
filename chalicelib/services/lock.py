"""The weekly lock: freeze bookings past every deadline and keep the kitchen's counts."""
from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any, Callable

from chalicelib.domain.accounts import Family
from chalicelib.domain.errors import Conflict
from chalicelib.domain.lock import days_to_freeze
from chalicelib.services.commune import CommuneService
from chalicelib.services.headcounts import count_slot
from chalicelib.settings import PARIS
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
        self._runs = runs

    def run(self, trigger: str, clock: Callable[[], datetime]) -> dict[str, Any]:
        """Freeze what is due; idempotent, and a rerun after a crash finishes the work."""
        started = clock()
        record = self._runs.start(JOB, trigger, started, TIME_LIMIT)
        try:
            frozen = self._freeze(record.id, started)
        except Exception as exc:
            LOG.exception("lock run %s failed", record.id)
            self._runs.finish(record, "failure", "Échec du verrouillage", {},
                              f"{type(exc).__name__}: {exc}"[:500], clock())
            raise
        summary = (f"{len(frozen)} créneau(x) verrouillé(s)" if frozen
                   else "Rien à verrouiller")
        run = self._runs.finish(record, "success", summary,
                                {"frozen": frozen[:500], "frozen_count": len(frozen)}, None,
                                clock())
        return {"run": run_json(run), "frozen": frozen}

    def _freeze(self, run_id: str, now: datetime) -> list[dict[str, str]]:
        settings = self._commune.get()
        frozen: list[dict[str, str]] = []
        day_cache: dict[date, list[tuple[str, str, frozenset[str]]]] = {}
        families: dict[str, Family] = {}
        for service in settings.bookable_services():
            days, watermark = days_to_freeze(service, settings, now)
            if not days:
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
        for _attempt in range(5):
            settings = self._commune.get()
            current = settings.locked_through.get(service)
            if current is not None and current >= watermark:
                return settings
            marks = dict(settings.locked_through)
            marks[service] = watermark
            try:
                return self._commune_repository.save(replace(settings, locked_through=marks))
            except Conflict:
                continue  # a staff edit landed meanwhile: read again and retry
        raise Conflict("Impossible d'enregistrer le verrouillage, réessayez.")

    def runs(self, now: datetime) -> list[dict[str, Any]]:
        """The latest lock runs, newest first."""
        return [run_json(r) for r in self._runs.recent(JOB, now, TIME_LIMIT)]


def run_json(run) -> dict[str, Any]:
    """A job run as the console shows it."""
    return {"id": run.id, "job": run.job, "trigger": run.trigger,
            "started_at": run.started_at.astimezone(PARIS).isoformat(),
            "ended_at": run.ended_at.astimezone(PARIS).isoformat() if run.ended_at else None,
            "outcome": run.outcome, "summary": run.summary,
            "frozen_count": int((run.details or {}).get("frozen_count", 0)),
            "month": (run.details or {}).get("month"), "step": (run.details or {}).get("step"),
            "error": run.error}
