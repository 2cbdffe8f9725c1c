"""The whole product on one machine, as CloudFront will serve it: the site at ``/`` and
the API under ``/api/`` on one origin, moto's server playing DynamoDB, SES, S3 and SQS.
A scheduler thread plays EventBridge (the lock, the reminders, the nightly purge) and another plays Lambda's
SQS poller for the export queue, each handing the work to an API worker process.

``make run`` starts it in the foreground (Ctrl-C stops everything it started); the
browser tests start it on a free port with a throw-away data folder. Data survives a
restart: the tables are written to ``<data dir>/tables.json`` shortly after each change
and at exit, and read back at start. moto keeps everything in memory, hence the dump.
"""
from __future__ import annotations

import argparse
import json
import mimetypes
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

from infra.site_headers import SECURITY_HEADERS
from scripts.local.lifetime import end_with_parent

if TYPE_CHECKING:  # chalice is imported where it runs: the stack starts faster
    from chalice.local import LocalGateway

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "static-site"
API_PREFIX = "/api"
DUMP_EVERY = 1.0  # seconds between a change and its write to disk
LOCK_EVERY = 15 * 60  # seconds between two runs of the scheduled lock, as in production
EXPORTS_PREFIX = "exports/"  # the export files in the files bucket (not saved to disk)
# How often the local stack looks at the export queue when it is empty.
EXPORT_POLL_S = 0.5
# As the stack's queue (infra/template.py): a message whose run failed comes back after.
EXPORT_VISIBILITY = 960
# How many requests the API serves at once. Each runs in a worker process of its own, one
# request at a time, as Lambda runs each in a container of its own: concurrent saves meet
# in DynamoDB (moto), as they do in production.
WORKERS = int(os.environ.get("CANTINE_LOCAL_WORKERS", "4"))

# Local stack only, never an API route: moves the fixed clock without a restart (the
# browser tests' way of letting a night or a month pass; see DevStack.move_clock).
CLOCK_PATH = "/_local/clock"
JSON_TEXT = {"Content-Type": "application/json; charset=utf-8"}

# moto's server, applying one request at a time as DynamoDB does (scripts/local/local_aws.py).
AWS_SERVER = (sys.executable, "-m", "scripts.local.local_aws")


def free_port() -> int:
    """A TCP port nobody listens on right now, on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(url: str, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except Exception:  # noqa: BLE001 - not up yet
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not answer within {seconds} s") from None
            time.sleep(0.1)


# -- API workers (one Lambda container each) --------------------------------------------
_GATEWAY: LocalGateway | None = None


def _worker_start(environment: dict[str, str]) -> None:
    """Load the app once per worker, with the stack's environment, like a cold start."""
    global _GATEWAY
    end_with_parent()  # the fork server's child: ends with it, and it with the stack
    os.environ.update(environment)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from chalice.cli.factory import CLIFactory
    from chalice.local import LocalGateway
    factory = CLIFactory(project_dir=str(ROOT))
    config = factory.create_config_obj(chalice_stage_name="local")
    os.environ.update(config.environment_variables)
    os.environ.update(environment)  # ours win over config.json's
    app = factory.load_chalice_app(config.environment_variables)
    _GATEWAY = LocalGateway(app, config)


# Imported once by the workers' fork server (the first ties its life to the stack's);
# none reads the settings at import
# (tests/infra/test_settings_at_import.py), so app.py alone is loaded in each worker.
WORKER_PRELOAD = ("scripts.local.forkserver_watch", "chalice.cli.factory", "chalice.local",
                  "chalicelib.api.auth", "chalicelib.api.dev", "chalicelib.api.family", "chalicelib.api.mandates",
                  "chalicelib.api.public", "chalicelib.api.sickness", "chalicelib.api.staff",
                  "chalicelib.jobs.exports", "chalicelib.jobs.invoice", "chalicelib.jobs.lock",
                  "chalicelib.jobs.payments", "chalicelib.jobs.purge",
                  "chalicelib.jobs.reminders", "chalicelib.logging_setup")

# The instant this worker's clock shows (local stage with a fixed clock): the stack's clock
# may move while the worker lives (``POST /_local/clock``); each call says where it is.
_NOW: str | None = None


