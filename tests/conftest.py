"""Shared fixtures. The environment is set before anything imports ``app``: moto must
intercept every AWS call, and pynamodb must never be pointed at a host."""
from __future__ import annotations

import os

os.environ.update({
    "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing", "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "eu-west-3",
    "CANTINE_STAGE": "local", "CANTINE_TABLE_PREFIX": "test-",
    "CANTINE_SITE_URL": "http://127.0.0.1:8000",
    "CANTINE_MAIL_FROM": "ne-pas-repondre@example.org",
    "CANTINE_NOW": "2026-11-23T10:00:00+01:00",
    # In-process tests sign in hundreds of times; the padding is tested on its own and on
    # the local stack (tests/load), which keeps it on.
    "CANTINE_AUTH_PACING": "off",
})
os.environ.pop("CANTINE_AWS_ENDPOINT", None)
os.environ.pop("AWS_ENDPOINT_URL", None)
