"""Reminders before a booking deadline, and the receipt after a save, as e-mails."""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from typing import Any

from chalicelib.domain.accounts import Child, Family
from chalicelib.domain.commune import CommuneSettings
from chalicelib.domain.jobs import JobRun
from chalicelib.domain.reminders import history_days, near_periods, needs_reminder, receipt
from chalicelib.mail import templates
from chalicelib.mail.sender import Mailer
from chalicelib.services.commune import CommuneService
from chalicelib.services.job_runs import JobRunRecorder
from chalicelib.storage.accounts import AccountRepository
from chalicelib.storage.bookings import BookingRepository
from chalicelib.storage.jobs import JobRunRepository
from chalicelib.storage.reminders import ReminderRepository

LOG = logging.getLogger("cantine.jobs.reminders")
JOB = "reminders"
# Twice the job function's Lambda timeout: a run still "running" after that died.
TIME_LIMIT = timedelta(minutes=10)


def week_link(site_url: str, child: Child, day: date) -> str:
    """The booking page of ``child`` opened on the week of ``day``."""
    monday = day - timedelta(days=day.isoweekday() - 1)
    return f"{site_url}/inscriptions.html?enfant={child.id}&semaine={monday.isoformat()}"


class ReminderService:
    """Sends each family at most one reminder per deadline, and receipts on request."""

    def __init__(self, commune: CommuneService, accounts: AccountRepository,
                 bookings: BookingRepository, marks: ReminderRepository,
                 runs: JobRunRepository, mailer: Mailer, site_url: str) -> None:
        self._commune = commune
        self._accounts = accounts
        self._bookings = bookings
        self._marks = marks
        self._mailer = mailer
        self._site_url = site_url
        self._recorder = JobRunRecorder(runs, JOB, TIME_LIMIT, LOG)

    def run(self, trigger: str, clock: Callable[[], datetime]) -> dict[str, Any]:
        """Remind the families concerned by a near deadline; any number of runs, even
        overlapping ones, send each family one e-mail per deadline."""
        run, counts = self._recorder.run(
            trigger, clock, self._remind,
            failed=lambda exc: ("Échec des rappels", {}, f"{type(exc).__name__}: {exc}"),
            succeeded=lambda counts: (
                f"{counts['sent']} rappel(s) envoyé(s)" if counts["sent"]
                else "Aucun rappel à envoyer", counts))
        return {"run": run, **counts}

    def runs(self, now: datetime) -> list[JobRun]:
        """The latest reminder runs, newest first."""
        return self._recorder.recent(now)

    def _remind(self, _run_id: str, now: datetime) -> dict[str, Any]:
        settings = self._commune.get()
        periods = near_periods(settings, now)
        counts: dict[str, Any] = {"deadlines": [p.key for p in periods], "sent": 0,
                                  "already_sent": 0}
        if not periods:
            return counts  # most runs: nothing read beyond the settings
        families = [f for f in self._accounts.all_families()
                    if not f.archived and f.emails and f.reminders and f.active_children()]
        for period in periods:
            booked = self._booked(list(period.days) + history_days(period))
            for family in families:
                late = [c for c in family.active_children()
                        if needs_reminder(period, booked.get(c.id, {}))]
                if not late:
                    continue
                if not self._marks.claim(family.number, period.key, now):
                    counts["already_sent"] += 1
                    continue
                self._mailer.send(templates.booking_reminder(
                    family.emails, family.name, period.deadline, period.days,
                    [(c.first_name, week_link(self._site_url, c, period.days[0]))
                     for c in late]))
                counts["sent"] += 1
        return counts

    def _booked(self, days: Iterable[date]) -> dict[str, dict[date, frozenset[str]]]:
        """Per child, the services booked on each of these days: one Query per day
        (``by_day``), whatever the number of families."""
        result: dict[str, dict[date, frozenset[str]]] = {}
        for day in days:
            for child_id, _family, services in self._bookings.on_day(day):
                result.setdefault(child_id, {})[day] = services
        return result

    def send_receipt(self, family: Family, child: Child,
                     changes: Iterable[tuple[date, str, bool]],
                     settings: CommuneSettings) -> bool:
        """E-mail what a save changed, if the family asked for it; returns whether sent."""
        if not family.receipts or not family.emails:
            return False
        summary = receipt(changes, settings)
        if summary.empty:
            return False
        labels = {s.code: s.label for s in settings.services}
        try:
            self._mailer.send(templates.booking_receipt(
                family.emails, family.name, f"{child.first_name} {child.last_name}".strip(),
                summary, labels, self._site_url))
        except Exception:  # noqa: BLE001 - the save stands; "Inscriptions en cours" shows it
            LOG.exception("receipt to family %s not sent", family.number)
            return False
        return True

