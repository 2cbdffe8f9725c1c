"""The canteen's menus: read by families and staff, published a week at a time."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from chalicelib.domain.calendar import parse_date
from chalicelib.domain.errors import ValidationError
from chalicelib.domain.menus import ALLERGENS, parse_week
from chalicelib.storage.menus import MenuRepository


class MenuService:
    """The menus of a period and the publication of a week's."""

    def __init__(self, menus: MenuRepository) -> None:
        self._menus = menus

    def menus(self, query: dict[str, str], now: datetime) -> dict[str, Any]:
        """Menus of a date range (default: this week)."""
        today = now.date()
        monday = today - timedelta(days=today.isoweekday() - 1)
        start = parse_date(query["from"], "from") if query.get("from") else monday
        end = parse_date(query["to"], "to") if query.get("to") else start + timedelta(days=6)
        if end < start or (end - start).days > 62:
            raise ValidationError("Période invalide (62 jours au plus).", field="to")
        stored = self._menus.between(start, end)
        return {"allergens": dict(ALLERGENS),
                "days": [{"date": day.isoformat(), "vegetarian": vegetarian, "dishes": dishes}
                         for day, (vegetarian, dishes) in sorted(stored.items())]}

    def publish_week(self, monday_text: str, data: dict[str, Any]) -> dict[str, Any]:
        """Publish (or replace) a week's menu."""
        monday, days = parse_week(monday_text, data)
        sunday = monday + timedelta(days=6)
        existing = self._menus.between(monday, sunday)
        kept = {d: v for d, v in days.items() if v[1] or v[0]}
        removed = [d for d in existing if d not in kept]
        self._menus.put_days(kept, removed)
        return {"week": monday.isoformat(),
                "days": [{"date": d.isoformat(), "vegetarian": v, "dishes": dishes}
                         for d, (v, dishes) in sorted(kept.items())]}
