"""Shared fixtures. The environment is set before anything imports ``app``: moto must
intercept every AWS call, and pynamodb must never be pointed at a host."""
from __future__ import annotations

import os

os.environ.update({
    "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing", "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "eu-west-3",
    "CANTINE_STAGE": "local", "CANTINE_TABLE_PREFIX": "test-",
    "CANTINE_SITE_URL": "http://127.0.0.1:8000",
    "CANTINE_MAIL_FROM": "ne-pas-repondre@example.org",
    "CANTINE_NOW": "2026-11-23T10:00:00+01:00",
    # In-process tests sign in hundreds of times; the padding is tested on its own and on
    # the local stack (tests/load), which keeps it on.
    "CANTINE_AUTH_PACING": "off",
})
os.environ.pop("CANTINE_AWS_ENDPOINT", None)
os.environ.pop("AWS_ENDPOINT_URL", None)

import pytest  # noqa: E402 - after the environment, on purpose


def _apply_one_request_at_a_time() -> None:
    """moto's in-process mock, applying one request at a time, as DynamoDB does.

    moto takes no lock: a transaction copies the tables, checks its conditions and, when
    one fails, puts the copy back, so two threads writing at once can both pass a
    condition that DynamoDB checks atomically, or undo each other's write. The tests that
    send duplicates in parallel (a double-clicked payment, the last number of a sequence)
    would then see what production refuses. The local stack's moto server takes the same
    lock (scripts/local/local_aws.py).
    """
    import threading

    from moto.core.botocore_stubber import BotocoreStubber
    original = BotocoreStubber.process_request
    if getattr(original, "one_at_a_time", False):
        return
    lock = threading.RLock()

    def process_request(self, request):
        with lock:
            return original(self, request)

    process_request.one_at_a_time = True  # type: ignore[attr-defined]
    BotocoreStubber.process_request = process_request  # type: ignore[method-assign]


_apply_one_request_at_a_time()

from tests.client import AGENT_EMAIL, KITCHEN_EMAIL, Api, sign_in, staff_member  # noqa: E402
from tests.demo import ADMIN, FAMILY  # noqa: E402


# The longest files first. `make test` runs two workers, each taking a whole file at a
# time (--dist loadfile): started early, the browser, fuzzing and load files run side by
# side, and the many short files fill in the end, so that neither worker idles while the
# other finishes a long one.
LONGEST_FIRST = ("tests/fuzz/", "tests/properties/test_money_lifecycle.py", "tests/site/",
                 "tests/load/", "tests/properties/", "tests/infra/")


def pytest_collection_modifyitems(items):
    def rank(item) -> int:
        return next((i for i, prefix in enumerate(LONGEST_FIRST)
                     if item.nodeid.startswith(prefix)), len(LONGEST_FIRST))
    items.sort(key=rank)  # stable: each file keeps its own order


@pytest.fixture
def aws():
    """moto's mock around the test, with a container built inside it."""
    from moto import mock_aws

    from chalicelib import wiring
    with mock_aws():
        wiring.reset()
        yield
        wiring.reset()


@pytest.fixture
def services(aws):
    """The container, with the demo commune's tables and data (copied from the process's
    baseline: see tests/moto_baseline.py)."""
    from chalicelib import wiring
    from tests import moto_baseline
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
    from chalice.test import Client
    with Client(app) as test_client:
        yield test_client


@pytest.fixture
def api(client):
    """A browser, signed in as no one."""
    return Api(client)


@pytest.fixture
def other_api(client):
    """A second browser, signed in as no one."""
    return Api(client)


@pytest.fixture
def outbox(services):
    """The e-mails sent so far (a function: call it after the action)."""
    from chalicelib.mail.outbox import read_outbox

    def read():
        return read_outbox(None, services.settings.region)
    return read


@pytest.fixture
def admin(client):
    """The demo town-hall admin, in a browser of their own."""
    return sign_in(Api(client), *ADMIN)


@pytest.fixture
def parent(client):
    """The demo family (1001, child TOTO), in a browser of its own."""
    return sign_in(Api(client), *FAMILY)


@pytest.fixture
def agent(client, admin, outbox):
    """An agent account the admin opened, signed in with a password of its own."""
    return staff_member(client, admin, outbox, AGENT_EMAIL, "Agent", "agent")


@pytest.fixture
def kitchen(client, admin, outbox):
    """A kitchen account the admin opened, signed in with a password of its own."""
    return staff_member(client, admin, outbox, KITCHEN_EMAIL, "Cuisine", "kitchen")
