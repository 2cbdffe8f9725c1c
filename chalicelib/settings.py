"""Stage configuration: the only module that reads ``os.environ``.

Every environment variable the product understands is named here. Values are read once,
at first use, into a frozen ``Settings``; tests build their own with ``load_settings``.
"""
from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit
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
SIGNING_KEY = "CANTINE_SIGNING_KEY"    # secret HMAC key: page cursors, device cookies, links
ORIGIN_SECRET = "CANTINE_ORIGIN_SECRET"  # secret header value CloudFront adds to API calls
FILES_BUCKET = "CANTINE_FILES_BUCKET"  # private S3 bucket of the files the product writes
EXPORT_QUEUE = "CANTINE_EXPORT_QUEUE"  # SQS queue (URL, or name locally) of the export jobs
REGION = "AWS_DEFAULT_REGION"
PAYFIP_SERVICE = "https://www.payfip.gouv.fr/tpa/services/securite"
PAYFIP_PAGE = "https://www.payfip.gouv.fr/tpa/paiementws.web?idop={idop}"

STAGES = ("local", "dev", "prod")
PARIS = ZoneInfo("Europe/Paris")
# The header CloudFront adds to every request it forwards to API Gateway, with the value
# of ORIGIN_SECRET: a request without it did not come through CloudFront.
ORIGIN_HEADER = "X-Origin-Verify"
MIN_SECRET_LENGTH = 32
# The local stage signs with a fixed, public key: nothing it signs protects real data, and
# a developer's cursors and device cookies survive a restart of ``make run``.
LOCAL_SIGNING_KEY = "local-stage-only-signing-key-not-a-secret"


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
    signing_key: str = LOCAL_SIGNING_KEY
    origin_secret: str = ""
    files_bucket: str = ""
    export_queue: str = ""

    @property
    def export_queue_name(self) -> str:
        """The export queue's name, as app.py hands it to Chalice (the stack makes the
        queue under this name, infra/template.py)."""
        return export_queue_name(self.table_prefix)

    @property
    def site_origin(self) -> str:
        """The portal's origin (scheme://host[:port]), as a browser names it in ``Origin``."""
        return origin_of(self.site_url)

    @property
    def allowed_origins(self) -> frozenset[str]:
        """Origins whose pages may write through the API: the portal's own only.

        On the local stage the same port under the other loopback name is the same
        server (``make run`` prints 127.0.0.1; people type localhost)."""
        origins = {self.site_origin}
        if self.is_local:
            for a, b in (("//127.0.0.1", "//localhost"), ("//localhost", "//127.0.0.1")):
                if a in self.site_origin:
                    origins.add(self.site_origin.replace(a, b))
        return frozenset(origins)

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


def export_queue_name(table_prefix: str) -> str:
    """``cantine-prod-`` → ``cantine-prod-exports``."""
    return f"{table_prefix}exports"


def origin_of(url: str) -> str:
    """``https://Cantine.Example.fr:443/x`` → ``https://cantine.example.fr``."""
    parts = urlsplit(url.strip())
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    default = {"http": 80, "https": 443}.get(scheme)
    try:
        port = parts.port
    except ValueError:
        port = None
    return f"{scheme}://{host}" + (f":{port}" if port and port != default else "")


def _secret(environ: Mapping[str, str], name: str, stage: str,
            local_default: str | None) -> str:
    value = environ.get(name, "").strip()
    if stage == "local" and not value:
        return local_default or ""
    if len(value) < MIN_SECRET_LENGTH:
        # Outside the local stage a missing or short secret would leave cursors forgeable
        # or the API open beside CloudFront: refuse to start.
        raise SettingsError(f"{name} doit compter au moins {MIN_SECRET_LENGTH} caractères")
    return value


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
    site_url = environ.get(SITE_URL, "http://127.0.0.1:8000").rstrip("/")
    if urlsplit(site_url).scheme not in ("http", "https") or not urlsplit(site_url).hostname:
        raise SettingsError(f"{SITE_URL} doit être une adresse http(s) (reçu {site_url!r})")
    return Settings(
        stage=stage,
        table_prefix=environ.get(TABLE_PREFIX, f"cantine-{stage}-"),
        region=environ.get(REGION, "eu-west-3"),
        site_url=site_url,
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
        signing_key=_secret(environ, SIGNING_KEY, stage, LOCAL_SIGNING_KEY),
        origin_secret=_secret(environ, ORIGIN_SECRET, stage, None),
        # The stack names the bucket (infra/template.py); locally it is the stage's own.
        files_bucket=environ.get(FILES_BUCKET, "").strip() or f"cantine-{stage}-files",
        # The stack gives the queue's URL; locally its name, looked up in moto's SQS.
        export_queue=environ.get(EXPORT_QUEUE, "").strip(),
    )


@functools.lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once."""
    return load_settings(os.environ)
