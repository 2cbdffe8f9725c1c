"""The nightly purge: families whose last child left more than the commune's retention
ago are anonymised (domain/retention.py); their accounting records stay for 10 years."""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from chalicelib.domain.accounts import Family
from chalicelib.domain.errors import Conflict
from chalicelib.domain.jobs import JobRun
from chalicelib.domain.ledger import balance
from chalicelib.domain.money import money
from chalicelib.domain.retention import (
    ANONYMISED_NAME,
    anonymisation_record,
    anonymise,
    has_left,
    is_due,
    purge_cutoff,
)
from chalicelib.services.audit import AuditService
from chalicelib.services.commune import CommuneService
from chalicelib.services.job_runs import JobRunRecorder
from chalicelib.settings import PARIS
from chalicelib.storage.accounts import AccountRepository
from chalicelib.storage.billing import BillingRepository
from chalicelib.storage.drafts import DraftRepository
from chalicelib.storage.jobs import JobRunRepository
from chalicelib.storage.sessions import SessionRepository
from chalicelib.storage.typical_weeks import TypicalWeekRepository

LOG = logging.getLogger("cantine.jobs.purge")
JOB = "purge"
# Twice the job function's Lambda timeout: a run still "running" after that died.
TIME_LIMIT = timedelta(minutes=10)
# Families read from the index at a time, and examined at most in one run: about ten
# requests each, well within the function's 5 minutes; the next night goes on.
PAGE_SIZE = 25
MAX_FAMILIES_PER_RUN = 500
# How the audit log names the purge.
WHO = "purge automatique"
# Families skipped for their balance named in the run's summary (all are in its details).
SHOWN_SKIPPED = 5


def summary_of(counts: dict[str, Any]) -> str:
    """The run's one line for the console, in French."""
    done = counts["anonymised"]
    parts = [f"{done} famille(s) anonymisée(s)" if done else "Aucune famille à anonymiser"]
    skipped = counts["skipped"]
    if skipped:
        shown = ", ".join(f"n° {s['family']} ({money(s['balance_cents'])})"
                          for s in skipped[:SHOWN_SKIPPED])
        more = f" et {len(skipped) - SHOWN_SKIPPED} autre(s)" if len(skipped) > SHOWN_SKIPPED \
            else ""
        parts.append(f"{len(skipped)} gardée(s) tant que leur solde n'est pas nul : "
                     f"{shown}{more}")
    if counts["conflicts"]:
        parts.append(f"{counts['conflicts']} modifiée(s) pendant la purge, reprise(s) "
                     "la nuit suivante")
    if counts["more"]:
        parts.append("la suite la nuit suivante")
    return " ; ".join(parts)


class PurgeService:
    """Anonymises, once, each family whose last child left more than the retention ago
    and whose account is settled; records each run."""

    def __init__(self, commune: CommuneService, accounts: AccountRepository,
                 billing: BillingRepository, sessions: SessionRepository,
                 typical_weeks: TypicalWeekRepository, drafts: DraftRepository,
                 audit: AuditService, runs: JobRunRepository) -> None:
        self._commune = commune
        self._accounts = accounts
        self._billing = billing
        self._sessions = sessions
        self._typical_weeks = typical_weeks
        self._drafts = drafts
        self._audit = audit
        self._recorder = JobRunRecorder(runs, JOB, TIME_LIMIT, LOG)

    def run(self, trigger: str, clock: Callable[[], datetime]) -> dict[str, Any]:
        """Anonymise the families due; a second run finds nothing more to do (an
        anonymised family leaves the index)."""
        run, counts = self._recorder.run(
            trigger, clock, self._purge,
            failed=lambda exc: ("Échec de la purge", {}, f"{type(exc).__name__}: {exc}"),
            succeeded=lambda counts: (summary_of(counts), counts))
        return {"run": run, **counts}

    def runs(self, now: datetime) -> list[JobRun]:
        """The latest purge runs, newest first."""
        return self._recorder.recent(now)

    def date_departures(self, today: date) -> int:
        """Give ``today`` as the day they left to the families that left before the
        dates were kept (archived, or every child archived, and no date): they are then
        purged a retention after the upgrade, never earlier than the notice says.
        Idempotent; reads every family once (the deployment's data upgrade)."""
        dated = 0
        for family in self._accounts.all_families():
            if family.left_on is None and not family.anonymised and has_left(family):
                dated += self._accounts.date_departure(family, today)
        return dated

    def _purge(self, _run_id: str, now: datetime) -> dict[str, Any]:
        months = self._commune.get().privacy.retention_months
        today = now.astimezone(PARIS).date()
        cutoff = purge_cutoff(today, months)
        counts: dict[str, Any] = {"retention_months": months, "cutoff": cutoff.isoformat(),
                                  "anonymised": 0, "skipped": [], "conflicts": 0,
                                  "more": False}
        examined, start = 0, None
        while True:
            families, start = self._accounts.families_due(cutoff, start, PAGE_SIZE)
            for family in families:
                examined += 1
                self._consider(family, today, months, now, counts)
            if start is None:
                return counts
            if examined >= MAX_FAMILIES_PER_RUN:
                counts["more"] = True
                return counts

    def _consider(self, family: Family, today: date, months: int, now: datetime,
                  counts: dict[str, Any]) -> None:
        if family.left_on is None or family.anonymised or not has_left(family) \
                or not is_due(family.left_on, today, months):
            return  # the index and the family disagree: its next write sets it right
        owed = balance(self._billing.ledger(family.number))
        if owed:
            # Collecting a debt (or refunding a credit) needs the family's name and address.
            counts["skipped"].append({"family": family.number, "balance_cents": owed})
            return
        try:
            self._anonymise(family, months, now)
        except Conflict:
            counts["conflicts"] += 1  # staff changed it meanwhile: seen again next night
            return
        counts["anonymised"] += 1

    def _anonymise(self, family: Family, months: int, now: datetime) -> None:
        """Erase a family's personal data, keeping its accounting records.

        What only the family item holds goes last, in one write conditioned on the
        version read: until it succeeds the family stays in the index, so a run that
        stops half-way is finished by the next one."""
        number = family.number
        self._sessions.delete_all(f"family#{number}")
        self._typical_weeks.delete_family(number)
        for month in sorted({i.month for i in self._billing.invoices_of(number)}):
            self._drafts.rename(month, number, ANONYMISED_NAME)
        # Names, e-mails (and their logins), phones, address, income, children's details
        # and search terms, in one transaction; the password matches nothing any more.
        self._accounts.save_family(family, anonymise(family, now), lock_credentials=True)
        self._audit.record(WHO, "famille.anonymisation", number, None,
                           anonymisation_record(family, months), now)
        LOG.info("family %s anonymised (left on %s)", number, family.left_on)
