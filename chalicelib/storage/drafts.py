"""A month's draft invoices ("pré-facturation"): one partition per month.

Access patterns: the whole draft of a month, header first (one query, read
consistently); a rebuild writes and deletes rows in batches of 25.

A build first moves the header to ``building`` under a new revision, then writes the
rows, then sets ``draft``: a build that fails leaves ``failed`` (or, if its process died,
``building``), which confirmation refuses, never a mix of two builds. Confirmation checks the revision in each invoice's
transaction, so a rebuild during a confirmation stops it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pynamodb.exceptions import PutError, UpdateError

from chalicelib.domain.errors import Conflict
from chalicelib.storage.keys import is_condition_failure
from chalicelib.storage.models import DraftModel

HEADER = "#"
BUILDING, DRAFT, CONFIRMED, FAILED = "building", "draft", "confirmed", "failed"


class BuildInProgress(Conflict):
    code = "draft_busy"
    message = "La pré-facturation de ce mois est en cours de calcul ou de validation ailleurs."


@dataclass(frozen=True)
class DraftHeader:
    month: str
    status: str
    revision: int
    built_at: datetime | None
    built_by: str
    confirmed_at: datetime | None
    confirmed_by: str | None
    summary: dict[str, Any]
    delivered: int = 0  # the confirmed month's invoices sent to their families so far


@dataclass(frozen=True)
class StoredRow:
    family: str
    name: str
    lines: list[dict[str, Any]]
    total_cents: int
    anomalies: list[dict[str, Any]]
    invoice: str | None
    ignored: int


def _header(item: DraftModel) -> DraftHeader:
    return DraftHeader(item.month, item.status or DRAFT, int(item.revision or 0),
                       item.built_at, item.built_by or "", item.confirmed_at,
                       item.confirmed_by, dict(item.summary or {}), int(item.delivered or 0))


def _row(item: DraftModel) -> StoredRow:
    return StoredRow(item.family, item.name or "", list(item.lines or []),
                     int(item.total_cents or 0), list(item.anomalies or []), item.invoice,
                     int(item.ignored or 0))


class DraftRepository:
    """Reads and rewrites a month's draft."""

    def read(self, month: str) -> tuple[DraftHeader | None, list[StoredRow]]:
        """The month's header (None before any build) and rows, by family number."""
        header, rows = None, []
        for item in DraftModel.query(month, consistent_read=True):
            if item.family == HEADER:
                header = _header(item)
            else:
                rows.append(_row(item))
        return header, rows

    def header(self, month: str) -> DraftHeader | None:
        """The month's header only (one GetItem)."""
        try:
            return _header(DraftModel.get(month, HEADER, consistent_read=True))
        except DraftModel.DoesNotExist:
            return None

    def begin(self, month: str, previous: DraftHeader | None, now: datetime,
              who: str) -> int:
        """Open a new build; returns its revision. BuildInProgress if another began."""
        revision = (previous.revision if previous else 0) + 1
        item = DraftModel(month, HEADER, status=BUILDING, revision=revision, built_at=now,
                          built_by=who, summary={})
        condition = (DraftModel.family.does_not_exist() if previous is None
                     else DraftModel.revision == previous.revision)
        try:
            item.save(condition=condition)
        except PutError as exc:
            if is_condition_failure(exc):
                raise BuildInProgress() from exc
            raise
        return revision

    def write_rows(self, month: str, rows: list[StoredRow], stale: list[str]) -> None:
        """Write the build's rows and delete the families no longer in it."""
        with DraftModel.batch_write() as batch:
            for row in rows:
                batch.save(DraftModel(month, row.family, name=row.name, lines=row.lines,
                                      total_cents=row.total_cents, anomalies=row.anomalies,
                                      invoice=row.invoice, ignored=row.ignored))
            for family in stale:
                batch.delete(DraftModel(month, family))

    def rename(self, month: str, family: str, name: str) -> bool:
        """Show a family's row of a month under another name (its anonymisation): the
        lines and totals stay as built. False when the month has no row for it."""
        try:
            DraftModel(month, family).update(actions=[DraftModel.name.set(name)],
                                             condition=DraftModel.family.exists())
        except UpdateError as exc:
            if is_condition_failure(exc):
                return False
            raise
        return True

    def finish(self, month: str, revision: int, summary: dict[str, Any]) -> None:
        """Close a build: the draft can be reviewed and confirmed."""
        self._set(month, revision, BUILDING,
                  [DraftModel.status.set(DRAFT), DraftModel.summary.set(summary)])

    def abandon(self, month: str, revision: int) -> None:
        """A build that failed: to be built again before any confirmation."""
        self._set(month, revision, BUILDING, [DraftModel.status.set(FAILED)])

    def confirmed(self, month: str, revision: int, now: datetime, who: str,
                  summary: dict[str, Any]) -> None:
        """Record that the draft of this revision was confirmed."""
        self._set(month, revision, DRAFT,
                  [DraftModel.status.set(CONFIRMED), DraftModel.confirmed_at.set(now),
                   DraftModel.confirmed_by.set(who), DraftModel.summary.set(summary)])

    def count_delivered(self, month: str, count: int) -> None:
        """Add ``count`` invoices sent to the month's tally (each batch adds its own, in
        parallel: an ADD, never a read-then-write)."""
        if count:
            DraftModel(month, HEADER).update(actions=[DraftModel.delivered.add(count)],
                                             condition=DraftModel.family.exists())

    @staticmethod
    def _set(month: str, revision: int, status: str, actions: list[Any]) -> None:
        try:
            DraftModel(month, HEADER).update(
                actions=actions,
                condition=(DraftModel.revision == revision) & (DraftModel.status == status))
        except UpdateError as exc:
            if is_condition_failure(exc):
                raise BuildInProgress() from exc
            raise
