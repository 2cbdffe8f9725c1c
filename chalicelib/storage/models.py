"""PynamoDB models: one table per aggregate, named from the stage's settings.

``ALL_MODELS`` is the single list that local set-up, tests and the deployment template
are built from.
"""
from __future__ import annotations

import functools

from pynamodb.attributes import (BooleanAttribute, JSONAttribute, ListAttribute,
                                 MapAttribute, NumberAttribute, NumberSetAttribute,
                                 TTLAttribute, UnicodeAttribute, UnicodeSetAttribute,
                                 UTCDateTimeAttribute, VersionAttribute)
from pynamodb.connection import Connection
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.settings import get_settings

_settings = get_settings()


class _Meta:
    region = _settings.region
    host = _settings.aws_endpoint
    billing_mode = "PAY_PER_REQUEST"
    # Lambda runs one request at a time: a short timeout and few retries keep a
    # throttled table from eating API Gateway's 29 s.
    connect_timeout_seconds = 2
    read_timeout_seconds = 5
    max_retry_attempts = 3


def _meta(name: str) -> type:
    return type("Meta", (_Meta,), {"table_name": _settings.table_name(name)})


class ChildMap(MapAttribute):
    id = UnicodeAttribute()
    first_name = UnicodeAttribute()
    last_name = UnicodeAttribute()


class CredentialsMixin:
    password_hash = UnicodeAttribute()
    must_change_password = BooleanAttribute(default=False)
    temporary_expires_at = UTCDateTimeAttribute(null=True)


class FamilyModel(CredentialsMixin, Model):
    Meta = _meta("families")
    number = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    emails = ListAttribute(of=UnicodeAttribute, default=list)
    phones = ListAttribute(of=UnicodeAttribute, default=list)
    address = UnicodeAttribute(default="")
    children = ListAttribute(of=ChildMap, default=list)
    next_child = NumberAttribute(default=1)
    created_at = UTCDateTimeAttribute()
    version = VersionAttribute()


class StaffModel(CredentialsMixin, Model):
    Meta = _meta("staff")
    email = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    role = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    version = VersionAttribute()


class LoginModel(Model):
    """E-mail → account: makes e-mails unique across families and staff."""
    Meta = _meta("logins")
    login = UnicodeAttribute(hash_key=True)
    kind = UnicodeAttribute()
    ref = UnicodeAttribute()


class PrincipalIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_principal"
        projection = AllProjection()
    principal = UnicodeAttribute(hash_key=True)


class SessionModel(Model):
    Meta = _meta("sessions")
    token_hash = UnicodeAttribute(hash_key=True)
    principal = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    last_seen_at = UTCDateTimeAttribute()
    expires = TTLAttribute()
    by_principal = PrincipalIndex()


class ResetTokenModel(Model):
    Meta = _meta("reset_tokens")
    token_hash = UnicodeAttribute(hash_key=True)
    principal = UnicodeAttribute()
    expires_at = UTCDateTimeAttribute()
    expires = TTLAttribute()


class LoginAttemptModel(Model):
    Meta = _meta("login_attempts")
    key = UnicodeAttribute(hash_key=True)
    failures = NumberAttribute(default=0)
    last_failure_at = UTCDateTimeAttribute(null=True)
    expires = TTLAttribute(null=True)


class CounterModel(Model):
    Meta = _meta("counters")
    name = UnicodeAttribute(hash_key=True)
    value = NumberAttribute(default=0)


class CommuneModel(Model):
    """The commune's settings and closures: one item, read by every calendar."""
    Meta = _meta("commune")
    id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    zone = UnicodeAttribute()
    school_days = NumberSetAttribute()
    services = JSONAttribute()
    closures = JSONAttribute(default=list)
    next_closure = NumberAttribute(default=1)
    version = VersionAttribute()


class BookingModel(Model):
    """One child's day: which services are booked. Versioned so no update is lost."""
    Meta = _meta("bookings")
    child_id = UnicodeAttribute(hash_key=True)
    day = UnicodeAttribute(range_key=True)
    family = UnicodeAttribute()
    services = UnicodeSetAttribute(null=True)
    updated_at = UTCDateTimeAttribute()
    version = VersionAttribute()


@functools.lru_cache(maxsize=1)
def connection() -> Connection:
    """The connection transactions run on (models hold their own)."""
    return Connection(region=_settings.region, host=_settings.aws_endpoint,
                      max_retry_attempts=_Meta.max_retry_attempts)


ALL_MODELS: tuple[type[Model], ...] = (
    FamilyModel, StaffModel, LoginModel, SessionModel, ResetTokenModel,
    LoginAttemptModel, CounterModel, CommuneModel, BookingModel,
)


def create_tables() -> None:
    """Create every missing table (local stack and tests; production uses CloudFormation)."""
    for model in ALL_MODELS:
        if not model.exists():
            model.create_table(wait=True, billing_mode="PAY_PER_REQUEST")
