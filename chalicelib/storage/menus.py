"""Menus: one item per day, partitioned by month."""
from __future__ import annotations

from datetime import date

from pynamodb.transactions import TransactWrite

from chalicelib.storage.keys import months
from chalicelib.storage.models import MenuModel, connection


class MenuRepository:
    """Reads menus over a range; writes a week at once."""

    def between(self, start: date, end: date) -> dict[date, tuple[bool, list]]:
        """(vegetarian, dishes) per day with a menu (one query per month)."""
        out: dict[date, tuple[bool, list]] = {}
        for key in months(start, end):
            for item in MenuModel.query(key, MenuModel.day.between(
                    start.isoformat(), end.isoformat())):
                out[date.fromisoformat(item.day)] = (bool(item.vegetarian), list(item.dishes))
        return out

    def put_days(self, days: dict[date, tuple[bool, list]], removed: list[date]) -> None:
        """Write a week's days (and drop emptied ones) in one transaction."""
        if not days and not removed:
            return
        with TransactWrite(connection=connection()) as transaction:
            for day, (vegetarian, dishes) in days.items():
                transaction.save(MenuModel(day.strftime("%Y-%m"), day.isoformat(),
                                           vegetarian=vegetarian, dishes=dishes))
            for day in removed:
                transaction.delete(MenuModel(day.strftime("%Y-%m"), day.isoformat()))
