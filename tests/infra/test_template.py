"""The packaged template: cfn-lint clean, tables exactly the models', least privilege,
the site and API answers as the local stack serves them."""
from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from chalicelib.api.errors import not_found_body
from chalicelib.jobs import schedules
from chalicelib.settings import get_settings
from chalicelib.storage import models
from infra import template as infra
from infra.site_headers import SECURITY_HEADERS
from tests.infra.conftest import ROOT, STAGE

PREFIX = f"cantine-{STAGE}-"

# cfn-lint rules the template is allowed to break, each explained in infra/README.md.
IGNORED_RULES: tuple[str, ...] = ()


def _run_cfn_lint(path: Path) -> subprocess.CompletedProcess:
    command = [sys.executable, "-c", "import sys; from cfnlint.runner import main; sys.exit(main())",
               "--regions", "eu-west-3",
               "--include-checks", "I", "--format", "parseable"]
    if IGNORED_RULES:
        command += ["--ignore-checks", *IGNORED_RULES]
    return subprocess.run([*command, "--", str(path)], capture_output=True, text=True,
                          timeout=300)


def test_cfn_lint_reports_no_error_warning_or_note(packaged):
    result = _run_cfn_lint(packaged.template_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ""


def test_ignored_lint_rules_are_documented():
    readme = (ROOT / "infra" / "README.md").read_text("utf-8")
    for rule in IGNORED_RULES:
        assert rule in readme


# -- tables ----------------------------------------------------------------------------
def _tables(packaged) -> dict[str, dict]:
    return {props["Properties"]["TableName"]: props["Properties"]
            for props in packaged.resources.values() if props["Type"] == "AWS::DynamoDB::Table"}


def _keys(schema) -> list[tuple[str, str]]:
    return sorted((k["AttributeName"], k["KeyType"]) for k in schema)


def _indexes(indexes) -> dict[str, tuple]:
    return {i["IndexName"]: (_keys(i["KeySchema"]), i["Projection"]["ProjectionType"],
                             tuple(sorted(i["Projection"].get("NonKeyAttributes", []))))
            for i in indexes or []}


def test_one_table_per_model_named_with_the_stage_prefix(packaged):
    expected = {PREFIX + infra.table_suffix(model) for model in models.ALL_MODELS}
    assert set(_tables(packaged)) == expected


def test_tables_match_what_create_tables_makes(packaged):
    """The template's tables against those create_tables() makes on moto, field by field."""
    tables = _tables(packaged)
    with mock_aws():
        models.bind(get_settings())  # the tests' stage (tests/conftest.py)
        models.create_tables()
        client = boto3.client("dynamodb", region_name="eu-west-3")
        for model in models.ALL_MODELS:
            actual = client.describe_table(TableName=model.Meta.table_name)["Table"]
            ttl = client.describe_time_to_live(TableName=model.Meta.table_name)
            props = tables[PREFIX + infra.table_suffix(model)]
            assert _keys(props["KeySchema"]) == _keys(actual["KeySchema"]), model.__name__
            assert (sorted(map(tuple, (a.values() for a in props["AttributeDefinitions"])))
                    == sorted(map(tuple, (a.values() for a in actual["AttributeDefinitions"])))
                    ), model.__name__
            assert (_indexes(props.get("GlobalSecondaryIndexes"))
                    == _indexes(actual.get("GlobalSecondaryIndexes"))), model.__name__
            assert (_indexes(props.get("LocalSecondaryIndexes"))
                    == _indexes(actual.get("LocalSecondaryIndexes"))), model.__name__
            ttl_spec = ttl["TimeToLiveDescription"]
            if ttl_spec.get("TimeToLiveStatus") == "ENABLED":
                assert props["TimeToLiveSpecification"] == {
                    "AttributeName": ttl_spec["AttributeName"], "Enabled": True}
            else:
                assert "TimeToLiveSpecification" not in props, model.__name__


def test_tables_are_on_demand_recoverable_and_protected(packaged):
    for name, props in _tables(packaged).items():
        assert props["BillingMode"] == "PAY_PER_REQUEST", name
        assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        assert props["DeletionProtectionEnabled"] is True, name
    for resource in packaged.resources.values():
        if resource["Type"] == "AWS::DynamoDB::Table":
            assert resource["DeletionPolicy"] == resource["UpdateReplacePolicy"] == "Retain"


def test_sessions_expire_through_ttl_on_expires(packaged):
    assert _tables(packaged)[PREFIX + "sessions"]["TimeToLiveSpecification"] == {
        "AttributeName": "expires", "Enabled": True}


def test_audit_entries_expire_through_ttl_on_expires(packaged):
    # What a purged family's name, address or allergies left in the log goes with it.
    assert _tables(packaged)[PREFIX + "audit"]["TimeToLiveSpecification"] == {
        "AttributeName": "expires", "Enabled": True}


# -- IAM -------------------------------------------------------------------------------
def _statements(packaged, role: str) -> dict[str, dict]:
    (policy,) = packaged.resources[role]["Properties"]["Policies"]
    return {s["Sid"]: s for s in policy["PolicyDocument"]["Statement"]}


def _table_arns(packaged) -> list:
    arns = []
    for logical_id, resource in sorted(packaged.resources.items()):
        if resource["Type"] != "AWS::DynamoDB::Table":
            continue
        arns.append({"Fn::GetAtt": [logical_id, "Arn"]})
        if resource["Properties"].get("GlobalSecondaryIndexes"):
            arns.append({"Fn::Sub": f"${{{logical_id}.Arn}}/index/*"})
    return arns


def test_every_function_is_merged(packaged):
    lambdas = infra.functions(packaged.resources)
    assert {"APIHandler", "LockBookings"} <= set(lambdas)
    for function in lambdas:
        assert packaged.resources[function]["Properties"]["FunctionName"].startswith(PREFIX)


def test_each_role_allows_only_its_logs_the_tables_and_one_sender(packaged):
    for function, role in infra.functions(packaged.resources).items():
        _check_role(packaged, function, role)


def _check_role(packaged, function, role):
    statements = _statements(packaged, role)
    jobs = statements.pop("Jobs", None)
    if function == "APIHandler":  # starts the invoice run in the background, nothing else
        invoice = packaged.resources["InvoiceMonth"]["Properties"]["FunctionName"]
        assert jobs["Action"] == "lambda:InvokeFunction"
        assert [r["Fn::Sub"] for r in jobs["Resource"]] == [
            "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:" + invoice]
    else:
        assert jobs is None
    # The background queue: the API (export jobs), the invoice run (a big month's
    # invoices) and the reminders (a big commune's) send; the export function receives.
    send = statements.pop("ExportQueueSend", None)
    receive = statements.pop("ExportQueueReceive", None)
    uploads = statements.pop("ExportUploads", None)
    queue = {"Fn::GetAtt": ["ExportQueue", "Arn"]}
    if function in ("APIHandler", "InvoiceMonth", "RemindFamilies"):
        assert send == {"Sid": "ExportQueueSend", "Effect": "Allow",
                        "Action": "sqs:SendMessage", "Resource": queue}
    else:
        assert send is None
    if function == "WriteExport":
        assert receive["Action"] == ["sqs:DeleteMessage", "sqs:GetQueueAttributes",
                                     "sqs:ReceiveMessage"] and receive["Resource"] == queue
        assert uploads["Action"] == "s3:AbortMultipartUpload"
        assert uploads["Resource"] == {"Fn::Sub": "${FilesBucket.Arn}/exports/*"}
    else:
        assert receive is None and uploads is None
    assert set(statements) == {"Logs", "Tables", "Files", "Mail", "AppendOnly"}
    # The files bucket's objects, read and written, nothing else of S3.
    assert statements["Files"]["Action"] == ["s3:GetObject", "s3:PutObject"]
    assert statements["Files"]["Resource"] == {"Fn::Sub": "${FilesBucket.Arn}/*"}
    assert statements["Logs"]["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert statements["Logs"]["Resource"] == {"Fn::GetAtt": [f"{function}Logs", "Arn"]}
    assert statements["Tables"]["Action"] == list(infra.DYNAMODB_ACTIONS)
    assert statements["Tables"]["Resource"] == _table_arns(packaged)
    assert statements["Mail"]["Action"] == "ses:SendEmail"
    assert "identity/${MailIdentity}" in statements["Mail"]["Resource"]["Fn::Sub"]
    assert statements["Mail"]["Condition"] == {
        "StringEquals": {"ses:FromAddress": {"Ref": "MailFrom"}}}
    deny = statements.pop("AppendOnly")
    assert deny["Effect"] == "Deny" and "dynamodb:DeleteItem" in deny["Action"]
    assert '"*"' not in json.dumps(statements)


# Pynamodb calls in the storage layer → the IAM action each needs.
CALLS = {
    r"\b[A-Z]\w*Model\.get\(": "dynamodb:GetItem",
    r"\.refresh\(": "dynamodb:GetItem",
    r"TransactGet": "dynamodb:GetItem",
    r"\.save\(": "dynamodb:PutItem",
    r"\.update\(": "dynamodb:UpdateItem",
    r"\.delete\(": "dynamodb:DeleteItem",
    r"\.query\(": "dynamodb:Query",
    r"\b[A-Z]\w*Model\.count\(|\.by_\w+\.count\(": "dynamodb:Query",
    r"\.batch_get\(": "dynamodb:BatchGetItem",
    r"\.batch_write\(": "dynamodb:BatchWriteItem",
    r"\.scan\(": "dynamodb:Scan",
    r"condition_check\(": "dynamodb:ConditionCheckItem",
    r"\b(?:[A-Z]\w*Model|model|cls)\.(?:exists|describe_table)\(": "dynamodb:DescribeTable",
}


def _storage_source_without_create_tables() -> str:
    texts = []
    for path in sorted((ROOT / "chalicelib" / "storage").glob("*.py")):
        text = path.read_text("utf-8")
        tree = ast.parse(text)
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name == "create_tables":
                lines = text.splitlines()
                text = "\n".join(lines[:node.lineno - 1] + lines[node.end_lineno:])
        texts.append(text)
    return "\n".join(texts)


def test_policy_actions_are_exactly_those_of_the_storage_layer():
    source = _storage_source_without_create_tables()
    used = {action for pattern, action in CALLS.items() if re.search(pattern, source)}
    assert used == set(infra.DYNAMODB_ACTIONS)


def test_create_tables_runs_only_on_the_local_stack():
    """create_tables() (DescribeTable, CreateTable) is not on a request path."""
    callers = {path.relative_to(ROOT).as_posix()
               for path in (ROOT / "chalicelib").rglob("*.py")
               if "create_tables(" in path.read_text("utf-8")}
    assert callers == {"chalicelib/storage/models.py", "chalicelib/services/demo.py"}


# -- functions -------------------------------------------------------------------------
def test_functions_read_the_commune_parameters(packaged):
    for function in infra.functions(packaged.resources):
        _check_function(packaged, function)


def _check_function(packaged, function):
    props = packaged.resources[function]["Properties"]
    variables = props["Environment"]["Variables"]
    assert "AWS_DEFAULT_REGION" not in variables  # reserved: Lambda sets it
    assert variables["CANTINE_STAGE"] == STAGE
    assert variables["CANTINE_TABLE_PREFIX"] == PREFIX
    assert variables["CANTINE_SITE_URL"] == {"Ref": "SiteUrl"}
    assert variables["CANTINE_MAIL_FROM"] == {"Ref": "MailFrom"}
    for variable, parameter in infra.setting_parameters().items():
        assert variables[variable] == {"Ref": parameter}
        assert parameter in packaged.template["Parameters"]
    assert variables["CANTINE_FILES_BUCKET"] == {"Ref": "FilesBucket"}
    assert variables["CANTINE_INVOICE_FUNCTION"] == (
        packaged.resources["InvoiceMonth"]["Properties"]["FunctionName"])
    assert props["Runtime"] == packaged.manifest["runtime"]
    assert packaged.resources[function]["DependsOn"] == [f"{function}Logs"]


def test_every_setting_the_app_reads_is_a_parameter_or_fixed_by_the_stage():
    """A new CANTINE_* variable in chalicelib/settings.py must be placed in the template."""
    from chalicelib import settings
    names = {name for name, value in vars(settings).items()
             if name.isupper() and isinstance(value, str) and value.startswith("CANTINE_")}
    placed = (set(infra.PARAMETER_SETTINGS) | set(infra.STAGE_SETTINGS)
              | set(infra.LOCAL_ONLY_SETTINGS) | set(infra.FUNCTION_SETTINGS)
              | set(infra.RESOURCE_SETTINGS))
    assert names <= placed


def test_lock_runs_on_chalice_schedule(packaged):
    events = packaged.resources["LockBookings"]["Properties"]["Events"]
    (event,) = events.values()
    assert event["Properties"]["Schedule"] == f"cron({' '.join(schedules.LOCK)})"


# -- API -------------------------------------------------------------------------------
def _gateway(packaged) -> dict:
    body = packaged.resources["RestAPI"]["Properties"]["DefinitionBody"]
    return body["x-amazon-apigateway-gateway-responses"]


def test_unknown_route_answers_404_with_the_not_found_body(packaged):
    response = _gateway(packaged)["MISSING_AUTHENTICATION_TOKEN"]
    assert response["statusCode"] == 404
    body = response["responseTemplates"]["application/json"]
    assert body == ('{"error": {"code": "not_found", "message": "Ressource introuvable.", '
                    '"details": null}}')
    assert json.loads(body) == not_found_body()


@pytest.mark.parametrize("kind", ["DEFAULT_4XX", "DEFAULT_5XX", "THROTTLED"])
def test_gateway_errors_keep_the_error_shape(packaged, kind):
    response = _gateway(packaged)[kind]
    assert "statusCode" not in response  # the gateway's own status stays
    body = json.loads(response["responseTemplates"]["application/json"])
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    assert response["responseParameters"]["gatewayresponse.header.Cache-Control"] == "'no-store'"


def test_api_is_regional_on_stage_api(packaged):
    props = packaged.resources["RestAPI"]["Properties"]
    assert props["StageName"] == infra.API_STAGE == "api"
    assert props["EndpointConfiguration"] == "REGIONAL"
    assert props["Name"] == props["DefinitionBody"]["info"]["title"] == "cantine-prod"


# -- site ------------------------------------------------------------------------------
def _distribution(packaged) -> dict:
    return packaged.resources["Distribution"]["Properties"]["DistributionConfig"]


def test_csp_and_security_headers_are_the_local_stacks(packaged):
    config = packaged.resources["SecurityHeaders"]["Properties"]["ResponseHeadersPolicyConfig"]
    security = config["SecurityHeadersConfig"]
    assert (security["ContentSecurityPolicy"]["ContentSecurityPolicy"]
            == SECURITY_HEADERS["Content-Security-Policy"])
    assert security["FrameOptions"]["FrameOption"] == SECURITY_HEADERS["X-Frame-Options"]
    assert security["ReferrerPolicy"]["ReferrerPolicy"] == SECURITY_HEADERS["Referrer-Policy"]
    assert security["ContentTypeOptions"] == {"Override": True}
    assert security["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    custom = {h["Header"]: h["Value"] for h in config["CustomHeadersConfig"]["Items"]}
    assert custom == {k: v for k, v in SECURITY_HEADERS.items()
                      if k in ("Permissions-Policy", "Cross-Origin-Opener-Policy")}


def test_site_is_private_behind_cloudfront_over_https(packaged):
    bucket = packaged.resources["SiteBucket"]["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert bucket["BucketEncryption"]
    config = _distribution(packaged)
    assert config["DefaultRootObject"] == "index.html"
    default = config["DefaultCacheBehavior"]
    assert default["ViewerProtocolPolicy"] == "redirect-to-https"
    assert default["ResponseHeadersPolicyId"] == {"Ref": "SecurityHeaders"}
    site_origin = next(o for o in config["Origins"] if o["Id"] == default["TargetOriginId"])
    assert site_origin["OriginAccessControlId"] == {
        "Fn::GetAtt": ["SiteOriginAccessControl", "Id"]}


def test_api_behaviour_forwards_what_the_api_reads_and_caches_nothing(packaged):
    from chalicelib.api.routing import REQUEST_HEADERS
    config = _distribution(packaged)
    (api,) = config["CacheBehaviors"]
    assert api["PathPattern"] == "/api/*"
    assert api["CachePolicyId"] == infra.CACHING_DISABLED
    assert api["OriginRequestPolicyId"] == {"Ref": "ApiOriginRequestPolicy"}
    policy = packaged.resources["ApiOriginRequestPolicy"]["Properties"][
        "OriginRequestPolicyConfig"]
    assert policy["HeadersConfig"] == {"HeaderBehavior": "whitelist",
                                       "Headers": list(REQUEST_HEADERS)}
    assert "Host" not in REQUEST_HEADERS  # API Gateway answers its own host name only
    assert {"Origin", "Sec-Fetch-Site", "Content-Type",
            "CloudFront-Viewer-Address"} <= set(REQUEST_HEADERS)
    assert policy["CookiesConfig"] == {"CookieBehavior": "all"}
    assert policy["QueryStringsConfig"] == {"QueryStringBehavior": "all"}
    assert api["ViewerProtocolPolicy"] == "https-only"
    assert {"POST", "PUT", "DELETE", "PATCH"} <= set(api["AllowedMethods"])
    origin = next(o for o in config["Origins"] if o["Id"] == api["TargetOriginId"])
    assert "OriginPath" not in origin
    assert origin["DomainName"]["Fn::Sub"].startswith("${RestAPI}.execute-api.")


# -- operations ------------------------------------------------------------------------
def test_alarms_watch_the_lock_and_the_api(packaged):
    resources = packaged.resources
    lock_failed = resources["LockBookingsFailedAlarm"]["Properties"]
    assert (lock_failed["Namespace"], lock_failed["MetricName"]) == ("AWS/Lambda", "Errors")
    assert lock_failed["Dimensions"] == [{"Name": "FunctionName",
                                          "Value": {"Ref": "LockBookings"}}]
    api_5xx = resources["Api5xxAlarm"]["Properties"]
    assert (api_5xx["Namespace"], api_5xx["MetricName"]) == ("AWS/ApiGateway", "5XXError")
    assert {d["Name"]: d["Value"] for d in api_5xx["Dimensions"]} == {
        "ApiName": resources["RestAPI"]["Properties"]["Name"], "Stage": "api"}
    for name in ("LockBookingsFailedAlarm", "LockNotRunningAlarm", "Api5xxAlarm"):
        assert resources[name]["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}]
    for function in infra.functions(resources):
        if infra.scheduled(resources, function):  # every scheduled job: alarm on failure
            alarm = resources[f"{function}FailedAlarm"]["Properties"]
            assert alarm["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": function}}]
    assert resources["AlarmSubscription"]["Properties"]["Endpoint"] == {"Ref": "AlarmEmail"}


def test_log_groups_have_a_retention(packaged):
    for function in infra.functions(packaged.resources):
        props = packaged.resources[f"{function}Logs"]["Properties"]
        assert props["LogGroupName"].endswith(
            packaged.resources[function]["Properties"]["FunctionName"])
        assert props["RetentionInDays"] == {"Ref": "LogRetentionDays"}


def test_mail_identity_is_the_sender_domain(packaged):
    identity = packaged.resources["MailIdentity"]["Properties"]["EmailIdentity"]
    assert identity == {"Fn::Select": [1, {"Fn::Split": ["@", {"Ref": "MailFrom"}]}]}
    assert {"DkimRecord1", "DkimRecord2", "DkimRecord3"} <= set(packaged.template["Outputs"])


# -- package ---------------------------------------------------------------------------
def _weights(zip_path: Path) -> list[tuple[str, int]]:
    totals: dict[str, int] = {}
    with zipfile.ZipFile(zip_path) as archive:
        for info in archive.infolist():
            top = info.filename.split("/", 1)[0]
            totals[top] = totals.get(top, 0) + info.compress_size
    return sorted(totals.items(), key=lambda item: -item[1])


def test_lambda_package_is_at_most_10_mb(packaged):
    size = packaged.zip_path.stat().st_size
    heaviest = ", ".join(f"{name} {weight / 1e6:.1f} MB"
                         for name, weight in _weights(packaged.zip_path)[:6])
    assert size <= 10_000_000, f"{size / 1e6:.1f} MB zipped; heaviest: {heaviest}"


def test_lambda_package_leaves_the_sdk_to_the_runtime_and_ships_bytecode(packaged):
    with zipfile.ZipFile(packaged.zip_path) as archive:
        names = archive.namelist()
    tops = {name.split("/", 1)[0] for name in names}
    assert {"app.py", "chalicelib", "chalice", "pynamodb", "argon2", "holidays"} <= tops
    assert not tops & {"boto3", "botocore", "s3transfer", "urllib3", "jmespath",
                       "PIL", "pillow.libs"}
    assert not [n for n in names if n.startswith("fontTools/") and n.endswith((".so", ".c"))]
    assert not [n for n in names if n.startswith(("fontTools/", "fpdf/")) and n.endswith(".pyc")]
    assert "chalicelib/__pycache__/settings.cpython-311.pyc" in names  # read-only /var/task
    assert "__pycache__/app.cpython-311.pyc" in names


def _run_viewer_function(code: str, method: str, uri: str, accept: str) -> str:
    import shutil
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the CloudFront Function is not executed")
    script = code + (f"\nvar out = handler({{request: {{method: {json.dumps(method)}, "
                     f"uri: {json.dumps(uri)}, headers: {{accept: {{value: "
                     f"{json.dumps(accept)}}}}}}}}});\nconsole.log(out.headers.accept.value);")
    result = subprocess.run([node, "-e", script], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.mark.parametrize("method, uri, expected", [
    ("GET", "/api/family/invoices/2026-000042/pdf", "application/pdf"),
    ("GET", "/api/family/invoices", "text/html,*/*;q=0.8"),
    ("POST", "/api/family/invoices/2026-000042/pdf", "text/html,*/*;q=0.8"),
    ("GET", "/api/staff/bordereaux/2026-0000012-1/pes", "application/xml"),
    ("GET", "/api/staff/billing/2026-11/debits/files/2026-11-01/xml", "application/xml"),
    ("POST", "/api/staff/bordereaux/2026-0000012-1/reissue", "text/html,*/*;q=0.8"),
])
def test_a_link_to_a_pdf_asks_api_gateway_for_the_binary_type(packaged, method, uri, expected):
    """API Gateway decodes a binary body only for an Accept that starts with its type."""
    resources = packaged.resources
    (api,) = _distribution(packaged)["CacheBehaviors"]
    assert api["FunctionAssociations"] == [{"EventType": "viewer-request", "FunctionARN": {
        "Fn::GetAtt": ["PdfAcceptFunction", "FunctionMetadata.FunctionARN"]}}]
    body = resources["RestAPI"]["Properties"]["DefinitionBody"]
    assert "application/pdf" in body["x-amazon-apigateway-binary-media-types"]
    code = resources["PdfAcceptFunction"]["Properties"]["FunctionCode"]
    assert _run_viewer_function(code, method, uri, "text/html,*/*;q=0.8") == expected


# -- issue 15: the deployed stack ------------------------------------------------------
def _api_origin(packaged) -> dict:
    config = _distribution(packaged)
    (api,) = config["CacheBehaviors"]
    return next(o for o in config["Origins"] if o["Id"] == api["TargetOriginId"])


def test_the_api_is_reached_through_cloudfront_only(packaged):
    """CloudFront adds the secret header; every function reads the same secret and the
    API refuses a request without it before any work (tests/api/test_forgot_limits.py)."""
    from chalicelib.settings import ORIGIN_HEADER
    assert _api_origin(packaged)["OriginCustomHeaders"] == [
        {"HeaderName": ORIGIN_HEADER, "HeaderValue": {"Ref": "OriginSecret"}}]
    for function in infra.functions(packaged.resources):
        variables = packaged.resources[function]["Properties"]["Environment"]["Variables"]
        assert variables["CANTINE_ORIGIN_SECRET"] == {"Ref": "OriginSecret"}
        assert variables["CANTINE_SIGNING_KEY"] == {"Ref": "SigningKey"}
    for name in infra.SECRET_PARAMETERS:
        parameter = packaged.template["Parameters"][name]
        assert parameter["NoEcho"] is True and "Default" not in parameter
        assert parameter["MinLength"] >= 32


def test_the_api_stage_is_throttled_and_logs_every_request(packaged):
    props = packaged.resources["RestAPI"]["Properties"]
    assert props["MethodSettings"] == [{
        "ResourcePath": "/*", "HttpMethod": "*",
        "ThrottlingRateLimit": {"Ref": "ApiRateLimit"},
        "ThrottlingBurstLimit": {"Ref": "ApiBurstLimit"}}]
    parameters = packaged.template["Parameters"]
    assert parameters["ApiRateLimit"]["Default"] == infra.API_RATE_LIMIT > 0
    assert parameters["ApiBurstLimit"]["Default"] == infra.API_BURST_LIMIT > 0
    assert props["AccessLogSetting"]["DestinationArn"] == {
        "Fn::GetAtt": ["ApiAccessLogs", "Arn"]}
    fields = json.loads(props["AccessLogSetting"]["Format"])
    assert {"requestId", "status", "route"} <= set(fields)
    assert "$context.identity.sourceIp" not in props["AccessLogSetting"]["Format"]
    logs = packaged.resources["ApiAccessLogs"]["Properties"]
    assert logs["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    assert "ApiGatewayAccount" in packaged.resources["RestAPI"]["DependsOn"]
    account = packaged.resources["ApiGatewayAccount"]["Properties"]
    assert account["CloudWatchRoleArn"] == {"Fn::GetAtt": ["ApiGatewayLogsRole", "Arn"]}


def test_the_api_function_has_a_reserved_concurrency_cap_and_the_jobs_none(packaged):
    for function in infra.functions(packaged.resources):
        props = packaged.resources[function]["Properties"]
        if function == "APIHandler":
            assert props["ReservedConcurrentExecutions"] == {"Ref": "ApiConcurrency"}
        else:  # the jobs draw on the unreserved pool: a flood of API calls cannot stop them
            assert "ReservedConcurrentExecutions" not in props
    default = packaged.template["Parameters"]["ApiConcurrency"]["Default"]
    assert 1 <= default == infra.API_CONCURRENCY


def test_cloudfront_logs_go_to_a_private_bucket_kept_the_retention_period(packaged):
    logging = _distribution(packaged)["Logging"]
    assert logging["Bucket"] == {"Fn::GetAtt": ["LogBucket", "DomainName"]}
    assert logging["IncludeCookies"] is False  # no session cookie in any log
    bucket = packaged.resources["LogBucket"]
    assert all(bucket["Properties"]["PublicAccessBlockConfiguration"].values())
    assert bucket["Properties"]["BucketEncryption"]
    (rule,) = bucket["Properties"]["LifecycleConfiguration"]["Rules"]
    assert rule["ExpirationInDays"] == {"Ref": "LogRetentionDays"}
    assert bucket["DeletionPolicy"] == "Retain"


def test_every_function_is_denied_deletes_on_the_append_only_tables(packaged):
    expected = sorted(infra.table_logical_id(t) for t in infra.APPEND_ONLY_TABLES)
    assert {"ledger", "invoices", "audit"} <= set(infra.APPEND_ONLY_TABLES)
    for function, role in infra.functions(packaged.resources).items():
        deny = _statements(packaged, role)["AppendOnly"]
        assert deny["Effect"] == "Deny"
        assert set(deny["Action"]) == {"dynamodb:DeleteItem", "dynamodb:BatchWriteItem",
                                       "dynamodb:PartiQLDelete"}
        assert sorted(r["Fn::GetAtt"][0] for r in deny["Resource"]) == expected, function


def _append_only_models() -> set[str]:
    suffixes = set(infra.APPEND_ONLY_TABLES)
    return {m.__name__ for m in models.ALL_MODELS if infra.table_suffix(m) in suffixes}


def test_no_storage_code_deletes_from_an_append_only_table():
    """The Deny would turn such a delete into a production error: none may exist."""
    names = _append_only_models()
    assert {"LedgerModel", "InvoiceModel", "AuditModel", "MarkModel"} <= names
    found = []
    for path in sorted((ROOT / "chalicelib" / "storage").glob("*.py")):
        tree = ast.parse(path.read_text("utf-8"))
        # Variables bound to an append-only model's items (x = LedgerModel(...), for x in
        # LedgerModel.query(...)): their .delete() counts too.
        bound = set()
        for node in ast.walk(tree):
            if isinstance(node, (ast.Assign, ast.For)):
                source = ast.unparse(node.value if isinstance(node, ast.Assign) else node.iter)
                if any(name in source for name in names):
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    bound |= {ast.unparse(t) for t in targets}
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr in ("delete", "batch_write"):
                text = ast.unparse(node)
                receiver = ast.unparse(node.func.value)
                if any(name in text for name in names) or receiver in bound:
                    found.append(f"{path.name}:{node.lineno}: {text}")
    assert found == []


def test_the_files_bucket_is_private_encrypted_versioned_and_kept(packaged):
    bucket = packaged.resources["FilesBucket"]
    assert bucket["Type"] == "AWS::S3::Bucket"
    assert bucket["DeletionPolicy"] == bucket["UpdateReplacePolicy"] == "Retain"
    props = bucket["Properties"]
    assert all(props["PublicAccessBlockConfiguration"].values())
    assert len(props["PublicAccessBlockConfiguration"]) == 4
    (rule,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    (tls,) = packaged.resources["FilesBucketPolicy"]["Properties"]["PolicyDocument"][
        "Statement"]
    assert tls["Effect"] == "Deny" and tls["Condition"] == {
        "Bool": {"aws:SecureTransport": "false"}}
    body = packaged.resources["RestAPI"]["Properties"]["DefinitionBody"]
    assert "application/xml" in body["x-amazon-apigateway-binary-media-types"]


def test_export_files_are_written_by_a_function_the_export_queue_drives(packaged):
    from chalicelib.services.export_jobs import LEASE
    queue = packaged.resources["ExportQueue"]
    assert queue["Type"] == "AWS::SQS::Queue"
    assert queue["Properties"]["QueueName"] == f"{PREFIX}exports"
    function = packaged.resources["WriteExport"]["Properties"]
    assert function["Handler"] == "app.write_export"
    (event,) = function["Events"].values()
    assert event["Type"] == "SQS"
    assert event["Properties"]["Queue"] == {"Fn::GetAtt": ["ExportQueue", "Arn"]}
    assert event["Properties"]["BatchSize"] == 1
    # A run that dies is retried only once its time (and the job's lease) is over.
    timeout = function["Timeout"]
    assert timeout == LEASE.total_seconds() == 900
    assert queue["Properties"]["VisibilityTimeout"] > timeout
    api = packaged.resources["APIHandler"]["Properties"]["Environment"]["Variables"]
    assert api["CANTINE_EXPORT_QUEUE"] == {"Ref": "ExportQueue"}


def test_export_files_are_deleted_after_a_day_with_their_versions(packaged):
    rules = {r["Id"]: r for r in packaged.resources["FilesBucket"]["Properties"][
        "LifecycleConfiguration"]["Rules"]}
    assert {"exports", "exports-markers"} <= set(rules)
    exports = rules["exports"]
    assert exports["Prefix"] == "exports/" and exports["Status"] == "Enabled"
    assert exports["ExpirationInDays"] == 1
    assert exports["NoncurrentVersionExpiration"] == {"NoncurrentDays": 1}
    assert exports["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 1}
    assert rules["exports-markers"]["ExpiredObjectDeleteMarker"] is True


def test_the_site_bucket_keeps_versions(packaged):
    props = packaged.resources["SiteBucket"]["Properties"]
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    (rule,) = props["LifecycleConfiguration"]["Rules"]
    assert rule["NoncurrentVersionExpiration"]["NoncurrentDays"] > 0


def test_the_firewall_is_optional_and_off_by_default(packaged):
    parameter = packaged.template["Parameters"]["WebAclArn"]
    assert parameter["Default"] == ""
    assert _distribution(packaged)["WebACLId"] == {
        "Fn::If": ["HasWebAcl", {"Ref": "WebAclArn"}, {"Ref": "AWS::NoValue"}]}
    assert packaged.template["Conditions"]["HasWebAcl"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "WebAclArn"}, ""]}]}


def _waf(packaged) -> dict:
    return json.loads((packaged.out / "waf.json").read_text("utf-8"))


def test_the_firewall_has_a_rate_rule_and_the_managed_rules(packaged):
    acl = _waf(packaged)["Resources"]["WebAcl"]["Properties"]
    assert acl["Scope"] == "CLOUDFRONT" and acl["DefaultAction"] == {"Allow": {}}
    rules = {rule["Name"]: rule for rule in acl["Rules"]}
    rate = rules["rate-per-address"]
    assert rate["Action"] == {"Block": {}}
    assert rate["Statement"]["RateBasedStatement"] == {"Limit": {"Ref": "RateLimit"},
                                                       "AggregateKeyType": "IP"}
    managed = {r["Statement"]["ManagedRuleGroupStatement"]["Name"]
               for r in acl["Rules"] if "ManagedRuleGroupStatement" in r["Statement"]}
    assert managed == {"AWSManagedRulesAmazonIpReputationList",
                       "AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"}
    assert len({r["Priority"] for r in acl["Rules"]}) == len(acl["Rules"])
    assert _waf(packaged)["Outputs"]["WebAclArn"]["Value"] == {"Fn::GetAtt": ["WebAcl", "Arn"]}


def test_the_firewall_template_is_cfn_lint_clean_in_us_east_1(packaged):
    command = [sys.executable, "-c",
               "import sys; from cfnlint.runner import main; sys.exit(main())",
               "--regions", "us-east-1", "--include-checks", "I", "--format", "parseable",
               "--", str(packaged.out / "waf.json")]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0 and result.stdout.strip() == "", result.stdout + result.stderr


def test_the_deploy_script_knows_the_templates_secrets_and_quota_floor():
    from scripts.release import deploy
    assert deploy.SECRET_PARAMETERS == infra.SECRET_PARAMETERS
    assert deploy.UNRESERVED_MINIMUM == infra.UNRESERVED_MINIMUM


def test_medical_certificates_expire_a_year_after_upload_and_no_other_file():
    # Health data: the certificates' own prefix is emptied (old versions and delete
    # markers too); PES and debit files, accounting records, are never expired.
    bucket = infra.files()[infra.FILES_BUCKET]
    every = bucket["Properties"]["LifecycleConfiguration"]["Rules"]
    # Besides the certificates, only the day-old export files go (the test above).
    assert {rule["Prefix"] for rule in every} == {"certificats/", "exports/"}
    rules = [rule for rule in every if rule["Prefix"] == "certificats/"]
    assert all(rule["Status"] == "Enabled" for rule in rules)
    (expiring,) = [rule for rule in rules if "ExpirationInDays" in rule]
    assert expiring["ExpirationInDays"] == 365
    assert expiring["NoncurrentVersionExpiration"] == {"NoncurrentDays": 1}
    assert any(rule.get("ExpiredObjectDeleteMarker") for rule in rules)
