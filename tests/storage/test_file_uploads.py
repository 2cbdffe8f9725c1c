"""Objects written in pieces (storage.files.Upload): real S3 part sizes on moto."""
from __future__ import annotations

import boto3

from chalicelib.storage.files import PART_SIZE, content_disposition


def test_a_file_of_several_parts_is_sent_part_by_part_and_reads_whole(services):
    files = services.export_jobs._files
    upload = files.upload("exports/essai/gros.csv", "text/csv; charset=utf-8")
    line = b"01/09/2026;1001;TEST;TOTO TEST;CE2;Standard;oui;non;oui\r\n"
    chunk = line * 2000  # ~110 KB a page
    written = bytearray()
    while len(written) < 2 * PART_SIZE + 1_000_000:
        upload.write(chunk)
        written += chunk
        assert len(upload._buffer) < PART_SIZE  # never more than a part held
    upload.close()
    assert PART_SIZE >= 5 * 1024 * 1024 and upload.parts == 3  # S3's floor for a part
    s3 = boto3.client("s3", region_name=services.settings.region)
    got = s3.get_object(Bucket=files.bucket, Key="exports/essai/gros.csv")
    assert got["Body"].read() == bytes(written)
    assert got["ContentType"] == "text/csv; charset=utf-8"


def test_the_download_name_survives_accents_and_quotes():
    assert content_disposition('réservations "2026".csv') == (
        'attachment; filename="r?servations 2026.csv"; '
        "filename*=UTF-8''r%C3%A9servations%20%222026%22.csv")
