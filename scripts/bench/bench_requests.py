"""DynamoDB requests per user action, counted through the real API under moto.

Each action is the API calls its page makes (the home page: one; the booking grid: one,
the month with the family and its menus; …), sent through Chalice's test client with the app as
deployed, sign-in pacing on. For each: requests by operation, the items they touched,
and the handler time in milliseconds (in-process, moto standing in for DynamoDB: a proxy
of the billed Lambda duration, which also pays DynamoDB's own latency).

    python -m scripts.bench.bench_requests [--json]
"""
from __future__ import annotations

import json
import os
import re
import sys
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
FAMILY = ("1001", "demo-famille-2026")
STAFF = ("mairie@example.org", "demo-mairie-2026")
NEW_PASSWORD = "trois-pommes-vertes-sous-un-grand-chene"  # the reset's new password
SCHOOL_YEAR = {"from": "2026-11-30", "to": "2027-07-03",
               "services": ["meal", "care_morning", "care_evening"],
               "weekdays": [1, 2, 4, 5], "booked": True}

# Parent actions the performance page lists first, with their targets where there is one.
PARENT_ACTIONS = ("home", "calendar", "save_month", "period_year")


def _environment() -> None:
    os.environ.update({
        "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "eu-west-3", "CANTINE_STAGE": "local",
        "CANTINE_TABLE_PREFIX": "bench-", "CANTINE_NOW": "2026-11-23T10:00:00+01:00",
        "CANTINE_SITE_URL": "http://127.0.0.1:8000",
    })
    for key in ("CANTINE_AWS_ENDPOINT", "AWS_ENDPOINT_URL", "CANTINE_AUTH_PACING"):
        os.environ.pop(key, None)


class _Client:
    """JSON over Chalice's test client, keeping the session cookie."""
    sent = 0  # API calls made, all clients together

    def __init__(self, http) -> None:
        self.http = http
        self.cookie: str | None = None

    def call(self, method: str, path: str, body: Any = None, form: str | None = None):
        _Client.sent += 1
        headers = {"Accept": "application/pdf" if path.endswith("/pdf") else "application/json"}
        if self.cookie:
            headers["Cookie"] = f"cantine_session={self.cookie}"
        payload: str | None = form
        if form is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        else:
            if method not in ("GET", "HEAD"):
                headers["Content-Type"] = "application/json"  # every write, even empty
            payload = json.dumps(body) if body is not None else None
        response = self.http.http.request(method, path, headers=headers, body=payload)
        lowered = {k.lower(): v for k, v in response.headers.items()}
        cookies = lowered.get("set-cookie") or []
        # A sign-in sets two cookies (the session, and the device a sign-in came from).
        for cookie in [cookies] if isinstance(cookies, str) else cookies:
            if cookie.startswith("cantine_session="):
                self.cookie = cookie.split(";")[0].split("=", 1)[1] or None
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.body[:300]}")
        ctype = lowered.get("content-type", "")
        return json.loads(response.body) if "json" in ctype and response.body else response.body


def measure(action: Callable[[], Any]) -> tuple[dict[str, float], Any]:
    """Run one action; its requests by operation, items touched and handler time."""
    from scripts.bench.requests_counter import count_dynamodb_requests
    sent = _Client.sent
    with count_dynamodb_requests() as calls:
        start = time.perf_counter()
        result = action()
        elapsed = time.perf_counter() - start
    counts: dict[str, float] = dict(sorted(calls.items()))
    counts["lambda_ms"] = round(elapsed * 1000, 1)
    if _Client.sent > sent:
        counts["api_calls"] = _Client.sent - sent
    return counts, result


