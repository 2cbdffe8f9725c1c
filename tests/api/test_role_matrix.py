"""Who may call what: every route of the app, joined with its declaration in ``ENDPOINTS``,
called by each kind of caller (anonymous, family, agent, kitchen, admin).

Staff roles (issue "Staff operations"): the admin does everything, the agent takes
attendance and reads the day's lists, the kitchen reads head counts and publishes menus.
Exports have their own roles: head counts for all staff, bookings and attendance for the
admin and agents, the families file for the admin only.

Need to know, field by field (issue 15): agents and kitchen staff never see a family's
income bracket or any billing data, in any answer or export they may read.
"""
from __future__ import annotations

import re

import pytest

from app import app as chalice_app
from chalicelib.api.routing import (AUDIENCES, ENDPOINTS, FAMILY, MEMBER, PUBLIC, SESSION,
                                    STAFF)
from chalicelib.domain.accounts import STAFF_ROLES
from tests import demo
from tests.client import Api, body, credentials_from

ADMIN, AGENT, KITCHEN = "admin", "agent", "kitchen"
# "other_family" is family B: signed in, its own password, and none of family A's ids.
CALLERS = ("anonymous", "family", "other_family", AGENT, KITCHEN, ADMIN)
NEW_PASSWORD = "une phrase assez longue"
TARGET_ACCOUNT = "cible@example.org"

EXPORT_ROLES = {"headcounts": {ADMIN, AGENT, KITCHEN}, "bookings": {ADMIN, AGENT},
                "attendance": {ADMIN, AGENT}, "families": {ADMIN}, "invoices": {ADMIN},
                "ledger": {ADMIN}}

# The role table, route by route: a new staff route must be placed here knowingly.
STAFF_ROLES_BY_ROUTE = {
    ("GET", "/staff/families"): {ADMIN, AGENT},
    ("POST", "/staff/families"): {ADMIN},
    ("GET", "/staff/families/{number}"): {ADMIN, AGENT},
    ("PUT", "/staff/families/{number}"): {ADMIN},
    ("POST", "/staff/families/{number}/archive"): {ADMIN},
    ("POST", "/staff/families/{number}/unarchive"): {ADMIN},
    ("POST", "/staff/families/{number}/credentials"): {ADMIN},
    ("POST", "/staff/families/{number}/children"): {ADMIN},
    ("PUT", "/staff/families/{number}/children/{child_id}"): {ADMIN},
    ("POST", "/staff/families/{number}/children/{child_id}/archive"): {ADMIN},
    ("GET", "/staff/accounts"): {ADMIN},
    ("POST", "/staff/accounts"): {ADMIN},
    ("PUT", "/staff/accounts/{email}"): {ADMIN},
    ("DELETE", "/staff/accounts/{email}"): {ADMIN},
    ("GET", "/staff/settings"): {ADMIN},
    ("PUT", "/staff/settings"): {ADMIN},
    ("POST", "/staff/closures"): {ADMIN},
    ("DELETE", "/staff/closures/{closure_id}"): {ADMIN},
    ("GET", "/staff/audit"): {ADMIN},
    ("POST", "/staff/jobs/lock"): {ADMIN},
    ("GET", "/staff/jobs/runs"): {ADMIN},
    ("GET", "/staff/headcounts"): {ADMIN, AGENT, KITCHEN},
    ("GET", "/staff/attendance"): {ADMIN, AGENT},
    ("PUT", "/staff/attendance"): {ADMIN, AGENT},
    ("GET", "/staff/exports/{name}"): {ADMIN, AGENT, KITCHEN},  # then per export, below
    ("PUT", "/staff/menus/{week}"): {ADMIN, KITCHEN},
    # Billing and payments: the admin only (money is the town hall's office work).
    ("GET", "/staff/tariffs"): {ADMIN},
    ("POST", "/staff/tariffs"): {ADMIN},
    ("GET", "/staff/billing/{month}"): {ADMIN},
    ("POST", "/staff/billing/{month}/draft"): {ADMIN},
    ("POST", "/staff/billing/{month}/confirm"): {ADMIN},
    ("GET", "/staff/invoices"): {ADMIN},
    ("GET", "/staff/families/{number}/invoices/{invoice_id}/pdf"): {ADMIN},
    ("GET", "/staff/overpayments"): {ADMIN},
    ("POST", "/staff/overpayments/{overpayment_id}"): {ADMIN},
    ("GET", "/staff/families/{number}/statement"): {ADMIN},
    ("GET", "/staff/families/{number}/invoices"): {ADMIN},
    ("POST", "/staff/families/{number}/payments"): {ADMIN},
    ("POST", "/staff/families/{number}/invoices/{invoice_id}/credit-note"): {ADMIN},
}


