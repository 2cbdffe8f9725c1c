"""The local stack as the tests see it: ``python -m scripts.local.devstack`` in its own process.

It runs exactly as ``make run`` starts it, on a free port with a throw-away data folder and
a fixed clock. Browser, fuzzing and load tests share it.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from scripts.bench.load import Answer, Caller  # noqa: F401 - re-exported for the tests

ROOT = Path(__file__).resolve().parents[1]


class Stack:
    """A running local stack; ``move_clock(now)`` lets time pass, ``restart(now)`` also
    checks the data survives a restart.

    Sign-in answers are not padded (``pacing=False``): the browser tests sign in about a
    hundred times, and half a second each (a whole second for a forgotten password) would
    be a minute of waiting that tests nothing they look at. The load tests, which measure
    the padding, run their stack with ``pacing=True``, as deployed.
    """

    def __init__(self, data_dir: Path, env: dict[str, str] | None = None,
                 pacing: bool = False) -> None:
        from scripts.local.devstack import free_port
        self.data_dir = data_dir
        self.extra_env = {"CANTINE_AUTH_PACING": "on" if pacing else "off", **(env or {})}
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.log = data_dir / "stack.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, now: str) -> None:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("CANTINE_", "AWS_"))}
        env["CANTINE_NOW"] = now
        env.update(self.extra_env)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "scripts.local.devstack", "--port", str(self.port),
                 "--data-dir", str(self.data_dir)],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/api/health", timeout=1) as reply:
                    if reply.status == 200:
                        return
            except Exception:  # noqa: BLE001 - not up yet
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("local stack did not start:\n" + self.log.read_text())
            time.sleep(0.2)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def restart(self, now: str) -> None:
        """Stop and start again at ``now``: the data must survive (tables.json)."""
        self.stop()
        self.start(now)

    def move_clock(self, now: str) -> None:
        """Let time pass to ``now`` without a restart (the stack's ``/_local/clock``): the
        scheduled lock and reminders run at once, as at a start."""
        from scripts.local.devstack import CLOCK_PATH
        request = urllib.request.Request(f"{self.url}{CLOCK_PATH}", method="POST",
                                         data=json.dumps({"now": now}).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as reply:
            assert json.load(reply)["now"] == now

    def outbox(self) -> list[dict]:
        with urllib.request.urlopen(f"{self.url}/api/dev/outbox", timeout=30) as reply:
            return json.load(reply)

    def endpoints(self) -> dict[str, str]:
        """Where the stack's moto server and fake PayFip listen (written at start)."""
        return json.loads((self.data_dir / "endpoints.json").read_text())

    def dynamodb(self):
        """A boto3 client on the stack's moto server, for tests that inspect the tables."""
        import boto3
        return boto3.client("dynamodb", region_name="eu-west-3",
                            endpoint_url=self.endpoints()["moto"],
                            aws_access_key_id="local", aws_secret_access_key="local")

    def snapshot(self, ignore: tuple[str, ...] = ()) -> dict[str, list]:
        """Every item of every table, sorted: two equal snapshots mean nothing was written.

        Test-side only (a Scan per table). ``ignore`` leaves out tables whose name contains
        one of the given words (say "session", which a read may refresh).
        """
        client = self.dynamodb()
        tables: dict[str, list] = {}
        for name in client.list_tables()["TableNames"]:
            if any(word in name for word in ignore):
                continue
            items: list = []
            for page in client.get_paginator("scan").paginate(TableName=name):
                items.extend(page["Items"])
            tables[name] = sorted(json.dumps(i, sort_keys=True) for i in items)
        return tables

