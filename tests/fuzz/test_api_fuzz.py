"""Every route of docs/openapi.yaml fuzzed on the local stack with Schemathesis.

Each operation gets schema-valid (positive) and schema-violating (negative) requests from
Schemathesis's coverage phase (boundary values, missing or mistyped fields, bad content
types, a method the path does not declare) and from its fuzzing phase, sent as the
account the route is for: public routes anonymously, family routes as the demo family,
staff routes as the demo admin. Some negative cases drop the session cookie;
``test_protected_routes_refuse_anonymous_calls`` calls every protected route without one,
and with one that no session has.

For every call:
- no 5xx;
- every answer >= 400 is JSON in the product's error shape
  ``{"error": {"code", "message", "details"}}`` (chalicelib/api/errors.py);
- nothing is saved from a refused request: every table holds the same items before and
  after it (but the sign-in throttle counters: ``REFUSAL_MAY_WRITE`` in conftest.py);
- the answer is the documented one (Schemathesis's checks): a documented status code,
  content type, headers and body schema; schema-violating input refused.

Generation is derandomized (fixed seed, no example database) and the stack's clock is
fixed, so every run sends the same requests and gets the same answers.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import requests
import schemathesis
import yaml
from schemathesis.specs.openapi.checks import ignored_auth

from tests.fuzz.conftest import SESSION_COOKIE, describe_changes

pytestmark = pytest.mark.fuzz

DOC = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"

# Real identifiers and plausible values, drawn in place of random ones for about a third
# of the fuzzing phase's parameters, so that valid requests get past the lookups to the
# rules behind them: the demo family 1001, its child, the demo admin, the commune's
# services, days around the stack's fixed clock (Monday 23 November 2026).
DICTIONARIES = {
    "families": ["1001"],
    "children": ["1001-1"],
    "staff": ["mairie@example.org"],
    "services": ["meal", "care_morning", "care_evening", "centre_morning", "study"],
    "days": ["2026-11-23", "2026-11-24", "2026-11-26", "2026-11-27", "2026-11-30",
             "2026-12-01", "2026-12-03", "2026-11-16", "2026-11-19", "2026-12-25"],
    "mondays": ["2026-11-23", "2026-11-30", "2026-12-07", "2026-11-16"],
    "months": ["2026-10", "2026-11", "2026-12", "2026-09"],
}
BINDINGS = {
    "number": "families", "child_id": "children", "path.email": "staff",
    "service": "services", "body.services[*]": "services",
    "body.changes[*].service": "services",
    "from": "days", "to": "days", "date": "days", "body.changes[*].date": "days",
    "body.start": "days", "body.end": "days", "body.effective_from": "days",
    "path.week": "mondays", "month": "months",
}
SETTINGS = {
    "seed": 20261123,
    "suppress-health-check": ["all"],  # too_slow included: every example is an HTTP call
    "request-timeout": 30,
    "generation": {
        "mode": "all",           # positive and negative
        "max-examples": 3,       # fuzzing phase, per operation (the coverage phase adds its own)
        "deterministic": True,   # Hypothesis derandomize=True (Schemathesis sets deadline=None)
        "database": "none",      # no example database: every run replays the same cases
    },
    "phases": {
        "examples": {"enabled": False},  # the document has no examples
        "stateful": {"enabled": False},
        # One method that no path declares, to check the unknown route's answer.
        "coverage": {"unexpected-methods": ["PATCH"]},
    },
    "checks": {
        # A method a path does not declare gets the unknown route's 404, on purpose: API
        # Gateway answers so in production and the local stack does the same (README,
        # scripts/local/devstack.py). Schemathesis would want 405.
        "unsupported_method": {"enabled": False},
        # The document describes shapes; the rules behind them (dates around today, a
        # week named by its Monday, no tariff backwards, strong passwords, a reset token
        # that exists…) refuse many schema-valid requests with 400 or 422, rightly.
        "positive_data_acceptance": {"enabled": False},
    },
    "operations": [
        # Sign-in and the reset-link request hash a password or send an e-mail, and each
        # refused guess counts against the sign-in budget: few random cases there (their
        # own tests are in tests/api/test_auth.py and tests/load/test_sign_in_abuse.py).
        {"include-name": ["POST /auth/login", "POST /auth/password/forgot"],
         "generation": {"max-examples": 1}},
    ],
    "dictionaries": {name: {"values": values} for name, values in DICTIONARIES.items()},
    "parameters": {key: {"dictionary": name, "probability": 0.35}
                   for key, name in BINDINGS.items()},
}
schema = schemathesis.openapi.from_path(DOC, config=schemathesis.Config.from_dict(SETTINGS))
DEFAULT_SECURITY = schema.raw_schema.get("security", [])
PLACEHOLDER = "demo-session:"
ERROR_CODE = re.compile(r"^[a-z][a-z0-9_]*$")


def audience(definition: dict) -> str | None:
    """Who calls an operation: None (public), "family" or "admin"."""
    if definition.get("security", DEFAULT_SECURITY) == []:
        return None
    tags = definition.get("tags", [])
    # /menus (families and staff) and the signed-in /auth/* routes: as the family.
    return "admin" if "staff" in tags and "family" not in tags else "family"


class DemoSession:
    """Puts the demo account's session cookie on each case of a protected operation.

    Schemathesis builds the coverage cases at collection time, before the stack runs: the
    cookie holds a placeholder that ``test_api`` swaps for a live session.
    """

    def get(self, case, context):
        who = audience(case.operation.definition.raw)
        return f"{PLACEHOLDER}{who}" if who else None

    def set(self, case, data, context):
        case.cookies = {**(case.cookies or {}), SESSION_COOKIE: data}


def assert_error_shape(response) -> None:
    """An error is JSON: {"error": {"code": "snake_case", "message": "…", "details": …}}."""
    # Schemathesis's responses keep header names lower-cased, each with a list of values.
    content_type = ",".join(response.headers.get("content-type", []))
    assert content_type.split(";")[0].strip() == "application/json", \
        f"error answered as {content_type!r}: {response.text[:300]}"
    body = response.json()
    assert isinstance(body, dict) and set(body) == {"error"}, body
    error = body["error"]
    assert isinstance(error, dict) and set(error) == {"code", "message", "details"}, body
    assert isinstance(error["code"], str) and ERROR_CODE.match(error["code"]), body
    assert isinstance(error["message"], str) and error["message"].strip(), body


_MISSING = object()


def _body_value(body, location: str):
    """The value a coverage case put at a schema location such as
    ``/properties/income/properties/qf/type`` (``_MISSING`` when it cannot be told)."""
    parts = iter(location.strip("/").split("/")[:-1])
    value = body
    for part in parts:
        if part == "properties" and isinstance(value, dict):
            value = value.get(next(parts, ""), _MISSING)
        elif part == "items" and isinstance(value, list) and value:
            value = value[0]
        else:
            return _MISSING
    return value


def _kind_of_case(case) -> tuple | None:
    """What makes a coverage case worth a call of its own.

    The coverage phase sends a field with each of its wrong JSON types and repeats some
    cases for every value of an enum; one case per kind keeps the module within its time
    budget (every call is followed by a snapshot of every table). A wrong type sent as
    null is a kind of its own: null is what a lenient API most often lets through.
    """
    meta = case.meta
    if meta is None or meta.phase.name.value != "coverage":
        return None
    data = meta.phase.data
    if "Content-Type" in data.description and "requestBody" not in case.operation.definition.raw:
        return ()  # no body to type: the same request as the valid one
    if data.description == f"Missing `{SESSION_COOKIE}` at cookie":
        return ()  # test_protected_routes_refuse_anonymous_calls sends these
    sent_null = bool(data.description.endswith("Incorrect type") and data.location
                     and _body_value(case.body, data.location) is None)
    return (case.operation.label, case.method, meta.generation.mode.value,
            data.description, sent_null)


def _may_touch_accounts(case) -> bool:
    """Whether valid input to this operation may end a demo session or change a demo
    account: sign-out and passwords, the family's own details, a family's or a staff
    member's record (archive, new temporary password, e-mails, role…)."""
    path = case.operation.path
    return path.startswith(("/auth/", "/family", "/staff/accounts/")) or "{number}" in path


