"""API tests: the Chalice app under moto's mock, with a clock the test controls."""
from __future__ import annotations

import json
import re
from datetime import datetime

import pytest
from chalice.test import Client
from moto import mock_aws

from chalicelib import wiring
from chalicelib.mail.outbox import read_outbox
from tests import moto_baseline


def set_cookies(response) -> list[str]:
    """Every Set-Cookie header of a test-client response (one string or a list)."""
    value = response.headers.get("set-cookie") or response.headers.get("Set-Cookie")
    if not value:
        return []
    return list(value) if isinstance(value, list) else [value]


class Api:
    """A thin JSON client over chalice's test client that keeps its cookies, as a browser
    does: the session (``cookie``) and the device cookie (``device``, sent to sign-in)."""

    def __init__(self, client: Client) -> None:
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


@pytest.fixture
def aws():
    with mock_aws():
        wiring.reset()
        yield
        wiring.reset()


@pytest.fixture
def services(aws):
    container = wiring.container()
    moto_baseline.prepare(container)
    return container


@pytest.fixture
def clock(services):
    return services.clock


@pytest.fixture
def app(services):
    from app import app as chalice_app
    return chalice_app


@pytest.fixture
def client(app):
    with Client(app) as test_client:
        yield test_client


@pytest.fixture
def api(client):
    return Api(client)


@pytest.fixture
def other_api(client):
    return Api(client)


@pytest.fixture
def payfip(services, monkeypatch):
    """The fake PayFip server, which the payments service talks to."""
    from chalicelib.payfip.client import PayFipClient
    from scripts.fake_payfip import FakePayFip
    fake = FakePayFip(notify=False).start()
    monkeypatch.setattr(services.payments, "_client_factory",
                        lambda: PayFipClient(fake.config()))
    yield fake
    fake.stop()


@pytest.fixture
def outbox(services):
    def read():
        return read_outbox(None, services.settings.region)
    return read


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
    import secrets
    return admin.post(f"/staff/families/{number}/payments", payment,
                      headers={"Idempotency-Key": key or secrets.token_hex(8)})
