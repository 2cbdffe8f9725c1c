"""Exports of any size: a file asked for, written to S3 by the export function (as SQS
delivers its message), page by page and part by part, once, with its progress noted.

The commune here books 60 children every day of a 40-day period (2,400 rows, about
150 KB). S3's 5 MiB floor for a part is lowered in moto, and the job's parts are 32 KiB,
so that the file goes through a multipart upload of several parts as a year of a city's
bookings does at full size (tests/storage/test_file_uploads.py sends real 8 MiB parts).
"""
from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import boto3
import pytest

from chalicelib.services import export_jobs
from chalicelib.storage.models import BookingModel, ChildMap, FamilyModel

PARIS = ZoneInfo("Europe/Paris")
START, END = date(2026, 11, 2), date(2026, 12, 11)  # 40 days
PERIOD = {"from": START.isoformat(), "to": END.isoformat()}
FAMILIES, CHILDREN = 30, 2
ROWS = FAMILIES * CHILDREN * 40
PART = 32 * 1024


@pytest.fixture
def city(services, monkeypatch):
    """Thirty families of two children, each booked for lunch and evening care every day."""
    import moto.s3.models
    monkeypatch.setattr(moto.s3.models, "S3_UPLOAD_PART_MIN_SIZE", 1024)
    monkeypatch.setattr(services.export_jobs, "part_size", PART)
    monkeypatch.setattr(services.export_jobs, "progress_every", 500)
    now = datetime(2026, 11, 1, tzinfo=UTC)
    with FamilyModel.batch_write() as families, BookingModel.batch_write() as bookings:
        for f in range(FAMILIES):
            number = str(5000 + f)
            children = [ChildMap(id=f"{number}-{c}", first_name=f"ENFANT{c}",
                                 last_name=f"VILLE{f:03d}", class_name="CM1")
                        for c in range(1, CHILDREN + 1)]
            families.save(FamilyModel(number, name=f"VILLE{f:03d}", password_hash="x",
                                      children=children, created_at=now,
                                      search_key=f"ville{f:03d}#{number}"))
            for child in children:
                day = START
                while day <= END:
                    bookings.save(BookingModel(child.id, day.isoformat(), family=number,
                                               services={"meal", "care_evening"},
                                               updated_at=now))
                    day += timedelta(days=1)
    return services


def s3(services):
    return boto3.client("s3", region_name=services.settings.region)


def messages(services) -> list[str]:
    sqs = boto3.client("sqs", region_name=services.settings.region)
    url = sqs.get_queue_url(QueueName=services.settings.export_queue_name)["QueueUrl"]
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(m["Body"])["job"] for m in got]


def ask(services, export="bookings", key="cle-export-0001", who="mairie@example.org",
        query=None):
    return services.export_jobs.request(export, dict(PERIOD if query is None else query),
                                        key, who, services.clock.now())


def run(services, job_id):
    return services.export_jobs.run(job_id, services.clock.now)


def test_a_large_export_goes_through_several_parts_and_reads_as_the_direct_file(city):
    job, created = ask(city)
    assert created and job.state == "queued" and job.pages_total == 40
    assert messages(city) == [job.id]  # one message for the export function

    parts = []
    original = city.export_jobs._files.upload

    def spy(*args, **kwargs):
        upload = original(*args, **kwargs)
        parts.append(upload)
        return upload
    city.export_jobs._files.upload = spy
    assert run(city, job.id) == "done"

    (upload,) = parts
    assert upload.parts >= 4  # a multipart upload, never the whole file in one piece
    done = city.export_jobs.view(job.id, lambda _: True, city.clock.now()).job
    assert (done.state, done.rows, done.pages_done) == ("done", ROWS, 40)
    stored = s3(city).get_object(Bucket=city.settings.files_bucket, Key=done.key)
    data = stored["Body"].read()
    assert done.size == len(data)
    # Byte for byte the file the direct download gives for the same period.
    name, text = city.exports.export("bookings", PERIOD, city.clock.now())
    assert done.file_name == name == "reservations_2026-11-02_2026-12-11.csv"
    assert data == text.encode("utf-8")
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert len(table) == ROWS + 1
    assert table[1][0] == "02/11/2026" and table[-1][0] == "11/12/2026"


def test_progress_is_noted_as_rows_are_written(city):
    job, _ = ask(city)
    noted = []
    original = city.export_jobs._jobs.progress

    def spy(running, rows, pages_done):
        seen = city.export_jobs._jobs.get(running.id)
        noted.append((seen.state, rows, pages_done))
        return original(running, rows, pages_done)
    city.export_jobs._jobs.progress = spy
    assert run(city, job.id) == "done"
    assert len(noted) >= 4
    assert all(state == "running" for state, _, _ in noted)
    assert [rows for _, rows, _ in noted] == sorted({rows for _, rows, _ in noted})
    assert noted[-1][1] < ROWS and noted[-1][2] < 40


def test_a_message_delivered_twice_writes_the_file_once(city):
    job, _ = ask(city)
    assert run(city, job.id) == "done"
    assert run(city, job.id) == "skipped"
    versions = s3(city).list_object_versions(Bucket=city.settings.files_bucket,
                                             Prefix=f"exports/{job.id}/")
    assert len(versions.get("Versions", [])) == 1


