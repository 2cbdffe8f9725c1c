"""The audit trail of writes: who, when, what, before and after."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from chalicelib.domain.calendar import parse_date
from chalicelib.domain.errors import ValidationError
from chalicelib.settings import PARIS
from chalicelib.storage.audit import AuditEntry, AuditRepository

_SECRET_KEYS = {"password", "current_password", "password_hash", "token"}


def scrub(value: Any) -> Any:
    """A copy without anything secret, fit to be kept for years."""
    if isinstance(value, dict):
        return {k: ("***" if k in _SECRET_KEYS else scrub(v)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [scrub(v) for v in value]
    return value


class AuditService:
    """Records and reads the audit log."""

    def __init__(self, repository: AuditRepository) -> None:
        self._repository = repository

    def record(self, who: str, action: str, target: str, before: Any, after: Any,
               now: datetime) -> None:
        """Keep one write's trace."""
        self._repository.record(AuditEntry(now, who, action, target, scrub(before),
                                           scrub(after)))

    def list(self, query: dict[str, str], now: datetime) -> list[dict[str, Any]]:
        """Entries of a date range (default: the last 7 days), newest first."""
        end = parse_date(query["to"], "to") if query.get("to") else now.date()
        start = parse_date(query["from"], "from") if query.get("from") else end - timedelta(days=7)
        if end < start or end - start > timedelta(days=366):
            raise ValidationError("Période invalide (au plus un an).", field="to")
        return [{"at": e.at.astimezone(PARIS).isoformat(), "who": e.who, "action": e.action,
                 "target": e.target, "before": e.before, "after": e.after}
                for e in self._repository.between(start, end)]