@schema.auth(DemoSession, refresh_interval=None, retry_on=[])
@schema.parametrize()
def test_api(case, fuzzing):
    kind = _kind_of_case(case)
    if kind == () or (kind is not None
                      and fuzzing.first_of_kind.setdefault(kind, hash(case)) != hash(case)):
        return  # another case of this kind was sent (a replay of that one goes through)
    cookie = (case.cookies or {}).get(SESSION_COOKIE)
    if isinstance(cookie, str) and cookie.startswith(PLACEHOLDER):
        case.cookies[SESSION_COOKIE] = fuzzing.token(cookie[len(PLACEHOLDER):])

    before = fuzzing.before()
    response = case.call(base_url=fuzzing.api, timeout=30, allow_redirects=False)
    fuzzing.count(case.operation.label, response.status_code)
    refused = response.status_code >= 400
    if refused:
        after = fuzzing.snapshot()
    else:
        fuzzing.forget()  # a success may write: the next call needs a fresh "before"
    try:
        reproduce = case.as_curl_command()
        assert response.status_code < 500, \
            f"{response.status_code}: {response.text[:500]}\n{reproduce}"
        if refused:
            assert_error_shape(response)
            assert after == before, (f"a refused request ({response.status_code}) saved:\n"
                                     f"{describe_changes(before, after)}\n{reproduce}")
        # ignored_auth sends the accepted request again without the cookie and with a
        # bogus one, expecting 401: once per operation is enough.
        probe = not refused and case.operation.label not in fuzzing.auth_probed
        case.validate_response(response, excluded_checks=[] if probe else [ignored_auth],
                               transport_kwargs={"base_url": fuzzing.api, "timeout": 30})
        if probe:
            fuzzing.auth_probed.add(case.operation.label)
    finally:
        if not refused and case.method.upper() != "GET" and _may_touch_accounts(case):
            fuzzing.heal()


