"""Files the product writes (the Treasury's PES files) in the stage's private S3 bucket.

The bucket is created by the stack (infra/template.py: private, encrypted, versioned) and,
on the local stage and in the tests, by ``demo.prepare_stack``. boto3 is imported on the
first use: most requests read or write no file.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalicelib.domain.errors import NotFound


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
