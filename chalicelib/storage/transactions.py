"""Transactions whose failures say which item refused, by name.

DynamoDB answers a cancelled ``TransactWriteItems`` with one reason per item, in the
order of the request. PynamoDB does not send items in the order they were added: it
groups them by kind (condition checks, deletes, puts, updates). Reading the reasons by
position therefore names the wrong item (a numbering conflict taken for something else,
answered 500). ``Transaction`` names each action and maps the reasons back to the names.
"""
from __future__ import annotations

from typing import Any

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.storage.models import connection

CONDITION_FAILED = "ConditionalCheckFailed"
CONFLICT = "TransactionConflict"


class Transaction(TransactWrite):
    """A ``TransactWrite`` on the shared connection whose actions carry a name."""

    def __init__(self) -> None:
        super().__init__(connection=connection())
        self._names: dict[str, list[str]] = {"check": [], "delete": [], "put": [],
                                             "update": []}

    def check(self, name: str, model_cls: Any, hash_key: Any, range_key: Any = None,
              condition: Any = None) -> None:
        """A condition on an item the transaction does not write."""
        self._names["check"].append(name)
        self.condition_check(model_cls, hash_key, range_key, condition)

    def remove(self, name: str, model: Any, condition: Any = None) -> None:
        """Delete an item."""
        self._names["delete"].append(name)
        self.delete(model, condition)

    def put(self, name: str, model: Any, condition: Any = None) -> None:
        """Write a whole item."""
        self._names["put"].append(name)
        self.save(model, condition)

    def change(self, name: str, model: Any, actions: list[Any], condition: Any = None) -> None:
        """Update some attributes of an item."""
        self._names["update"].append(name)
        self.update(model, actions, condition)

    def order(self) -> list[str]:
        """The names in the order the request sends the items (see the module's text)."""
        return (self._names["check"] + self._names["delete"] + self._names["put"]
                + self._names["update"])

    def reasons(self, exc: TransactWriteError) -> dict[str, str]:
        """Why each named item refused: {name: reason code}, items that did not refuse
        left out."""
        codes = [r.code if r else None for r in (exc.cancellation_reasons or [])]
        return {name: code for name, code in zip(self.order(), codes, strict=False)
                if code and code != "None"}


def failed_on(reasons: dict[str, str], name: str) -> bool:
    """Whether the item named ``name`` failed its condition."""
    return reasons.get(name) == CONDITION_FAILED


def conflicted(reasons: dict[str, str]) -> bool:
    """Whether a concurrent transaction touched one of the items (try again)."""
    return CONFLICT in reasons.values()