def run() -> dict[str, dict[str, float]]:
    """Every action once, on the demo data plus a second child; counts per action."""
    _environment()
    from chalice.test import Client
    from moto import mock_aws

    with mock_aws():
        from chalicelib import wiring
        from chalicelib.clock import FixedClock
        from chalicelib.mail.outbox import read_outbox
        from chalicelib.payfip.client import PayFipClient
        from chalicelib.services import demo
        from scripts.local.fake_payfip import FakePayFip

        wiring.reset()
        services = wiring.container()
        clock = services.clock
        if not isinstance(clock, FixedClock):  # CANTINE_NOW is set above
            raise RuntimeError("the measure runs on a fixed clock")
        demo.prepare_stack(services)
        demo.load_demo_data(services)
        from app import app
        out: dict[str, dict[str, float]] = {}
        with Client(app) as http:
            parent, admin = _Client(http), _Client(http)
            admin.call("POST", "/auth/login", {"login": STAFF[0], "password": STAFF[1]})
            lili = admin.call("POST", "/staff/families/1001/children",
                              {"first_name": "Lili", "last_name": "TEST"})["id"]

            out["login"], _ = measure(lambda: parent.call(
                "POST", "/auth/login", {"login": FAMILY[0], "password": FAMILY[1]}))
            out["home"], _ = measure(lambda: parent.call("GET", "/family/home"))

            # The booking grid: one call brings the family, the month and its menus.
            out["calendar"], month = measure(lambda: parent.call(
                "GET", "/children/1001-1/calendar?month=2026-12"))
            changes = [{"date": d["date"], "service": code, "booked": True}
                       for d in month["days"] for code, cell in d["services"].items()
                       if cell["editable"]]

            def save():
                parent.call("PUT", "/children/1001-1/bookings", {"changes": changes})
                parent.call("GET", "/children/1001-1/calendar?month=2026-12")
            out["save_month"], _ = measure(save)  # every open checkbox of December
            out["period_year"], _ = measure(lambda: parent.call(
                "POST", f"/children/{lili}/bookings/period", SCHOOL_YEAR))

            def forgot_and_reset():
                parent.call("POST", "/auth/password/forgot",
                            {"email": "famille.test@example.org"})
                mail = read_outbox(None, services.settings.region)[0]["text"]
                token = re.search(r"token=([A-Za-z0-9_\-]+)", mail).group(1)
                _Client(http).call("POST", "/auth/password/reset",
                                   {"token": token, "password": NEW_PASSWORD})
            out["password_reset"], _ = measure(forgot_and_reset)
            parent.call("POST", "/auth/login",
                        {"login": FAMILY[0], "password": NEW_PASSWORD})

            out["staff_create_family"], _ = measure(lambda: admin.call(
                "POST", "/staff/families", {
                    "name": "MESURE", "emails": ["mesure@example.org"],
                    "phones": ["06 12 34 56 78"], "address": "1 place de la Mairie"}))
            out["staff_attendance_list"], _ = measure(lambda: admin.call(
                "GET", "/staff/attendance?date=2026-11-23&service=meal"))
            out["staff_attendance_tap"], _ = measure(lambda: admin.call(
                "PUT", "/staff/attendance", {"date": "2026-11-23", "service": "meal",
                                             "child_id": "1001-1", "status": "present"}))
            out["staff_page"], _ = measure(lambda: admin.call("GET", "/staff/families?q=TE"))
            out["staff_export"], _ = measure(lambda: admin.call(
                "GET", "/staff/exports/bookings.csv?from=2026-11-01&to=2026-12-31"))

            # December 1st: November is billed; the parent downloads and pays its invoice.
            clock.set(datetime(2026, 12, 1, 8, 0, tzinfo=PARIS))
            admin.call("POST", "/auth/login", {"login": STAFF[0], "password": STAFF[1]})
            admin.call("POST", "/staff/billing/2026-11/draft")
            admin.call("POST", "/staff/billing/2026-11/confirm")
            parent.call("POST", "/auth/login",
                        {"login": FAMILY[0], "password": NEW_PASSWORD})
            number = parent.call("GET", "/family/invoices")["invoices"][0]["number"]

            def invoice_pdf():
                parent.call("GET", "/family/invoices")
                return parent.call("GET", f"/family/invoices/{number}/pdf")
            out["invoice_pdf"], _ = measure(invoice_pdf)

            fake = FakePayFip(notify=False).start()
            services.payments._client_factory = lambda: PayFipClient(fake.config())
            try:
                def pay():
                    start = parent.call("POST", f"/family/invoices/{number}/payfip")
                    idop = start["redirect_url"].split("idop=")[1]
                    fake.settle(idop, "P")
                    _Client(http).call("POST", "/payfip/notification", form=f"idop={idop}")
                    parent.call("GET", f"/family/payfip/return?idop={idop}")
                out["pay"], _ = measure(pay)
                from chalicelib.jobs.payments import reconcile_payments
                out["reconcile_run"], _ = measure(lambda: reconcile_payments({}))
                from chalicelib.jobs.reminders import remind_families
                out["reminder_run"], _ = measure(lambda: remind_families({}))
                from chalicelib.jobs.purge import purge_families
                out["purge_run"], _ = measure(lambda: purge_families({}))
            finally:
                fake.stop()
        wiring.reset()
    return out


def requests_of(counts: dict[str, float]) -> int:
    """DynamoDB requests of an action (calls only)."""
    return int(sum(v for k, v in counts.items() if k[:1].isupper() and "." not in k))


def main(argv: list[str] | None = None) -> int:
    figures = run()
    if "--json" in (argv if argv is not None else sys.argv[1:]):
        print(json.dumps(figures, indent=2))
        return 0
    for name, counts in figures.items():
        ops = ", ".join(f"{k} {int(v)}" for k, v in counts.items()
                        if k[:1].isupper() and "." not in k)
        print(f"{name:<22} {int(counts.get('api_calls', 0)):>2} calls {requests_of(counts):>3} "
              f"requests  ({ops})  {counts['lambda_ms']} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
