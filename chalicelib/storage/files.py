"""Files the product writes in the stage's private S3 bucket: the Treasury's PES files,
medical certificates, and the CSV exports asked for as files (``exports/``, deleted by a
lifecycle rule after a day or two: they hold personal data).

The bucket is created by the stack (infra/template.py: private, encrypted, versioned) and,
on the local stage and in the tests, by ``demo.prepare_stack``. boto3 is imported on the
first use: most requests read or write no file.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from chalicelib.domain.errors import NotFound

# S3 takes parts of 5 MiB at least (but the last); 8 MiB keeps a year's bookings of a
# 5,000-family commune (about 70 MB) under a dozen parts and the memory at one part.
PART_SIZE = 8 * 1024 * 1024


class Upload:
    """One object written in pieces, never whole in memory: bytes are kept until a part
    is full, then sent as a part of a multipart upload; a file smaller than one part is
    sent at the end in a single put."""

    def __init__(self, s3: Any, bucket: str, key: str, content_type: str,
                 part_size: int = PART_SIZE) -> None:
        self._s3 = s3
        self.bucket = bucket
        self.key = key
        self._content_type = content_type
        self._part_size = part_size
        self._buffer = bytearray()
        self._upload_id: str | None = None
        self._parts: list[dict[str, Any]] = []
        self.size = 0

    @property
    def parts(self) -> int:
        """How many parts were sent so far."""
        return len(self._parts)

    def write(self, data: bytes) -> bool:
        """Add bytes; whether a part was sent."""
        self._buffer += data
        self.size += len(data)
        sent = False
        while len(self._buffer) >= self._part_size:
            self._send_part(bytes(self._buffer[:self._part_size]))
            del self._buffer[:self._part_size]
            sent = True
        return sent

    def _send_part(self, data: bytes) -> None:
        if self._upload_id is None:
            self._upload_id = self._s3.create_multipart_upload(
                Bucket=self.bucket, Key=self.key, ContentType=self._content_type)["UploadId"]
        number = len(self._parts) + 1
        answer = self._s3.upload_part(Bucket=self.bucket, Key=self.key, PartNumber=number,
                                      UploadId=self._upload_id, Body=data)
        self._parts.append({"PartNumber": number, "ETag": answer["ETag"]})

    def close(self) -> None:
        """Send what is left and make the object."""
        if self._upload_id is None:
            self._s3.put_object(Bucket=self.bucket, Key=self.key, Body=bytes(self._buffer),
                                ContentType=self._content_type)
        else:
            if self._buffer:
                self._send_part(bytes(self._buffer))
            self._s3.complete_multipart_upload(
                Bucket=self.bucket, Key=self.key, UploadId=self._upload_id,
                MultipartUpload={"Parts": self._parts})
        self._buffer.clear()

    def abort(self) -> None:
        """Give up: the parts sent are dropped (the lifecycle rule would, a day later)."""
        if self._upload_id is not None:
            self._s3.abort_multipart_upload(Bucket=self.bucket, Key=self.key,
                                            UploadId=self._upload_id)
            self._upload_id = None
        self._buffer.clear()


def content_disposition(file_name: str) -> str:
    """``attachment`` with the file's name, ASCII and UTF-8 (RFC 6266)."""
    ascii_name = file_name.encode("ascii", "replace").decode().replace('"', "")
    return f'attachment; filename="{ascii_name}"; filename*=UTF-8\'\'{quote(file_name)}'


class FileStore:
    """Put and get whole objects of one bucket."""

    def __init__(self, client_factory: Callable[[], Any], bucket: str) -> None:
        self._client_factory = client_factory
        self._client: Any = None
        self.bucket = bucket

    def _s3(self) -> Any:
        if self._client is None:
            self._client = self._client_factory()
        return self._client

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Write ``data`` at ``key`` (the same key always gets the same bytes)."""
        self._s3().put_object(Bucket=self.bucket, Key=key, Body=data,
                              ContentType=content_type)

    def upload(self, key: str, content_type: str, part_size: int = PART_SIZE) -> Upload:
        """An object to write in pieces (``Upload``)."""
        return Upload(self._s3(), self.bucket, key, content_type, part_size)

    def link(self, key: str, file_name: str, seconds: int) -> str:
        """A presigned GET of the object, valid ``seconds``, that the browser saves as
        ``file_name``; no cookie or session of the portal goes with it."""
        return self._s3().generate_presigned_url("get_object", Params={
            "Bucket": self.bucket, "Key": key,
            "ResponseContentDisposition": content_disposition(file_name),
            "ResponseContentType": "text/csv; charset=utf-8",
            "ResponseCacheControl": "no-store"}, ExpiresIn=seconds)

    def exists(self, key: str) -> bool:
        """Whether an object is at ``key``."""
        s3 = self._s3()
        try:
            s3.head_object(Bucket=self.bucket, Key=key)
        except s3.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def get(self, key: str) -> bytes:
        """The object's bytes; NotFound if it is missing."""
        s3 = self._s3()
        try:
            return s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except s3.exceptions.NoSuchKey as exc:
            raise NotFound("Fichier introuvable.") from exc
