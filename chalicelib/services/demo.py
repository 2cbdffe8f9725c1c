"""Local stage only: tables, SES sender and the demo data a person trying the product uses.

The same data is listed in the README and printed by ``make run``.
"""
from __future__ import annotations

from dataclasses import replace
from typing import TypedDict

from chalicelib.domain.accounts import Child, NewFamily
from chalicelib.domain.commune import CommuneSettings, default_settings
from chalicelib.domain.sepa import (
    ACTIVE,
    MANDATE_TEXT_VERSION,
    ONLINE,
    DirectDebitSettings,
    Mandate,
    check_account,
    ics_key,
    rum,
)
from chalicelib.services.security import hash_password
from chalicelib.settings import PARIS
from chalicelib.storage.mandates import MandateRepository
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
# The demo commune offers direct debit: a made-up ICS with a valid key (FR72ZZZ123456) and
# the régie's account at the Banque de France.
DEMO_DIRECT_DEBIT = DirectDebitSettings(
    enabled=True, creditor_name="Commune de démonstration",
    creditor_id=f"FR{ics_key('FR', '123456')}ZZZ123456",
    creditor_iban="FR7630001007941234567890185", creditor_bic="BDFEFRPP")


class DemoDebitFamily(TypedDict):
    name: str
    email: str
    password: str
    address: str
    holder: str
    iban: str


# A second family, paying by direct debit: its mandate was signed online. Only ``make run``
# creates it (``load_demo_mandate``): the tests' demo commune keeps one family.
DEMO_DEBIT_FAMILY: DemoDebitFamily = {
    "name": "GIRAUD", "email": "famille.giraud@example.org",
    "password": "demo-prelevement-2026",
    "address": "3 chemin des Vignes\n69870 Saint-Just-d'Avray",
    "holder": "Claire GIRAUD", "iban": "FR7630006000011234567890189"}
DEMO_STAFF = {"email": "mairie@example.org", "name": "Mairie", "password": "demo-mairie-2026",
              "role": "admin"}


def prepare_stack(container) -> None:
    """Create missing tables, the files bucket and the export queue, and verify the sender address in SES."""
    if not container.settings.is_local:
        raise RuntimeError("prepare_stack is for the local stage only")
    create_tables()
    import boto3
    ses = boto3.client("ses", region_name=container.settings.region,
                       endpoint_url=container.settings.aws_endpoint)
    ses.verify_email_identity(EmailAddress=container.settings.mail_from)
    create_files_bucket(container)
    create_export_queue(container)


def create_export_queue(container) -> None:
    """The queue of the export jobs (the stack makes it in dev and prod); the local stack
    drains it (scripts/local/devstack.py)."""
    if not container.settings.is_local:
        raise RuntimeError("create_export_queue is for the local stage only")
    import boto3
    sqs = boto3.client("sqs", region_name=container.settings.region,
                       endpoint_url=container.settings.aws_endpoint)
    sqs.create_queue(QueueName=container.settings.export_queue_name)  # idempotent


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
    created = container.commune.initialize(demo_settings()) or created
    created = container.billing.initialize_tariffs(DEMO_TARIFFS) or created
    return created


def demo_settings() -> CommuneSettings:
    """The demo commune: the default settings, offering direct debit."""
    return replace(default_settings("Commune de démonstration"), direct_debit=DEMO_DIRECT_DEBIT)


def load_demo_mandate(container) -> bool:
    """The family paying by direct debit, with its mandate signed online, unless it
    exists; returns whether it was created."""
    if not container.settings.is_local:
        raise RuntimeError("demo data is for the local stage only")
    accounts = container.accounts
    data = DEMO_DEBIT_FAMILY
    if accounts.find_login(data["email"]) is not None:
        return False
    now = container.clock.now()
    number = accounts.next_family_number()
    accounts.create_family(number, NewFamily(data["name"], (data["email"],),
                                             address=data["address"]),
                           hash_password(data["password"]), None, now)
    MandateRepository().create(Mandate(
        family=number, rum=rum(number, 1), holder=data["holder"],
        account=check_account(data["iban"]), status=ACTIVE,
        signed_on=now.astimezone(PARIS).date(), channel=ONLINE,
        text_version=MANDATE_TEXT_VERSION, signed_by=data["email"], signed_at=now,
        updated_at=now))
    return True


def describe() -> str:
    """The demo logins, as printed at start."""
    return (
        "Données de démonstration :\n"
        f"  Famille   : n° {DEMO_FAMILY['number']} ou {DEMO_FAMILY['email']}"
        f" / {DEMO_FAMILY['password']} (enfant TOTO TEST)\n"
        f"  Famille au prélèvement : {DEMO_DEBIT_FAMILY['email']}"
        f" / {DEMO_DEBIT_FAMILY['password']} (mandat signé en ligne)\n"
        f"  Personnel : {DEMO_STAFF['email']} / {DEMO_STAFF['password']} (admin)\n")
