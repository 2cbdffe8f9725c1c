"""Fuzzing the API on the local stack: the stack, the demo accounts' sessions, snapshots.

The stack runs exactly as ``make run`` starts it (``tests.localstack.Stack``), on a free
port with a throw-away data folder and a fixed clock.
"""
from __future__ import annotations

import json
import time
import urllib.request
from collections import Counter

import pytest
import requests

from scripts.local.local_aws import ITEMS_PATH
from tests.demo import FAMILY_NUMBER, FAMILY_PASSWORD, STAFF_EMAIL, STAFF_PASSWORD
from tests.localstack import Stack

NOW = "2026-11-23T10:00:00+01:00"
SESSION_COOKIE = "cantine_session"
# The demo accounts of the local stage (README, chalicelib/services/demo.py).
CREDENTIALS = {
    "family": {"login": FAMILY_NUMBER, "password": FAMILY_PASSWORD},
    "admin": {"login": STAFF_EMAIL, "password": STAFF_PASSWORD},
}
# The demo accounts' items (table → keys): put back as they were whenever a fuzz case with
# valid input changed them (archived the family, sent it a new temporary password, changed
# its e-mails…), so that every case still calls as the account it is meant for.
PROTECTED_ITEMS = {
    "families": [{"number": {"S": "1001"}}],
    "staff": [{"email": {"S": "mairie@example.org"}}],
    "logins": [{"login": {"S": "famille.test@example.org"}},
               {"login": {"S": "mairie@example.org"}}],
}
# Tables a refused request may write to, and why; every other table must stay as it was.
#  - login_attempts: a failed sign-in (401 invalid_credentials) records a throttle counter
#    for the login typed, on purpose (AuthService.login in chalicelib/services/auth.py).
# The sessions table is compared too: a read refreshes a session only once five minutes
# have passed since it was last seen (TOUCH_INTERVAL in chalicelib/domain/sessions.py) and
# the stack's clock is fixed, so no refused request has a reason to write there. The audit
# log is written only once a view has succeeded (_write_audit in chalicelib/api/routing.py).
# The stack's own writes: the weekly lock runs at start (waited for below), then every 15
# minutes, far after this module's few minutes.
#  - export_jobs: an export a fuzz case asked for (202) is written by the stack's
#    background function a moment later, whatever request comes next; that function's
#    own tests check what it writes (tests/services/test_export_jobs.py).
REFUSAL_MAY_WRITE = ("login_attempts", "export_jobs")


class FuzzStack(Stack):
    """The local stack, with one DynamoDB client kept, and snapshots read by its moto server."""

    _client = None

    def dynamodb(self):
        if self._client is None:
            self._client = super().dynamodb()
        return self._client

    def snapshot(self, ignore: tuple[str, ...] = ()) -> dict[str, list]:
        """Every item of every table, as its key and a digest of its content, read by
        the stack's moto server itself (``scripts/local/local_aws.py``): what
        ``Stack.snapshot`` compares, without a Scan per table. Each refused call is
        followed by one."""
        url = f"{self.endpoints()['moto']}{ITEMS_PATH}?region=eu-west-3"
        with urllib.request.urlopen(url, timeout=60) as reply:
            tables = json.load(reply)
        return {name: rows for name, rows in tables.items()
                if not any(word in name for word in ignore)}

    def table(self, suffix: str) -> str:
        return next(name for name in self.dynamodb().list_tables()["TableNames"]
                    if name.endswith("-" + suffix))

    def wait_for_the_first_lock(self, seconds: float = 60) -> None:
        """The stack runs the weekly lock, then the reminders, as it starts: wait until
        both runs have ended, so that neither can write between the two snapshots of a
        fuzz case (between the two, every run seen may have ended while the reminders'
        has not begun)."""
        client, table = self.dynamodb(), self.table("job_runs")
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            runs = client.scan(TableName=table, ConsistentRead=True)["Items"]
            jobs = {run.get("job", {}).get("S") for run in runs}
            if {"lock", "reminders"} <= jobs and all(
                    "ended_at" in run and "NULL" not in run["ended_at"] for run in runs):
                return
            time.sleep(0.2)
        raise RuntimeError("the stack's first lock run did not end")


