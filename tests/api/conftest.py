"""API tests: the Chalice app under moto's mock, with a clock the test controls (the
shared fixtures are in tests/conftest.py; the client and its helpers in tests/client.py)."""
from __future__ import annotations

import pytest


@pytest.fixture
def payfip(services, monkeypatch):
    """The fake PayFip server, which the payments service talks to."""
    from chalicelib.payfip.client import PayFipClient
    from scripts.local.fake_payfip import FakePayFip
    fake = FakePayFip(notify=False).start()
    monkeypatch.setattr(services.payments, "_client_factory",
                        lambda: PayFipClient(fake.config()))
    yield fake
    fake.stop()
