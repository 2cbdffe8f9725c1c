"""The audit log: one item per staff (or family) write, partitioned by month."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pynamodb.exceptions import UpdateError

from chalicelib.domain.legal import AUDIT_LOG_DAYS
from chalicelib.settings import PARIS
from chalicelib.storage.keys import is_condition_failure, months
from chalicelib.storage.models import AuditModel


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    who: str
    action: str
    target: str
    before: Any
    after: Any


class AuditRepository:
    """Appends entries; reads them back by date range, newest first."""

    def record(self, entry: AuditEntry) -> None:
        """Store one entry (never updated; DynamoDB deletes it ``AUDIT_LOG_DAYS`` on)."""
        at_utc = entry.at.astimezone(UTC)
        AuditModel(entry.at.astimezone(PARIS).strftime("%Y-%m"),
                   f"{at_utc.isoformat()}#{secrets.token_hex(4)}",
                   at=entry.at, who=entry.who, action=entry.action, target=entry.target,
                   before=entry.before, after=entry.after,
                   expires=at_utc + timedelta(days=AUDIT_LOG_DAYS)).save()

    def date_undated(self, today: date) -> int:
        """Give entries written before the log expired its entries their expiry (a year
        after each was written); returns how many. Deploy-time upgrade only: one Query a
        month over the last ten years. Idempotent: a dated entry is left alone."""
        dated = 0
        first = date(today.year - 10, today.month, 1)
        for item in (i for month in months(first, today)
                     for i in AuditModel.query(
                         month, filter_condition=AuditModel.expires.does_not_exist())):
            try:
                item.update(actions=[AuditModel.expires.set(
                    item.at.astimezone(UTC) + timedelta(days=AUDIT_LOG_DAYS))],
                    condition=AuditModel.expires.does_not_exist())
            except UpdateError as exc:  # dated meanwhile by another upgrade
                if not is_condition_failure(exc):
                    raise
                continue
            dated += 1
        return dated

    def between(self, start: date, end: date, limit: int = 500) -> list[AuditEntry]:
        """Entries whose Paris date lies between two dates, newest first."""
        entries: list[AuditEntry] = []
        for month in reversed(months(start, end)):
            for item in AuditModel.query(month, scan_index_forward=False):
                day = item.at.astimezone(PARIS).date()
                if start <= day <= end:
                    entries.append(AuditEntry(item.at, item.who, item.action, item.target,
                                              item.before, item.after))
                if len(entries) >= limit:
                    return entries
        return entries
