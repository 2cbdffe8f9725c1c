"""``make samples``: an ORMC PES file of a demo month, written to ``build/samples/``.

It runs the product in-process under moto's mock, as the tests do, from the demo data and
through the API the console calls: the family books Monday 30 November 2026 (lunch and
evening care), the town hall chooses titres de recette, gives the family an address,
computes and confirms November, and downloads the bordereau. Open the file, or validate it
against the DGFiP schema (tests/data/pes; ``tests/infra/test_samples.py`` does).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
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
        self._cookie = ""

    def call(self, method: str, path: str, body: Any = None,
             accept: str = "application/json") -> Any:
        headers = {"Content-Type": "application/json", "Accept": accept}
        if self._cookie:
            headers["Cookie"] = f"cantine_session={self._cookie}"
        response = self._client.http.request(method, path, headers=headers,
                                             body=json.dumps(body) if body is not None else None)
        if response.status_code >= 300:
            raise SystemExit(f"{method} {path}: {response.status_code} {response.body!r}")
        cookies = response.headers.get("Set-Cookie") or []
        for header in [cookies] if isinstance(cookies, str) else cookies:
            name, _, value = header.split(";")[0].strip().partition("=")
            if name == "cantine_session":
                self._cookie = value
        return response.body if accept != "application/json" else json.loads(response.body)


def write_samples(out: Path) -> list[Path]:
    """Bill the demo November in titres mode and write its PES file; the paths written."""
    _environment()
    sys.path.insert(0, str(ROOT))
    from chalice.test import Client
    from moto import mock_aws

    from chalicelib import wiring
    from chalicelib.services import demo
    from chalicelib.settings import PARIS

    with mock_aws():
        wiring.reset()
        container = wiring.container()
        demo.prepare_stack(container)
        demo.load_demo_data(container)
        from app import app
        with Client(app) as client:
            family = _Browser(client)
            family.call("POST", "/auth/login", {"login": demo.DEMO_FAMILY["number"],
                                                "password": demo.DEMO_FAMILY["password"]})
            child = family.call("GET", "/family")["children"][0]["id"]
            family.call("PUT", f"/children/{child}/bookings", {"changes": [
                {"date": "2026-11-30", "service": service, "booked": True}
                for service in ("meal", "care_evening")]})
            container.clock.set(datetime(2026, 12, 1, 8, 0, tzinfo=PARIS))  # type: ignore[union-attr]
            staff = _Browser(client)
            staff.call("POST", "/auth/login", {"login": demo.DEMO_STAFF["email"],
                                               "password": demo.DEMO_STAFF["password"]})
            version = staff.call("GET", "/staff/settings")["version"]
            staff.call("PUT", "/staff/settings", {"collection": TITRES, "version": version})
            staff.call("PUT", f"/staff/families/{demo.DEMO_FAMILY['number']}",
                       {"address": ADDRESS})
            staff.call("POST", "/staff/billing/2026-11/draft", {})
            staff.call("POST", "/staff/billing/2026-11/confirm", {})
            written = []
            out.mkdir(parents=True, exist_ok=True)
            for bordereau in staff.call("GET", "/staff/billing/2026-11/bordereaux")[
                    "bordereaux"]:
                data = staff.call("GET", bordereau["download"].removeprefix("/api"),
                                  accept="application/xml")
                path = out / bordereau["file_name"]
                path.write_bytes(data)
                written.append(path)
        wiring.reset()
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    for path in write_samples(args.out):
        print(f"Écrit : {path}")


if __name__ == "__main__":
    main()