def _at(now: str | None, function, *args):
    """Run ``function`` with this worker's fixed clock at ``now`` (moved if it was not)."""
    global _NOW
    if now and now != _NOW:
        from chalicelib import wiring
        from chalicelib.settings import parse_now
        clock = wiring.container().clock
        if hasattr(clock, "set"):
            clock.set(parse_now(now))
        _NOW = now
    return function(*args)


def _worker_request(method: str, path: str, headers: dict, body: bytes | None):
    """One request through Chalice's local gateway, as API Gateway would hand it over."""
    from chalice.local import LocalGatewayException
    if _GATEWAY is None:
        raise RuntimeError("_worker_init has not run in this process")
    try:
        response = _GATEWAY.handle_request(method, path, headers, body)
    except LocalGatewayException as exc:
        return ("gateway", exc.CODE, dict(exc.headers), exc.body or b"")
    return ("response", response, None, None)


def _worker_lock() -> dict:
    from chalicelib.jobs.lock import lock_bookings
    return lock_bookings({})


def _worker_reminders() -> dict:
    from chalicelib.jobs.reminders import remind_families
    return remind_families({})


def _worker_purge() -> dict:
    from chalicelib.jobs.purge import purge_families
    return purge_families({})


def _worker_exports(bodies: list[str]) -> list[tuple[str, str]]:
    from chalicelib.jobs.exports import write_exports
    return write_exports(bodies)


def _worker_ping() -> int:
    return os.getpid()


class ApiWorkers:
    """A pool of worker processes serving the API, each one request at a time."""

    def __init__(self, count: int, environment: dict[str, str]) -> None:
        self.count = max(1, count)
        self.environment = dict(environment)
        # The stack's fixed clock, handed to each call (DevStack.move_clock moves it).
        self.now: str | None = environment.get("CANTINE_NOW") or None
        self._lock = threading.Lock()
        self._pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        # forkserver: each worker is forked from a clean single-threaded server process
        # (no copy of this process's threads) that imported the libraries and the code
        # once; the worker then loads app.py with the stack's environment, as a Lambda
        # cold start does. Spawning each worker from scratch cost every stack a second of
        # imports per worker.
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(list(WORKER_PRELOAD))
        return ProcessPoolExecutor(max_workers=self.count, mp_context=context,
                                   initializer=_worker_start, initargs=(self.environment,))

    def call(self, function, *args):
        pool = self._pool
        try:
            return pool.submit(_at, self.now, function, *args).result()
        except BrokenProcessPool:
            # A worker died (as a Lambda container may): start afresh, then retry once.
            with self._lock:
                if self._pool is pool:
                    self._pool = self._new_pool()
            return self._pool.submit(_at, self.now, function, *args).result()

    def warm(self) -> Future:
        """Start one worker now, so that the first page does not wait for a cold start;
        the answer says when it is up."""
        return self._pool.submit(_worker_ping)

    def stop(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class _Server(ThreadingHTTPServer):
    # A burst of parents arriving at once must queue, not be refused at the door.
    request_queue_size = 256
    daemon_threads = True


class TableStore:
    """Copies every table of the stage to a JSON file and back (local stage only), and the
    objects of the files bucket (the PES files of the bordereaux) to ``files/`` beside it."""

    def __init__(self, path: Path, client: Any, table_names: list[str], s3: Any = None,
                 bucket: str = "") -> None:
        self.path = path
        self.client = client
        self.table_names = table_names
        self.s3 = s3
        self.bucket = bucket
        self.files = path.parent / "files"
        self.lock = threading.Lock()

    def _save_files(self) -> None:
        # A key is written once and never changed: copy only the new ones. Export files
        # are not kept (in AWS a lifecycle rule deletes them after a day).
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket):
            for entry in page.get("Contents", []):
                if entry["Key"].startswith(EXPORTS_PREFIX):
                    continue
                target = self.files / entry["Key"]
                if not target.exists():
                    target.parent.mkdir(parents=True, exist_ok=True)
                    data = self.s3.get_object(Bucket=self.bucket, Key=entry["Key"])["Body"]
                    target.write_bytes(data.read())

    def _load_files(self) -> None:
        for path in sorted(p for p in self.files.rglob("*") if p.is_file()):
            self.s3.put_object(Bucket=self.bucket, Key=path.relative_to(self.files).as_posix(),
                               Body=path.read_bytes())

    def save(self) -> None:
        """Write all items atomically (a crash never leaves half a file)."""
        with self.lock:
            data: dict[str, list] = {}
            for name in self.table_names:
                items: list = []
                for page in self.client.get_paginator("scan").paginate(TableName=name):
                    items.extend(page["Items"])
                data[name] = items
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(data), encoding="utf-8")
            tmp.replace(self.path)
            if self.s3 is not None:
                self._save_files()

    def load(self) -> int:
        """Put back what was saved; returns the number of items restored."""
        if self.s3 is not None and self.files.exists():
            self._load_files()
        if not self.path.exists():
            return 0
        data = json.loads(self.path.read_text(encoding="utf-8"))
        count = 0
        for name, items in data.items():
            if name not in self.table_names:
                continue
            for start in range(0, len(items), 25):
                batch = [{"PutRequest": {"Item": item}} for item in items[start:start + 25]]
                request = {name: batch}
                while request:
                    reply = self.client.batch_write_item(RequestItems=request)
                    request = reply.get("UnprocessedItems") or {}
                count += len(batch)
        return count


