"""Starting long jobs from the console without holding an API request open.

API Gateway gives up after 29 seconds; a commune's invoice run takes minutes. Deployed,
the console's request starts the invoice job's own Lambda asynchronously and answers at
once; the run's record then shows its progress and outcome. Locally, it runs inline.
"""
from __future__ import annotations

import json
from typing import Any

from chalicelib.settings import Settings


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
