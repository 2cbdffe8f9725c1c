"""Small helpers shared by the repositories: month partitions and DynamoDB answers."""
from __future__ import annotations

from datetime import date
from typing import Any

from pynamodb.models import Model


def months(start: date, end: date) -> list[str]:
    """Every ``YYYY-MM`` partition key from the month of ``start`` to that of ``end``."""
    keys, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return keys


def is_condition_failure(exc: Exception) -> bool:
    """Whether a PynamoDB write failed on its condition (someone wrote first)."""
    return getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException"


def get_together(keys: list[tuple[type[Model], str]]) -> list[Any]:
    """Items of several tables (hash keys only) in one BatchGetItem; None where missing.

    A page that needs, say, the family and the commune's settings pays one round trip
    instead of two. Keys DynamoDB leaves unprocessed (throttling) are asked again.
    """
    # Through PynamoDB's connection: its error mapping, retries and request accounting.
    connection = keys[0][0]._get_connection().connection
    wanted: dict[str, dict[str, Any]] = {}
    for model, hash_key in keys:
        attribute = model._hash_key_attribute()
        key = {attribute.attr_name: {attribute.attr_type: attribute.serialize(hash_key)}}
        wanted.setdefault(model.Meta.table_name, {"Keys": []})["Keys"].append(key)
    found: dict[tuple[str, str], dict[str, Any]] = {}
    request = wanted
    for _ in range(10):
        reply = connection.dispatch("BatchGetItem", {"RequestItems": request})
        for table, items in reply.get("Responses", {}).items():
            for item in items:
                found[(table, _hash_value(keys, table, item))] = item
        request = reply.get("UnprocessedKeys") or {}
        if not request:
            break
    else:
        raise RuntimeError("DynamoDB left keys unprocessed after 10 tries")
    return [model.from_raw_data(found[(model.Meta.table_name, hash_key)])
            if (model.Meta.table_name, hash_key) in found else None
            for model, hash_key in keys]


def _hash_value(keys: list[tuple[type[Model], str]], table: str, item: dict[str, Any]) -> str:
    model = next(m for m, _ in keys if m.Meta.table_name == table)
    attribute = model._hash_key_attribute()
    return attribute.deserialize(item[attribute.attr_name][attribute.attr_type])
