"""``make samples``: an ORMC PES file and a pain.008 direct-debit file of a demo month,
written to ``build/samples/``.

It runs the product in-process under moto's mock, as the tests do, from the demo data and
through the API the console and the family call: the family books Monday 30 November
2026 (lunch and evening care); then, on one stack, the town hall chooses titres de
recette, gives the family an address, computes and confirms November, and downloads the
bordereau; on another, the family signs a direct-debit mandate in « Vos informations »,
November is confirmed in régie mode and the town hall issues and downloads the month's
debit file. Open the files, or validate them against the DGFiP and ISO 20022 schemas
(tests/data/pes and tests/data/sepa; ``tests/infra/test_samples.py`` does).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "build" / "samples"
# Saint-Just-d'Avray's identifiers as a test commune: a valid SIRET key, a plausible codique.
TITRES = {"mode": "titres", "titres": {
    "siret": "21690195200012", "collectivity_code": "067", "budget_code": "00",
    "accounting_office": "069041", "label": "Commune de démonstration",
    "imputations": {"meal": {"nature": "7067", "function": "251", "product_code": "CANT"},
                    "care_morning": {"nature": "7067", "function": "421",
                                     "product_code": "GARD"},
                    "care_evening": {"nature": "7067", "function": "421",
                                     "product_code": "GARD"}},
    "object_template": "Restauration scolaire et périscolaire - {mois}",
    "next_roll_number": 1}}
ADDRESS = "12 rue des Écoles\n69490 Saint-Just-d'Avray"
FAMILY_IBAN = "FR7630006000011234567890189"  # a valid test IBAN (its bank: AGRIFRPP)


def _environment() -> None:
    # Before anything reads a setting: an in-process stack on moto's mock, its clock fixed.
    os.environ.update({
        "AWS_ACCESS_KEY_ID": "samples", "AWS_SECRET_ACCESS_KEY": "samples",
        "AWS_SESSION_TOKEN": "samples", "AWS_DEFAULT_REGION": "eu-west-3",
        "CANTINE_STAGE": "local", "CANTINE_TABLE_PREFIX": "samples-",
        "CANTINE_NOW": "2026-11-23T10:00:00+01:00", "CANTINE_AUTH_PACING": "off"})
    for name in ("CANTINE_AWS_ENDPOINT", "AWS_ENDPOINT_URL"):
        os.environ.pop(name, None)


class _Browser:
    """JSON calls with the session cookie, as the console makes them."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.cookie = ""

    def call(self, method: str, path: str, body: Any = None,
             accept: str = "application/json") -> Any:
        headers = {"Content-Type": "application/json", "Accept": accept}
        if self.cookie:
            headers["Cookie"] = f"cantine_session={self.cookie}"
        response = self._client.http.request(method, path, headers=headers,
                                             body=json.dumps(body) if body is not None else None)
        if response.status_code >= 300:
            raise SystemExit(f"{method} {path}: {response.status_code} {response.body!r}")
        cookies = response.headers.get("Set-Cookie") or []
        for header in [cookies] if isinstance(cookies, str) else cookies:
            name, _, value = header.split(";")[0].strip().partition("=")
            if name == "cantine_session":
                self.cookie = value
        return response.body if accept != "application/json" else json.loads(response.body)


@contextmanager
def _demo_stack() -> Iterator[tuple[Any, Any, Any]]:
    """A fresh in-process stack with the demo data: (API client, container, demo module)."""
    from chalice.test import Client
    from moto import mock_aws

    from chalicelib import wiring
    from chalicelib.services import demo

    with mock_aws():
        wiring.reset()
        container = wiring.container()
        demo.prepare_stack(container)
        demo.load_demo_data(container)
        from app import app
        with Client(app) as client:
            yield client, container, demo
        wiring.reset()


def _bill_november(client: Any, container: Any, demo: Any, settings: dict[str, Any],
                   address: bool, mandate: bool) -> _Browser:
    """The demo family books Monday 30 November (lunch, evening care) and, if asked,
    signs a direct-debit mandate; the town hall applies ``settings``, then drafts and
    confirms November on 1 December. The staff's browser."""
    from chalicelib.settings import PARIS
    family = _Browser(client)
    family.call("POST", "/auth/login", {"login": demo.DEMO_FAMILY["number"],
                                        "password": demo.DEMO_FAMILY["password"]})
    child = family.call("GET", "/family")["children"][0]["id"]
    family.call("PUT", f"/children/{child}/bookings", {"changes": [
        {"date": "2026-11-30", "service": service, "booked": True}
        for service in ("meal", "care_evening")]})
    if mandate:
        offer = family.call("GET", "/family/mandate")["offer"]
        family.call("POST", "/family/mandate", {
            "holder": "Claire Test", "iban": FAMILY_IBAN, "accept": True,
            "text_version": offer["text_version"]})
    container.clock.set(datetime(2026, 12, 1, 8, 0, tzinfo=PARIS))
    staff = _Browser(client)
    staff.call("POST", "/auth/login", {"login": demo.DEMO_STAFF["email"],
                                       "password": demo.DEMO_STAFF["password"]})
    if settings:
        version = staff.call("GET", "/staff/settings")["version"]
        staff.call("PUT", "/staff/settings", {**settings, "version": version})
    if address:
        staff.call("PUT", f"/staff/families/{demo.DEMO_FAMILY['number']}",
                   {"address": ADDRESS})
    staff.call("POST", "/staff/billing/2026-11/draft", {})
    staff.call("POST", "/staff/billing/2026-11/confirm", {})
    return staff


def write_samples(out: Path) -> list[Path]:
    """Bill the demo November twice, in titres mode (its PES file) and in régie mode with
    a direct-debit mandate (its pain.008 file); the paths written."""
    _environment()
    sys.path.insert(0, str(ROOT))
    written = []
    out.mkdir(parents=True, exist_ok=True)
    with _demo_stack() as (client, container, demo):
        staff = _bill_november(client, container, demo, {"collection": TITRES},
                               address=True, mandate=False)
        for bordereau in staff.call("GET", "/staff/billing/2026-11/bordereaux")["bordereaux"]:
            data = staff.call("GET", bordereau["download"].removeprefix("/api"),
                              accept="application/xml")
            path = out / bordereau["file_name"]
            path.write_bytes(data)
            written.append(path)
    with _demo_stack() as (client, container, demo):
        # The demo commune offers direct debit (its ICS and régie account in the demo data).
        staff = _bill_november(client, container, demo, {}, address=False, mandate=True)
        issued = staff.call("POST", "/staff/billing/2026-11/debits/file", {})
        for file in issued["files"]:
            response = client.http.request(
                "GET", f"/staff/billing/2026-11/debits/files/{file['id']}/xml",
                headers={"Accept": "application/xml",
                         "Cookie": f"cantine_session={staff.cookie}"})
            name = response.headers["Content-Disposition"].split('filename="')[1].rstrip('"')
            path = out / name
            path.write_bytes(response.body)
            written.append(path)
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    for path in write_samples(args.out):
        print(f"Écrit : {path}")


if __name__ == "__main__":
    main()
