"""The first admin account: opened with the product's own services on tables made from
the packaged template (moto), and refused early when SES cannot deliver yet."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from types import SimpleNamespace

import pytest

from scripts.release import deploy
from tests.infra.conftest import ROOT

SCRIPT = r"""
import json, os, sys
from moto import mock_aws
template = json.load(open(sys.argv[1]))
with mock_aws():
    import boto3
    dynamodb = boto3.client("dynamodb", region_name="eu-west-3")
    keys = ("TableName", "AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes",
            "BillingMode")
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::DynamoDB::Table":
            props = resource["Properties"]
            dynamodb.create_table(**{k: props[k] for k in keys if k in props})
    boto3.client("ses", region_name="eu-west-3").verify_domain_identity(
        Domain="cantine.mairie.fr")
    from scripts.release import deploy
    variables = {"CANTINE_STAGE": "prod", "CANTINE_TABLE_PREFIX": "cantine-prod-",
                 "CANTINE_SITE_URL": "https://cantine.mairie.fr",
                 "CANTINE_MAIL_FROM": "ne-pas-repondre@cantine.mairie.fr",
                 "CANTINE_SIGNING_KEY": "s" * 43, "CANTINE_ORIGIN_SECRET": "o" * 43,
                 "AWS_DEFAULT_REGION": "eu-west-3"}
    # A family stored before the search index existed: the upgrade indexes it, twice
    # changes nothing more.
    deploy.upgrade_data(variables)
    from chalicelib.storage.models import FamilyModel
    from datetime import datetime, timezone
    FamilyModel(number="1001", name="DUPONT", emails=["parent@example.org"], password_hash="x",
                created_at=datetime.now(timezone.utc), search_key="dupont#1001").save()
    indexed = [deploy.upgrade_data(variables) for _ in range(2)]
    terms = dynamodb.query(TableName="cantine-prod-family_terms",
                           KeyConditionExpression="#s = :s AND begins_with(#t, :p)",
                           ExpressionAttributeNames={"#s": "scope", "#t": "term"},
                           ExpressionAttributeValues={":s": {"S": "family"},
                                                      ":p": {"S": "dupont"}})["Items"]
    deploy.open_admin(variables, "Secretariat@Cantine.Mairie.fr", "Secrétariat",
                      "Commune de Saint-Exemple", "B")
    deploy.open_admin(variables, "secretariat@cantine.mairie.fr", "Secrétariat")
    staff = dynamodb.get_item(TableName="cantine-prod-staff",
                              Key={"email": {"S": "secretariat@cantine.mairie.fr"}})["Item"]
    commune = dynamodb.scan(TableName="cantine-prod-commune")["Items"]
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends
    sent = ses_backends[DEFAULT_ACCOUNT_ID]["eu-west-3"].sent_messages
    print(json.dumps({"role": staff["role"]["S"], "must_change": staff["must_change_password"]["BOOL"],
                      "commune": [(c["name"]["S"], c["zone"]["S"]) for c in commune],
                      "mails": [(m.destinations["ToAddresses"], m.source) for m in sent],
                      "indexed": indexed, "found": sorted({t["number"]["S"] for t in terms})}))
"""


def test_the_first_admin_is_opened_once_with_a_mailed_temporary_password(packaged):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CANTINE_")}
    environment.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"})
    result = subprocess.run([sys.executable, "-c", SCRIPT, str(packaged.template_path)],
                            cwd=ROOT, env=environment, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    probe = json.loads(lines[-1])
    assert probe["role"] == "admin" and probe["must_change"] is True
    assert probe["commune"] == [["Commune de Saint-Exemple", "B"]]
    assert probe["mails"] == [[["secretariat@cantine.mairie.fr"],
                               "ne-pas-repondre@cantine.mairie.fr"]]
    assert any("déjà un compte" in line for line in lines)
    assert probe["indexed"] == [1, 1] and probe["found"] == ["1001"]


def test_open_admin_refuses_a_process_that_already_read_other_settings():
    import chalicelib.settings  # noqa: F401 - the test process has its own stage
    with pytest.raises(deploy.DeployError):
        deploy.open_admin({}, "a@b.fr", "A")


class FakeSes:
    class exceptions:
        class NotFoundException(Exception):
            pass

    def __init__(self, verified: set[str], production: bool) -> None:
        self.verified, self.production = verified, production

    def get_email_identity(self, EmailIdentity):
        if EmailIdentity not in self.verified and "@" in EmailIdentity:
            raise self.exceptions.NotFoundException()
        return {"VerifiedForSendingStatus": EmailIdentity in self.verified}

    def get_account(self):
        return {"ProductionAccessEnabled": self.production}


def _session(ses):
    return SimpleNamespace(client=lambda name: ses)


@pytest.mark.parametrize("verified, production, recipient, ok", [
    (set(), True, "a@ailleurs.fr", False),                          # domain not verified yet
    ({"cantine.mairie.fr"}, True, "a@ailleurs.fr", True),            # out of the sandbox
    ({"cantine.mairie.fr"}, False, "a@cantine.mairie.fr", True),     # sandbox, same domain
    ({"cantine.mairie.fr"}, False, "a@ailleurs.fr", False),          # sandbox, unverified
    ({"cantine.mairie.fr", "a@ailleurs.fr"}, False, "a@ailleurs.fr", True),
])
def test_mail_must_be_deliverable_before_the_account_is_opened(verified, production,
                                                               recipient, ok):
    check = lambda: deploy._check_mail_ready(  # noqa: E731
        _session(FakeSes(verified, production)), "ne-pas-repondre@cantine.mairie.fr", recipient)
    if ok:
        check()
    else:
        with pytest.raises(deploy.DeployError):
            check()
