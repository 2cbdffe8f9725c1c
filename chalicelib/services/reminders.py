"""Reminders before a booking deadline, and the receipt after a save, as e-mails."""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from typing import Any

from chalicelib.domain.accounts import Child, Family
from chalicelib.domain.commune import CommuneSettings
from chalicelib.domain.jobs import JobRun
from chalicelib.domain.reminders import (
    Period,
    history_days,
    near_periods,
    needs_reminder,
    receipt,
)
from chalicelib.mail import templates
from chalicelib.mail.sender import Mailer
from chalicelib.services.commune import CommuneService
from chalicelib.services.job_runs import JobRunRecorder
from chalicelib.services.launcher import batches
from chalicelib.storage.accounts import AccountRepository
from chalicelib.storage.bookings import BookingRepository
from chalicelib.storage.jobs import JobRunRepository
from chalicelib.storage.reminders import ReminderRepository

LOG = logging.getLogger("cantine.jobs.reminders")
JOB = "reminders"
# Twice the job function's Lambda timeout: a run still "running" after that died.
TIME_LIMIT = timedelta(minutes=10)
BATCH = 100         # families a background message carries
INLINE_UP_TO = 500  # reminders a run sends itself; beyond, all go to the background


def week_link(site_url: str, child: Child, day: date) -> str:
    """The booking page of ``child`` opened on the week of ``day``."""
    monday = day - timedelta(days=day.isoweekday() - 1)
    return f"{site_url}/inscriptions.html?enfant={child.id}&semaine={monday.isoformat()}"


def _may_be_reminded(family: Family) -> bool:
    return bool(not family.archived and family.emails and family.reminders
                and family.active_children())


def _late(period: Period, family: Family,
          booked: dict[str, dict[date, frozenset[str]]]) -> list[Child]:
    """The family's children with nothing booked yet for the period."""
    return [c for c in family.active_children() if needs_reminder(period, booked.get(c.id, {}))]


def summary_of(counts: dict[str, Any]) -> str:
    """The run's line for the console, in French."""
    if counts.get("queued"):
        return (f"{counts['queued']} rappel(s) confiés à l'envoi en arrière-plan "
                f"({counts['batches']} lot(s))")
    return f"{counts['sent']} rappel(s) envoyé(s)" if counts["sent"] else "Aucun rappel à envoyer"


class ReminderService:
    """Sends each family at most one reminder per deadline, and receipts on request."""

    def __init__(self, commune: CommuneService, accounts: AccountRepository,
                 bookings: BookingRepository, marks: ReminderRepository,
                 runs: JobRunRepository, mailer: Mailer, site_url: str,
                 send: Callable[[dict[str, Any]], None] | None = None) -> None:
        self._commune = commune
        self._runs = runs
        self._send = send   # one message to the background queue
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
            succeeded=lambda counts: (summary_of(counts), counts))
        return {"run": run, **counts}

    def runs(self, now: datetime) -> list[JobRun]:
        """The latest reminder runs, newest first."""
        return self._recorder.recent(now)

    def _remind(self, run_id: str, now: datetime) -> dict[str, Any]:
        settings = self._commune.get()
        periods = near_periods(settings, now)
        counts: dict[str, Any] = {"deadlines": [p.key for p in periods], "sent": 0,
                                  "already_sent": 0}
        if not periods:
            return counts  # most runs: nothing read beyond the settings
        families = [f for f in self._accounts.all_families() if _may_be_reminded(f)]
        due = []
        for period in periods:
            booked = self._booked(list(period.days) + history_days(period))
            due += [(period, family, late) for family in families
                    if (late := _late(period, family, booked))]
        if len(due) > INLINE_UP_TO and self._send is not None:
            return {**counts, **self._queue(due, run_id, now)}
        for period, family, late in due:
            if self._marks.claim(family.number, period.key, now):
                self._mail(period, family, late)
                counts["sent"] += 1
            else:
                counts["already_sent"] += 1
        return counts

    def _queue(self, due: list[tuple[Period, Family, list[Child]]], run_id: str,
               started: datetime) -> dict[str, int]:
        """Hand the reminders to the background, ``BATCH`` families a message; the marker
        is taken there, before each e-mail (a message delivered twice sends nothing more)."""
        by_period: dict[str, list[str]] = {}
        for period, family, _late in due:
            by_period.setdefault(period.key, []).append(family.number)
        messages = 0
        assert self._send is not None
        for key, numbers in by_period.items():
            for part in batches(numbers, BATCH):
                self._send({"remind": {"deadline": key, "families": part,
                                       "run": run_id, "started": started.isoformat()}})
                messages += 1
        LOG.info("%d reminders handed to the background in %d batches", len(due), messages)
        return {"queued": len(due), "batches": messages}

    def remind_batch(self, deadline: str, numbers: list[str], run_id: str,
                     started: datetime, now: datetime) -> dict[str, int]:
        """One batch, in the background: the families still late for this deadline get
        their reminder, once; the run's record counts them. A deadline no longer near
        (passed while the batch waited) sends nothing."""
        period = next((p for p in near_periods(self._commune.get(), now) if p.key == deadline),
                      None)
        if period is None:
            return {"sent": 0, "skipped": len(numbers)}
        families = self._accounts.get_families(sorted(set(numbers)))
        booked = self._booked(list(period.days) + history_days(period))
        sent = skipped = 0
        try:
            for number in numbers:
                family = families.get(number)
                if family is None or not _may_be_reminded(family) \
                        or not (late := _late(period, family, booked)) \
                        or not self._marks.claim(number, deadline, now):
                    skipped += 1  # booked meanwhile, left, or reminded already
                    continue
                try:
                    self._mail(period, family, late)
                except Exception:
                    # Not sent: the marker goes back for the message's next delivery.
                    self._marks.release(number, deadline, now)
                    raise
                sent += 1
        finally:
            self._runs.add_later(JOB, started, run_id, sent)
        return {"sent": sent, "skipped": skipped}

    def _mail(self, period: Period, family: Family, late: list[Child]) -> None:
        self._mailer.send(templates.booking_reminder(
            family.emails, family.name, period.deadline, period.days,
            [(c.first_name, week_link(self._site_url, c, period.days[0])) for c in late]))

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

