"""Sending through SES (moto's), and reading back what was sent, as the local outbox does."""
from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError

from chalicelib.mail.outbox import read_outbox
from chalicelib.mail.sender import Mailer, Message

REGION = "eu-west-3"
SENDER = "ne-pas-repondre@example.org"


@pytest.fixture
def ses(aws):
    client = boto3.client("ses", region_name=REGION)
    client.verify_email_identity(EmailAddress=SENDER)
    return client


def test_a_message_reaches_ses_from_the_communes_address_in_utf8(ses):
    made = []

    def factory():
        made.append(1)
        return boto3.client("ses", region_name=REGION)

    mailer = Mailer(factory, SENDER)
    mailer.send(Message(("a@example.org", "b@example.org"), "Réservations annulées", "Grève"))
    mailer.send(Message(("c@example.org",), "Deuxième", "Texte accentué : été"))
    sent = read_outbox(None, REGION)
    assert [m["subject"] for m in sent] == ["Deuxième", "Réservations annulées"]  # newest first
    assert sent[1]["to"] == ["a@example.org", "b@example.org"]
    assert sent[0]["text"] == "Texte accentué : été"
    assert made == [1]  # one client, made at the first message


def test_an_address_ses_refuses_is_an_error_the_caller_sees(aws):
    # Not verified: SES rejects the message, and the caller decides (retry, report).
    mailer = Mailer(lambda: boto3.client("ses", region_name=REGION), "inconnu@example.org")
    with pytest.raises(ClientError):
        mailer.send(Message(("a@example.org",), "Sujet", "Texte"))
    assert read_outbox(None, REGION) == []