def _protected_operations():
    doc = yaml.safe_load(DOC.read_text(encoding="utf-8"))
    for path, item in doc["paths"].items():
        for method, definition in item.items():
            if method in ("get", "put", "post", "delete", "patch") and audience(definition):
                yield pytest.param(method.upper(), path, id=f"{method.upper()} {path}")


@pytest.mark.parametrize(("method", "path"), list(_protected_operations()))
def test_protected_routes_refuse_anonymous_calls(fuzzing, method, path):
    """No cookie (with a JSON body where the route takes one), or a cookie no session
    has (every write with its JSON content type, as the portal sends it): 401 unauthenticated in the error shape, and nothing saved."""
    url = fuzzing.api + re.sub(r"\{[^}]+\}", "1001", path)
    before = fuzzing.before()
    body = None if method == "GET" else json.dumps({"name": "x", "date": "2026-11-30"})
    attempts = [({}, body), ({SESSION_COOKIE: "no-such-session"}, None)]
    for cookies, body in attempts:
        headers = {"Content-Type": "application/json"} if method != "GET" else {}
        reply = requests.request(method, url, cookies=cookies, data=body, headers=headers,
                                 timeout=30, allow_redirects=False)
        fuzzing.count(f"{method} {path} (anonymous)", reply.status_code)
        response = schemathesis.Response.from_any(reply)
        assert response.status_code == 401, (cookies, body, response.status_code,
                                             response.text)
        assert_error_shape(response)
        assert response.json()["error"]["code"] == "unauthenticated", response.text
    after = fuzzing.snapshot()
    assert after == before, describe_changes(before, after)


