"""The deployment script's steps that need no AWS account: the site upload and the
invalidation on moto, the stack's parameters and code location."""
from __future__ import annotations

import json
from types import SimpleNamespace

import boto3
import pytest
from botocore.exceptions import ClientError, WaiterError
from moto import mock_aws

from scripts.release import deploy

REGION = "eu-west-3"


@pytest.fixture
def s3():
    with mock_aws():
        client = boto3.client("s3", region_name=REGION)
        client.create_bucket(Bucket="site",
                             CreateBucketConfiguration={"LocationConstraint": REGION})
        yield client


def _head(s3, key):
    return s3.head_object(Bucket="site", Key=key)


def test_upload_publishes_every_site_file_but_the_local_outbox(s3):
    deploy.upload_site(s3, "site")
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket="site")["Contents"]}
    expected = {p.relative_to(deploy.SITE_DIR).as_posix()
                for p in deploy.SITE_DIR.rglob("*") if p.is_file()} - deploy.LOCAL_ONLY
    assert keys == expected
    assert {"index.html", "connexion.html", "css/site.css", "js/main.js", "js/api.js"} <= keys
    assert "courriels.html" not in keys and "js/pages/courriels.js" not in keys


def test_html_is_revalidated_at_every_load(s3):
    deploy.upload_site(s3, "site")
    for key in ("index.html", "personnel.html"):
        head = _head(s3, key)
        assert head["ContentType"] == "text/html; charset=utf-8"
        assert head["CacheControl"] == "no-cache"


def test_scripts_and_styles_are_cached_briefly_then_revalidated(s3):
    deploy.upload_site(s3, "site")
    script, style = _head(s3, "js/main.js"), _head(s3, "css/site.css")
    assert script["ContentType"] == "text/javascript; charset=utf-8"
    assert style["ContentType"] == "text/css; charset=utf-8"
    for head in (script, style):
        assert head["CacheControl"] == "max-age=300, must-revalidate"


def test_upload_deletes_what_the_site_no_longer_has(s3):
    s3.put_object(Bucket="site", Key="ancienne-page.html", Body=b"old")
    s3.put_object(Bucket="site", Key="courriels.html", Body=b"local only")
    deploy.upload_site(s3, "site")
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket="site")["Contents"]}
    assert "ancienne-page.html" not in keys and "courriels.html" not in keys


def test_a_file_of_unknown_type_is_refused(tmp_path):
    (tmp_path / "notes.docx").write_bytes(b"x")
    with pytest.raises(deploy.DeployError):
        with mock_aws():
            deploy.upload_site(boto3.client("s3", region_name=REGION), "site", tmp_path)


def test_invalidation_covers_the_whole_site():
    with mock_aws():
        cloudfront = boto3.client("cloudfront", region_name="us-east-1")
        distribution = cloudfront.create_distribution(DistributionConfig={
            "CallerReference": "test", "Comment": "", "Enabled": True,
            "Origins": {"Quantity": 1, "Items": [{
                "Id": "site", "DomainName": "site.s3.eu-west-3.amazonaws.com",
                "S3OriginConfig": {"OriginAccessIdentity": ""}}]},
            "DefaultCacheBehavior": {"TargetOriginId": "site",
                                     "ViewerProtocolPolicy": "redirect-to-https",
                                     "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6"},
        })["Distribution"]["Id"]
        invalidation = deploy.invalidate(cloudfront, distribution, wait=False)
        details = cloudfront.get_invalidation(DistributionId=distribution, Id=invalidation)
        assert details["Invalidation"]["InvalidationBatch"]["Paths"]["Items"] == ["/*"]


def test_parameters_given_win_then_the_stacks_then_the_defaults():
    declared = ["MailFrom", "SiteDomain", "AlarmEmail", "SiteUrl"]
    params = deploy.stack_parameters(declared, {"AlarmEmail": "dsi@mairie.fr"},
                                     previous=["MailFrom", "AlarmEmail"])
    assert params == [{"ParameterKey": "MailFrom", "UsePreviousValue": True},
                      {"ParameterKey": "AlarmEmail", "ParameterValue": "dsi@mairie.fr"}]


def test_an_unknown_parameter_is_refused():
    with pytest.raises(deploy.DeployError):
        deploy.stack_parameters(["MailFrom"], {"Mailfrom": "x@y.fr"}, [])


