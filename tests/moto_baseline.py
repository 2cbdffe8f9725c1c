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
    # The sender's identity, as prepare_stack verifies it (SES is fresh in each mock), and
    # the files bucket (S3 too; an empty bucket costs nothing), as demo.prepare_stack and
    # demo.create_files_bucket make them, through clients built once per process: moto
    # intercepts a client whenever a mock runs, and building one costs 40 ms.
    _client("ses", settings.region).verify_email_identity(EmailAddress=settings.mail_from)
    _client("s3", settings.region).create_bucket(
        Bucket=settings.files_bucket,
        CreateBucketConfiguration={"LocationConstraint": settings.region})
    _client("sqs", settings.region).create_queue(QueueName=settings.export_queue_name)


_CLIENTS: dict[tuple[str, str], object] = {}


def _client(service: str, region: str):
    if (service, region) not in _CLIENTS:
        import boto3
        _CLIENTS[service, region] = boto3.client(service, region_name=region)
    return _CLIENTS[service, region]
