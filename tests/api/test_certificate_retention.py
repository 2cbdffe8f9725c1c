"""Medical certificates are kept under their own prefix of the files bucket, which the
stack's lifecycle rule empties a year after each upload (tests/infra/test_template.py);
once a file is gone, its family and the admin read why, and the decision stays."""
from __future__ import annotations

import boto3

from tests.api.test_sick_days import PDF, b64, booked, error, ok, sick  # noqa: F401 (booked: a fixture)
from tests.demo import ADMIN
from tests.demo import FAMILY_CHILD as CHILD

URL = f"/children/{CHILD}/sick-days/2026-12-01/certificate"
PDF_ACCEPT = {"Accept": "application/pdf"}


def test_a_certificate_purged_by_the_retention_rule_is_explained_and_its_decision_kept(
        booked, services):  # noqa: F811
    parent = booked("2026-12-01T07:00:00")
    ok(sick(parent, "2026-12-01"), 201)
    ok(parent.post(URL, {"content_base64": b64(PDF), "content_type": "application/pdf"}), 201)
    admin = booked("2026-12-01T09:00:00", ADMIN)
    ok(admin.post(f"/staff/sick-days/{CHILD}/2026-12-01/certificate/decision",
                  {"decision": "accepted"}))
    s3 = boto3.client("s3", region_name=services.settings.region)
    bucket = services.settings.files_bucket
    (key,) = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="certificats/")[
        "Contents"]]
    assert key.startswith("certificats/1001/")  # under the prefix the rule empties
    s3.delete_object(Bucket=bucket, Key=key)  # what the lifecycle rule does a year later
    parent = booked("2027-12-02T07:00:00")
    gone = error(parent.get(URL, headers=PDF_ACCEPT), 404)
    assert gone["code"] == "not_found"
    assert "n'est plus conservé" in gone["message"] and "365 jours" in gone["message"]
    admin = booked("2027-12-02T09:00:00", ADMIN)
    assert error(admin.get(f"/staff/sick-days/{CHILD}/2026-12-01/certificate",
                           headers=PDF_ACCEPT), 404)["code"] == "not_found"
    listed = ok(admin.get("/staff/sick-days?from=2026-12-01&to=2026-12-31"))["reports"]
    assert [r["certificate"]["status"] for r in listed] == ["accepted"]