def test_parameters_file_then_command_line(tmp_path, monkeypatch):
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "parameters-prod.json").write_text(
        json.dumps({"SiteDomain": "cantine.mairie.fr", "AlarmEmail": "a@mairie.fr"}))
    monkeypatch.setattr(deploy, "ROOT", tmp_path)
    assert deploy.read_parameters("prod", ["AlarmEmail=b@mairie.fr"]) == {
        "SiteDomain": "cantine.mairie.fr", "AlarmEmail": "b@mairie.fr"}


def test_functions_run_the_uploaded_zip():
    template = {"Resources": {
        "APIHandler": {"Type": "AWS::Serverless::Function",
                       "Properties": {"CodeUri": "./deployment.zip"}},
        "SiteBucket": {"Type": "AWS::S3::Bucket", "Properties": {}}}}
    located = deploy.with_code_location(template, "artefacts", "prod/code-abc.zip")
    assert located["Resources"]["APIHandler"]["Properties"]["CodeUri"] == {
        "Bucket": "artefacts", "Key": "prod/code-abc.zip"}
    assert template["Resources"]["APIHandler"]["Properties"]["CodeUri"] == "./deployment.zip"


def test_artifact_bucket_is_created_private_once():
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        name = deploy.ensure_artifact_bucket(s3, "123456789012", REGION)
        assert deploy.ensure_artifact_bucket(s3, "123456789012", REGION) == name
        block = s3.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"]
        assert all(block.values())


class FakeCloudFormation:
    """CloudFormation as deploy_stack sees it (moto's change-set stacks have no outputs)."""

    exceptions = SimpleNamespace(ClientError=ClientError)
    PUBLIC_URL = "https://d111111abcdef8.cloudfront.net"

    def __init__(self, defaults: dict[str, str]) -> None:
        self.defaults = defaults
        self.stack: dict | None = None
        self.change_sets: list[dict] = []
        self.protected = False
        self.empty_next = False

    def describe_stacks(self, StackName):
        if self.stack is None:
            raise ClientError({"Error": {"Code": "ValidationError",
                                         "Message": f"Stack with id {StackName} does not exist"}},
                              "DescribeStacks")
        return {"Stacks": [self.stack]}

    def create_change_set(self, **kwargs):
        self.change_sets.append(kwargs)

    def get_waiter(self, name):
        def wait(**_):
            if name == "change_set_create_complete" and self.empty_next:
                raise WaiterError(name, "failed", {})
        return SimpleNamespace(wait=wait)

    def describe_change_set(self, **_):
        return {"Status": "FAILED", "StatusReason": "The submitted information didn't contain "
                                                    "changes. Submit different information."}

    def delete_change_set(self, **_):
        self.empty_next = False

    def execute_change_set(self, StackName, ChangeSetName):
        previous = {p["ParameterKey"]: p["ParameterValue"]
                    for p in (self.stack or {}).get("Parameters", [])}
        values = dict(self.defaults)
        for param in self.change_sets[-1]["Parameters"]:
            key = param["ParameterKey"]
            values[key] = previous[key] if param.get("UsePreviousValue") else param["ParameterValue"]
        self.stack = {"StackName": StackName, "StackStatus": "UPDATE_COMPLETE",
                      "Parameters": [{"ParameterKey": k, "ParameterValue": v}
                                     for k, v in values.items()],
                      "Outputs": [{"OutputKey": "PublicUrl", "OutputValue": self.PUBLIC_URL},
                                  {"OutputKey": "SiteBucketName", "OutputValue": "site"},
                                  {"OutputKey": "DistributionId", "OutputValue": "E2EXAMPLE"}]}

    def update_termination_protection(self, StackName, EnableTerminationProtection):
        self.protected = EnableTerminationProtection


class FakeLambda:
    """The account's Lambda quota, as check_concurrency reads it."""

    def __init__(self, limit: int = 1000) -> None:
        self.limit = limit

    def get_account_settings(self):
        return {"AccountLimit": {"ConcurrentExecutions": self.limit}}


class FakeWafStacks(FakeCloudFormation):
    """CloudFormation in us-east-1: the firewall's stack."""

    ARN = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/cantine-prod/abc"

    def __init__(self) -> None:
        super().__init__({})
        self.deleted = []

    def execute_change_set(self, StackName, ChangeSetName):
        self.stack = {"StackName": StackName, "StackStatus": "CREATE_COMPLETE", "Parameters": [],
                      "Outputs": [{"OutputKey": "WebAclArn", "OutputValue": self.ARN}]}

    def delete_stack(self, StackName):
        self.deleted.append(StackName)
        self.stack = None