def test_the_same_request_twice_is_one_job_and_a_key_reused_for_another_is_refused(city):
    first, created = ask(city)
    again, created_again = ask(city)
    assert created and not created_again and again.id == first.id
    assert run(city, first.id) == "done"
    after, _ = ask(city)
    assert after.state == "done"
    # Another staff member's key is another job; the same key for another period is a
    # mistake of the page, told in French.
    other, created_other = ask(city, who="agent@example.org")
    assert created_other and other.id != first.id
    from chalicelib.services.export_jobs import ExportKeyReused
    with pytest.raises(ExportKeyReused) as refused:
        ask(city, query={"from": "2026-11-02", "to": "2026-11-30"})
    assert "clé d'envoi" in refused.value.message


def test_a_small_export_is_one_put(services):
    job, _ = ask(services, export="families", query={})
    assert run(services, job.id) == "done"
    done = services.export_jobs._jobs.get(job.id)
    data = s3(services).get_object(Bucket=services.settings.files_bucket,
                                   Key=done.key)["Body"].read()
    assert data.decode("utf-8-sig").splitlines()[1].startswith("1001;TEST;")
    assert done.rows == 1 and done.pages_total is None and done.file_name == "familles.csv"
    uploads = s3(services).list_multipart_uploads(Bucket=services.settings.files_bucket)
    assert uploads.get("Uploads", []) == []


def test_a_failure_marks_the_job_failed_in_french_and_leaves_no_file(city, monkeypatch):
    job, _ = ask(city)

    def broken(rows):
        raise RuntimeError("disque plein")
    calls = {"n": 0}
    original = export_jobs.csv_export.lines

    def fail_later(rows):
        calls["n"] += 1
        return broken(rows) if calls["n"] == 30 else original(rows)
    monkeypatch.setattr(export_jobs.csv_export, "lines", fail_later)
    assert run(city, job.id) == "failed"
    failed = city.export_jobs._jobs.get(job.id)
    assert failed.state == "failed" and failed.error == export_jobs.FAILED
    assert "L'export n'a pas pu être préparé" in failed.error
    listed = s3(city).list_objects_v2(Bucket=city.settings.files_bucket, Prefix="exports/")
    assert listed.get("KeyCount", 0) == 0
    uploads = s3(city).list_multipart_uploads(Bucket=city.settings.files_bucket)
    assert uploads.get("Uploads", []) == []  # the parts sent are dropped
    # A message delivered again does not write it behind the staff's back.
    assert run(city, job.id) == "skipped"


def test_a_run_that_died_is_taken_over_once_its_lease_is_over(city):
    job, _ = ask(city)
    repository = city.export_jobs._jobs
    died = repository.claim(job.id, city.clock.now(), export_jobs.LEASE)
    assert died is not None
    assert run(city, job.id) == "skipped"  # still within the dead run's lease
    city.clock.set(city.clock.now() + export_jobs.LEASE + timedelta(seconds=1))
    assert run(city, job.id) == "done"
    done = repository.get(job.id)
    assert (done.state, done.attempts, done.rows) == ("done", 2, ROWS)
    # The dead run, were it to wake up, can neither note progress nor finish.
    assert not repository.progress(died, 1, 1)
    assert not repository.finish(died, 1, 1, "x.csv", "x", 1, city.clock.now())


def test_after_three_interrupted_runs_the_job_fails_with_a_message(services):
    job, _ = ask(services, export="families", query={})
    repository = services.export_jobs._jobs
    for _ in range(export_jobs.MAX_ATTEMPTS):
        assert repository.claim(job.id, services.clock.now(), export_jobs.LEASE)
        services.clock.set(services.clock.now() + export_jobs.LEASE + timedelta(minutes=1))
    assert run(services, job.id) == "failed"
    failed = repository.get(job.id)
    assert failed.state == "failed"
    assert failed.error.startswith("L'export s'est interrompu 3 fois")


def test_the_link_is_short_lived_names_the_file_and_ends_with_the_file(services):
    job, _ = ask(services, export="families", query={})
    run(services, job.id)
    now = services.clock.now()
    view = services.export_jobs.view(job.id, lambda _: True, now)
    assert view.link is not None and view.link_expires_at == now + timedelta(minutes=15)
    assert "Expires=900" in view.link or "X-Amz-Expires=900" in view.link
    assert "attachment" in view.link and "familles.csv" in view.link
    later = services.export_jobs.view(job.id, lambda _: True, now + timedelta(days=1, hours=1))
    assert later.expired and later.link is None
    with pytest.raises(Exception) as hidden:
        services.export_jobs.view(job.id, lambda export: export != "families", now)
    assert getattr(hidden.value, "code", None) == "not_found"


def test_an_unknown_export_or_a_bad_period_or_key_is_refused_with_a_code(services):
    with pytest.raises(Exception) as unknown:
        ask(services, export="salaires")
    assert unknown.value.code == "not_found"
    with pytest.raises(Exception) as backwards:
        ask(services, query={"from": "2026-12-01", "to": "2026-11-01"})
    assert backwards.value.code == "invalid_request"
    with pytest.raises(Exception) as keyless:
        ask(services, key="court")
    assert keyless.value.code == "idempotency_key_required"


def test_the_export_function_reads_sqs_events_as_lambda_hands_them(services):
    from chalice.test import Client

    from app import app as chalice_app
    job, _ = ask(services, export="families", query={})
    with Client(chalice_app) as client:
        event = client.events.generate_sqs_event(
            message_bodies=[json.dumps({"job": job.id}), "pas du JSON"],
            queue_name=services.settings.export_queue_name)
        answer = client.lambda_.invoke("write_export", event)
    assert answer.payload == {"done": 1}
    assert services.export_jobs._jobs.get(job.id).state == "done"
