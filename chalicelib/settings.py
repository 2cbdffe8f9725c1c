"""Stage configuration: the only module that reads ``os.environ``.

Every environment variable the product understands is named here. Values are read once,
at first use, into a frozen ``Settings``; tests build their own with ``load_settings``.
"""
from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from datetime import datetime
from typing import Mapping
from zoneinfo import ZoneInfo

STAGE = "CANTINE_STAGE"                # local | dev | prod
TABLE_PREFIX = "CANTINE_TABLE_PREFIX"  # prefix of every DynamoDB table name
NOW = "CANTINE_NOW"                    # local stage only: the fixed current instant
SITE_URL = "CANTINE_SITE_URL"          # public address of the site, for links in e-mails
MAIL_FROM = "CANTINE_MAIL_FROM"        # verified SES sender
AWS_ENDPOINT = "CANTINE_AWS_ENDPOINT"  # local stage only: moto's server
PAYFIP_NUMCLI = "CANTINE_PAYFIP_NUMCLI"      # the régie's 6-digit client number
PAYFIP_MODE = "CANTINE_PAYFIP_MODE"          # T (test), X (activation), W (production)
PAYFIP_ENDPOINT = "CANTINE_PAYFIP_ENDPOINT"  # local stage only: the fake PayFip server
INVOICE_FUNCTION = "CANTINE_INVOICE_FUNCTION"  # the invoice job's Lambda (deployed stages)
AUTH_PACING = "CANTINE_AUTH_PACING"    # local stage only: "off" stops padding sign-in answers
REGION = "AWS_DEFAULT_REGION"
PAYFIP_SERVICE = "https://www.payfip.gouv.fr/tpa/services/securite"
PAYFIP_PAGE = "https://www.payfip.gouv.fr/tpa/paiementws.web?idop={idop}"

STAGES = ("local", "dev", "prod")
PARIS = ZoneInfo("Europe/Paris")


class SettingsError(RuntimeError):
    """The environment is not fit to start the product."""


@dataclass(frozen=True)
class Settings:
    stage: str
    table_prefix: str
    region: str
    site_url: str
    mail_from: str
    aws_endpoint: str | None = None
    fixed_now: datetime | None = None
    payfip_numcli: str = ""
    payfip_mode: str = "T"
    payfip_service: str = PAYFIP_SERVICE
    payfip_page: str = PAYFIP_PAGE
    invoice_function: str = ""
    auth_pacing: bool = True

    @property
    def is_local(self) -> bool:
        """True on a developer's machine, where demo helpers exist."""
        return self.stage == "local"

    @property
    def secure_cookies(self) -> bool:
        """Cookies carry ``Secure`` everywhere but on plain-HTTP loopback."""
        return not self.is_local

    def table_name(self, name: str) -> str:
        """Physical name of one of the product's tables."""
        return f"{self.table_prefix}{name}"


def parse_now(value: str) -> datetime:
    """Parse ``CANTINE_NOW``: ISO 8601 with an explicit offset."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise SettingsError(f"{NOW} n'est pas une date ISO 8601 : {value!r}") from exc
    if moment.tzinfo is None:
        raise SettingsError(f"{NOW} doit porter son décalage horaire (ex. +01:00)")
    return moment.astimezone(PARIS)


def load_settings(environ: Mapping[str, str]) -> Settings:
    """Build settings from an environment mapping, refusing unsafe combinations."""
    stage = environ.get(STAGE, "")
    if stage not in STAGES:
        raise SettingsError(f"{STAGE} doit valoir l'une de {', '.join(STAGES)} (reçu {stage!r})")
    raw_now = environ.get(NOW, "").strip()
    endpoint = environ.get(AWS_ENDPOINT, "").strip() or None
    payfip_endpoint = environ.get(PAYFIP_ENDPOINT, "").strip().rstrip("/")
    if stage != "local":
        # A frozen clock or a fake AWS in dev/prod would silently corrupt real data.
        if raw_now:
            raise SettingsError(f"{NOW} n'est permis qu'à l'étape local")
        if endpoint:
            raise SettingsError(f"{AWS_ENDPOINT} n'est permis qu'à l'étape local")
        if payfip_endpoint:
            raise SettingsError(f"{PAYFIP_ENDPOINT} n'est permis qu'à l'étape local")
        if environ.get(AUTH_PACING, "").strip():
            # Answers that take the same time whether an account exists are not optional.
            raise SettingsError(f"{AUTH_PACING} n'est permis qu'à l'étape local")
    pacing = environ.get(AUTH_PACING, "on").strip() or "on"
    if pacing not in ("on", "off"):
        raise SettingsError(f"{AUTH_PACING} doit valoir on ou off (reçu {pacing!r})")
    mode = environ.get(PAYFIP_MODE, "T").strip() or "T"
    if mode not in ("T", "X", "W"):
        raise SettingsError(f"{PAYFIP_MODE} doit valoir T, X ou W (reçu {mode!r})")
    numcli = environ.get(PAYFIP_NUMCLI, "").strip()
    if numcli and not (len(numcli) == 6 and numcli.isdigit()):
        raise SettingsError(f"{PAYFIP_NUMCLI} doit compter 6 chiffres (reçu {numcli!r})")
    return Settings(
        stage=stage,
        table_prefix=environ.get(TABLE_PREFIX, f"cantine-{stage}-"),
        region=environ.get(REGION, "eu-west-3"),
        site_url=environ.get(SITE_URL, "http://127.0.0.1:8000").rstrip("/"),
        mail_from=environ.get(MAIL_FROM, "ne-pas-repondre@example.org"),
        aws_endpoint=endpoint,
        fixed_now=parse_now(raw_now) if raw_now else None,
        invoice_function=environ.get(INVOICE_FUNCTION, "").strip(),
        auth_pacing=pacing == "on",
        payfip_numcli=numcli,
        payfip_mode=mode,
        payfip_service=(f"{payfip_endpoint}/tpa/services/securite" if payfip_endpoint
                        else PAYFIP_SERVICE),
        payfip_page=(f"{payfip_endpoint}/tpa/paiementws.web?idop={{idop}}" if payfip_endpoint
                     else PAYFIP_PAGE),
    )


@functools.lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once."""
    return load_settings(os.environ)