class Session:
    """moto for S3 and STS, fakes for CloudFormation (both regions) and Lambda's quota."""

    region_name = REGION

    def __init__(self, cloudformation: FakeCloudFormation, lambda_limit: int = 1000) -> None:
        self.cloudformation = cloudformation
        self.waf = FakeWafStacks()
        self.lambda_ = FakeLambda(lambda_limit)
        self.real = boto3.Session(region_name=REGION)

    def client(self, name, region_name=None):
        if name == "cloudformation":
            return self.waf if region_name == "us-east-1" else self.cloudformation
        if name == "lambda":
            return self.lambda_
        return self.real.client(name)


def _fake_package(tmp_path, stage="prod"):
    (tmp_path / "deployment.zip").write_bytes(b"PK fake zip")
    (tmp_path / "package.json").write_text(json.dumps({"stage": stage, "zip_sha256": "abc"}))
    (tmp_path / "waf.json").write_text(json.dumps({"Resources": {}}))
    (tmp_path / "sam.json").write_text(json.dumps({
        "Parameters": {"SiteUrl": {"Type": "String"}, "SiteDomain": {"Type": "String"},
                       "AlarmEmail": {"Type": "String"},
                       "SigningKey": {"Type": "String", "NoEcho": True},
                       "OriginSecret": {"Type": "String", "NoEcho": True},
                       "ApiConcurrency": {"Type": "Number", "Default": 20},
                       "WebAclArn": {"Type": "String", "Default": ""}},
        "Resources": {"APIHandler": {"Type": "AWS::Serverless::Function",
                                     "Properties": {"CodeUri": "./deployment.zip"}}}}))
    return tmp_path


DEFAULTS = {"SiteUrl": "https://cantine.example.org", "SiteDomain": "", "AlarmEmail": "",
            "ApiConcurrency": "20", "WebAclArn": ""}


def _parameters(cloudformation):
    return {p["ParameterKey"]: p["ParameterValue"] for p in cloudformation.stack["Parameters"]}


def test_deploy_creates_the_stack_then_points_the_links_at_cloudfront(tmp_path):
    with mock_aws():
        cloudformation = FakeCloudFormation(DEFAULTS)
        outputs = deploy.deploy_stack(Session(cloudformation), "prod",
                                      {"AlarmEmail": "dsi@mairie.fr"}, _fake_package(tmp_path))
        assert outputs["PublicUrl"] == FakeCloudFormation.PUBLIC_URL
        first, second = cloudformation.change_sets
        assert first["ChangeSetType"] == "CREATE" and second["ChangeSetType"] == "UPDATE"
        assert set(first["Capabilities"]) == {"CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"}
        assert _parameters(cloudformation)["SiteUrl"] == FakeCloudFormation.PUBLIC_URL
        assert _parameters(cloudformation)["AlarmEmail"] == "dsi@mairie.fr"
        assert cloudformation.protected
        bucket = "cantine-artefacts-123456789012-eu-west-3"
        url = first["TemplateURL"]
        assert url.startswith(f"https://{bucket}.s3.{REGION}.amazonaws.com/prod/template-")
        s3 = boto3.client("s3", region_name=REGION)
        uploaded = json.loads(s3.get_object(Bucket=bucket, Key=url.split(".com/", 1)[1])
                              ["Body"].read())
        assert uploaded["Resources"]["APIHandler"]["Properties"]["CodeUri"] == {
            "Bucket": bucket, "Key": "prod/code-abc.zip"}
        assert s3.get_object(Bucket=bucket, Key="prod/code-abc.zip")["Body"].read() == b"PK fake zip"


def test_a_custom_domain_sets_the_links_in_one_pass(tmp_path):
    with mock_aws():
        cloudformation = FakeCloudFormation({**DEFAULTS})
        FakeCloudFormation.PUBLIC_URL = "https://cantine.mairie.fr"
        try:
            deploy.deploy_stack(Session(cloudformation), "prod",
                                {"SiteDomain": "cantine.mairie.fr"}, _fake_package(tmp_path))
        finally:
            FakeCloudFormation.PUBLIC_URL = "https://d111111abcdef8.cloudfront.net"
        assert len(cloudformation.change_sets) == 1
        assert _parameters(cloudformation)["SiteUrl"] == "https://cantine.mairie.fr"