class Fuzzing:
    """What the fuzz cases share: the stack, the demo sessions, the last snapshot, counts.

    ``token(who)`` signs in as the demo family or admin once and keeps the session;
    ``heal()`` puts the demo accounts back and drops the sessions a case ended (sign-out,
    archive, new temporary password…), so that the next case signs in afresh.

    ``before()`` is every item of every table before a call. The snapshot taken after a
    refused call serves as the next call's "before", unless something was written in
    between: a success, a sign-in or a repair of the demo accounts forgets it.
    """

    def __init__(self, stack: FuzzStack) -> None:
        self.stack = stack
        self.api = f"{stack.url}/api"
        self.client = stack.dynamodb()
        self.http = requests.Session()
        self.tables = {name: stack.table(name) for name in PROTECTED_ITEMS}
        self.originals = [(name, key, self._item(name, key))
                          for name, keys in PROTECTED_ITEMS.items() for key in keys]
        self.tokens: dict[str, str] = {}
        self._snapshot: dict[str, list] | None = None
        self.first_of_kind: dict[tuple, int] = {}
        self.auth_probed: set[str] = set()
        self.calls: Counter[str] = Counter()
        self.statuses: Counter[int] = Counter()

    def count(self, label: str, status: int) -> None:
        self.calls[label] += 1
        self.statuses[status] += 1

    # -- the demo accounts ---------------------------------------------------------------
    def _item(self, name: str, key: dict) -> dict | None:
        return self.client.get_item(TableName=self.tables[name], Key=key,
                                    ConsistentRead=True).get("Item")

    def token(self, who: str) -> str:
        if who not in self.tokens:
            reply = self.http.post(f"{self.api}/auth/login", json=CREDENTIALS[who], timeout=30)
            assert reply.status_code == 200, f"sign-in as {who}: {reply.status_code} {reply.text}"
            self.tokens[who] = reply.cookies[SESSION_COOKIE]
            self.http.cookies.clear()
            self.forget()  # a session was written
        return self.tokens[who]

    def heal(self) -> None:
        """Put the demo accounts back as they were and drop the sessions that ended."""
        for name, key, item in self.originals:
            if self._item(name, key) != item:
                self.client.put_item(TableName=self.tables[name], Item=item)
                self.forget()
        for who, token in list(self.tokens.items()):
            reply = self.http.get(f"{self.api}/auth/me", cookies={SESSION_COOKIE: token},
                                  timeout=30)
            if reply.status_code != 200 or reply.json().get("must_change_password"):
                del self.tokens[who]

    # -- snapshots -----------------------------------------------------------------------
    def snapshot(self) -> dict[str, list]:
        self._snapshot = self.stack.snapshot(ignore=REFUSAL_MAY_WRITE)
        return self._snapshot

    def before(self) -> dict[str, list]:
        return self._snapshot if self._snapshot is not None else self.snapshot()

    def forget(self) -> None:
        self._snapshot = None


def describe_changes(before: dict[str, list], after: dict[str, list]) -> str:
    """What a request wrote, table by table, for the failure message."""
    lines = []
    for table in sorted(set(before) | set(after)):
        old, new = set(before.get(table, [])), set(after.get(table, []))
        lines += [f"  {table}: - {item[:300]}" for item in sorted(old - new)]
        lines += [f"  {table}: + {item[:300]}" for item in sorted(new - old)]
    return "\n".join(lines)


_RUNS: list[Fuzzing] = []


def pytest_configure(config):
    config.addinivalue_line("markers", "fuzz: fuzzes the API on the local stack (tests/fuzz)")


@pytest.fixture(scope="module")
def fuzzing(tmp_path_factory):
    """The stack and the shared state, for the fuzz module only: stopped when it ends."""
    stack = FuzzStack(tmp_path_factory.mktemp("fuzz-stack"))
    try:
        stack.start(NOW)
        stack.wait_for_the_first_lock()
        shared = Fuzzing(stack)
        _RUNS.append(shared)
        yield shared
    finally:
        stack.stop()


def pytest_terminal_summary(terminalreporter):
    for shared in _RUNS:
        if shared.calls:
            statuses = ", ".join(f"{code}: {n}" for code, n in sorted(shared.statuses.items()))
            operations = {label.split(" (")[0] for label in shared.calls}
            terminalreporter.write_line(
                f"API fuzzing: {sum(shared.calls.values())} calls to {len(operations)} "
                f"operations (answers {statuses})")
