"""moto's server for the local stack, applying one request at a time, as DynamoDB does.

DynamoDB applies each write (a conditional update, a transaction) atomically: two
requests on one item never interleave. moto's server runs each request in a thread of
its own and takes no lock, so two simultaneous writes to one item can read the same old
state (an ADD counted once for two, a condition checked against an item half-created):
the local stack then lets through what production refuses. The sign-in budget's burst
test flaked on it (issue 15: six passwords checked instead of five). This server is
moto's own WSGI application behind one lock: requests are still answered by many
threads, but applied one after another.

It also answers ``GET /_local/dynamodb-items?region=R``, a path of the local stack only:
every item of every table of the region, each as its key and a digest of its content,
read under the same lock (a consistent view). Tests that check a refused request wrote
nothing compare two of these instead of scanning every table through the API.

``python -m scripts.local.local_aws -H 127.0.0.1 -p PORT`` (the arguments of ``moto.server``).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import signal
import sys
import threading
import urllib.parse
from collections.abc import Callable, Iterable
from typing import Any

ITEMS_PATH = "/_local/dynamodb-items"


def item_digests(region: str) -> dict[str, list[str]]:
    """Every table of ``region`` in this process's moto: its items, each as
    ``<key> <digest of the whole item>``, sorted."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends
    tables: dict[str, list[str]] = {}
    for name, table in dynamodb_backends[DEFAULT_ACCOUNT_ID][region].tables.items():
        key_names = [table.hash_key_attr] + ([table.range_key_attr] if table.range_key_attr
                                             else [])
        rows = []
        for item in table.all_items():
            attributes = item.to_json()["Attributes"]
            content = json.dumps(attributes, sort_keys=True).encode()
            key = json.dumps([attributes.get(k) for k in key_names], sort_keys=True,
                             separators=(",", ":"))
            rows.append(f"{key} {hashlib.blake2b(content, digest_size=12).hexdigest()}")
        tables[name] = sorted(rows)
    return tables


def serialized(app: Callable[..., Iterable[bytes]]) -> Callable[..., list[bytes]]:
    """A WSGI application that runs ``app`` for one request at a time, body included."""
    lock = threading.Lock()

    def application(environ: dict[str, Any], start_response: Callable) -> list[bytes]:
        if environ.get("PATH_INFO") == ITEMS_PATH:
            query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))
            with lock:
                body = json.dumps(item_digests(query.get("region", ["eu-west-3"])[0]))
            start_response("200 OK", [("Content-Type", "application/json")])
            return [body.encode()]
        with lock:
            result = app(environ, start_response)
            try:
                return list(result)  # read the whole answer while holding the lock
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()

    return application


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, default=5000)
    args = parser.parse_args(argv)

    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import run_simple

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(args.host, args.port, serialized(app), threaded=True,
               request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
