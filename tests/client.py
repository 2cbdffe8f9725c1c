"""Calling the API as a browser does, in-process: a JSON client over chalice's test client
that keeps its cookies, and the small steps many tests share (sign in, bill a month, pay).
"""
from __future__ import annotations

import json
import re
import secrets
from datetime import datetime

from tests.demo import NEW_PASSWORD

# The staff accounts the shared ``agent`` and ``kitchen`` fixtures open (tests/conftest.py).
AGENT_EMAIL = "agent@example.org"
KITCHEN_EMAIL = "cuisine@example.org"


def set_cookies(response) -> list[str]:
    """Every Set-Cookie header of a test-client response (one string or a list)."""
    value = response.headers.get("set-cookie") or response.headers.get("Set-Cookie")
    if not value:
        return []
    return list(value) if isinstance(value, list) else [value]


class Api:
    """A thin JSON client over chalice's test client that keeps its cookies, as a browser
    does: the session (``cookie``) and the device cookie (``device``, sent to sign-in)."""

    def __init__(self, client) -> None:
        self.client = client
        self.cookie: str | None = None
        self.device: str | None = None

    def request(self, method: str, path: str, body=None, *, headers=None, raw=None,
                keep_cookie=True):
        all_headers = {"Content-Type": "application/json"}
        cookies = []
        if self.cookie:
            cookies.append(f"cantine_session={self.cookie}")
        if self.device and path.split("?")[0] == "/auth/login":
            cookies.append(f"cantine_device={self.device}")
        if cookies:
            all_headers["Cookie"] = "; ".join(cookies)
        all_headers.update(headers or {})
        payload = raw if raw is not None else (json.dumps(body) if body is not None else None)
        response = self.client.http.request(method, path, headers=all_headers, body=payload)
        for set_cookie in set_cookies(response) if keep_cookie else []:
            name, _, value = set_cookie.split(";")[0].partition("=")
            if name == "cantine_session":
                self.cookie = value or None
            elif name == "cantine_device":
                self.device = value or None
        return response

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body, **kw)

    def put(self, path, body=None, **kw):
        return self.request("PUT", path, body, **kw)

    def login(self, login, password):
        return self.post("/auth/login", {"login": login, "password": password})


def body(response):
    """Parsed JSON body of a test-client response."""
    return json.loads(response.body) if response.body else None


def link_token(text: str) -> str:
    """The token carried by the reset link of an e-mail."""
    match = re.search(r"token=([A-Za-z0-9_\-]+)", text)
    assert match, text
    return match.group(1)


def credentials_from(text: str) -> tuple[str, str]:
    """(number, temporary password) from a welcome e-mail."""
    number = re.search(r"^Identifiant : (\S+)$", text, re.M).group(1)
    password = re.search(r"^Mot de passe provisoire : (\S+)$", text, re.M).group(1)
    return number, password


def at(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


def invoice(admin: Api, month: str) -> dict:
    """Bill a month as staff do: compute the draft, then confirm it; the confirmation."""
    response = admin.post(f"/staff/billing/{month}/draft")
    assert response.status_code == 200, response.body
    response = admin.post(f"/staff/billing/{month}/confirm")
    assert response.status_code == 200, response.body
    return body(response)


def pay(admin: Api, number: str, payment: dict, key: str | None = None):
    """Record a town-hall payment with a fresh (or the given) Idempotency-Key."""
    return admin.post(f"/staff/families/{number}/payments", payment,
                      headers={"Idempotency-Key": key or secrets.token_hex(8)})


def sign_in(api: Api, login: str, password: str) -> Api:
    """Sign ``api`` in; the sign-in must succeed."""
    response = api.login(login, password)
    assert response.status_code == 200, response.body
    return api


def staff_member(client, admin: Api, outbox, email: str, name: str, role: str) -> Api:
    """A staff account opened by the admin, signed in with the password it chose in place
    of the temporary one it received by e-mail."""
    created = admin.post("/staff/accounts", {"email": email, "name": name, "role": role})
    assert created.status_code == 201, created.body
    mail = next(m for m in outbox() if m["to"] == [email])
    _, temporary = credentials_from(mail["text"])
    api = sign_in(Api(client), email, temporary)
    changed = api.post("/auth/password/change", {"current_password": temporary,
                                                 "password": NEW_PASSWORD})
    assert changed.status_code == 204, changed.body
    return api


def queued(services) -> list[str]:
    """Every message waiting on the background queue (moto's SQS), taken off it: what the
    background function would be handed."""
    import boto3
    sqs = boto3.client("sqs", region_name=services.settings.region)
    url = sqs.get_queue_url(QueueName=services.settings.export_queue_name)["QueueUrl"]
    bodies: list[str] = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not got:
            return bodies
        for message in got:
            bodies.append(message["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
