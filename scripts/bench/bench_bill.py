"""The monthly AWS bill of a commune, from counted requests and published prices.

Pure computation: no AWS call, and no import of the application (its settings want a
stage). The benchmark counts, for each *action* a family, the staff or a schedule
performs, the DynamoDB requests by operation name and the Lambda duration; this module
multiplies them by a month of a commune (``DEFAULT_USAGE``: 500 families), converts
requests into the units DynamoDB on demand bills, and prices everything with ``PRICES``
(eu-west-3, Paris)::

    from scripts.bench.bench_bill import monthly_bill, render_markdown
    bill = monthly_bill({
        "home": {"GetItem": 3, "Query": 2, "Query.items": 12, "lambda_ms": 45},
        "invoice_run_per_family": {"Query": 3, "Query.items": 40,
                                   "TransactWriteItems": 1, "TransactWriteItems.items": 6,
                                   "lambda_ms": 35},
        ...                                   # one entry per name of ACTIONS
    })
    print(render_markdown(bill))

    python -m scripts.bench.bench_bill             # the bill of EXAMPLE_REQUESTS (illustrative)

The shape of one action's counts (``ActionCounts``), all per *one* occurrence of the
action (one page shown, one run of a job, one family of the invoice run):

- ``"GetItem"``, ``"Query"``, ``"PutItem"``, ``"UpdateItem"``, ``"DeleteItem"``,
  ``"BatchGetItem"``, ``"BatchWriteItem"``, ``"TransactWriteItems"``,
  ``"TransactGetItems"``, ``"Scan"``: number of calls, as a botocore event hook or
  ``tests.requests_counter`` counts them by operation name. Control-plane operations
  (``DescribeTable`` …) are accepted and cost nothing. Any other name is refused.
- ``"<Operation>.items"`` (optional): items those calls touched in total — for
  ``Query``/``Scan`` the items *read* (``ScannedCount`` of each response: DynamoDB bills
  what it reads, before any filter), for ``Batch*``/``Transact*`` the items in the
  requests. Without it, ``UnitAssumptions.default_items`` per call is assumed.
- ``"rru"``, ``"wru"`` (optional): units measured directly (``ReturnConsumedCapacity``),
  added to the converted ones.
- ``"lambda_ms"``: billed Lambda duration of the occurrence (sum over its invocations,
  handler time only: cold starts are added from ``Usage``). Required.
- ``"api_calls"``, ``"emails"``, ``"invocations"`` (optional): override the action's
  defaults in ``ACTIONS``.

Free tiers: the headline total is at list prices, **without** any free tier (a commune's
account may already use them for something else, and the API Gateway and SES offers for
new accounts last 12 months at most). A second total applies only the *permanent* ("always
free") allowances, listed with each price.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]

REGION = "eu-west-3"  # Europe (Paris): .chalice/config.json, docs/deploy.md
PRICES_CHECKED = "2026-11-22"
# Chalice deploys x86_64 unless told otherwise, and neither .chalice/config.json nor
# infra/template.py sets an architecture.
ARCHITECTURE = "x86_64"
STAGE = "prod"

# Euros per US dollar. AWS prices in USD (and bills a French account in USD, or in EUR at
# its own rate). The ECB reference rate moved between about 1.03 and 1.18 USD per euro in
# 2025; 0.92 € per $ (1.087 $ per €) sits at the dear end, so the euro figure errs high.
# Update it with the day's ECB rate when publishing. Amounts are before VAT (TVA).
EUR_PER_USD = 0.92

# Retention of the functions' log groups: infra/template.py, parameter LogRetentionDays
# (its default).
LOG_RETENTION_DAYS = 180


# -- prices ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Price:
    """One published price: ``usd`` for ``per`` units of ``unit``.

    ``verified`` is True when the amount for eu-west-3 (or an amount that is the same in
    every region) was read, with the search tool, in a stored copy of the AWS pricing page
    or of AWS Price List data (``evidence`` says which); False when it was not found there
    and the figure is the one the author is confident of (``note`` says why).
    ``free_tier`` is the *permanent* monthly allowance in ``unit`` (0: none, or only a
    12-month offer for new accounts, which the bill never applies).
    """
    service: str
    item: str
    usd: float
    per: float
    unit: str
    source: str
    verified: bool
    evidence: str = ""
    note: str = ""
    free_tier: float = 0.0
    free_tier_note: str = ""
    unit_singular: str = ""  # for "per GB-month" when ``per`` is 1; default: ``unit``
    offer: str = ""  # the service's code in the AWS Price List, to check the amount again

    @property
    def usd_per_unit(self) -> float:
        return self.usd / self.per

    @property
    def price_list(self) -> str:
        """The eu-west-3 offer file of the AWS Price List (public JSON, large), or ""."""
        return _PRICE_LIST.format(self.offer) if self.offer else ""

    def describe(self) -> str:
        """E.g. "$0.20 per 1M requests", "$0.0000166667 per GB-second", "free"."""
        if self.usd == 0:
            return "free"
        amount = f"{self.usd:.10f}".rstrip("0")
        if len(amount.split(".")[1]) < 2:
            amount = f"{self.usd:.2f}"
        if self.per == 1:
            return f"${amount} per {self.unit_singular or self.unit}"
        per = {1_000: "1,000", 10_000: "10,000", 1_000_000: "1M"}.get(
            int(self.per), f"{self.per:,g}")
        return f"${amount} per {per} {self.unit}"


_LAMBDA = "https://aws.amazon.com/lambda/pricing/"
_APIGW = "https://aws.amazon.com/api-gateway/pricing/"
_DDB = "https://aws.amazon.com/dynamodb/pricing/on-demand/"
_S3 = "https://aws.amazon.com/s3/pricing/"
_SES = "https://aws.amazon.com/ses/pricing/"
_CF = "https://aws.amazon.com/cloudfront/pricing/"
_EB = "https://aws.amazon.com/eventbridge/pricing/"
_CW = "https://aws.amazon.com/cloudwatch/pricing/"
# AWS's machine-readable price list for a service and region (the pages render their
# regional tables in the browser, from this data).
_PRICE_LIST = ("https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/{}/current/"
               "eu-west-3/index.json")
_TRANSCRIPT = ("a public repository's transcript of the AWS Price List for eu-west-3 "
               "(offer files published 2026-09/10)")

PRICES: dict[str, Price] = {
    "lambda_requests": Price(
        "Lambda", "requests", 0.20, 1_000_000, "requests", _LAMBDA, True,
        evidence="$0.20 per 1M requests on the AWS page; eu-west-3 $0.0000002 per request "
                 f"(usage type EUW3-Request-ARM) in {_TRANSCRIPT}.",
        note="Same price for x86_64 and arm64.",
        free_tier=1_000_000,
        free_tier_note="Always free: 1M requests a month (AWS page).",
        offer="AWSLambda"),
    "lambda_gb_second_x86_64": Price(
        "Lambda", "duration (x86_64)", 0.0000166667, 1, "GB-seconds", _LAMBDA, False,
        unit_singular="GB-second",
        evidence="$0.0000166667 per GB-s is the US rate on the AWS page; Artillery's "
                 "region table (copied from the AWS page) lists eu-west-3 among the "
                 "regions at that base rate; eu-west-3 arm64 is $0.0000133334 in "
                 f"{_TRANSCRIPT}, the usual 80 % of x86.",
        note="The eu-west-3 x86 amount itself was not read; first tier (6 billion GB-s). "
             "Since 1 August 2025 the INIT phase (cold start) is billed too (AWS Compute "
             "Blog, 'AWS Lambda standardizes billing for INIT Phase').",
        free_tier=400_000,
        free_tier_note="Always free: 400,000 GB-s a month, x86 and Arm together (AWS page).",
        offer="AWSLambda"),
    "lambda_gb_second_arm64": Price(
        "Lambda", "duration (arm64)", 0.0000133334, 1, "GB-seconds", _LAMBDA, True,
        unit_singular="GB-second",
        evidence=f"EUW3-Lambda-GB-Second-ARM in {_TRANSCRIPT}.",
        note="Not used by the bill (the functions are x86_64); for comparison.",
        free_tier=400_000, free_tier_note="Shared with x86 (AWS page).",
        offer="AWSLambda"),
    "apigw_rest_requests": Price(
        "API Gateway", "REST API requests", 3.70, 1_000_000, "requests", _APIGW, False,
        evidence="The US rate, $3.50 per million for the first 333 million, is on the AWS "
                 "page and in AWS's whitepaper; eu-west-3 HTTP APIs are $1.17 per million "
                 f"(US: $1.00) in {_TRANSCRIPT}.",
        note="The Paris REST rate was not found (the page renders regional tables in the "
             "browser); $3.70 is the author's figure, between the US $3.50 and $4.10 "
             "(US × 1.17, the Paris/US ratio of HTTP APIs). docs/deploy.md quotes 3.5–4 $.",
        free_tier_note="1M calls a month for 12 months, new accounts only: not applied.",
        offer="AmazonApiGateway"),
    "dynamodb_write_request_units": Price(
        "DynamoDB", "write request units (on demand)", 0.7423, 1_000_000, "WRU", _DDB, True,
        evidence=f"EUW3-WriteRequestUnits $0.7423 per million in {_TRANSCRIPT} (2026-09-07): "
                 "half the pre-November-2024 rate, after AWS halved on-demand throughput "
                 "prices on 1 November 2024 (US: $0.625).",
        note="On-demand requests have no free tier (the 25 WCU/RCU are for provisioned "
             "capacity).",
        offer="AmazonDynamoDB"),
    "dynamodb_read_request_units": Price(
        "DynamoDB", "read request units (on demand)", 0.1487, 1_000_000, "RRU", _DDB, True,
        evidence=f"EUW3-ReadRequestUnits $0.1487 per million in {_TRANSCRIPT} (2026-09-07); "
                 "US: $0.125 since the November 2024 halving.",
        offer="AmazonDynamoDB"),
    "dynamodb_storage": Price(
        "DynamoDB", "storage (Standard table class)", 0.297, 1, "GB-month", _DDB, False,
        note="Not found for eu-west-3; $0.297 is the author's figure (US $0.25 × 1.19, the "
             "Paris/US ratio of the request units). Indexes' copies count as storage.",
        free_tier=25, free_tier_note="Always free: 25 GB a month, Standard class (long "
                                    "published; not re-read here).",
        offer="AmazonDynamoDB"),
    "dynamodb_pitr": Price(
        "DynamoDB", "point-in-time recovery", 0.2376, 1, "GB-month", _DDB, False,
        note="Every table has PITR on (infra/template.py). Not found for eu-west-3; US "
             "$0.20 per GB-month × 1.19 (the US rate appears in a public Price List "
             "transcript for us-west-2).",
        offer="AmazonDynamoDB"),
    "s3_storage": Price(
        "S3", "Standard storage", 0.024, 1, "GB-month", _S3, True,
        evidence="EUW3-TimedStorage-ByteHrs '$0.024 per GB - first 50 TB' in an AWS bill "
                 f"quoted in a public repository, and in {_TRANSCRIPT}.",
        offer="AmazonS3"),
    "s3_put_requests": Price(
        "S3", "PUT, COPY, POST, LIST requests", 0.0053, 1_000, "requests", _S3, True,
        evidence="EUW3-Requests-Tier1 '$0.0053 per 1,000 PUT, COPY, POST, or LIST requests' "
                 "in the same AWS bill and transcript.",
        offer="AmazonS3"),
    "s3_get_requests": Price(
        "S3", "GET and other requests", 0.00042, 1_000, "requests", _S3, True,
        evidence="EUW3-Requests-Tier2 '$0.0042 per 10,000 GET and all other requests' in "
                 "the same AWS bill and transcript.",
        offer="AmazonS3"),
    "ses_outbound": Price(
        "SES", "outbound e-mail (per recipient)", 0.16, 1_000, "recipients", _SES, False,
        evidence="A public repository's reading of the AWS Price List for SES (us-east-1, "
                 "published 2026-07-22): since 21 July 2026 new SES accounts default to the "
                 "'Essentials' plan, $0.00016 per outbound e-mail (first 10M); 'à la carte' "
                 "stays $0.0001 per recipient for accounts that sent since 1 June 2025.",
        note="Not found on an AWS page here. A new commune account lands on Essentials "
             "($0.16 per 1,000, used here: the higher figure); switching to à la carte "
             "gives the long-standing $0.10 per 1,000 (ses_outbound_a_la_carte). SES "
             "charges per recipient, the same in every region; no attachment is sent.",
        free_tier_note="3,000 a month for 12 months (older accounts) or credits for new "
                       "ones: not applied.",
        offer="AmazonSES"),
    "ses_outbound_a_la_carte": Price(
        "SES", "outbound e-mail, à la carte", 0.10, 1_000, "recipients", _SES, True,
        evidence="$0.0001 per recipient (usage type Recipients) in the same Price List "
                 "reading; $0.10 per thousand in many billing reports. Same in every region.",
        note="For comparison; see ses_outbound.",
        offer="AmazonSES"),
    "cloudfront_https_requests": Price(
        "CloudFront", "HTTPS requests (Europe)", 0.012, 10_000, "requests", _CF, True,
        evidence="EU-Requests-Tier2-HTTPS $0.0000012 per request in a public transcript of "
                 "the AWS Price List (AmazonCloudFront, 2026-10-03).",
        free_tier=10_000_000,
        free_tier_note="Always free: 10M HTTP(S) requests a month (AWS page)."),
    "cloudfront_data_out": Price(
        "CloudFront", "data transfer out (Europe)", 0.085, 1, "GB", _CF, True,
        evidence="First 10 TB, Europe: $0.085 per GB on the AWS page. Origin fetches from "
                 "S3 and API Gateway are free (same page).",
        free_tier=1_000,
        free_tier_note="Always free: 1 TB a month (AWS page), counted as 1,000 GB."),
    "cloudfront_functions": Price(
        "CloudFront", "CloudFront Functions invocations", 0.10, 1_000_000, "invocations",
        _CF, False,
        note="The pdf-accept function runs on every /api/* request (viewer-request). "
             "$0.10 per million read on a third-party page describing AWS billing codes, "
             "not on the AWS page.",
        free_tier=2_000_000,
        free_tier_note="Always free: 2M invocations a month (AWS page)."),
    "eventbridge_scheduled_rules": Price(
        "EventBridge", "scheduled rule triggers", 0.0, 1, "triggers", _EB, False,
        unit_singular="trigger",
        note="The four schedules are EventBridge rules on the default bus (Chalice "
             "'schedule'). No usage type bills them (a public Price List reading for "
             "eu-west-3 finds none; third-party guides agree); the AWS page bills custom, "
             "partner and cross-account events, none of which the product sends. "
             "EventBridge Scheduler, not used, would be $1.00 per million after 14M free."),
    "cloudwatch_logs_ingestion": Price(
        "CloudWatch", "Logs ingestion (Lambda logs)", 0.5985, 1, "GB", _CW, True,
        evidence=f"EUW3-DataProcessing-Bytes, Standard log class, $0.5985 per GB in "
                 f"{_TRANSCRIPT}.",
        note="Lambda logs are 'vended' logs since May 2025, with volume tiers whose first "
             "tier keeps the Standard rate.",
        free_tier=5,
        free_tier_note="Always free: 5 GB of log data a month (ingestion, storage and "
                       "Logs Insights scans together; applied to ingestion only); read "
                       "on third-party pages only.",
        offer="AmazonCloudWatch"),
    "cloudwatch_logs_storage": Price(
        "CloudWatch", "Logs storage", 0.0315, 1, "GB-month", _CW, True,
        evidence=f"EUW3-TimedStorage-ByteHrs (log storage) $0.0315 per GB-month in "
                 f"{_TRANSCRIPT}.",
        note="Billed on compressed size; counted here uncompressed (errs high).",
        offer="AmazonCloudWatch"),
    "cloudwatch_alarms": Price(
        "CloudWatch", "standard alarms", 0.10, 1, "alarm-months", _CW, True,
        unit_singular="alarm-month",
        evidence=f"EUW3-CW:AlarmMonitorUsage $0.10 per alarm-month in {_TRANSCRIPT}.",
        note="Six alarms in infra/template.py: four job failures, the lock not running, "
             "API 5xx.",
        free_tier=10, free_tier_note="Always free: 10 alarms (docs/deploy.md).",
        offer="AmazonCloudWatch"),
}


# -- DynamoDB: requests to request units -----------------------------------------------
READ_OPERATIONS = {"GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems"}
WRITE_OPERATIONS = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem",
                    "TransactWriteItems"}
# Control-plane calls (PynamoDB describes a table once per process, the deployment
# creates them): no request unit.
FREE_OPERATIONS = {"DescribeTable", "ListTables", "CreateTable", "UpdateTable",
                   "DeleteTable", "DescribeTimeToLive", "UpdateTimeToLive",
                   "DescribeContinuousBackups", "UpdateContinuousBackups",
                   "ListTagsOfResource", "TagResource", "UntagResource", "DescribeLimits",
                   "DescribeEndpoints"}
OPERATIONS = READ_OPERATIONS | WRITE_OPERATIONS | FREE_OPERATIONS
# The other keys of an action's counts (see the module's docstring).
EXTRA_KEYS = {"lambda_ms", "rru", "wru", "api_calls", "emails", "invocations"}


@dataclass(frozen=True)
class UnitAssumptions:
    """How counted requests become billed request units (DynamoDB on demand).

    The rules (AWS's on-demand pricing page and developer guide): a strongly consistent
    read of up to 4 KB is 1 RRU, an eventually consistent one 0.5 RRU, a transactional
    one 2 RRU, per started 4 KB of the item (``GetItem``, each item of a batch) or of all
    the items a ``Query``/``Scan`` reads (rounded up once per call; an empty answer still
    costs the minimum). A write of up to 1 KB is 1 WRU, a transactional one 2 WRU per
    started KB, per item (``ConditionCheck`` items included). A write to an item that a
    global secondary index projects also writes the index: 1× (not 2×, even in a
    transaction), sized by the projected attributes. A failed conditional write still
    consumes its units, so counting calls is right.
    """
    # Average size of an item read, in KB. Bookings are ~0.2 KB; families, invoices and
    # settings 1-3 KB. 1 KB is generous for the reads that dominate (bookings, ledger).
    item_kb: float = 1.0
    # WRU of one plain write of one item: 1 for items up to 1 KB (bookings, ledger lines,
    # sessions, job runs), 2-3 for families and invoices. 1.5 on average errs high.
    write_units_per_item: float = 1.5
    # Extra index writes per item written (each sized like the item: every GSI projects
    # ALL attributes). In chalicelib/storage/models.py bookings have two GSIs (by_day,
    # by_family), families, staff, sessions, attendance, invoices, ledger and payment
    # attempts one, counters, audit, login attempts, headcounts and menus none. Counts by
    # operation name do not say the table: 1.5 for every write errs high (with 1.5 WRU
    # per item, a booking write is billed 3.75 WRU where it costs 3).
    gsi_writes_per_item: float = 1.5
    # chalicelib never asks for consistent reads (PynamoDB's default is eventual).
    consistent_reads: bool = False
    # Items per call when the counts give no "<Operation>.items".
    default_items: Mapping[str, float] = field(default_factory=lambda: {
        "Query": 10, "Scan": 100, "BatchGetItem": 25, "BatchWriteItem": 25,
        "TransactWriteItems": 4, "TransactGetItems": 4})


DEFAULT_UNITS = UnitAssumptions()


def request_units(counts: Mapping[str, float],
                  units: UnitAssumptions = DEFAULT_UNITS) -> tuple[float, float]:
    """(RRU, WRU) billed for ``counts`` (operation name -> calls, "<op>.items" -> items;
    the other keys of an action's counts are ignored).

    Unknown operation names raise ValueError: a request the bill cannot price must not
    silently cost nothing."""
    read_unit = 1.0 if units.consistent_reads else 0.5
    chunks_per_item = math.ceil(units.item_kb / 4)  # started 4 KB chunks of one item
    write = units.write_units_per_item
    gsi = units.gsi_writes_per_item * write
    rru = wru = 0.0
    for operation, calls in counts.items():
        if "." in operation or operation in EXTRA_KEYS:
            continue
        if operation not in OPERATIONS:
            raise ValueError(f"unknown DynamoDB operation {operation!r}")
        if calls < 0:
            raise ValueError(f"{operation}: negative count {calls}")
        items = counts.get(f"{operation}.items")
        if items is None:
            items = calls * units.default_items.get(operation, 1)
        if operation == "GetItem":
            rru += calls * chunks_per_item * read_unit
        elif operation == "BatchGetItem":
            rru += items * chunks_per_item * read_unit
        elif operation in ("Query", "Scan"):
            # Rounded up per call: each call's last, partial chunk is counted whole.
            rru += read_unit * (calls + items * units.item_kb / 4)
        elif operation == "TransactGetItems":
            rru += items * chunks_per_item * 2
        elif operation in ("PutItem", "UpdateItem", "DeleteItem"):
            wru += calls * (write + gsi)
        elif operation == "BatchWriteItem":
            wru += items * (write + gsi)
        elif operation == "TransactWriteItems":
            wru += items * (2 * write + gsi)
    for key in counts:
        if key.endswith(".items") and key[:-len(".items")] not in OPERATIONS:
            raise ValueError(f"unknown DynamoDB operation in {key!r}")
    return rru, wru


# -- the application's schedules and functions, read from its files --------------------
def _cron_values(expression: str, low: int, high: int,
                 names: Mapping[str, int] | None = None) -> set[int]:
    """The values an EventBridge cron field takes (``*``, ``?``, ``a``, ``a-b``, ``a/n``,
    ``*/n``, ``a-b/n``, lists). ``L``, ``W`` and ``#`` are refused."""
    values: set[int] = set()
    for part in expression.split(","):
        part = part.strip().upper()
        for name, number in (names or {}).items():
            part = part.replace(name, str(number))
        if any(mark in part for mark in ("L", "W", "#")):
            raise ValueError(f"unsupported cron field {expression!r}")
        step = 1
        if "/" in part:
            part, step_text = part.split("/")
            step = int(step_text)
        if part in ("*", "?"):
            start, end = low, high
        elif "-" in part:
            start, end = (int(p) for p in part.split("-"))
        else:
            start = int(part)
            end = high if step > 1 else start
        values.update(range(start, end + 1, step))
    return {v for v in values if low <= v <= high}


_DAYS_OF_WEEK = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}


def runs_per_month(schedule: tuple[str, ...], days_in_month: int) -> float:
    """Runs in a month of ``days_in_month`` days of Chalice's ``Cron(minutes, hours,
    day_of_month, month, day_of_week, year)`` (every month and year assumed selected)."""
    minutes, hours, day_of_month, _month, day_of_week, _year = schedule
    per_day = (len(_cron_values(minutes, 0, 59)) * len(_cron_values(hours, 0, 23)))
    if day_of_month != "?":
        days: float = len(_cron_values(day_of_month, 1, days_in_month))
    else:
        days = days_in_month * len(_cron_values(day_of_week, 1, 7, _DAYS_OF_WEEK)) / 7
    return per_day * days


def _schedules() -> tuple[str, ...]:
    """Every scheduled job's module name (chalicelib/jobs/schedules.py)."""
    from chalicelib.jobs.schedules import SCHEDULES
    return tuple(SCHEDULES)


def job_schedule(module: str) -> tuple[str, ...]:
    """The schedule of chalicelib/jobs/<module>.py (chalicelib/jobs/schedules.py)."""
    from chalicelib.jobs.schedules import SCHEDULES
    return SCHEDULES[module]


def lambda_memory_mb(function: str, stage: str = STAGE) -> int:
    """Memory of a Lambda function of ``stage`` in .chalice/config.json (Chalice names the
    API handler ``api_handler``)."""
    config = json.loads((ROOT / ".chalice" / "config.json").read_text("utf-8"))
    stage_config = config.get("stages", {}).get(stage, {})
    memory = config.get("lambda_memory_size", 128)
    memory = stage_config.get("lambda_memory_size", memory)
    return int(stage_config.get("lambda_functions", {}).get(function, {}).get(
        "lambda_memory_size", memory))


# -- a month of a commune ---------------------------------------------------------------
@dataclass(frozen=True)
class Usage:
    """A month of a 500-family commune. Generous rather than optimistic: each figure is
    at the busy end of what a canteen portal sees in a school month (not September,
    when every family is created and e-mailed: see ``new_families_per_month``)."""
    families: int = 500
    children_per_family: float = 1.5
    # Days in the month for the schedules (the longest month), school days for the
    # staff's work (a 4-day week gives 16-17; 18 leaves room for a Wednesday centre).
    days_in_month: int = 31
    school_days: int = 18
    # Families. A visit is a sign-in (sessions end after 1 h idle) and the home page.
    visits_per_family: float = 8.0            # twice a week
    calendar_views_per_family: float = 10.0   # month or week grid opened
    saves_per_family: float = 6.0             # a booking change saved
    period_bookings_per_family: float = 0.2   # a whole period booked: 1 in 5 families a month
    invoice_pdfs_per_family: float = 1.0      # the month's invoice downloaded
    payments_per_family: float = 1.0          # every family pays online once
    password_resets_per_family: float = 0.05  # 25 forgotten passwords a month
    new_families_per_month: float = 10.0      # arrivals during the year (September: all)
    email_recipients_per_family: float = 2.0  # both addresses filled in
    # Staff.
    attendance_list_loads_per_school_day: float = 12.0  # 3 services × 2 sites × 2 loads
    attendance_taps_per_child_per_school_day: float = 2.0  # meal, care in/out
    staff_pages_per_school_day: float = 30.0  # families, head counts, settings, menus…
    staff_exports_per_month: float = 20.0     # CSV exports (bookings, invoices, ledger…)
    # Lambda. Cold starts: AWS sees them in under 1 % of invocations; a small commune's
    # traffic leaves gaps longer than an idle environment lives, so 1 in 4 API calls and
    # every scheduled run start cold. INIT: import of app (scripts/bench/bench_package.py
    # budget: 300 ms) plus the runtime's start, rounded up.
    api_cold_start_share: float = 0.25
    job_cold_start_share: float = 1.0
    init_ms: float = 1000.0
    log_kb_per_invocation: float = 2.0  # START/END/REPORT lines + the app's JSON lines
    # The site, through CloudFront: each page loads the HTML, the CSS and its JS modules
    # (revalidated after 5 minutes); the HTML is "no-cache", so CloudFront asks S3 again.
    # Generous defaults: `make bench` replaces the first two with the home page measured.
    cloudfront_requests_per_page: float = 16.0
    kb_per_page: float = 150.0
    s3_gets_per_page: float = 2.0
    # Storage: DynamoDB's tables with their index copies after several school years
    # (~150 MB a year for 500 families), the site and deployment artefacts on S3.
    dynamodb_gb: float = 1.0
    s3_gb: float = 0.5
    s3_puts_per_month: float = 100.0  # two deployments: ~45 site files + artefacts each
    alarms: int = 6  # one per scheduled function (4), the lock not running, API 5xx

    @property
    def children(self) -> float:
        return self.families * self.children_per_family


DEFAULT_USAGE = Usage()


@dataclass(frozen=True)
class Action:
    """Something that happens in the month, and what one occurrence involves besides the
    DynamoDB requests the benchmark counts."""
    description: str
    function: str  # the Lambda function (Chalice's name) that does it
    per_month: Callable[[Usage], float]
    api_calls: float = 0.0  # HTTP requests through CloudFront and API Gateway
    invocations: float | None = None  # Lambda invocations; None: one per API call
    page_views: float = 0.0  # pages of the site loaded
    response_kb: float = 4.0  # average size of one API answer
    emails: Callable[[Usage], float] = lambda usage: 0.0  # SES recipients
    cold_starts: str = "api"  # "api", "job" or "none": which Usage share applies


def _scheduled(module: str) -> Callable[[Usage], float]:
    return lambda usage: runs_per_month(job_schedule(module), usage.days_in_month)


ACTIONS: dict[str, Action] = {
    "login": Action(
        "Sign-in of a family (one per visit)", "api_handler",
        lambda u: u.families * u.visits_per_family, api_calls=2, page_views=1),
    "home": Action(
        "Home page: family, week's bookings, account statement", "api_handler",
        lambda u: u.families * u.visits_per_family, api_calls=3, page_views=1),
    "calendar": Action(
        "Booking grid of a month, with menus", "api_handler",
        lambda u: u.families * u.calendar_views_per_family, api_calls=1, page_views=1),
    "save_month": Action(
        "Bookings saved (all-or-nothing) and the grid reloaded", "api_handler",
        lambda u: u.families * u.saves_per_family, api_calls=2),
    "period_year": Action(
        "A whole period booked at once", "api_handler",
        lambda u: u.families * u.period_bookings_per_family, api_calls=2, page_views=1),
    "invoice_pdf": Action(
        "Invoice list and one invoice downloaded as PDF", "api_handler",
        lambda u: u.families * u.invoice_pdfs_per_family, api_calls=2, page_views=1,
        response_kb=40),
    "pay": Action(
        "Online payment: start, PayFip's notification, the return page", "api_handler",
        lambda u: u.families * u.payments_per_family, api_calls=3, page_views=1),
    "password_reset": Action(
        "Forgotten password: request, then the new password", "api_handler",
        lambda u: u.families * u.password_resets_per_family, api_calls=2, page_views=2,
        emails=lambda u: 1 + u.email_recipients_per_family),  # link, then "changed"
    "staff_create_family": Action(
        "Staff create a family (credentials e-mailed)", "api_handler",
        lambda u: u.new_families_per_month, api_calls=2, page_views=1,
        emails=lambda u: u.email_recipients_per_family),
    "staff_attendance_list": Action(
        "Attendance page of a service loaded on a tablet", "api_handler",
        lambda u: u.school_days * u.attendance_list_loads_per_school_day,
        api_calls=2, page_views=1, response_kb=20),
    "staff_attendance_tap": Action(
        "One tap: a child in or out", "api_handler",
        lambda u: u.children * u.school_days * u.attendance_taps_per_child_per_school_day,
        api_calls=1),
    "staff_page": Action(
        "Another console page (families, head counts, settings…)", "api_handler",
        lambda u: u.school_days * u.staff_pages_per_school_day, api_calls=2, page_views=1,
        response_kb=10),
    "staff_export": Action(
        "A CSV export", "api_handler",
        lambda u: u.staff_exports_per_month, api_calls=1, page_views=1, response_kb=200),
    "lock_run": Action(
        "Scheduled weekly lock (chalicelib/jobs/schedules.py LOCK)", "lock_bookings",
        _scheduled("lock"), invocations=1, cold_starts="job"),
    "invoice_run": Action(
        "Scheduled invoice run, its fixed part (chalicelib/jobs/schedules.py INVOICE: the "
        "1st to the 5th; the later runs find nothing left)", "invoice_month",
        _scheduled("invoice"), invocations=1, cold_starts="job"),
    "invoice_run_per_family": Action(
        "The invoice run's work for one family, and its e-mail", "invoice_month",
        lambda u: u.families, invocations=0, cold_starts="none",
        emails=lambda u: u.email_recipients_per_family),
    "reconcile_run": Action(
        "Scheduled PayFip reconciliation (chalicelib/jobs/schedules.py PAYMENTS)",
        "reconcile_payments", _scheduled("payments"), invocations=1, cold_starts="job"),
    "reminder_run": Action(
        "Scheduled reminders before a deadline (chalicelib/jobs/schedules.py REMINDERS; "
        "most runs find no deadline near and read only the settings)",
        "remind_families", _scheduled("reminders"), invocations=1, cold_starts="job"),
    "purge_run": Action(
        "Nightly purge of the families whose last child left long ago (chalicelib/jobs/"
        "schedules.py PURGE; most nights find no family due and read one index page)",
        "purge_families", _scheduled("purge"), invocations=1, cold_starts="job"),
}

# The action of each scheduled job (chalicelib/jobs/schedules.py SCHEDULES): EventBridge
# bills every run of every schedule, so a schedule without its action here fails the bill.
SCHEDULED_ACTIONS = {"lock": "lock_run", "invoice": "invoice_run",
                     "payments": "reconcile_run", "reminders": "reminder_run",
                     "purge": "purge_run"}

# Illustrative counts (NOT measured: plausible orders of magnitude from reading the code),
# for `python -m scripts.bench.bench_bill` and as the template of what the benchmark passes.
EXAMPLE_REQUESTS: dict[str, dict[str, float]] = {
    "login": {"Query": 1, "Query.items": 1, "GetItem": 2, "PutItem": 2, "UpdateItem": 1,
              "lambda_ms": 450},  # argon2id verification dominates
    "home": {"GetItem": 4, "Query": 3, "Query.items": 30, "UpdateItem": 1, "lambda_ms": 90},
    "calendar": {"GetItem": 5, "Query": 4, "Query.items": 50, "UpdateItem": 1,
                 "lambda_ms": 150},
    "save_month": {"GetItem": 3, "Query": 2, "Query.items": 25, "TransactWriteItems": 1,
                   "TransactWriteItems.items": 8, "UpdateItem": 1, "lambda_ms": 140},
    "period_year": {"GetItem": 3, "Query": 2, "Query.items": 40, "TransactWriteItems": 1,
                    "TransactWriteItems.items": 40, "UpdateItem": 1, "lambda_ms": 300},
    "invoice_pdf": {"GetItem": 4, "Query": 1, "Query.items": 12, "UpdateItem": 1,
                    "lambda_ms": 400},
    "pay": {"GetItem": 5, "Query": 2, "Query.items": 12, "PutItem": 1,
            "TransactWriteItems": 1, "TransactWriteItems.items": 3, "UpdateItem": 2,
            "lambda_ms": 600},
    "password_reset": {"GetItem": 3, "Query": 2, "Query.items": 3, "PutItem": 2,
                       "UpdateItem": 2, "DeleteItem": 2, "lambda_ms": 700},
    "staff_create_family": {"GetItem": 2, "TransactWriteItems": 1,
                            "TransactWriteItems.items": 3, "PutItem": 1, "lambda_ms": 600},
    "staff_attendance_list": {"GetItem": 3, "Query": 3, "Query.items": 120,
                              "UpdateItem": 1, "lambda_ms": 200},
    "staff_attendance_tap": {"GetItem": 2, "PutItem": 1,
                             "UpdateItem": 1, "lambda_ms": 60},
    "staff_page": {"GetItem": 3, "Query": 2, "Query.items": 50, "UpdateItem": 1,
                   "lambda_ms": 120},
    "staff_export": {"GetItem": 2, "Query": 10, "Query.items": 6000, "PutItem": 1,
                     "lambda_ms": 2500},
    "lock_run": {"GetItem": 2, "Query": 3, "Query.items": 60, "PutItem": 1,
                 "UpdateItem": 2, "BatchWriteItem": 0.1, "BatchWriteItem.items": 2,
                 "lambda_ms": 300},
    "invoice_run": {"GetItem": 3, "Query": 4, "Query.items": 600, "PutItem": 1,
                    "UpdateItem": 2, "lambda_ms": 3000},
    "invoice_run_per_family": {"GetItem": 2, "Query": 4, "Query.items": 45,
                               "TransactWriteItems": 1, "TransactWriteItems.items": 6,
                               "lambda_ms": 60},
    "reconcile_run": {"Query": 1, "Query.items": 2, "GetItem": 1, "PutItem": 1,
                      "lambda_ms": 150},
    "reminder_run": {"GetItem": 1, "PutItem": 1, "UpdateItem": 1, "lambda_ms": 80},
    "purge_run": {"GetItem": 1, "Query": 2, "Query.items": 1, "PutItem": 1,
                  "UpdateItem": 1, "lambda_ms": 60},
}

def _check_counts(action: str, counts: Mapping[str, float]) -> None:
    if "lambda_ms" not in counts:
        raise ValueError(f"{action}: 'lambda_ms' is required")
    for key, value in counts.items():
        name = key[:-len(".items")] if key.endswith(".items") else key
        if name not in OPERATIONS and key not in EXTRA_KEYS:
            raise ValueError(f"{action}: unknown key {key!r}")
        if not isinstance(value, (int, float)) or value < 0 or math.isnan(value):
            raise ValueError(f"{action}: {key} must be a number >= 0 (got {value!r})")


# -- the bill ---------------------------------------------------------------------------
# One action's counts, for one occurrence: see the module's docstring.
ActionCounts = Mapping[str, float]


def monthly_bill(requests_per_action: Mapping[str, ActionCounts],
                 usage: Usage = DEFAULT_USAGE,
                 prices: Mapping[str, Price] = PRICES,
                 *, units: UnitAssumptions = DEFAULT_UNITS,
                 missing: str = "error") -> dict[str, Any]:
    """The month's bill: one line per service and item, totals in USD and EUR.

    ``requests_per_action`` maps each name of ``ACTIONS`` to its counts for one
    occurrence (see the module's docstring). An action of ``ACTIONS`` left out raises
    ValueError, or with ``missing="example"`` takes ``EXAMPLE_REQUESTS`` and is listed
    in ``bill["estimated_actions"]``. A name not in ``ACTIONS`` raises ValueError.

    The bill: ``lines`` (each: key, service, item, quantity, unit, unit_price_usd, per,
    price, cost_usd, free_tier, cost_after_free_tier_usd, verified, source),
    ``by_service``, ``total_usd``, ``total_eur``, ``eur_per_usd``, ``per_family_eur``,
    ``total_with_free_tiers_usd``/``_eur``, ``per_action`` (monthly occurrences, units
    and Lambda ms of one occurrence, monthly volumes, variable cost), ``volumes``,
    ``estimated_actions``, ``unverified_prices``, ``usage``, ``units``, ``notes``.
    """
    if missing not in ("error", "example"):
        raise ValueError("missing must be 'error' or 'example'")
    unknown = sorted(set(requests_per_action) - set(ACTIONS))
    if unknown:
        raise ValueError(f"unknown action(s) {unknown}; known: {sorted(ACTIONS)}")
    absent = [name for name in ACTIONS if name not in requests_per_action]
    if absent and missing == "error":
        raise ValueError(f"no counts for action(s) {absent} (missing='example' uses "
                         "EXAMPLE_REQUESTS for them)")
    counts_of = {name: requests_per_action.get(name, EXAMPLE_REQUESTS[name])
                 for name in ACTIONS}

    total = {"api_calls": 0.0, "invocations": 0.0, "gb_seconds": 0.0, "rru": 0.0,
             "wru": 0.0, "emails": 0.0, "page_views": 0.0, "response_gb": 0.0,
             "log_gb": 0.0}
    gb_price = prices[f"lambda_gb_second_{ARCHITECTURE}"].usd_per_unit
    per_action: dict[str, dict[str, Any]] = {}
    for name, action in ACTIONS.items():
        counts = counts_of[name]
        _check_counts(name, counts)
        occurrences = action.per_month(usage)
        rru, wru = request_units(counts, units)
        rru += counts.get("rru", 0.0)
        wru += counts.get("wru", 0.0)
        api_calls = counts.get("api_calls", action.api_calls)
        invocations = counts.get(
            "invocations", api_calls if action.invocations is None else action.invocations)
        cold_share = {"api": usage.api_cold_start_share, "job": usage.job_cold_start_share,
                      "none": 0.0}[action.cold_starts]
        billed_ms = counts["lambda_ms"] + invocations * cold_share * usage.init_ms
        gb_seconds = billed_ms / 1000 * lambda_memory_mb(action.function) / 1024
        emails = counts.get("emails", action.emails(usage))
        monthly = {
            "api_calls": occurrences * api_calls,
            "invocations": occurrences * invocations,
            "gb_seconds": occurrences * gb_seconds,
            "rru": occurrences * rru,
            "wru": occurrences * wru,
            "emails": occurrences * emails,
            "page_views": occurrences * action.page_views,
            "response_gb": occurrences * api_calls * action.response_kb / 1e6,
            "log_gb": occurrences * invocations * usage.log_kb_per_invocation / 1e6,
        }
        for key, value in monthly.items():
            total[key] += value
        variable_usd = (
            monthly["api_calls"] * prices["apigw_rest_requests"].usd_per_unit
            + monthly["invocations"] * prices["lambda_requests"].usd_per_unit
            + monthly["gb_seconds"] * gb_price
            + monthly["rru"] * prices["dynamodb_read_request_units"].usd_per_unit
            + monthly["wru"] * prices["dynamodb_write_request_units"].usd_per_unit
            + monthly["emails"] * prices["ses_outbound"].usd_per_unit)
        per_action[name] = {
            "description": action.description, "per_month": occurrences,
            "measured": name in requests_per_action,
            "rru_each": rru, "wru_each": wru, "lambda_ms_each": counts["lambda_ms"],
            **monthly, "variable_cost_usd": variable_usd}

    page_views = total["page_views"]
    quantities = {
        "lambda_requests": total["invocations"],
        f"lambda_gb_second_{ARCHITECTURE}": total["gb_seconds"],
        "apigw_rest_requests": total["api_calls"],
        "dynamodb_write_request_units": total["wru"],
        "dynamodb_read_request_units": total["rru"],
        "dynamodb_storage": usage.dynamodb_gb,
        "dynamodb_pitr": usage.dynamodb_gb,
        "s3_storage": usage.s3_gb,
        "s3_put_requests": usage.s3_puts_per_month,
        "s3_get_requests": page_views * usage.s3_gets_per_page,
        "ses_outbound": total["emails"],
        "cloudfront_https_requests":
            page_views * usage.cloudfront_requests_per_page + total["api_calls"],
        "cloudfront_data_out": page_views * usage.kb_per_page / 1e6 + total["response_gb"],
        "cloudfront_functions": total["api_calls"],
        "eventbridge_scheduled_rules": sum(
            per_action[SCHEDULED_ACTIONS[module]]["per_month"] for module in _schedules()),
        "cloudwatch_logs_ingestion": total["log_gb"],
        # Steady state: the retention's worth of months of logs is kept.
        "cloudwatch_logs_storage": total["log_gb"] * LOG_RETENTION_DAYS / 30,
        "cloudwatch_alarms": usage.alarms,
    }
    lines = []
    for key, quantity in quantities.items():
        price = prices[key]
        cost = quantity * price.usd_per_unit
        free = min(quantity, price.free_tier)
        lines.append({
            "key": key, "service": price.service, "item": price.item,
            "quantity": quantity, "unit": price.unit,
            "unit_price_usd": price.usd, "per": price.per, "price": price.describe(),
            "cost_usd": cost,
            "free_tier": price.free_tier,
            "cost_after_free_tier_usd": (quantity - free) * price.usd_per_unit,
            "verified": price.verified, "source": price.source,
        })
    total_usd = sum(line["cost_usd"] for line in lines)
    free_usd = sum(line["cost_after_free_tier_usd"] for line in lines)
    by_service: dict[str, float] = {}
    for line in lines:
        by_service[line["service"]] = by_service.get(line["service"], 0.0) + line["cost_usd"]
    return {
        "region": REGION, "architecture": ARCHITECTURE, "prices_checked": PRICES_CHECKED,
        "families": usage.families, "usage": asdict(usage), "units": asdict(units),
        "lines": lines, "by_service": by_service, "per_action": per_action,
        "volumes": total,
        "total_usd": total_usd, "eur_per_usd": EUR_PER_USD,
        "total_eur": total_usd * EUR_PER_USD,
        "per_family_eur": total_usd * EUR_PER_USD / usage.families,
        "total_with_free_tiers_usd": free_usd,
        "total_with_free_tiers_eur": free_usd * EUR_PER_USD,
        "estimated_actions": absent,
        "unverified_prices": sorted(k for k in quantities if not prices[k].verified),
        "notes": NOTES,
    }


NOTES = [
    "List prices, before VAT (TVA), without any free tier; the second total applies only "
    "the permanent ('always free') allowances of Lambda, DynamoDB storage, CloudFront "
    "and CloudWatch. API Gateway's and SES's offers for new accounts (12 months, or "
    "credits since 15 July 2025) are never applied.",
    "Not counted: Route 53 (0.50 $ a month per hosted zone, if the commune's DNS is "
    "there), ACM certificates (free), SNS e-mails of the alarms (first 1,000 free), "
    "CloudTrail, AWS Support, PayFip's own fees (DGFiP), data transfer between the "
    "services (same region, or free origin fetches to CloudFront).",
    "September differs: every family is created and e-mailed its credentials, and "
    "most book a whole period.",
]


# -- the bill at every size ------------------------------------------------------------
BILL_SIZES = (50, 500, 5_000, 50_000)


def usage_for(families: int, base: Usage = DEFAULT_USAGE) -> Usage:
    """A month of a commune of ``families`` families, from the 500-family month.

    What each family does is the same at every size; what the staff do grows with the
    families they serve (more sites, more lists, more exports), never below a village's;
    the tables grow with the families, the site and its artefacts do not; a village's
    traffic is too thin to keep a Lambda warm, a city's keeps most environments warm.
    """
    from dataclasses import replace
    scale = families / base.families
    staff = max(scale, 0.5)
    return replace(
        base, families=families,
        new_families_per_month=max(1.0, base.new_families_per_month * scale),
        attendance_list_loads_per_school_day=base.attendance_list_loads_per_school_day * staff,
        staff_pages_per_school_day=base.staff_pages_per_school_day * staff,
        staff_exports_per_month=base.staff_exports_per_month * staff,
        dynamodb_gb=max(0.1, base.dynamodb_gb * scale),
        s3_gb=base.s3_gb + 0.2 * scale,  # the site and artefacts, then files (PES, PDFs)
        api_cold_start_share=(base.api_cold_start_share if families <= 500
                              else max(0.02, base.api_cold_start_share * 500 / families)))


def bills_by_size(requests_per_action: Mapping[str, ActionCounts],
                  sizes: tuple[int, ...] = BILL_SIZES, base: Usage = DEFAULT_USAGE,
                  **options: Any) -> list[dict[str, Any]]:
    """The month's bill at each size: total, per family, and the lines that dominate."""
    rows = []
    for families in sizes:
        bill = monthly_bill(requests_per_action, usage_for(families, base), **options)
        ranked = sorted(bill["lines"], key=lambda line: -line["cost_usd"])
        rows.append({
            "families": families, "total_usd": bill["total_usd"],
            "total_eur": bill["total_eur"], "per_family_eur": bill["per_family_eur"],
            "total_with_free_tiers_eur": bill["total_with_free_tiers_eur"],
            "top": [{"service": line["service"], "item": line["item"],
                     "cost_usd": line["cost_usd"],
                     "share": line["cost_usd"] / bill["total_usd"] if bill["total_usd"] else 0}
                    for line in ranked[:3]],
        })
    return rows


def render_sizes(rows: list[dict[str, Any]]) -> str:
    """The bill at every size, as a Markdown table."""
    out = ["## The monthly bill at every size", "",
           "Each size is the 500-family month scaled by `usage_for` (what each family does "
           "is unchanged; staff work, storage and warm Lambda environments grow with the "
           "families). List prices, no free tier, before VAT.", "",
           "| Families | Per month | Per family | With permanent free tiers | "
           "Lines that dominate (share of the month) |",
           "|---:|---:|---:|---:|---|"]
    for row in rows:
        top = "; ".join(f"{t['service']} {t['item']} {t['share']:.0%}" for t in row["top"])
        out.append(f"| {row['families']:,} | {_usd(row['total_eur'])} € | "
                   f"{row['per_family_eur']:.4f} € | {_usd(row['total_with_free_tiers_eur'])} € "
                   f"| {top} |")
    return "\n".join(out) + "\n"


# -- rendering --------------------------------------------------------------------------
def _number(value: float) -> str:
    if value == 0:
        return "0"
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 1:
        return f"{value:,.1f}".rstrip("0").rstrip(".")
    return f"{value:.3g}"


def _usd(value: float) -> str:
    if value == 0:
        return "0.00"
    if value < 0.005:
        return "< 0.01"
    return f"{value:,.2f}"


def render_markdown(bill: Mapping[str, Any], heading: str | None = None) -> str:
    """Markdown for docs/performance.md: the bill, where it goes, and its assumptions."""
    out = []
    title = heading or (f"Monthly AWS bill of a {bill['families']}-family commune "
                        f"({bill['region']}, prices checked {bill['prices_checked']})")
    out += [f"## {title}", ""]
    if bill["estimated_actions"]:
        out += ["**Counts not measured (example values used):** "
                + ", ".join(f"`{a}`" for a in bill["estimated_actions"]), ""]
    out += ["| Service | Item | Quantity / month | Unit price | Cost (USD) |",
            "|---|---|---:|---|---:|"]
    for line in bill["lines"]:
        mark = "" if line["verified"] else " *"
        out.append(f"| {line['service']} | {line['item']} | {_number(line['quantity'])} "
                   f"{line['unit']} | {line['price']}{mark} | {_usd(line['cost_usd'])} |")
    eur = bill["eur_per_usd"]
    out += [
        f"| **Total, list prices, no free tier** | | | | **{_usd(bill['total_usd'])}** |",
        f"| **In euros** (at {eur} € per $), before VAT | | | | "
        f"**{_usd(bill['total_eur'])} €** |",
        f"| Per family | | | | {bill['per_family_eur']:.4f} € |",
        f"| With the permanent free tiers | | | | "
        f"{_usd(bill['total_with_free_tiers_usd'])} $ = "
        f"{_usd(bill['total_with_free_tiers_eur'])} € |",
        "",
        "\\* amount not read in a stored copy of AWS's page or price data (see the prices "
        "below): the author's figure.",
        "",
        "### Where it goes, by action",
        "",
        "| Action | Per month | DynamoDB RRU / WRU each | Lambda ms each | API calls "
        "/ month | Cost (USD)¹ |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, row in sorted(bill["per_action"].items(),
                            key=lambda item: -item[1]["variable_cost_usd"]):
        measured = "" if row["measured"] else " (example)"
        out.append(f"| `{name}`{measured} | {_number(row['per_month'])} | "
                   f"{_number(row['rru_each'])} / {_number(row['wru_each'])} | "
                   f"{_number(row['lambda_ms_each'])} | {_number(row['api_calls'])} | "
                   f"{_usd(row['variable_cost_usd'])} |")
    out += ["",
            "¹ API Gateway, Lambda, DynamoDB requests and SES; storage, CloudFront, logs "
            "and alarms are in the bill only.", "",
            "### Assumptions", ""]
    usage = bill["usage"]
    for item in fields(Usage):
        out.append(f"- `{item.name}` = {usage[item.name]}")
    units = bill["units"]
    out += ["", "DynamoDB request units: eventually consistent reads (0.5 RRU per 4 KB; "
            "`Query`/`Scan` by the size of all items read, rounded up per call), 1 WRU per "
            "KB written, 2 in a transaction, plus one index write per item (1×).", ""]
    for key, value in units.items():
        out.append(f"- `{key}` = {value}")
    out += ["", "Lambda: x86_64; memory from `.chalice/config.json` (stage prod); cold "
            "starts add `init_ms` (billed since 1 August 2025). Schedules from "
            "`chalicelib/jobs/*.py`.", "", "### Prices", "",
            "Each amount's evidence or note is in `scripts/bench/bench_bill.py` (`PRICES`); to "
            "check one again, read the service's eu-west-3 offer file of the AWS Price "
            f"List, e.g. {PRICES['dynamodb_write_request_units'].price_list}", "",
            "| Key | Price | Verified | Source |", "|---|---|---|---|"]
    for key, price in PRICES.items():
        out.append(f"| `{key}` | {price.describe()} | "
                   f"{'yes' if price.verified else 'no'} | {price.source} |")
    out += ["", "### Notes", ""] + [f"- {note}" for note in bill["notes"]]
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Print the monthly AWS bill of "
                                     "EXAMPLE_REQUESTS (illustrative counts).")
    parser.add_argument("--families", type=int, default=DEFAULT_USAGE.families)
    parser.add_argument("--json", action="store_true", help="the bill as JSON")
    parser.add_argument("--sizes", action="store_true",
                        help="the bill at 50, 500, 5,000 and 50,000 families")
    args = parser.parse_args(argv)
    from dataclasses import replace
    if args.sizes:
        rows = bills_by_size(EXAMPLE_REQUESTS)
        print(json.dumps(rows, indent=2) if args.json else
              "EXAMPLE — illustrative counts, not measured.\n\n" + render_sizes(rows))
        return 0
    bill = monthly_bill(EXAMPLE_REQUESTS, replace(DEFAULT_USAGE, families=args.families))
    if args.json:
        print(json.dumps(bill, indent=2, ensure_ascii=False))
        return 0
    print(render_markdown(bill, heading=(
        f"EXAMPLE — illustrative counts, not measured: monthly AWS bill of a "
        f"{args.families}-family commune ({REGION}, prices checked {PRICES_CHECKED})")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
