"""The audit log: one item per staff (or family) write, partitioned by month."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from chalicelib.settings import PARIS
from chalicelib.storage.keys import months
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
        """Store one entry (never updated, never deleted)."""
        at_utc = entry.at.astimezone(UTC)
        AuditModel(entry.at.astimezone(PARIS).strftime("%Y-%m"),
                   f"{at_utc.isoformat()}#{secrets.token_hex(4)}",
                   at=entry.at, who=entry.who, action=entry.action, target=entry.target,
                   before=entry.before, after=entry.after).save()

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
