"""Sending e-mail through Amazon SES (moto's SES locally and in tests)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Message:
    to: tuple[str, ...]
    subject: str
    text: str


class Mailer:
    """Sends plain-text messages from the commune's verified address."""

    def __init__(self, client_factory: Any, sender: str) -> None:
        self._client_factory = client_factory
        self._client: Any = None
        self._sender = sender

    def send(self, message: Message) -> None:
        """Send one message; SES errors propagate so that callers can decide."""
        if self._client is None:
            self._client = self._client_factory()
        self._client.send_email(
            Source=self._sender,
            Destination={"ToAddresses": list(message.to)},
            Message={"Subject": {"Data": message.subject, "Charset": "UTF-8"},
                     "Body": {"Text": {"Data": message.text, "Charset": "UTF-8"}}},
        )