def test_redeploying_keeps_the_previous_parameters_and_tolerates_no_change(tmp_path):
    with mock_aws():
        cloudformation = FakeCloudFormation(DEFAULTS)
        package = _fake_package(tmp_path)
        deploy.deploy_stack(Session(cloudformation), "prod", {"AlarmEmail": "dsi@mairie.fr"},
                            package)
        cloudformation.empty_next = True
        outputs = deploy.deploy_stack(Session(cloudformation), "prod", {}, package)
        assert outputs["SiteBucketName"] == "site"
        last = cloudformation.change_sets[-1]["Parameters"]
        assert {"ParameterKey": "AlarmEmail", "UsePreviousValue": True} in last
        assert _parameters(cloudformation)["AlarmEmail"] == "dsi@mairie.fr"


def test_a_package_of_another_stage_is_refused(tmp_path):
    with mock_aws():
        with pytest.raises(deploy.DeployError):
            deploy.deploy_stack(Session(FakeCloudFormation(DEFAULTS)), "prod", {},
                                _fake_package(tmp_path, stage="dev"))


# -- issue 15: secrets, the API's concurrency, the optional firewall ---------------------

def test_the_first_deployment_draws_the_secrets_and_later_ones_keep_them(tmp_path):
    with mock_aws():
        cloudformation = FakeCloudFormation(DEFAULTS)
        package = _fake_package(tmp_path)
        deploy.deploy_stack(Session(cloudformation), "prod", {}, package)
        first = _parameters(cloudformation)
        assert len(first["SigningKey"]) >= 32 and len(first["OriginSecret"]) >= 32
        assert first["SigningKey"] != first["OriginSecret"]
        cloudformation.empty_next = True
        deploy.deploy_stack(Session(cloudformation), "prod", {}, package)
        last = cloudformation.change_sets[-1]["Parameters"]
        assert {"ParameterKey": "SigningKey", "UsePreviousValue": True} in last
        assert {"ParameterKey": "OriginSecret", "UsePreviousValue": True} in last


def test_rotating_the_secrets_draws_new_ones(tmp_path):
    with mock_aws():
        cloudformation = FakeCloudFormation(DEFAULTS)
        package = _fake_package(tmp_path)
        deploy.deploy_stack(Session(cloudformation), "prod", {}, package)
        before = _parameters(cloudformation)
        deploy.deploy_stack(Session(cloudformation), "prod", {}, package, rotate_secrets=True)
        after = _parameters(cloudformation)
        assert after["SigningKey"] != before["SigningKey"]
        assert after["OriginSecret"] != before["OriginSecret"]


def test_an_account_without_room_for_the_apis_concurrency_is_refused_before_anything(
        tmp_path):
    with mock_aws():
        cloudformation = FakeCloudFormation(DEFAULTS)
        with pytest.raises(deploy.DeployError, match="Service Quotas"):
            deploy.deploy_stack(Session(cloudformation, lambda_limit=10), "prod", {},
                                _fake_package(tmp_path))
        assert cloudformation.change_sets == []
        deploy.deploy_stack(Session(cloudformation, lambda_limit=30), "prod", {},
                            _fake_package(tmp_path))


def test_the_firewall_is_off_by_default_and_on_when_asked(tmp_path):
    with mock_aws():
        cloudformation = FakeCloudFormation(DEFAULTS)
        package = _fake_package(tmp_path)
        session = Session(cloudformation)
        deploy.deploy_stack(session, "prod", {}, package)
        assert _parameters(cloudformation)["WebAclArn"] == ""
        assert session.waf.change_sets == []
        deploy.deploy_stack(session, "prod", {"Waf": "on"}, package)
        assert _parameters(cloudformation)["WebAclArn"] == FakeWafStacks.ARN
        assert session.waf.change_sets[0]["StackName"] == "cantine-prod-waf"
        assert "TemplateBody" in session.waf.change_sets[0]
        deploy.deploy_stack(session, "prod", {"Waf": "off"}, package)
        assert _parameters(cloudformation)["WebAclArn"] == ""
        assert session.waf.deleted == ["cantine-prod-waf"]  # no longer paid for


def test_the_firewall_switch_is_on_or_off():
    with pytest.raises(deploy.DeployError):
        deploy.waf_wanted({"Waf": "oui"})
