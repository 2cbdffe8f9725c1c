"""The stack: ``chalice package``'s SAM template plus everything Chalice does not make.

``merge(chalice_template, stage, stage_env)`` returns the template to deploy. Nothing here
is copied by hand from elsewhere:

- tables, keys, indexes, billing mode and TTL come from ``ALL_MODELS``, through the same
  pynamodb metadata ``create_tables()`` uses locally and in the tests;
- the security headers (the exact Content-Security-Policy) come from
  ``infra.site_headers.SECURITY_HEADERS`` (the local stack sends the same);
- API Gateway's own answers (unknown route, throttling, crashes) use the bodies of
  ``chalicelib.api.errors``;
- environment variable names come from ``chalicelib.settings``; the stage's values from
  ``.chalice/config.json`` are the parameters' defaults.
"""
from __future__ import annotations

import contextlib
import copy
import json
import logging
import re
from collections.abc import Iterator
from typing import Any

from chalicelib import settings as env
from chalicelib.api import errors
from chalicelib.api.routing import REQUEST_HEADERS
from chalicelib.domain.errors import DomainError, TooManyRequests
from chalicelib.domain.sickness import CERTIFICATE_PREFIX, CERTIFICATE_RETENTION_DAYS
from chalicelib.settings import ORIGIN_HEADER
from chalicelib.storage.models import ALL_MODELS, table_suffix
from infra.site_headers import SECURITY_HEADERS

API_STAGE = "api"  # .chalice/config.json's api_gateway_stage: CloudFront forwards /api/* to it

# Chalice's logical ids: the API's function and REST API, and the weekly lock (every
# scheduled function of app.py gets its role, log group and failure alarm, whatever its id).
API_FUNCTION = "APIHandler"
LOCK_FUNCTION = "LockBookings"
REST_API = "RestAPI"

# CloudFront's managed policies: fixed ids, the same in every account.
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"

# Every DynamoDB request the storage layer makes (chalicelib/storage/*.py):
#   Model.get → GetItem, save → PutItem, update → UpdateItem, delete → DeleteItem,
#   query (tables and indexes) → Query, FamilyModel.batch_get → BatchGetItem,
#   TransactWrite → TransactWriteItems, which IAM authorises action by action: its
#   save/delete/update need PutItem/DeleteItem/UpdateItem, its condition_check (the draft
#   an invoice is confirmed from) ConditionCheckItem; batch_write (the month's draft
#   invoices, 25 rows a request) → BatchWriteItem.
# No DescribeTable: pynamodb 6 takes the schema from the models, and Model.exists() runs
# only in create_tables() (local stack and tests). No Scan.
# tests/infra/test_template.py checks this list against the storage code.
DYNAMODB_ACTIONS = (
    "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:ConditionCheckItem",
    "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query",
    "dynamodb:UpdateItem",
)

# Tables whose items are only ever added: no function may delete from them (an explicit
# Deny, which no Allow added later can override). tests/infra checks that the storage code
# deletes nothing there. The ledger and invoices are accounting records (kept 10 years),
# the audit log is the staff's trace, and the marks make invoicing and crediting happen
# once: deleting one would let an invoice or a payment be written twice.
APPEND_ONLY_TABLES = ("ledger", "invoices", "audit", "marks")
DELETE_ACTIONS = ("dynamodb:DeleteItem", "dynamodb:BatchWriteItem", "dynamodb:PartiQLDelete")

# API Gateway's answer to a burst beyond these is its own 429 (THROTTLED, in the error
# shape); the API function runs at most this many requests at once, so a flood cannot
# run up the bill nor starve the scheduled jobs of the account's concurrency.
API_RATE_LIMIT = 50      # requests per second, sustained (a 500-family commune peaks ~5)
API_BURST_LIMIT = 100
API_CONCURRENCY = 20
# Lambda keeps this much of the account's concurrency unreserved, whatever is asked.
UNRESERVED_MINIMUM = 10

# Access logs of API Gateway: one JSON line per request. No query string, no header, no
# address of the visitor beyond CloudFront's: what answered, to which route, how fast.
ACCESS_LOG_FORMAT = json.dumps({
    "requestId": "$context.requestId", "time": "$context.requestTime",
    "method": "$context.httpMethod", "route": "$context.resourcePath",
    "status": "$context.status", "bytes": "$context.responseLength",
    "latencyMs": "$context.responseLatency", "integrationStatus": "$context.integrationStatus",
    "error": "$context.error.responseType"}, separators=(",", ":"))

# Settings (chalicelib.settings constant → stack parameter) a commune chooses per stack;
# the others are fixed by the stage (STAGE, TABLE_PREFIX), reserved by Lambda (REGION) or
# refused outside the local stage (LOCAL_ONLY_SETTINGS). tests/infra checks the split.
PARAMETER_SETTINGS = {
    "SITE_URL": "SiteUrl", "MAIL_FROM": "MailFrom",
    "PAYFIP_NUMCLI": "PayfipNumcli", "PAYFIP_MODE": "PayfipMode",
    "SIGNING_KEY": "SigningKey", "ORIGIN_SECRET": "OriginSecret",
}
# Parameters that hold secrets: NoEcho, generated by scripts/release/deploy.py at the first
# deployment and kept (UsePreviousValue) by the next ones.
SECRET_PARAMETERS = ("SigningKey", "OriginSecret")
STAGE_SETTINGS = ("STAGE", "TABLE_PREFIX")
# Settings that name one of the stack's functions (setting → Chalice's logical id): every
# function gets the name; the API's role may invoke it (the console starts the invoice
# run in the background: API Gateway would not wait for it).
FUNCTION_SETTINGS = {"INVOICE_FUNCTION": "InvoiceMonth"}
# Settings that name a resource of the stack (setting → logical id): every function gets
# its name. The files bucket holds the PES files sent to the Treasury (accounting records).
RESOURCE_SETTINGS = {"FILES_BUCKET": "FilesBucket", "EXPORT_QUEUE": "ExportQueue"}
FILES_BUCKET = "FilesBucket"
# The export files: an SQS queue (``app.write_export`` consumes it; the API sends to it),
# a visibility longer than the function's 15 minutes (Lambda requires it; a run that died
# is retried after it), and the files deleted by a lifecycle rule (personal data).
EXPORT_QUEUE = "ExportQueue"
EXPORT_FUNCTION = "WriteExport"
# The functions that hand work to the background queue: the API (export jobs), the
# invoice run (a big month's invoices to hand out, services/deliveries.py) and the
# reminders (a big commune's reminders, services/reminders.py).
QUEUE_SENDERS = (API_FUNCTION, "InvoiceMonth", "RemindFamilies")
EXPORT_VISIBILITY_SECONDS = 960
EXPORT_PREFIX = "exports/"
EXPORT_FILE_DAYS = 1
LOCAL_ONLY_SETTINGS = ("NOW", "AWS_ENDPOINT", "PAYFIP_ENDPOINT", "AUTH_PACING")

LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731,
                      1096, 1827, 2192, 2557, 2922, 3288, 3653)
HSTS_SECONDS = 63072000  # two years; not in SECURITY_HEADERS because the local site is HTTP


class TemplateError(RuntimeError):
    """Chalice's output is not what this module knows how to extend."""


# -- tables ----------------------------------------------------------------------------
def table_logical_id(suffix: str) -> str:
    """``reset_tokens`` → ``TableResetTokens``."""
    return "Table" + "".join(part.capitalize() for part in suffix.split("_"))


def _key_schema(keys: list[dict[str, str]]) -> list[dict[str, str]]:
    # HASH before RANGE, as pynamodb's create_table sends it (DynamoDB requires it).
    return sorted(({"AttributeName": k["AttributeName"], "KeyType": k["KeyType"]} for k in keys),
                  key=lambda k: k["KeyType"])


def table_properties(model: Any, prefix: str) -> dict[str, Any]:
    """A model's table as CloudFormation properties, from pynamodb's own schema."""
    schema = model._get_schema()  # what Model.create_table() sends to DynamoDB
    billing = getattr(model.Meta, "billing_mode", None)
    if billing != "PAY_PER_REQUEST":
        raise TemplateError(f"{model.__name__} must be on-demand (billing_mode PAY_PER_REQUEST)")
    props: dict[str, Any] = {
        "TableName": prefix + table_suffix(model),
        "BillingMode": billing,
        "AttributeDefinitions": sorted(
            ({"AttributeName": a["AttributeName"], "AttributeType": a["AttributeType"]}
             for a in schema["attribute_definitions"]), key=lambda a: a["AttributeName"]),
        "KeySchema": _key_schema(schema["key_schema"]),
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
        "DeletionProtectionEnabled": True,
    }
    for kind, key in (("global_secondary_indexes", "GlobalSecondaryIndexes"),
                      ("local_secondary_indexes", "LocalSecondaryIndexes")):
        indexes = [{"IndexName": index["index_name"], "KeySchema": _key_schema(index["key_schema"]),
                    "Projection": index["projection"]} for index in schema[kind]]
        if indexes:
            props[key] = sorted(indexes, key=lambda i: i["IndexName"])
    ttl = model._ttl_attribute()  # create_table() turns TTL on for it too
    if ttl is not None:
        props["TimeToLiveSpecification"] = {"AttributeName": ttl.attr_name, "Enabled": True}
    return props


def tables(models: Any, prefix: str) -> dict[str, Any]:
    """One table per model; kept when the stack is deleted or a change would replace it."""
    resources = {}
    for model in models:
        resources[table_logical_id(table_suffix(model))] = {
            "Type": "AWS::DynamoDB::Table",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": table_properties(model, prefix),
        }
    return resources


# -- functions -------------------------------------------------------------------------
def functions(resources: dict[str, Any]) -> dict[str, str]:
    """Every Lambda function Chalice made → the logical id of its role."""
    found = {}
    for logical_id, resource in resources.items():
        if resource.get("Type") == "AWS::Serverless::Function":
            role = resource["Properties"].get("Role", {})
            if not (isinstance(role, dict) and "Fn::GetAtt" in role):
                raise TemplateError(f"{logical_id} has no role of its own")
            found[logical_id] = role["Fn::GetAtt"][0]
    return dict(sorted(found.items()))


def scheduled(resources: dict[str, Any], function: str) -> bool:
    """Whether EventBridge runs this function on a schedule."""
    events = resources[function]["Properties"].get("Events", {})
    return any(event.get("Type") == "Schedule" for event in events.values())


def function_suffix(logical_id: str) -> str:
    """``APIHandler`` → ``api``, ``LockBookings`` → ``lock-bookings``."""
    if logical_id == API_FUNCTION:
        return "api"
    return re.sub(r"(?<!^)(?=[A-Z])", "-", logical_id).lower()


# -- IAM -------------------------------------------------------------------------------
def function_settings(resources: dict[str, Any], prefix: str) -> dict[str, str]:
    """Environment variable → the name of the function it designates."""
    out = {}
    for constant, logical_id in FUNCTION_SETTINGS.items():
        if hasattr(env, constant):
            if logical_id not in resources:
                raise TemplateError(f"{constant} names {logical_id}, which chalice no longer makes")
            out[getattr(env, constant)] = f"{prefix}{function_suffix(logical_id)}"
    return out


def append_only_arns(table_resources: dict[str, Any]) -> list[Any]:
    """The ARNs of the append-only tables (APPEND_ONLY_TABLES)."""
    ids = {table_logical_id(suffix) for suffix in APPEND_ONLY_TABLES}
    missing = ids - set(table_resources)
    if missing:
        raise TemplateError(f"append-only tables without a model: {sorted(missing)}")
    return [{"Fn::GetAtt": [logical_id, "Arn"]} for logical_id in sorted(ids)]


def export_statements(sends: bool, consumes: bool) -> list[dict[str, Any]]:
    """The export queue: the API sends to it; the export function receives from it (as
    Lambda's poller does, with the function's role) and may drop the parts of an upload
    it gives up (the exports' prefix only)."""
    queue = {"Fn::GetAtt": [EXPORT_QUEUE, "Arn"]}
    statements: list[dict[str, Any]] = []
    if sends:
        statements.append({"Sid": "ExportQueueSend", "Effect": "Allow",
                           "Action": "sqs:SendMessage", "Resource": queue})
    if consumes:
        statements.append({"Sid": "ExportQueueReceive", "Effect": "Allow",
                           "Action": ["sqs:DeleteMessage", "sqs:GetQueueAttributes",
                                      "sqs:ReceiveMessage"], "Resource": queue})
        statements.append({"Sid": "ExportUploads", "Effect": "Allow",
                           "Action": "s3:AbortMultipartUpload",
                           "Resource": {"Fn::Sub": f"${{{FILES_BUCKET}.Arn}}/{EXPORT_PREFIX}*"}})
    return statements


