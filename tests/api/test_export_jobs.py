"""Exports asked for as a file: the console's side (ask, poll, get the link), the roles,
and the refusals, through the HTTP API; the export function is run as SQS would run it."""
from __future__ import annotations

import json

import boto3
import pytest

from chalicelib.jobs.exports import write_exports
from chalicelib.services import exports as export_service
from tests.client import Api, body, sign_in
from tests.demo import FAMILY

YEAR = {"export": "bookings", "from": "2026-09-01", "to": "2027-07-03"}


def ask(api, payload, key="cle-console-0001"):
    return api.post("/staff/export-jobs", payload, headers={"Idempotency-Key": key})


def drain(services) -> list[tuple[str, str]]:
    """Play SQS → the export function: every message waiting, handed to the function."""
    sqs = boto3.client("sqs", region_name=services.settings.region)
    url = sqs.get_queue_url(QueueName=services.settings.export_queue_name)["QueueUrl"]
    bodies = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not got:
            break
        for message in got:
            bodies.append(message["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return write_exports(bodies)


@pytest.fixture
def booked(client):
    parent = sign_in(Api(client), *FAMILY)
    response = parent.put("/children/1001-1/bookings", {"changes": [
        {"date": "2026-11-30", "service": "meal", "booked": True},
        {"date": "2026-12-01", "service": "care_evening", "booked": True}]})
    assert response.status_code == 200, response.body
    return parent


def test_staff_ask_for_a_years_bookings_follow_it_and_download_the_file(admin, booked,
                                                                        services):
    asked = ask(admin, YEAR)
    assert asked.status_code == 202, asked.body
    job = body(asked)
    assert (job["state"], job["rows"], job["pages_total"]) == ("queued", 0, 306)
    assert job["download_url"] is None
    assert drain(services) == [(job["id"], "done")]

    done = body(admin.get(f"/staff/export-jobs/{job['id']}"))
    assert done["state"] == "done" and done["rows"] == 2 and done["pages_done"] == 306
    assert done["file_name"] == "reservations_2026-09-01_2027-07-03.csv"
    assert done["download_url"] and done["download_expires_at"]
    assert "response-content-disposition=attachment" in done["download_url"]
    key = f"exports/{job['id']}/{done['file_name']}"
    data = boto3.client("s3", region_name=services.settings.region).get_object(
        Bucket=services.settings.files_bucket, Key=key)["Body"].read()
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Date;N° famille;Famille;Enfant")
    assert [line.split(";")[0] for line in lines[1:]] == ["30/11/2026", "01/12/2026"]
    assert done["size"] == len(data)
    # The direct download refuses such a period: it is for a term at most.
    direct = admin.get("/staff/exports/bookings.csv?from=2026-09-01&to=2027-07-03")
    assert direct.status_code == 400


def test_a_double_click_asks_for_one_file(admin, services):
    first = ask(admin, {"export": "families"})
    second = ask(admin, {"export": "families"})
    assert first.status_code == second.status_code == 202
    assert body(first)["id"] == body(second)["id"]
    assert [outcome for _, outcome in drain(services)] == ["done", "skipped"]  # written once
    third = ask(admin, {"export": "families"})
    assert body(third)["state"] == "done" and body(third)["download_url"]


def test_without_a_key_or_with_bad_input_the_answer_says_why(admin):
    keyless = admin.post("/staff/export-jobs", {"export": "families"})
    assert keyless.status_code == 400
    assert body(keyless)["error"]["code"] == "idempotency_key_required"
    # A body key that is not text is refused, even beside a good header: the request is
    # not what the page meant to send (found by the API fuzzing).
    for wrong in (None, 0, True, ["cle-console-0001"]):
        typed = ask(admin, {"export": "families", "idempotency_key": wrong})
        assert typed.status_code == 400
        assert body(typed)["error"]["code"] == "idempotency_key_required"
    # An empty or malformed date is refused, not read as today.
    for wrong in ("", None, 20261201, "01/12/2026"):
        dated = ask(admin, {"export": "headcounts", "from": "2026-12-01", "to": wrong})
        assert dated.status_code == 400
        assert body(dated)["error"]["details"]["field"] == "to"
    unknown = ask(admin, {"export": "salaires"})
    assert body(unknown)["error"]["code"] == "unknown_export"
    assert "Export inconnu" in body(unknown)["error"]["message"]
    backwards = ask(admin, {"export": "bookings", "from": "2026-12-01", "to": "2026-11-01"})
    assert backwards.status_code == 400
    assert body(backwards)["error"]["message"] == "La date de fin précède la date de début."
    too_long = ask(admin, {"export": "bookings", "from": "2026-01-01", "to": "2027-12-31"})
    assert too_long.status_code == 400 and "400 jours" in body(too_long)["error"]["message"]
    reused = ask(admin, {"export": "bookings", "from": "2026-11-01", "to": "2026-11-30"})
    assert reused.status_code == 202
    clash = ask(admin, {"export": "bookings", "from": "2026-11-01", "to": "2026-11-29"})
    assert clash.status_code == 409
    assert body(clash)["error"]["code"] == "idempotency_key_reused"
    missing = admin.get("/staff/export-jobs/inconnu")
    assert missing.status_code == 404 and body(missing)["error"]["code"] == "not_found"


def test_each_export_is_asked_for_and_read_by_its_roles_only(admin, kitchen, agent, parent,
                                                             services):
    refused = ask(kitchen, {"export": "bookings"})
    assert refused.status_code == 403 and body(refused)["error"]["code"] == "forbidden"
    families = body(ask(admin, {"export": "families"}))
    drain(services)
    # The families file holds income brackets: another role finds no such job.
    for other in (kitchen, agent):
        hidden = other.get(f"/staff/export-jobs/{families['id']}")
        assert hidden.status_code == 404 and body(hidden)["error"]["code"] == "not_found"
    headcounts = body(ask(kitchen, {"export": "headcounts"}, key="cle-cuisine-0001"))
    drain(services)
    assert body(admin.get(f"/staff/export-jobs/{headcounts['id']}"))["state"] == "done"
    assert parent.post("/staff/export-jobs", {"export": "headcounts"},
                       headers={"Idempotency-Key": "cle-famille-0001"}).status_code == 403
    assert parent.get(f"/staff/export-jobs/{headcounts['id']}").status_code == 403


def test_a_failed_job_says_so_in_french(admin, services, monkeypatch):
    job = body(ask(admin, {"export": "families"}))

    def broken(*args, **kwargs):
        raise RuntimeError("S3 indisponible")
    monkeypatch.setattr(services.export_jobs._files, "upload", broken)
    assert drain(services) == [(job["id"], "failed")]
    failed = body(admin.get(f"/staff/export-jobs/{job['id']}"))
    assert failed["state"] == "failed" and failed["download_url"] is None
    assert failed["failure"].startswith("L'export n'a pas pu être préparé")


def test_a_direct_download_too_big_for_an_answer_is_refused_with_a_code(admin, booked,
                                                                       monkeypatch):
    monkeypatch.setattr(export_service, "MAX_DIRECT_BYTES", 100)
    response = admin.get("/staff/exports/bookings.csv?from=2026-11-30&to=2026-12-04")
    assert response.status_code == 413
    error = json.loads(response.body)["error"]
    assert error["code"] == "export_too_large" and "Préparer le fichier" in error["message"]