class DevStack:
    """moto's server + the API through Chalice's local gateway + the static site."""

    def __init__(self, port: int, data_dir: Path, now: str | None = None,
                 quiet: bool = False) -> None:
        self.port = port
        self.data_dir = data_dir
        self.now = now
        self.quiet = quiet
        self.moto: subprocess.Popen | None = None
        self.httpd: _Server | None = None
        self.store: TableStore | None = None
        self._dirty = threading.Event()
        self._stopping = threading.Event()
        self._round = threading.Lock()  # one scheduled round at a time
        self._purged_night: datetime | None = None  # the last night the purge ran for
        self.workers: ApiWorkers | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _log(self, text: str) -> None:
        if not self.quiet:
            print(text, flush=True)

    def start(self) -> None:
        """Start moto, the tables, the demo data and the web server (in a thread)."""
        moto_port = free_port()
        self.moto = subprocess.Popen(
            [*AWS_SERVER, "-H", "127.0.0.1", "-p", str(moto_port)], cwd=ROOT,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            # Its own session: Ctrl-C in the terminal must not kill it before we save.
            start_new_session=True, preexec_fn=end_with_parent)
        endpoint = f"http://127.0.0.1:{moto_port}"
        # While moto boots, the rest starts: the fake PayFip, the first API worker's cold
        # start and this process's imports need no AWS; moto is waited for just before the
        # tables are made.
        # The fake PayFip plays the Treasury's payment pages, so a demo payment can be
        # clicked through; it notifies this stack like the real one would.
        from scripts.local.fake_payfip import FakePayFip
        self.payfip = FakePayFip().start()
        self._configure_environment(endpoint)

        from chalice.cli.factory import CLIFactory

        config = CLIFactory(project_dir=str(ROOT)).create_config_obj(chalice_stage_name="local")
        os.environ.update(config.environment_variables)
        self._configure_environment(endpoint)  # ours win over config.json's
        self.workers = workers = ApiWorkers(WORKERS, {k: v for k, v in os.environ.items()
                                                      if k.startswith(("CANTINE_", "AWS_"))})
        self.data_dir.mkdir(parents=True, exist_ok=True)
        warming = workers.warm()
        (self.data_dir / "endpoints.json").write_text(json.dumps(
            {"moto": endpoint, "payfip": self.payfip.url}), encoding="utf-8")

        from chalicelib import wiring
        from chalicelib.services import demo
        from chalicelib.storage.models import ALL_MODELS

        container = wiring.container()
        _wait_for(f"{endpoint}/moto-api/data.json")
        demo.prepare_stack(container)
        import boto3
        client = boto3.client("dynamodb", region_name=container.settings.region,
                              endpoint_url=endpoint)
        s3 = boto3.client("s3", region_name=container.settings.region, endpoint_url=endpoint)
        self.store = store = TableStore(self.data_dir / "tables.json", client,
                                        [m.Meta.table_name for m in ALL_MODELS], s3,
                                        container.settings.files_bucket)
        restored = store.load()
        created = demo.load_demo_data(container)
        created = demo.load_demo_mandate(container) or created
        if created:
            self._dirty.set()
        self._log(f"Données locales : {self.data_dir} ({restored} éléments restaurés)")
        self._log(demo.describe())

        warming.result()
        # The start's scheduled round, before the first request: a page opened at once
        # (a test's first save of the settings) does not race the lock's marks.
        self._scheduled_round(workers)
        self.httpd = _Server(("127.0.0.1", self.port), self._handler_class())
        self.port = self.httpd.server_address[1]
        # A short poll: stopping (each restart of a test's stack) waits for it.
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()
        threading.Thread(target=self._saver, args=(store,), daemon=True).start()
        threading.Thread(target=self._scheduler, args=(workers,), daemon=True).start()
        sqs = boto3.client("sqs", region_name=container.settings.region, endpoint_url=endpoint)
        queue_url = sqs.get_queue_url(QueueName=container.settings.export_queue_name)["QueueUrl"]
        threading.Thread(target=self._export_poller, args=(workers, sqs, queue_url),
                         daemon=True).start()
        now_note = f" (horloge fixée à {self.now})" if self.now else ""
        self._log(f"Portail : {self.url}/   API : {self.url}/api/{now_note}")
        self._log(f"PayFip (simulé) : {self.payfip.url}/")

    def _configure_environment(self, endpoint: str) -> None:
        os.environ.update({
            "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "eu-west-3"),
            "CANTINE_STAGE": "local",
            "CANTINE_AWS_ENDPOINT": endpoint,
            "CANTINE_SITE_URL": self.url,
            "CANTINE_PAYFIP_ENDPOINT": self.payfip.url,
            "CANTINE_PAYFIP_NUMCLI": os.environ.get("CANTINE_PAYFIP_NUMCLI", "123456"),
            "CANTINE_PAYFIP_MODE": "T",
        })
        if self.now:
            os.environ["CANTINE_NOW"] = self.now
        else:
            os.environ.pop("CANTINE_NOW", None)

    def _saver(self, store: TableStore) -> None:
        while not self._stopping.is_set():
            if self._dirty.wait(timeout=0.5):
                time.sleep(DUMP_EVERY)
                self._dirty.clear()
                try:
                    store.save()
                except Exception as exc:  # noqa: BLE001 - retried at the next change
                    self._log(f"sauvegarde locale impossible : {exc}")

    def _scheduler(self, workers: ApiWorkers) -> None:
        """Play EventBridge: a scheduled round every 15 minutes after the one at start."""
        while not self._stopping.wait(LOCK_EVERY):
            self._scheduled_round(workers)

    def _scheduled_round(self, workers: ApiWorkers) -> None:
        """One round of the scheduled runs: the lock, the reminders, and the nightly purge
        once a night (at the first round after its hour, as EventBridge's)."""
        with self._round:
            self._purge_if_due(workers)
            self._run_job(workers, _worker_lock, "verrouillage en échec",
                          lambda r: f"Verrouillage : {r['frozen']} créneau(x) figé(s)"
                          if r["frozen"] else None)
            # Hourly in production; every quarter here too: its marker sends once.
            self._run_job(workers, _worker_reminders, "rappels en échec",
                          lambda r: f"Rappels : {r['sent']} courriel(s) envoyé(s) "
                          "(voir /courriels.html)" if r["sent"] else None)

    def _purge_if_due(self, workers: ApiWorkers) -> None:
        from chalicelib.jobs.schedules import PURGE
        from chalicelib.settings import parse_now
        now = parse_now(self.now) if self.now else datetime.now(UTC)
        minute, hour = int(PURGE[0]), int(PURGE[1])
        night = now.astimezone(UTC).replace(hour=hour, minute=minute, second=0, microsecond=0)
        if night > now:
            night -= timedelta(days=1)
        if night != self._purged_night and self._run_job(
                workers, _worker_purge, "anonymisation en échec",
                lambda r: f"Anonymisation : {r['anonymised']} famille(s) partie(s)"
                if r["anonymised"] else None):
            self._purged_night = night

    def _run_job(self, workers: ApiWorkers, job: Callable[[], dict], failed: str,
                 done: Callable[[dict], str | None]) -> bool:
        """Run one scheduled job in a worker; log what it changed (``done`` says it, or
        None when it changed nothing) or why it failed. True if it ran to its end."""
        try:
            result = workers.call(job)
        except Exception as exc:  # noqa: BLE001 - the run record says why
            if not self._stopping.is_set():
                self._log(f"{failed} : {exc}")
            return False
        said = done(result)
        if said:
            self._dirty.set()
            self._log(said)
        return True

    def move_clock(self, now: str) -> None:
        """Move the fixed clock to ``now`` (ISO 8601 with its offset) without a restart,
        then run the scheduled round as a start at that instant would: the API, the
        scheduled runs and the export function all see the new time from then on."""
        from chalicelib.settings import parse_now
        if not self.now or self.workers is None:
            raise ValueError("cette pile suit l'heure réelle : seule une horloge fixée "
                             "(CANTINE_NOW) se déplace")
        parse_now(now)  # refuses what the workers could not read
        self.now = self.workers.now = now
        os.environ["CANTINE_NOW"] = now
        self._log(f"Horloge déplacée au {now}")
        self._scheduled_round(self.workers)

    def _export_poller(self, workers: ApiWorkers, sqs: Any, url: str) -> None:
        """Play Lambda's SQS poller: each message of the export queue to the export
        function (in a worker), deleted once handled; one that failed comes back after
        the queue's visibility, as in AWS."""
        while not self._stopping.is_set():
            try:
                # A short poll, then a pause: moto's server applies one request at a
                # time (scripts/local/local_aws.py), so a long poll would hold every
                # DynamoDB request of the stack back for its whole wait.
                got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1,
                                          WaitTimeSeconds=0,
                                          VisibilityTimeout=EXPORT_VISIBILITY)
            except Exception:  # noqa: BLE001 - moto stopping, or busy: try again
                if self._stopping.wait(1):
                    return
                continue
            if not got.get("Messages") and self._stopping.wait(EXPORT_POLL_S):
                return
            for message in got.get("Messages", []):
                try:
                    outcomes = workers.call(_worker_exports, [message["Body"]])
                except Exception as exc:  # noqa: BLE001 - the message comes back later
                    if not self._stopping.is_set():
                        self._log(f"export en échec : {exc}")
                    continue
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
                self._dirty.set()
                for job_id, outcome in outcomes:
                    self._log(f"Export {job_id} : {outcome}")

    def stop(self) -> None:
        """Save, then stop the web server and moto's server."""
        self._stopping.set()
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
        if self.store is not None and self.moto is not None and self.moto.poll() is None:
            try:
                self.store.save()
            except Exception as exc:  # noqa: BLE001
                self._log(f"sauvegarde locale impossible : {exc}")
        if self.workers is not None:
            self.workers.stop()
        if getattr(self, "payfip", None) is not None:
            self.payfip.stop()
        if self.moto is not None and self.moto.poll() is None:
            # Its tables are saved above and nothing else of it is kept: no need to wait
            # for its graceful shutdown (half a second at each restart of a test's stack).
            self.moto.kill()
            self.moto.wait(timeout=10)

    # -- HTTP --------------------------------------------------------------------------
    def handle_api(self, method: str, path: str, headers: dict, body: bytes | None):
        """Run one API request through Chalice's local gateway, like API Gateway would."""
        from chalicelib.api.errors import JSON_HEADERS, not_found_body

        if self.workers is None:
            raise RuntimeError("the stack is not started")
        if method == "GET" and path.split("?")[0].endswith(("/pes", "/xml")):
            # As CloudFront's viewer function does in production (infra/template.py): a
            # link to a PES or debit file asks API Gateway for its binary type.
            headers = {k: v for k, v in headers.items() if k.lower() != "accept"}
            headers["Accept"] = "application/xml"
        kind, response, gateway_headers, gateway_body = self.workers.call(
            _worker_request, method, path, headers, body)
        if kind == "gateway":
            if response == 403:
                # No route matched: production maps API Gateway's answer to this.
                return 404, dict(JSON_HEADERS), json.dumps(not_found_body()).encode()
            return response, gateway_headers, gateway_body
        if method not in ("GET", "HEAD", "OPTIONS"):
            self._dirty.set()
        if response["statusCode"] == 405:
            # A known path with another method is no route for API Gateway either: in
            # production it gets the unknown route's 404, so it does here too.
            return 404, dict(JSON_HEADERS), json.dumps(not_found_body()).encode()
        out_headers = dict(response.get("headers") or {})
        multi = response.get("multiValueHeaders") or {}
        payload = response.get("body") or b""
        if response.get("isBase64Encoded"):
            import base64
            payload = base64.b64decode(payload)
        elif isinstance(payload, str):
            payload = payload.encode("utf-8")
        return response["statusCode"], (out_headers, multi), payload

    def _handler_class(self):
        stack = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            server_version = "cantine-dev"
            # The headers and the body leave in two writes on a kept-alive connection:
            # with Nagle's algorithm the body waits for the browser's delayed ACK (40 ms a
            # file, and a page's modules load in four or five rounds).
            disable_nagle_algorithm = True

            def log_message(self, fmt, *args):  # noqa: N802 - quiet by default
                if not stack.quiet and os.environ.get("CANTINE_ACCESS_LOG"):
                    super().log_message(fmt, *args)

            def _send(self, status: int, headers, body: bytes) -> None:
                multi = {}
                if isinstance(headers, tuple):
                    headers, multi = headers
                self.send_response(status)
                for name, value in headers.items():
                    if name.lower() not in ("content-length", "connection"):
                        self.send_header(name, value)
                for name, values in multi.items():
                    for value in values:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def _dispatch(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                path = self.path
                if path == CLOCK_PATH and self.command == "POST":
                    self._move_clock(body)
                    return
                if path == API_PREFIX or path.startswith(API_PREFIX + "/"):
                    api_path = path[len(API_PREFIX):] or "/"
                    # API Gateway hands path parameters decoded (a%40b → a@b).
                    route, sep, query = api_path.partition("?")
                    api_path = urllib.parse.unquote(route) + sep + query
                    status, headers, payload = stack.handle_api(
                        self.command, api_path, dict(self.headers), body)
                    self._send(status, headers, payload)
                    return
                if self.command not in ("GET", "HEAD"):
                    self._send(405, {"Allow": "GET, HEAD"}, b"")
                    return
                self._serve_static(path.split("?", 1)[0].split("#", 1)[0])

            def _move_clock(self, body: bytes | None) -> None:
                try:
                    now = json.loads(body or b"{}").get("now")
                    stack.move_clock(now if isinstance(now, str) else "")
                except Exception as exc:  # noqa: BLE001 - said to the caller
                    self._send(409, dict(JSON_TEXT), json.dumps(
                        {"error": {"code": "clock_not_moved", "message": str(exc)}},
                        ensure_ascii=False).encode())
                    return
                self._send(200, dict(JSON_TEXT), json.dumps({"now": stack.now}).encode())

            def _serve_static(self, path: str) -> None:
                relative = path.lstrip("/") or "index.html"
                if relative.endswith("/"):
                    relative += "index.html"
                target = (SITE / relative).resolve()
                if SITE.resolve() not in target.parents or not target.is_file():
                    notfound = SITE / "404.html"
                    body = notfound.read_bytes() if notfound.exists() else b"Page introuvable"
                    headers = {"Content-Type": "text/html; charset=utf-8", **SECURITY_HEADERS}
                    self._send(404, headers, body)
                    return
                ctype = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
                if ctype.startswith("text/") or ctype in ("application/javascript",):
                    ctype += "; charset=utf-8"
                headers = {"Content-Type": ctype, "Cache-Control": "no-cache",
                           **SECURITY_HEADERS}
                self._send(200, headers, target.read_bytes())

            do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = _dispatch

            def do_OPTIONS(self) -> None:  # noqa: N802
                self._dispatch()

        return Handler


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the whole product locally.")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--data-dir", default=str(ROOT / ".local"))
    args = parser.parse_args(argv)
    mimetypes.add_type("application/javascript", ".js")
    stack = DevStack(args.port, Path(args.data_dir), now=os.environ.get("CANTINE_NOW") or None)
    stopped = threading.Event()
    # Installed explicitly: a process started in the background may inherit SIGINT ignored.
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    try:
        stack.start()
        print("Ctrl-C pour arrêter.", flush=True)
        while not stopped.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the save
        print("\nArrêt…", flush=True)
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
