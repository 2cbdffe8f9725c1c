"""Local stage only: tables, SES sender and the demo data a person trying the product uses.

The same data is listed in the README and printed by ``make run``.
"""
from __future__ import annotations

from typing import TypedDict

from chalicelib.domain.accounts import Child, NewFamily
from chalicelib.domain.commune import default_settings
from chalicelib.services.security import hash_password
from chalicelib.storage.models import create_tables


class DemoFamily(TypedDict):
    number: str
    name: str
    email: str
    password: str
    child: tuple[str, str]  # first and last name


DEMO_FAMILY: DemoFamily = {"number": "1001", "name": "TEST",
                           "email": "famille.test@example.org",
                           "password": "demo-famille-2026", "child": ("TOTO", "TEST")}
# One price per session from the start of the school year (3.50 €, 1.50 €, 2.00 €).
DEMO_TARIFFS = [
    {"service": service, "effective_from": "2026-09-01",
     "prices": [{"max_qf": None, "price_cents": cents}], "unit": "session"}
    for service, cents in (("meal", 350), ("care_morning", 150), ("care_evening", 200))
]
DEMO_STAFF = {"email": "mairie@example.org", "name": "Mairie", "password": "demo-mairie-2026",
              "role": "admin"}


def prepare_stack(container) -> None:
    """Create missing tables and the files bucket, and verify the sender address in SES."""
    if not container.settings.is_local:
        raise RuntimeError("prepare_stack is for the local stage only")
    create_tables()
    import boto3
    ses = boto3.client("ses", region_name=container.settings.region,
                       endpoint_url=container.settings.aws_endpoint)
    ses.verify_email_identity(EmailAddress=container.settings.mail_from)
    create_files_bucket(container)


def create_files_bucket(container) -> None:
    """The bucket of the files the product writes (the stack makes it in dev and prod)."""
    if not container.settings.is_local:
        raise RuntimeError("create_files_bucket is for the local stage only")
    import boto3
    s3 = boto3.client("s3", region_name=container.settings.region,
                      endpoint_url=container.settings.aws_endpoint)
    try:
        s3.create_bucket(Bucket=container.settings.files_bucket, CreateBucketConfiguration={
            "LocationConstraint": container.settings.region})
    except s3.exceptions.BucketAlreadyOwnedByYou:
        pass  # made by an earlier start: its files are kept


def load_demo_data(container) -> bool:
    """Create the demo accounts unless they exist; returns whether anything was created."""
    if not container.settings.is_local:
        raise RuntimeError("demo data is for the local stage only")
    accounts = container.accounts
    now = container.clock.now()
    created = False
    if accounts.get_family(DEMO_FAMILY["number"]) is None:
        number = accounts.next_family_number()
        if number != DEMO_FAMILY["number"]:
            number = DEMO_FAMILY["number"]
        accounts.create_family(
            number, NewFamily(DEMO_FAMILY["name"], (DEMO_FAMILY["email"],)),
            hash_password(DEMO_FAMILY["password"]), None, now)
        accounts.add_child(number, Child("", *DEMO_FAMILY["child"]))
        created = True
    if accounts.get_staff(DEMO_STAFF["email"]) is None:
        accounts.create_staff(DEMO_STAFF["email"], DEMO_STAFF["name"], DEMO_STAFF["role"],
                              hash_password(DEMO_STAFF["password"]), None, now)
        created = True
    # Families stored before the search terms existed get theirs (idempotent).
    accounts.index_all_families()
    created = container.commune.initialize(default_settings("Commune de démonstration")) or created
    created = container.billing.initialize_tariffs(DEMO_TARIFFS) or created
    return created


def describe() -> str:
    """The demo logins, as printed at start."""
    return (
        "Données de démonstration :\n"
        f"  Famille   : n° {DEMO_FAMILY['number']} ou {DEMO_FAMILY['email']}"
        f" / {DEMO_FAMILY['password']} (enfant TOTO TEST)\n"
        f"  Personnel : {DEMO_STAFF['email']} / {DEMO_STAFF['password']} (admin)\n")
