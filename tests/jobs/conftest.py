"""Job tests reuse the API fixtures (moto, the container with its clock, the test client):
a job is checked through what staff and parents then see."""
from __future__ import annotations

import pytest

from tests.api.conftest import (  # noqa: F401 - fixtures, re-exported for pytest
    Api, aws, app, client, clock, other_api, outbox, services)

ADMIN_LOGIN, ADMIN_PASSWORD = "mairie@example.org", "demo-mairie-2026"
FAMILY_LOGIN, FAMILY_PASSWORD = "1001", "demo-famille-2026"


def sign_in(api: Api, login: str, password: str) -> Api:
    response = api.login(login, password)
    assert response.status_code == 200, response.body
    return api


@pytest.fixture
def admin(client):
    return sign_in(Api(client), ADMIN_LOGIN, ADMIN_PASSWORD)


@pytest.fixture
def parent(client):
    return sign_in(Api(client), FAMILY_LOGIN, FAMILY_PASSWORD)


@pytest.fixture
def travel(clock, admin, parent):
    """Move the clock; sessions idle for an hour end, so both sign in again."""
    def move(moment):
        clock.set(moment)
        sign_in(admin, ADMIN_LOGIN, ADMIN_PASSWORD)
        sign_in(parent, FAMILY_LOGIN, FAMILY_PASSWORD)
    return move
