"""Typical weeks ("semaine type"): one item per child, partitioned by family.

Access patterns (docs/data.md, table ``typical_weeks``):
- ``of_family``: Query ``family = :f`` — the page and the application read them all.
- ``put``: PutItem, unconditional — the family's last save wins, like a form.
- ``delete_family``: Query ``family = :f`` + BatchWriteItem deletes — the purge.
"""
from __future__ import annotations

from datetime import datetime

from chalicelib.storage.models import TypicalWeekModel


class TypicalWeekRepository:
    """Reads and writes the typical weeks of one family's children."""

    def of_family(self, family: str) -> dict[str, dict[int, frozenset[str]]]:
        """Each child's typical week (weekday → services), by child id."""
        return {item.child_id: {int(d): frozenset(s) for d, s in (item.days or {}).items()}
                for item in TypicalWeekModel.query(family)}

    def put(self, family: str, child_id: str, days: dict[int, frozenset[str]],
            now: datetime) -> None:
        """Replace a child's typical week."""
        TypicalWeekModel(family, child_id, days={str(d): sorted(s) for d, s in days.items()},
                         updated_at=now).save()

    def delete_family(self, family: str) -> int:
        """Delete every typical week of a family (its anonymisation); how many."""
        items = list(TypicalWeekModel.query(family))
        with TypicalWeekModel.batch_write() as batch:
            for item in items:
                batch.delete(item)
        return len(items)
