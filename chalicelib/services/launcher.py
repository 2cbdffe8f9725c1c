"""Starting long jobs from the console without holding an API request open.

Export files go through an SQS queue: the console's request writes the job and sends one
message; the export function (app.py, ``on_sqs_message``) writes the file. Locally, the
queue is moto's and the local stack drains it (scripts/local/devstack.py).

API Gateway gives up after 29 seconds; a commune's invoice run takes minutes. Deployed,
the console's request starts the invoice job's own Lambda asynchronously and answers at
once; the run's record then shows its progress and outcome. Locally, it runs inline.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, TypeVar

from chalicelib.settings import Settings

T = TypeVar("T")


class JobLauncher:
    """Runs the invoice job in the background where a background exists."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._client: Any = None  # boto3's Lambda client, made on first use

    @property
    def in_background(self) -> bool:
        """Whether jobs started from the console run in their own Lambda."""
        return bool(self._settings.invoice_function)

    def start_billing_step(self, month: str, step: str, who: str) -> None:
        """Invoke the invoice job asynchronously: ``step`` (draft or confirm) of ``month``."""
        if self._client is None:
            import boto3
            self._client = boto3.client("lambda", region_name=self._settings.region)
        self._client.invoke(FunctionName=self._settings.invoice_function,
                            InvocationType="Event",
                            Payload=json.dumps({"month": month, "step": step,
                                                "who": who}).encode())


def batches(items: Sequence[T], size: int) -> list[list[T]]:
    """``items`` cut into messages of ``size`` at most, in order."""
    return [list(items[i:i + size]) for i in range(0, len(items), size)]


class ExportQueue:
    """Sends one message per export job to the stage's queue."""

    def __init__(self, client_factory: Any, queue: str) -> None:
        self._client_factory = client_factory
        self._queue = queue
        self._url: str | None = queue if queue.startswith(("https://", "http://")) else None
        self._client: Any = None

    def _sqs(self) -> Any:
        if self._client is None:
            self._client = self._client_factory()
        return self._client

    def url(self) -> str:
        """The queue's URL (the stack gives it; locally it is looked up by name)."""
        if self._url is None:
            self._url = self._sqs().get_queue_url(QueueName=self._queue)["QueueUrl"]
        return self._url

    def send(self, job_id: str) -> None:
        """Ask for the job to be written (a duplicate message writes nothing more)."""
        self._sqs().send_message(QueueUrl=self.url(), MessageBody=json.dumps({"job": job_id}))

    def send_work(self, body: dict[str, Any]) -> None:
        """Another piece of background work on the same queue: a batch of invoices to
        hand out (services/deliveries.py). Its handler does each part once."""
        self._sqs().send_message(QueueUrl=self.url(), MessageBody=json.dumps(body))
