"""The audit trail of writes: who, when, what, before and after."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from chalicelib.domain.calendar import parse_date
from chalicelib.domain.errors import ValidationError
from chalicelib.domain.journal import Names, describe, family_of
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

    def __init__(self, repository: AuditRepository, accounts: Any = None,
                 commune: Any = None) -> None:
        self._repository = repository
        self._accounts = accounts   # names of the families and children entries mention
        self._commune = commune     # labels of the services

    def record(self, who: str, action: str, target: str, before: Any, after: Any,
               now: datetime) -> None:
        """Keep one write's trace."""
        self._repository.record(AuditEntry(now, who, action, target, scrub(before),
                                           scrub(after)))

    def date_undated(self, today: date) -> int:
        """Entries written before the log expired its entries get their expiry (deploy)."""
        return self._repository.date_undated(today)

    def list(self, query: dict[str, str], now: datetime) -> list[dict[str, Any]]:
        """Entries of a date range (default: the last 7 days), newest first."""
        end = parse_date(query["to"], "to") if query.get("to") else now.date()
        start = parse_date(query["from"], "from") if query.get("from") else end - timedelta(days=7)
        if end < start or end - start > timedelta(days=366):
            raise ValidationError("Période invalide (au plus un an).", field="to")
        entries = self._repository.between(start, end)
        names = self._names(entries)
        return [{"at": e.at.astimezone(PARIS).isoformat(), "who": e.who, "action": e.action,
                 "target": e.target, "before": e.before, "after": e.after,
                 "label": describe(e.action, e.target, e.before, e.after, names)}
                for e in entries]

    def _names(self, entries: Sequence[AuditEntry]) -> Names:
        """The names the entries refer to: one BatchGetItem per hundred families, and the
        commune's settings for the services' labels."""
        found = {family_of(e.action, e.target) for e in entries}
        found |= {str(e.after["family"]) for e in entries
                  if isinstance(e.after, dict) and e.after.get("family")}
        numbers = sorted(n for n in found if n and n.isdigit())
        families = self._accounts.get_families(numbers) if self._accounts and numbers else {}
        settings = self._commune.get() if self._commune and entries else None
        return Names(
            families={n: f.name for n, f in families.items()},
            children={c.id: f"{c.first_name} {c.last_name}".strip()
                      for f in families.values() for c in f.children},
            services={s.code: s.label for s in settings.services} if settings else {})