def function_policy(log_group: str, table_resources: dict[str, Any],
                    invokes: list[str] | tuple[str, ...] = (),
                    extra: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Least privilege for one function: its log group, the stack's tables, one sender,
    the functions it starts (if any) and ``extra`` statements; never a delete on an
    append-only table."""
    table_arns: list[Any] = []
    for logical_id, resource in sorted(table_resources.items()):
        table_arns.append({"Fn::GetAtt": [logical_id, "Arn"]})
        props = resource["Properties"]
        if props.get("GlobalSecondaryIndexes") or props.get("LocalSecondaryIndexes"):
            table_arns.append({"Fn::Sub": f"${{{logical_id}.Arn}}/index/*"})
    return {
        "PolicyName": "cantine",
        "PolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": "Logs", "Effect": "Allow",
                 "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                 "Resource": {"Fn::GetAtt": [log_group, "Arn"]}},
                {"Sid": "Tables", "Effect": "Allow", "Action": list(DYNAMODB_ACTIONS),
                 "Resource": table_arns},
                {"Sid": "AppendOnly", "Effect": "Deny", "Action": list(DELETE_ACTIONS),
                 "Resource": append_only_arns(table_resources)},
                # The objects of the files bucket only: no listing, no delete, no bucket.
                {"Sid": "Files", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
                 "Resource": {"Fn::Sub": f"${{{FILES_BUCKET}.Arn}}/*"}},
                {"Sid": "Mail", "Effect": "Allow", "Action": "ses:SendEmail",
                 "Resource": {"Fn::Sub": "arn:${AWS::Partition}:ses:${AWS::Region}:"
                                         "${AWS::AccountId}:identity/${MailIdentity}"},
                 "Condition": {"StringEquals": {"ses:FromAddress": {"Ref": "MailFrom"}}}},
            ] + ([{"Sid": "Jobs", "Effect": "Allow", "Action": "lambda:InvokeFunction",
                   "Resource": [{"Fn::Sub": "arn:${AWS::Partition}:lambda:${AWS::Region}:"
                                            f"${{AWS::AccountId}}:function:{name}"}
                                for name in invokes]}] if invokes else []) + (extra or []),
        },
    }


# -- API Gateway -----------------------------------------------------------------------
@contextlib.contextmanager
def _quiet(logger: logging.Logger) -> Iterator[None]:
    previous = logger.disabled
    logger.disabled = True
    try:
        yield
    finally:
        logger.disabled = previous


def gateway_responses() -> dict[str, Any]:
    """API Gateway's own answers, in the product's error shape.

    A path no route matches reaches API Gateway as MISSING_AUTHENTICATION_TOKEN (403):
    answered 404 with ``not_found_body()``, as the local stack does. Other refusals and
    crashes (throttling, timeouts, a Lambda that fails to start) keep their status.
    """
    with _quiet(errors.LOG):  # the app's own 500 body, without logging a fake error
        internal = json.loads(errors.from_exception(RuntimeError("API Gateway")).body)
    headers = {f"gatewayresponse.header.{name}": f"'{value}'"
               for name, value in errors.JSON_HEADERS.items() if name != "Content-Type"}

    def answer(body: dict[str, Any], status: int | None = None) -> dict[str, Any]:
        # ASCII JSON: accents travel as \u escapes, which VTL leaves alone.
        response: dict[str, Any] = {"responseParameters": dict(headers),
                                    "responseTemplates": {"application/json": json.dumps(body)}}
        if status is not None:
            response["statusCode"] = status
        return response

    gateway = {"gateway": "$context.error.responseType"}
    return {
        "MISSING_AUTHENTICATION_TOKEN": answer(errors.not_found_body(), 404),
        "THROTTLED": answer(errors.error_body(TooManyRequests.code, TooManyRequests.message,
                                              gateway)),
        "DEFAULT_4XX": answer(errors.error_body(DomainError.code, DomainError.message, gateway)),
        "DEFAULT_5XX": answer(internal),
    }


def api_name(prefix: str) -> str:
    """The REST API's name: the ApiName dimension of its CloudWatch metrics."""
    return prefix.rstrip("-")


# -- site ------------------------------------------------------------------------------
def security_headers_config() -> dict[str, Any]:
    """SECURITY_HEADERS as a CloudFront response headers policy, plus HSTS."""
    headers = dict(SECURITY_HEADERS)
    security: dict[str, Any] = {
        "StrictTransportSecurity": {"AccessControlMaxAgeSec": HSTS_SECONDS,
                                    "IncludeSubdomains": False, "Preload": False,
                                    "Override": True},
    }
    if "Content-Security-Policy" in headers:
        security["ContentSecurityPolicy"] = {
            "ContentSecurityPolicy": headers.pop("Content-Security-Policy"), "Override": True}
    if "X-Content-Type-Options" in headers:
        if headers.pop("X-Content-Type-Options") != "nosniff":
            raise TemplateError("CloudFront only sends X-Content-Type-Options: nosniff")
        security["ContentTypeOptions"] = {"Override": True}
    if "X-Frame-Options" in headers:
        security["FrameOptions"] = {"FrameOption": headers.pop("X-Frame-Options"),
                                    "Override": True}
    if "Referrer-Policy" in headers:
        security["ReferrerPolicy"] = {"ReferrerPolicy": headers.pop("Referrer-Policy"),
                                      "Override": True}
    custom = [{"Header": name, "Value": value, "Override": True}
              for name, value in headers.items()]
    config: dict[str, Any] = {
        "Name": {"Fn::Sub": "${AWS::StackName}-security-headers"},
        "Comment": "infra/site_headers.py SECURITY_HEADERS, plus HSTS",
        "SecurityHeadersConfig": security,
    }
    if custom:
        config["CustomHeadersConfig"] = {"Items": custom}
    return config


# API Gateway turns a Lambda's base64 body back into bytes only when the request's Accept
# header starts with a binary media type; a browser following a link to an invoice sends
# "text/html,…" first and would get base64 text. Links to PDFs end in /pdf (the app's
# binary type application/pdf): CloudFront asks for the PDF on the browser's behalf. Links
# to a bordereau's PES file end in /pes (application/xml, ISO-8859-1 bytes), to a debit
# file in /xml (application/xml, pain.008): the same.
PDF_ACCEPT_FUNCTION = """function handler(event) {
  var request = event.request;
  if (request.method === 'GET' && /\\/pdf$/.test(request.uri)) {
    request.headers['accept'] = {value: 'application/pdf'};
  } else if (request.method === 'GET' && /\\/(pes|xml)$/.test(request.uri)) {
    request.headers['accept'] = {value: 'application/xml'};
  }
  return request;
}
"""


def site() -> dict[str, Any]:
    """Private bucket, origin access control, headers policy and the distribution."""
    bucket_arn = {"Fn::GetAtt": ["SiteBucket", "Arn"]}
    distribution_arn = {"Fn::Sub": "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:"
                                   "distribution/${Distribution}"}
    api_domain = {"Fn::Sub": f"${{{REST_API}}}.execute-api.${{AWS::Region}}.${{AWS::URLSuffix}}"}
    return {
        "SiteBucket": {
            "Type": "AWS::S3::Bucket",
            "Properties": {
                "PublicAccessBlockConfiguration": {
                    "BlockPublicAcls": True, "BlockPublicPolicy": True,
                    "IgnorePublicAcls": True, "RestrictPublicBuckets": True},
                "BucketEncryption": {"ServerSideEncryptionConfiguration": [
                    {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]},
                "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
                # A bad upload or a deletion is undone by restoring the previous version;
                # old versions go after 90 days.
                "VersioningConfiguration": {"Status": "Enabled"},
                "LifecycleConfiguration": {"Rules": [{
                    "Id": "old-versions", "Status": "Enabled",
                    "NoncurrentVersionExpiration": {"NoncurrentDays": 90},
                    "ExpiredObjectDeleteMarker": True}]},
            },
        },
        # CloudFront's access logs (standard logging writes with ACLs, hence
        # BucketOwnerPreferred), kept LogRetentionDays days. Kept when the stack goes.
        "LogBucket": {
            "Type": "AWS::S3::Bucket",
            "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain",
            "Properties": {
                "PublicAccessBlockConfiguration": {
                    "BlockPublicAcls": True, "BlockPublicPolicy": True,
                    "IgnorePublicAcls": True, "RestrictPublicBuckets": True},
                "BucketEncryption": {"ServerSideEncryptionConfiguration": [
                    {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]},
                "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerPreferred"}]},
                "LifecycleConfiguration": {"Rules": [{
                    "Id": "retention", "Status": "Enabled",
                    "ExpirationInDays": {"Ref": "LogRetentionDays"}}]},
            },
        },
        "LogBucketPolicy": {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {
                "Bucket": {"Ref": "LogBucket"},
                "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                    {"Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                     "Resource": [{"Fn::GetAtt": ["LogBucket", "Arn"]},
                                  {"Fn::Sub": "${LogBucket.Arn}/*"}],
                     "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]},
            },
        },
        # What reaches the API: the headers it reads, every cookie and query string.
        "ApiOriginRequestPolicy": {
            "Type": "AWS::CloudFront::OriginRequestPolicy",
            "Properties": {"OriginRequestPolicyConfig": {
                "Name": {"Fn::Sub": "${AWS::StackName}-api"},
                "Comment": "chalicelib.api.routing.REQUEST_HEADERS",
                "HeadersConfig": {"HeaderBehavior": "whitelist",
                                  "Headers": list(REQUEST_HEADERS)},
                "CookiesConfig": {"CookieBehavior": "all"},
                "QueryStringsConfig": {"QueryStringBehavior": "all"}}},
        },
        "SiteBucketPolicy": {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {
                "Bucket": {"Ref": "SiteBucket"},
                "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                    {"Sid": "CloudFrontReadsTheSite", "Effect": "Allow",
                     "Principal": {"Service": "cloudfront.amazonaws.com"},
                     "Action": "s3:GetObject",
                     "Resource": {"Fn::Sub": "${SiteBucket.Arn}/*"},
                     "Condition": {"StringEquals": {"AWS:SourceArn": distribution_arn}}},
                    {"Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                     "Resource": [bucket_arn, {"Fn::Sub": "${SiteBucket.Arn}/*"}],
                     "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
                ]},
            },
        },
        "SiteOriginAccessControl": {
            "Type": "AWS::CloudFront::OriginAccessControl",
            "Properties": {"OriginAccessControlConfig": {
                "Name": {"Fn::Sub": "${AWS::StackName}-site"},
                "OriginAccessControlOriginType": "s3",
                "SigningBehavior": "always", "SigningProtocol": "sigv4"}},
        },
        "PdfAcceptFunction": {
            "Type": "AWS::CloudFront::Function",
            "Properties": {
                "Name": {"Fn::Sub": "${AWS::StackName}-pdf-accept"},
                "AutoPublish": True,
                "FunctionConfig": {"Comment": "GET …/pdf asks API Gateway for application/pdf",
                                   "Runtime": "cloudfront-js-2.0"},
                "FunctionCode": PDF_ACCEPT_FUNCTION,
            },
        },
        "SecurityHeaders": {
            "Type": "AWS::CloudFront::ResponseHeadersPolicy",
            "Properties": {"ResponseHeadersPolicyConfig": security_headers_config()},
        },
        "Distribution": {
            "Type": "AWS::CloudFront::Distribution",
            "Properties": {"DistributionConfig": {
                "Enabled": True,
                "Comment": {"Fn::Sub": "${AWS::StackName}: site and /api/"},
                "Aliases": {"Fn::If": ["HasSiteDomain", [{"Ref": "SiteDomain"}],
                                       {"Ref": "AWS::NoValue"}]},
                "ViewerCertificate": {"Fn::If": [
                    "HasCertificate",
                    {"AcmCertificateArn": {"Ref": "CertificateArn"},
                     "SslSupportMethod": "sni-only", "MinimumProtocolVersion": "TLSv1.2_2021"},
                    {"CloudFrontDefaultCertificate": True}]},
                "DefaultRootObject": "index.html",
                "HttpVersion": "http2and3",
                "IPV6Enabled": True,
                "PriceClass": "PriceClass_100",  # Europe and North America: the cheapest
                "Logging": {"Bucket": {"Fn::GetAtt": ["LogBucket", "DomainName"]},
                            "Prefix": "cloudfront/",
                            "IncludeCookies": False},  # session cookies stay out of logs
                "WebACLId": {"Fn::If": ["HasWebAcl", {"Ref": "WebAclArn"},
                                        {"Ref": "AWS::NoValue"}]},
                "Origins": [
                    {"Id": "site", "DomainName": {"Fn::GetAtt": ["SiteBucket", "RegionalDomainName"]},
                     "S3OriginConfig": {"OriginAccessIdentity": ""},
                     "OriginAccessControlId": {"Fn::GetAtt": ["SiteOriginAccessControl", "Id"]}},
                    # No origin path: /api/x reaches the stage "api" as /x, as locally.
                    # The secret header proves to the API that a request came this way.
                    {"Id": "api", "DomainName": api_domain,
                     "OriginCustomHeaders": [{"HeaderName": ORIGIN_HEADER,
                                              "HeaderValue": {"Ref": "OriginSecret"}}],
                     "CustomOriginConfig": {"OriginProtocolPolicy": "https-only",
                                            "OriginSSLProtocols": ["TLSv1.2"]}},
                ],
                "DefaultCacheBehavior": {
                    "TargetOriginId": "site",
                    "ViewerProtocolPolicy": "redirect-to-https",
                    "AllowedMethods": ["GET", "HEAD"],
                    "CachedMethods": ["GET", "HEAD"],
                    "CachePolicyId": CACHING_OPTIMIZED,
                    "ResponseHeadersPolicyId": {"Ref": "SecurityHeaders"},
                    "Compress": True,
                },
                "CacheBehaviors": [{
                    "PathPattern": f"/{API_STAGE}/*",
                    "TargetOriginId": "api",
                    # No redirect: a POST redirected to HTTPS would arrive as a GET.
                    "ViewerProtocolPolicy": "https-only",
                    "AllowedMethods": ["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"],
                    "CachedMethods": ["GET", "HEAD"],
                    "CachePolicyId": CACHING_DISABLED,
                    "OriginRequestPolicyId": {"Ref": "ApiOriginRequestPolicy"},
                    "ResponseHeadersPolicyId": {"Ref": "SecurityHeaders"},
                    "FunctionAssociations": [{
                        "EventType": "viewer-request",
                        "FunctionARN": {"Fn::GetAtt": ["PdfAcceptFunction", "FunctionMetadata.FunctionARN"]}}],
                    "Compress": True,
                }],
            }},
        },
    }


# -- mail ------------------------------------------------------------------------------
def files() -> dict[str, Any]:
    """The private bucket of the files the product writes (PES files of titres de
    recette, debit files, medical certificates): encrypted, public access blocked,
    versioned, TLS only, kept with the stack gone (accounting records are kept 10 years);
    the certificates alone expire."""
    return {FILES_BUCKET: {
        "Type": "AWS::S3::Bucket",
        "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain",
        "Properties": {
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True, "BlockPublicPolicy": True,
                "IgnorePublicAcls": True, "RestrictPublicBuckets": True},
            "BucketEncryption": {"ServerSideEncryptionConfiguration": [
                {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]},
            "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
            "VersioningConfiguration": {"Status": "Enabled"},
            # Medical certificates are health data, not accounting records: each goes
            # CERTIFICATE_RETENTION_DAYS after its upload, its old version a day later,
            # and the delete marker left behind after that. Export files hold personal
            # data and are downloaded at once: gone after a day (S3 rounds to the next
            # midnight UTC), with their versions and any upload left unfinished. The PES
            # and debit files are kept.
            "LifecycleConfiguration": {"Rules": [
                {"Id": "certificates", "Status": "Enabled", "Prefix": CERTIFICATE_PREFIX,
                 "ExpirationInDays": CERTIFICATE_RETENTION_DAYS,
                 "NoncurrentVersionExpiration": {"NoncurrentDays": 1}},
                {"Id": "certificates-markers", "Status": "Enabled",
                 "Prefix": CERTIFICATE_PREFIX, "ExpiredObjectDeleteMarker": True},
                {"Id": "exports", "Status": "Enabled", "Prefix": EXPORT_PREFIX,
                 "ExpirationInDays": EXPORT_FILE_DAYS,
                 "NoncurrentVersionExpiration": {"NoncurrentDays": 1},
                 "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}},
                {"Id": "exports-markers", "Status": "Enabled", "Prefix": EXPORT_PREFIX,
                 "ExpiredObjectDeleteMarker": True}]}}},
        "FilesBucketPolicy": {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {
                "Bucket": {"Ref": FILES_BUCKET},
                "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                    {"Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                     "Resource": [{"Fn::GetAtt": [FILES_BUCKET, "Arn"]},
                                  {"Fn::Sub": f"${{{FILES_BUCKET}.Arn}}/*"}],
                     "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}}}}


def export_queue(prefix: str) -> dict[str, Any]:
    """The queue of the export jobs, encrypted; a message not handled in 4 days is
    dropped (its job reads failed long before: three runs at most)."""
    return {EXPORT_QUEUE: {
        "Type": "AWS::SQS::Queue",
        # Nothing in it outlives a job: it goes with the stack.
        "DeletionPolicy": "Delete", "UpdateReplacePolicy": "Delete",
        "Properties": {"QueueName": env.export_queue_name(prefix),
                       "VisibilityTimeout": EXPORT_VISIBILITY_SECONDS,
                       "MessageRetentionPeriod": 4 * 24 * 3600,
                       "SqsManagedSseEnabled": True}}}


def mail() -> dict[str, Any]:
    """The SES domain identity of MailFrom, signed with Easy DKIM."""
    return {"MailIdentity": {
        "Type": "AWS::SES::EmailIdentity",
        "Properties": {
            "EmailIdentity": {"Fn::Select": [1, {"Fn::Split": ["@", {"Ref": "MailFrom"}]}]},
            "DkimSigningAttributes": {"NextSigningKeyLength": "RSA_2048_BIT"},
        },
    }}


# -- operations ------------------------------------------------------------------------
def log_group_id(function: str) -> str:
    return f"{function}Logs"


def _alarm(name: str, description: str, namespace: str, metric: str,
           dimensions: list[dict[str, Any]], period: int, comparison: str, missing: str
           ) -> dict[str, Any]:
    return {"Type": "AWS::CloudWatch::Alarm", "Properties": {
        "AlarmName": name, "AlarmDescription": description,
        "Namespace": namespace, "MetricName": metric, "Dimensions": dimensions,
        "Statistic": "Sum", "Period": period, "EvaluationPeriods": 1, "Threshold": 1,
        "ComparisonOperator": comparison, "TreatMissingData": missing,
        "AlarmActions": [{"Ref": "AlarmTopic"}], "OKActions": [{"Ref": "AlarmTopic"}]}}


def operations(prefix: str, resources: dict[str, Any]) -> dict[str, Any]:
    """Log groups with a retention, the alarm topic and the alarms."""
    out: dict[str, Any] = {
        "AlarmTopic": {"Type": "AWS::SNS::Topic",
                       "Properties": {"DisplayName": f"{prefix}alarms"}},
        "AlarmSubscription": {
            "Type": "AWS::SNS::Subscription", "Condition": "HasAlarmEmail",
            "Properties": {"TopicArn": {"Ref": "AlarmTopic"}, "Protocol": "email",
                           "Endpoint": {"Ref": "AlarmEmail"}}},
        "Api5xxAlarm": _alarm(
            f"{prefix}api-5xx", "L'API a répondu par une erreur serveur (5xx).",
            "AWS/ApiGateway", "5XXError",
            [{"Name": "ApiName", "Value": api_name(prefix)}, {"Name": "Stage", "Value": API_STAGE}],
            300, "GreaterThanOrEqualToThreshold", "notBreaching"),
    }
    out["ApiAccessLogs"] = {
        "Type": "AWS::Logs::LogGroup",
        "DeletionPolicy": "Delete", "UpdateReplacePolicy": "Delete",
        "Properties": {"LogGroupName": f"/aws/apigateway/{prefix}access",
                       "RetentionInDays": {"Ref": "LogRetentionDays"}}}
    # API Gateway writes logs with a role set once per account and region.
    out["ApiGatewayLogsRole"] = {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"},
                "Action": "sts:AssumeRole"}]},
            "ManagedPolicyArns": [{"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/"
                                              "service-role/AmazonAPIGatewayPushToCloudWatchLogs"}]}}
    out["ApiGatewayAccount"] = {
        "Type": "AWS::ApiGateway::Account",
        "Properties": {"CloudWatchRoleArn": {"Fn::GetAtt": ["ApiGatewayLogsRole", "Arn"]}}}
    for function in functions(resources):
        suffix = function_suffix(function)
        out[log_group_id(function)] = {
            "Type": "AWS::Logs::LogGroup",
            # Logs go with the stack: a retained group would block re-creating it.
            "DeletionPolicy": "Delete", "UpdateReplacePolicy": "Delete",
            "Properties": {"LogGroupName": f"/aws/lambda/{prefix}{suffix}",
                           "RetentionInDays": {"Ref": "LogRetentionDays"}}}
        if scheduled(resources, function):
            out[f"{function}FailedAlarm"] = _alarm(
                f"{prefix}{suffix}-failed",
                f"La tâche planifiée {suffix} a échoué (console : journaux de la fonction).",
                "AWS/Lambda", "Errors",
                [{"Name": "FunctionName", "Value": {"Ref": function}}],
                900, "GreaterThanOrEqualToThreshold", "notBreaching")
    if LOCK_FUNCTION in resources:
        out["LockNotRunningAlarm"] = _alarm(
            f"{prefix}lock-not-running",
            "Le verrouillage des réservations (toutes les 15 minutes) n'a pas tourné "
            "depuis une heure.", "AWS/Lambda", "Invocations",
            [{"Name": "FunctionName", "Value": {"Ref": LOCK_FUNCTION}}],
            3600, "LessThanThreshold", "breaching")
    return out


# -- parameters, outputs ---------------------------------------------------------------
def setting_parameters() -> dict[str, str]:
    """Environment variable → parameter, for the settings this version of the app has."""
    return {getattr(env, constant): parameter
            for constant, parameter in PARAMETER_SETTINGS.items() if hasattr(env, constant)}


def parameters(stage_env: dict[str, str]) -> dict[str, Any]:
    """The commune's settings; the stage's values in .chalice/config.json are defaults."""
    declared = {
        "MailFrom": {
            "Type": "String", "Default": stage_env[env.MAIL_FROM],
            "AllowedPattern": r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
            "Description": "Expéditeur des courriels (ex. ne-pas-repondre@cantine.ma-commune.fr); "
                           "SES vérifie son domaine (enregistrements DKIM en sortie)."},
        "SiteDomain": {
            "Type": "String", "Default": "",
            "AllowedPattern": r"^$|^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$",
            "Description": "Nom de domaine du portail (ex. cantine.ma-commune.fr), "
                           "vide pour l'adresse *.cloudfront.net."},
        "CertificateArn": {
            "Type": "String", "Default": "",
            "AllowedPattern": r"^$|^arn:aws[a-z-]*:acm:us-east-1:[0-9]{12}:certificate/[0-9a-f-]+$",
            "Description": "Certificat ACM (us-east-1) de SiteDomain; vide sans SiteDomain."},
        "SiteUrl": {
            "Type": "String", "Default": stage_env.get(env.SITE_URL, ""),
            "Description": "Adresse publique dans les liens des courriels; scripts/release/deploy.py "
                           "la calcule (https://SiteDomain ou https://<domaine CloudFront>)."},
        "AlarmEmail": {
            "Type": "String", "Default": "",
            "Description": "Adresse qui reçoit les alarmes (confirmer l'abonnement reçu)."},
        "LogRetentionDays": {
            "Type": "Number", "Default": 180, "AllowedValues": list(LOG_RETENTION_DAYS),
            "Description": "Durée de conservation des journaux, en jours."},
        "PayfipNumcli": {
            "Type": "String", "Default": stage_env.get(getattr(env, "PAYFIP_NUMCLI", ""), ""),
            "AllowedPattern": r"^$|^[0-9]{6}$",
            "Description": "Numéro client PayFip de la régie (6 chiffres), vide sans paiement "
                           "en ligne."},
        "PayfipMode": {
            "Type": "String", "Default": stage_env.get(getattr(env, "PAYFIP_MODE", ""), "T"),
            "AllowedValues": ["T", "X", "W"],
            "Description": "PayFip : T (test), X (activation), W (production)."},
        "SigningKey": {
            "Type": "String", "NoEcho": True, "MinLength": env.MIN_SECRET_LENGTH,
            "AllowedPattern": "^[A-Za-z0-9_-]+$",
            "Description": "Clé secrète (curseurs, cookies d'appareil) ; scripts/release/deploy.py la "
                           "tire au sort au premier déploiement puis la conserve."},
        "OriginSecret": {
            "Type": "String", "NoEcho": True, "MinLength": env.MIN_SECRET_LENGTH,
            "AllowedPattern": "^[A-Za-z0-9_-]+$",
            "Description": "Valeur secrète de l'en-tête que CloudFront ajoute vers l'API ; "
                           "tirée au sort par scripts/release/deploy.py, puis conservée."},
        "ApiRateLimit": {
            "Type": "Number", "Default": API_RATE_LIMIT, "MinValue": 1, "MaxValue": 10000,
            "Description": "API Gateway : requêtes par seconde, en régime soutenu."},
        "ApiBurstLimit": {
            "Type": "Number", "Default": API_BURST_LIMIT, "MinValue": 1, "MaxValue": 5000,
            "Description": "API Gateway : requêtes acceptées d'un coup (rafale)."},
        "ApiConcurrency": {
            "Type": "Number", "Default": API_CONCURRENCY, "MinValue": 1, "MaxValue": 1000,
            "Description": "Exécutions simultanées au plus de la fonction de l'API (réservées "
                           "sur le quota du compte, qui doit en garder 10 libres)."},
        "WebAclArn": {
            "Type": "String", "Default": "",
            "AllowedPattern": r"^$|^arn:aws[a-z-]*:wafv2:us-east-1:[0-9]{12}:global/webacl/.+$",
            "Description": "Pare-feu AWS WAF (us-east-1) devant CloudFront ; vide : aucun. "
                           "scripts/release/deploy.py le crée quand Waf vaut on (docs/deploy.md)."},
    }
    used = set(setting_parameters().values())
    return {name: spec for name, spec in declared.items()
            if name not in PARAMETER_SETTINGS.values() or name in used}


def _given(parameter: str) -> dict[str, Any]:
    return {"Fn::Not": [{"Fn::Equals": [{"Ref": parameter}, ""]}]}


CONDITIONS = {
    "HasWebAcl": _given("WebAclArn"),
    "HasSiteDomain": _given("SiteDomain"),
    "HasCertificate": _given("CertificateArn"),
    "HasAlarmEmail": _given("AlarmEmail"),
}

# A custom domain and its certificate go together (CloudFront refuses one without the other).
RULES = {
    "CertificateGoesWithDomain": {
        "RuleCondition": _given("SiteDomain"),
        "Assertions": [{"Assert": _given("CertificateArn"),
                        "AssertDescription": "SiteDomain demande CertificateArn "
                                             "(certificat ACM en us-east-1)."}],
    },
    "DomainGoesWithCertificate": {
        "RuleCondition": _given("CertificateArn"),
        "Assertions": [{"Assert": _given("SiteDomain"),
                        "AssertDescription": "CertificateArn demande SiteDomain."}],
    },
}


def outputs(table_resources: dict[str, Any]) -> dict[str, Any]:
    """What deploy.py and the operator read back."""
    out: dict[str, Any] = {
        "SiteBucketName": {"Value": {"Ref": "SiteBucket"}},
        "DistributionId": {"Value": {"Ref": "Distribution"}},
        "DistributionDomainName": {"Value": {"Fn::GetAtt": ["Distribution", "DomainName"]}},
        "PublicUrl": {"Value": {"Fn::If": [
            "HasSiteDomain", {"Fn::Sub": "https://${SiteDomain}"},
            {"Fn::Sub": "https://${Distribution.DomainName}"}]}},
        "AlarmTopicArn": {"Value": {"Ref": "AlarmTopic"}},
        "MailDomain": {"Value": {"Ref": "MailIdentity"}},
        "LogBucketName": {"Value": {"Ref": "LogBucket"}},
        "FilesBucketName": {"Value": {"Ref": FILES_BUCKET}},
    }
    for n in (1, 2, 3):
        out[f"DkimRecord{n}"] = {
            "Description": "Enregistrement DNS CNAME à créer pour DKIM",
            "Value": {"Fn::Sub": f"${{MailIdentity.DkimDNSTokenName{n}}} CNAME "
                                 f"${{MailIdentity.DkimDNSTokenValue{n}}}"}}
    for logical_id in sorted(table_resources):
        out[f"{logical_id}Name"] = {"Value": {"Ref": logical_id}}
    return out


# -- the merge -------------------------------------------------------------------------
def merge(chalice_template: dict[str, Any], stage: str, stage_env: dict[str, str],
          models: Any = None) -> dict[str, Any]:
    """Chalice's SAM template for ``stage`` with the infrastructure around it."""
    if models is None:
        models = ALL_MODELS
    template = copy.deepcopy(chalice_template)
    resources = template.get("Resources", {})
    missing = [name for name in (API_FUNCTION, REST_API) if name not in resources]
    if missing:
        raise TemplateError(f"chalice package no longer makes {missing}: update infra/template.py")
    lambdas = functions(resources)
    if unknown := sorted(set(QUEUE_SENDERS) - set(lambdas)):
        raise TemplateError(f"queue senders without a function: {unknown}")
    if len(set(lambdas.values())) != len(lambdas):
        raise TemplateError("functions share a role: each needs its own log group policy")
    prefix = stage_env.get(env.TABLE_PREFIX, "")
    if prefix != f"cantine-{stage}-":
        raise TemplateError(f"{env.TABLE_PREFIX} of stage {stage} must be cantine-{stage}- "
                            f"(is {prefix!r})")

    table_resources = tables(models, prefix)
    if EXPORT_FUNCTION not in resources:
        raise TemplateError(f"chalice package no longer makes {EXPORT_FUNCTION}")
    # Chalice names the queue by its ARN built from the name; the stack makes it: point
    # the event at the resource, so that the queue exists before its event source.
    for event in resources[EXPORT_FUNCTION]["Properties"].get("Events", {}).values():
        if event.get("Type") == "SQS":
            event["Properties"]["Queue"] = {"Fn::GetAtt": [EXPORT_QUEUE, "Arn"]}
    for group in (table_resources, site(), files(), export_queue(prefix), mail(),
                  operations(prefix, resources)):
        clash = set(group) & set(resources)
        if clash:
            raise TemplateError(f"logical ids already used by chalice: {sorted(clash)}")
        resources.update(group)

    named = function_settings(resources, prefix)
    for function, role in lambdas.items():
        props = resources[function]["Properties"]
        props["FunctionName"] = f"{prefix}{function_suffix(function)}"
        variables = props.setdefault("Environment", {}).setdefault("Variables", {})
        # Lambda sets AWS_DEFAULT_REGION itself (a reserved name): the stack's region.
        variables.pop(env.REGION, None)
        for variable, parameter in setting_parameters().items():
            variables[variable] = {"Ref": parameter}
        variables.update(named)
        for constant, logical_id in RESOURCE_SETTINGS.items():
            variables[getattr(env, constant)] = {"Ref": logical_id}
        if variables.get(env.STAGE) != stage:
            raise TemplateError(f"{function} does not run stage {stage}")
        # The log group exists (with its retention) before the function can write to it.
        resources[function]["DependsOn"] = [log_group_id(function)]
        if function == API_FUNCTION:
            props["ReservedConcurrentExecutions"] = {"Ref": "ApiConcurrency"}
        invokes = sorted(named.values()) if function == API_FUNCTION else []
        extra = export_statements(sends=function in QUEUE_SENDERS,
                                  consumes=function == EXPORT_FUNCTION)
        resources[role]["Properties"]["Policies"] = [
            function_policy(log_group_id(function), table_resources, invokes, extra)]

    api = resources[REST_API]["Properties"]
    api["EndpointConfiguration"] = "REGIONAL"  # CloudFront is in front: no second edge hop
    api["MethodSettings"] = [{"ResourcePath": "/*", "HttpMethod": "*",
                              "ThrottlingRateLimit": {"Ref": "ApiRateLimit"},
                              "ThrottlingBurstLimit": {"Ref": "ApiBurstLimit"}}]
    api["AccessLogSetting"] = {"DestinationArn": {"Fn::GetAtt": ["ApiAccessLogs", "Arn"]},
                               "Format": ACCESS_LOG_FORMAT}
    # The stage writes logs with the account's role: set it first.
    resources[REST_API]["DependsOn"] = sorted(
        set(resources[REST_API].get("DependsOn", [])) | {"ApiGatewayAccount"})
    api["Name"] = api_name(prefix)
    body = api["DefinitionBody"]
    body.setdefault("info", {})["title"] = api_name(prefix)
    body["x-amazon-apigateway-gateway-responses"] = gateway_responses()
    for binary in ("application/pdf", "application/xml"):
        if binary not in body.get("x-amazon-apigateway-binary-media-types", []):
            raise TemplateError(f"{binary} is no longer a binary type of the API: "
                                "review PDF_ACCEPT_FUNCTION")

    template["Description"] = (f"Cantine et périscolaire, étape {stage} : API, tâche planifiée, "
                               "tables, site (S3 + CloudFront), courriel (SES), alarmes.")
    template["Parameters"] = parameters(stage_env)
    template["Conditions"] = dict(CONDITIONS)
    template["Rules"] = dict(RULES)
    template.setdefault("Outputs", {}).update(outputs(table_resources))
    return template


# -- the optional web application firewall (us-east-1) -----------------------------------
# CloudFront only takes a web ACL of scope CLOUDFRONT, which lives in us-east-1 whatever
# the stack's region: it is a stack of its own, cantine-<stage>-waf, that scripts/release/deploy.py
# creates there when the parameter Waf is on, and whose ARN becomes WebAclArn.
WAF_RATE_LIMIT = 1000  # requests per 5 minutes from one address (a busy parent makes ~60)
# AWS's managed rule groups (no subscription), and the rules of each left counting only.
WAF_MANAGED_RULES = (
    ("AWSManagedRulesAmazonIpReputationList", ()),
    # Saving a month of bookings sends more than the 8 KB this group allows a body.
    ("AWSManagedRulesCommonRuleSet", ("SizeRestrictions_BODY",)),
    ("AWSManagedRulesKnownBadInputsRuleSet", ()),
)


def _visibility(name: str) -> dict[str, Any]:
    return {"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True,
            "MetricName": name}


def waf_template(stage: str) -> dict[str, Any]:
    """The web ACL in front of CloudFront: a rate rule per address, then AWS's managed
    rules (IP reputation, common attacks, known bad inputs)."""
    rules: list[dict[str, Any]] = [{
        "Name": "rate-per-address", "Priority": 0, "Action": {"Block": {}},
        "Statement": {"RateBasedStatement": {"Limit": {"Ref": "RateLimit"},
                                             "AggregateKeyType": "IP"}},
        "VisibilityConfig": _visibility("rate-per-address")}]
    for priority, (group, counted) in enumerate(WAF_MANAGED_RULES, start=1):
        statement: dict[str, Any] = {"VendorName": "AWS", "Name": group}
        if counted:
            statement["RuleActionOverrides"] = [{"Name": rule, "ActionToUse": {"Count": {}}}
                                                for rule in counted]
        rules.append({"Name": group, "Priority": priority, "OverrideAction": {"None": {}},
                      "Statement": {"ManagedRuleGroupStatement": statement},
                      "VisibilityConfig": _visibility(group)})
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": f"Cantine et périscolaire, étape {stage} : pare-feu AWS WAF devant "
                       "CloudFront (us-east-1).",
        "Parameters": {"RateLimit": {
            "Type": "Number", "Default": WAF_RATE_LIMIT, "MinValue": 100,
            "MaxValue": 2000000000,
            "Description": "Requêtes par tranche de 5 minutes au-delà desquelles une "
                           "adresse IP est bloquée."}},
        "Resources": {"WebAcl": {
            "Type": "AWS::WAFv2::WebACL",
            "Properties": {"Name": f"cantine-{stage}", "Scope": "CLOUDFRONT",
                           "DefaultAction": {"Allow": {}}, "Rules": rules,
                           "VisibilityConfig": _visibility(f"cantine-{stage}")}}},
        "Outputs": {"WebAclArn": {"Value": {"Fn::GetAtt": ["WebAcl", "Arn"]}}},
    }