def app_routes() -> list[tuple[str, str]]:
    """(method, path) of every route the app serves."""
    return [(method, path) for path, methods in chalice_app.routes.items()
            for method in methods]


def declaration(method: str, path: str):
    found = [e for e in ENDPOINTS if (e.method, e.path) == (method, path)]
    assert len(found) == 1, f"{method} {path} is declared {len(found)} times in ENDPOINTS"
    return found[0]


# Fields that only billing needs: the income bracket, money, invoices, the statement.
# Agents and kitchen staff must find none of them in any answer they get (JSON keys) nor
# in the header of any export they may download.
BILLING_FIELDS = {"income", "qf", "max_qf", "effective_from", "balance_cents", "total_cents",
                  "debit_cents", "credit_cents", "amount_cents", "price_cents", "prices",
                  "invoice", "invoices", "credit_note", "statement", "tariff", "tariffs",
                  "payment", "payments", "lines", "late_fee_cents", "unbooked"}
BILLING_COLUMNS = ("quotient", "qf", "montant", "solde", "facture", "tarif", "prix", "€")
FIELDS_HIDDEN_FROM = {AGENT: BILLING_FIELDS, KITCHEN: BILLING_FIELDS}
INCOME = {"qf": 750, "effective_from": "2026-09-01"}


def json_keys(value) -> set[str]:
    """Every key of a JSON document, at any depth."""
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in json_keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in json_keys(v)}
    return set()


def leaked_fields(response, caller: str) -> list[str]:
    """The fields the caller must not see that this successful answer shows."""
    hidden = FIELDS_HIDDEN_FROM.get(caller)
    if not hidden or not 200 <= response.status_code < 300 or not response.body:
        return []
    content_type = response.headers.get("Content-Type", "")
    if content_type.startswith("text/csv"):
        header = response.body.decode("utf-8-sig").splitlines()[0].lower()
        return [column for column in BILLING_COLUMNS if column in header]
    if content_type.startswith("application/json"):
        return sorted(json_keys(body(response)) & hidden)
    return [content_type]  # a PDF or anything else: nothing of the kind is theirs


# -- every route is declared -------------------------------------------------------------

@pytest.mark.parametrize("method, path", app_routes())
def test_every_route_of_the_app_is_declared_with_an_audience(method, path):
    endpoint = declaration(method, path)
    assert endpoint.audience in AUDIENCES
    if endpoint.audience == STAFF:
        assert endpoint.roles and set(endpoint.roles) <= set(STAFF_ROLES)
        assert set(endpoint.roles) == STAFF_ROLES_BY_ROUTE[(method, path)]
    else:
        assert endpoint.roles == ()


def test_every_declared_endpoint_is_a_route_of_the_app():
    routes = set(app_routes())
    assert [e for e in ENDPOINTS if (e.method, e.path) not in routes] == []
    assert {k for k in STAFF_ROLES_BY_ROUTE} <= routes


def test_a_staff_route_is_never_left_open_to_every_signed_in_account():
    assert all(e.path.startswith("/staff/") for e in ENDPOINTS if e.audience == STAFF)
    assert all(e.audience == STAFF for e in ENDPOINTS if e.path.startswith("/staff/"))


# -- each caller on every route ----------------------------------------------------------

BODIES = {  # harmless bodies: each is refused (400) or changes nothing that matters
    ("PUT", "/staff/attendance"): {"date": "2026-11-23", "service": "meal",
                                   "child_id": "1001-1", "status": "present"},
    ("PUT", "/staff/menus/{week}"): {"days": []},
}


def concrete_calls() -> list[dict]:
    """One call per route (per export for the exports route), logout last."""
    calls = []
    for method, path in app_routes():
        endpoint = declaration(method, path)
        variants = [(path, set(endpoint.roles))]
        if "{name}" in path:
            variants = [(path.replace("{name}", f"{name}.csv")
                         + "?from=2026-11-23&to=2026-11-27", roles)
                        for name, roles in EXPORT_ROLES.items()]
        for concrete, roles in variants:
            payload = BODIES.get((method, path), {} if method in ("POST", "PUT") else None)
            calls.append({"method": method, "template": path, "path": concrete,
                          "audience": endpoint.audience, "roles": roles, "body": payload})
    calls.sort(key=lambda c: c["template"] == "/auth/logout")
    return calls


def fill(path: str, ids: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: ids[m.group(1)], path)


def expected(call: dict, caller: str) -> str:
    """What the caller must get: "401", "403", "404" or "allowed" (an answer that is
    neither 401/403 nor a server error: a refused body or a missing id is fine)."""
    audience = call["audience"]
    if audience == PUBLIC:
        return "allowed"
    if caller == "anonymous":
        return "401"
    if audience in (SESSION, MEMBER):
        return "allowed"
    if audience == FAMILY:
        if caller == "other_family":
            # Its own family, menus and account: fine. Family A's child or invoice in
            # the address: exactly as if it did not exist.
            return "404" if re.search(r"\{(child_id|invoice_id)\}", call["path"]) \
                else "allowed"
        return "allowed" if caller == "family" else "404"
    assert audience == STAFF
    return "allowed" if caller in call["roles"] else "403"


