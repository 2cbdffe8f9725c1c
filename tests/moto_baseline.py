"""The demo commune on moto's in-process mock, built once per test process.

Creating the tables and the demo data (argon2 hashes included) costs about a second;
every test needs them fresh. The first test that asks builds them and keeps a copy of
moto's DynamoDB tables; each later one gets its own copy of that copy (a few
milliseconds) in the mock it runs under. The copy is kept per settings (table prefix,
region, clock, mail sender), so a test that changes them gets its own baseline.
"""
from __future__ import annotations

import copy

from chalicelib.services import demo

_BASELINES: dict[tuple, dict] = {}


def _key(settings) -> tuple:
    return (settings.table_prefix, settings.region, settings.fixed_now, settings.mail_from,
            settings.stage)


def prepare(container) -> None:
    """The tables and the demo data, as ``demo.prepare_stack`` and ``demo.load_demo_data``
    leave them, under the running mock."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends
    settings = container.settings
    backend = dynamodb_backends[DEFAULT_ACCOUNT_ID][settings.region]
    key = _key(settings)
    kept = _BASELINES.get(key)
    if kept is None:
        demo.prepare_stack(container)
        demo.load_demo_data(container)
        _BASELINES[key] = copy.deepcopy(backend.tables)
        return
    backend.tables = copy.deepcopy(kept)
    # The sender's identity, as prepare_stack verifies it (SES is fresh in each mock).
    import boto3
    boto3.client("ses", region_name=settings.region).verify_email_identity(
        EmailAddress=settings.mail_from)
    # The files bucket too (S3 is fresh in each mock; an empty bucket costs nothing).
    demo.create_files_bucket(container)