# -- issue 15: the inputs that answered 500 ------------------------------------------------
# Sent as raw bytes on the local stack (through its HTTP server, the worker processes and
# Chalice's gateway, as API Gateway hands them over): each must be a 4xx in the error shape
# and save nothing.
_NESTED = "[" * 1000 + "]" * 1000
HOSTILE_BODIES = [
    # (who, method, path, raw body, expected status, expected code)
    (None, "POST", "/auth/login", '{"login": "\\ud800", "password": "x"}', 400,
     "invalid_character"),
    (None, "POST", "/auth/password/forgot", '{"email": "\\udc00@example.org"}', 400,
     "invalid_character"),
    (None, "POST", "/auth/login", _NESTED, 400, "too_deep"),
    (None, "POST", "/auth/login", '{"a":' * 1000 + "1" + "}" * 1000, 400, "too_deep"),
    (None, "POST", "/auth/login", '{"login": 1, "password": NaN}', 400, "invalid_request"),
    (None, "POST", "/auth/login", '{"login": "' + "a" * 300_000 + '"}', 400,
     "request_too_large"),
    (None, "POST", "/auth/login", b'{"login": "\xff\xfe"}', 400, "invalid_character"),
    ("family", "PUT", "/family", '{"address": "\\ud800"}', 400, "invalid_character"),
    ("family", "PUT", "/children/1001-1/bookings",
     '{"changes": [{"date": "9999-12-31", "service": "meal", "booked": true}]}', 400,
     "date_out_of_range"),
    ("family", "POST", "/children/1001-1/bookings/period",
     '{"from": "9999-12-01", "to": "9999-12-31", "services": ["meal"], "weekdays": [1], '
     '"booked": true}', 400, "date_out_of_range"),
    ("admin", "PUT", "/staff/menus/9999-12-27", '{"days": []}', 400, "date_out_of_range"),
    ("admin", "POST", "/staff/closures",
     '{"start": "9999-12-30", "end": "9999-12-31", "label": "x"}', 400, "date_out_of_range"),
    ("admin", "PUT", "/staff/families/1001",
     '{"income": {"qf": 1, "effective_from": "9999-12-31"}}', 400, "date_out_of_range"),
    ("admin", "POST", "/staff/families", '{"name": "\\ud800", "emails": ["z@example.org"]}',
     400, "invalid_character"),
]
_FORGED_CURSOR = "eyJraW5kIjogeyJTIjogImZhbWlseSJ9LCAibnVtYmVyIjogeyJTIjogIjEifX0"
HOSTILE_QUERIES = [
    ("family", "/family/bookings?from=9999-12-01&to=9999-12-31", "date_out_of_range"),
    ("family", "/menus?from=9999-12-27&to=9999-12-31", "date_out_of_range"),
    ("admin", "/staff/headcounts?from=9999-12-27&to=9999-12-31", "date_out_of_range"),
    ("admin", "/staff/exports/bookings.csv?from=9999-12-27&to=9999-12-31",
     "date_out_of_range"),
    ("admin", "/staff/exports/attendance.csv?from=9999-12-27&to=9999-12-31",
     "date_out_of_range"),
    ("admin", "/staff/exports/headcounts.csv?from=0001-01-01&to=0001-01-02",
     "date_out_of_range"),
    ("admin", f"/staff/families?cursor={_FORGED_CURSOR}", "invalid_cursor"),
    ("admin", "/staff/families?cursor=eyJ4IjogMX0", "invalid_cursor"),
]


def _check_refusal(fuzzing, reply, status: int, code: str, label: str, before) -> None:
    fuzzing.count(label, reply.status_code)
    response = schemathesis.Response.from_any(reply)
    assert response.status_code == status, (label, response.status_code, response.text[:300])
    assert_error_shape(response)
    assert response.json()["error"]["code"] == code, response.text[:300]
    after = fuzzing.snapshot()
    assert after == before, describe_changes(before, after)


@pytest.mark.parametrize(("who", "method", "path", "raw", "status", "code"), HOSTILE_BODIES,
                         ids=[f"{m} {p} {c}" for _, m, p, _, _, c in HOSTILE_BODIES])
def test_hostile_bodies_are_refused_with_a_4xx(fuzzing, who, method, path, raw, status, code):
    cookies = {SESSION_COOKIE: fuzzing.token(who)} if who else {}
    before = fuzzing.before()
    data = raw if isinstance(raw, bytes) else raw.encode("utf-8")
    reply = requests.request(method, fuzzing.api + path, data=data, cookies=cookies,
                             headers={"Content-Type": "application/json"}, timeout=30)
    _check_refusal(fuzzing, reply, status, code, f"{method} {path} (hostile body)", before)


@pytest.mark.parametrize(("who", "path", "code"), HOSTILE_QUERIES,
                         ids=[p for _, p, _ in HOSTILE_QUERIES])
def test_hostile_queries_are_refused_with_a_4xx(fuzzing, who, path, code):
    cookies = {SESSION_COOKIE: fuzzing.token(who)}
    before = fuzzing.before()
    reply = requests.get(fuzzing.api + path, cookies=cookies, timeout=30)
    _check_refusal(fuzzing, reply, 400, code, f"GET {path.split('?')[0]} (hostile query)",
                   before)


def test_the_nothing_saved_check_sees_a_save(fuzzing):
    """The snapshots the refusals are checked with see what a request saved: a booking
    changes them, down to the one item it wrote."""
    cookies = {SESSION_COOKIE: fuzzing.token("family")}
    before = fuzzing.before()
    reply = requests.put(f"{fuzzing.api}/children/1001-1/bookings", cookies=cookies,
                         json={"changes": [{"date": "2026-12-10", "service": "meal",
                                            "booked": True}]}, timeout=30)
    assert reply.status_code == 200, reply.text[:300]
    fuzzing.forget()
    after = fuzzing.snapshot()
    changed = {table for table in set(before) | set(after)
               if before.get(table) != after.get(table)}
    assert any(table.endswith("-bookings") for table in changed), changed
    assert "2026-12-10" in describe_changes(before, after)