def matches(response, outcome: str) -> bool:
    if outcome == "allowed":
        return response.status_code not in (401, 403) and response.status_code < 500
    if response.status_code != int(outcome):
        return False
    if outcome == "403":
        return body(response)["error"]["code"] == "forbidden"
    return True


def staff_member(client, admin, outbox, role: str) -> Api:
    """A staff account opened by the admin, signed in with its own password."""
    email = f"{role}@example.org"
    created = admin.post("/staff/accounts", {"email": email, "name": role.title(),
                                             "role": role})
    assert created.status_code == 201, created.body
    mail = next(m for m in outbox() if m["to"] == [email])
    _, temporary = credentials_from(mail["text"])
    api = Api(client)
    assert api.login(email, temporary).status_code == 200
    changed = api.post("/auth/password/change", {"current_password": temporary,
                                                 "password": NEW_PASSWORD})
    assert changed.status_code == 204, changed.body
    return api


def other_family(client, admin, outbox) -> Api:
    """Family B, opened by the admin, signed in with a password of its own."""
    created = admin.post("/staff/families", {"name": "AUTRE", "emails": ["b@example.org"],
                                             "phones": [], "address": "2 rue Basse"})
    assert created.status_code == 201, created.body
    mail = next(m for m in outbox() if m["to"] == ["b@example.org"])
    number, temporary = credentials_from(mail["text"])
    child = admin.post(f"/staff/families/{number}/children",
                       {"first_name": "Zoé", "last_name": "AUTRE"})
    assert child.status_code == 201, child.body
    api = Api(client)
    assert api.login(number, temporary).status_code == 200
    changed = api.post("/auth/password/change", {"current_password": temporary,
                                                 "password": NEW_PASSWORD})
    assert changed.status_code == 204, changed.body
    return api


@pytest.mark.parametrize("caller", CALLERS)
def test_every_route_answers_each_caller_as_its_audience_and_roles_allow(client, outbox,
                                                                        caller):
    admin = Api(client)
    assert admin.login(*demo.ADMIN).status_code == 200
    closure = admin.post("/staff/closures", {"start": "2027-05-07", "end": "2027-05-07",
                                             "label": "Pont"})
    assert closure.status_code == 201, closure.body
    target = admin.post("/staff/accounts", {"email": TARGET_ACCOUNT, "name": "Cible",
                                            "role": KITCHEN})
    assert target.status_code == 201, target.body
    # Family A has an income bracket, so that an answer leaking it would show it.
    assert admin.put("/staff/families/1001", {"income": INCOME}).status_code == 200
    ids = {"number": "1001", "child_id": "1001-1", "closure_id": body(closure)["id"],
           "week": "2026-11-30", "email": TARGET_ACCOUNT, "invoice_id": "2026-000001",
           "month": "2026-11", "overpayment_id": "payfip-INCONNU"}
    if caller == ADMIN:
        api = admin
    elif caller == "family":
        api = Api(client)
        assert api.login(*demo.FAMILY).status_code == 200
    elif caller == "anonymous":
        api = Api(client)
    elif caller == "other_family":
        api = other_family(client, admin, outbox)
    else:
        api = staff_member(client, admin, outbox, caller)

    wrong = []
    for call in concrete_calls():
        outcome = expected(call, caller)
        response = api.request(call["method"], fill(call["path"], ids), call["body"])
        if not matches(response, outcome):
            wrong.append(f"{call['method']} {call['path']}: expected {outcome}, got "
                         f"{response.status_code} {response.body[:120]!r}")
        elif caller == "other_family" and b"TOTO" in (response.body or b""):
            wrong.append(f"{call['method']} {call['path']}: family A's child shown to B")
        elif leaked_fields(response, caller):
            wrong.append(f"{call['method']} {call['path']}: {caller} sees "
                         f"{leaked_fields(response, caller)}")
    assert wrong == []


@pytest.mark.parametrize("role, sees_income", [(ADMIN, True), (AGENT, False)])
def test_the_family_record_shows_the_income_bracket_to_the_admin_only(client, outbox, role,
                                                                     sees_income):
    admin = Api(client)
    assert admin.login(*demo.ADMIN).status_code == 200
    assert admin.put("/staff/families/1001", {"income": INCOME}).status_code == 200
    api = admin if role == ADMIN else staff_member(client, admin, outbox, role)
    details = body(api.get("/staff/families/1001"))
    assert details["name"] == "TEST" and details["children"]
    assert ("income" in details) is sees_income
    if sees_income:
        assert details["income"] == INCOME
