"""Who may call what: every route of the app, joined with its declaration in ``ENDPOINTS``,
called by each kind of caller (anonymous, family, agent, kitchen, admin).

Staff roles (issue "Staff operations"): the admin does everything, the agent takes
attendance and reads the day's lists, the kitchen reads head counts and publishes menus.
Exports have their own roles: head counts for all staff, bookings and attendance for the
admin and agents, the families file for the admin only — downloaded directly or asked for
as a file (an export job), whose job is then visible to the roles of its export only.

Need to know, field by field (issue 15): agents and kitchen staff never see a family's
income bracket or any billing data, in any answer or export they may read.
"""
from __future__ import annotations

import base64
import copy
import json
import re
from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from app import app as chalice_app
from chalicelib import wiring
from chalicelib.api.routing import AUDIENCES, ENDPOINTS, FAMILY, MEMBER, PUBLIC, SESSION, STAFF
from chalicelib.domain.accounts import STAFF_ROLES
from chalicelib.domain.sepa import MANDATE_TEXT_VERSION
from tests import demo
from tests.client import Api, body, credentials_from, invoice, pay, sign_in

ADMIN, AGENT, KITCHEN = "admin", "agent", "kitchen"
# "other_family" is family B: signed in, its own password, and none of family A's ids.
CALLERS = ("anonymous", "family", "other_family", AGENT, KITCHEN, ADMIN)
TARGET_ACCOUNT = "cible@example.org"

EXPORT_ROLES = {"headcounts": {ADMIN, AGENT, KITCHEN}, "bookings": {ADMIN, AGENT},
                "attendance": {ADMIN, AGENT}, "families": {ADMIN}, "invoices": {ADMIN},
                "ledger": {ADMIN},
                # The State's reports: the CAF's and the "cantine à 1 €" claim (money,
                # income brackets) for the admin; the caterer's order for the kitchen too.
                "caf": {ADMIN}, "meal_aid": {ADMIN}, "meal_order": {ADMIN, KITCHEN}}

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
    ("GET", "/staff/waiting-lists"): {ADMIN, AGENT},
    ("POST", "/staff/waiting-lists/promote"): {ADMIN, AGENT},
    ("POST", "/staff/waiting-lists/remove"): {ADMIN, AGENT},
    ("GET", "/staff/exports/{name}"): {ADMIN, AGENT, KITCHEN},  # then per export, below
    ("POST", "/staff/export-jobs"): {ADMIN, AGENT, KITCHEN},    # then per export, below
    ("GET", "/staff/export-jobs/{job_id}"): {ADMIN, AGENT, KITCHEN},  # then per export
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
    ("GET", "/staff/billing/{month}/bordereaux"): {ADMIN},
    ("GET", "/staff/bordereaux/{bordereau_id}/pes"): {ADMIN},
    ("POST", "/staff/bordereaux/acknowledgements"): {ADMIN},
    ("POST", "/staff/bordereaux/{bordereau_id}/reissue"): {ADMIN},
    ("GET", "/staff/billing/{month}/debits"): {ADMIN},
    ("POST", "/staff/billing/{month}/debits/file"): {ADMIN},
    ("GET", "/staff/billing/{month}/debits/files/{file_id}/xml"): {ADMIN},
    ("POST", "/staff/billing/{month}/debits/{invoice_id}/reject"): {ADMIN},
    ("POST", "/staff/families/{number}/treasury-payments"): {ADMIN},
    ("POST", "/staff/treasury-payments/import"): {ADMIN},
    # Sick days: agents see who is sick (their tablet shows it); a medical certificate is
    # health data, read and decided by the admin only.
    ("GET", "/staff/sick-days"): {ADMIN, AGENT},
    ("GET", "/staff/sick-days/{child_id}/{date}/certificate"): {ADMIN},
    ("POST", "/staff/sick-days/{child_id}/{date}/certificate/decision"): {ADMIN},
    # Direct-debit mandates: billing data (a bank account), the admin only.
    ("GET", "/staff/families/{number}/mandates"): {ADMIN},
    ("POST", "/staff/families/{number}/mandates"): {ADMIN},
    ("POST", "/staff/families/{number}/mandates/{rum}/suspend"): {ADMIN},
    ("POST", "/staff/families/{number}/mandates/{rum}/resume"): {ADMIN},
    ("POST", "/staff/families/{number}/mandates/{rum}/revoke"): {ADMIN},
    ("GET", "/staff/families/{number}/mandates/{rum}/pdf"): {ADMIN},
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
                  "payment", "payments", "lines", "late_fee_cents", "unbooked",
                  "mandate", "mandates", "iban_masked"}
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
#
# Every route is called with a request that is valid for the state built below, so that a
# caller the route admits gets the route's real answer: a 2xx, or, where no harmless call
# can succeed, the business error named here. A caller it refuses gets 401 (anonymous),
# 403 "forbidden" (a family or a staff member without the role, on a staff route) or 404
# "not_found" (the answer the product deliberately gives on family routes to staff, and to
# another family asking for family A's child, invoice or payment). Nothing else passes:
# a 400 or a 404 is never taken for "allowed" unless it is the named business error, so
# the test fails as soon as a role's access is widened or narrowed.

@dataclass(frozen=True)
class Request:
    """A valid request for one route and what an admitted caller must get back."""
    path: str
    body: dict | None = None
    status: int = 200
    error: str | None = None        # the business error code an admitted caller gets
    headers: dict | None = None
    family_a_only: bool = False     # carries family A's child, invoice or payment


CHANGE = "cheval agrafe lune"       # the new password of the password-change request
PDF = {"Accept": "application/pdf"}
WEEK = "from=2026-11-23&to=2026-11-27"
MANDATE_IBAN = "FR7630006000011234567890189"
SICK_NOTE = base64.b64encode(b"%PDF-1.4\n% certificat medical\n%%EOF\n").decode()

# One entry per route of the app (``test_every_route_has_a_valid_request`` keeps it so).
# ``{...}`` in a path or body is filled from the state of ``world`` (see ``fill``).
REQUESTS: dict[tuple[str, str], Request] = {
    ("POST", "/auth/login"): Request("/auth/login", {"login": demo.FAMILY_NUMBER,
                                                     "password": demo.FAMILY_PASSWORD}),
    ("POST", "/auth/logout"): Request("/auth/logout", {}, 204),
    ("GET", "/auth/me"): Request("/auth/me"),
    ("POST", "/auth/password/forgot"): Request("/auth/password/forgot",
                                               {"email": demo.FAMILY_EMAIL}, 202),
    # No harmless reset or confirmation token exists: a made-up one is refused as such.
    ("POST", "/auth/password/reset"): Request("/auth/password/reset",
                                              {"token": "x", "password": CHANGE}, 400,
                                              "invalid_token"),
    ("POST", "/auth/password/change"): Request("/auth/password/change",
                                               {"current_password": "{password}",
                                                "password": CHANGE}, 204),
    ("POST", "/auth/email/confirm"): Request("/auth/email/confirm", {"token": "x"}, 400,
                                             "invalid_token"),
    ("GET", "/dev/outbox"): Request("/dev/outbox"),
    ("GET", "/family"): Request("/family"),
    ("GET", "/family/home"): Request("/family/home"),
    ("GET", "/family/bookings"): Request("/family/bookings"),
    ("GET", "/children/{child_id}/calendar"): Request(
        "/children/{child_id}/calendar?month=2026-12", family_a_only=True),
    ("PUT", "/children/{child_id}/bookings"): Request(
        "/children/{child_id}/bookings",
        {"changes": [{"date": "2026-12-07", "service": "meal", "booked": True}]},
        family_a_only=True),
    ("POST", "/children/{child_id}/bookings/period"): Request(
        "/children/{child_id}/bookings/period",
        {"from": "2026-12-07", "to": "2026-12-11", "services": ["meal"], "weekdays": [1, 2],
         "booked": True}, family_a_only=True),
    ("GET", "/family/typical-weeks"): Request("/family/typical-weeks"),
    ("PUT", "/children/{child_id}/typical-week"): Request(
        "/children/{child_id}/typical-week", {"days": {"1": ["meal"]}}, family_a_only=True),
    # The child's id is in the body: another family gets 404 as for its address.
    ("POST", "/family/typical-weeks/apply"): Request(
        "/family/typical-weeks/apply", {"children": ["{child_id}"], "from": "2026-12-07",
                                        "to": "2026-12-11", "recurrence": "every_week"},
        family_a_only=True),
    # Sick days: ``world`` reported 1 December (before 08:30) and handed in a certificate.
    ("GET", "/family/sick-days"): Request("/family/sick-days"),
    ("POST", "/children/{child_id}/sick-days"): Request(
        "/children/{child_id}/sick-days", {"date": "2026-12-01"}, family_a_only=True),
    ("POST", "/children/{child_id}/sick-days/{date}/certificate"): Request(
        "/children/{child_id}/sick-days/2026-12-01/certificate",
        {"content_base64": SICK_NOTE, "content_type": "application/pdf"}, 201,
        family_a_only=True),
    ("GET", "/children/{child_id}/sick-days/{date}/certificate"): Request(
        "/children/{child_id}/sick-days/2026-12-01/certificate", headers=PDF,
        family_a_only=True),
    # Mandates: ``world`` signed family A's online. Family B has none: its PDF and its
    # « stop » are not found, as A's would be. Signing again with a former text is
    # refused alike for both; A's standing mandate refuses a paper one, and an active
    # mandate cannot be resumed.
    ("GET", "/family/mandate"): Request("/family/mandate"),
    ("POST", "/family/mandate"): Request(
        "/family/mandate", {"holder": "A", "iban": MANDATE_IBAN, "accept": True,
                            "text_version": "2020-1"}, 409, "mandate_text_changed"),
    ("POST", "/family/mandate/revoke"): Request("/family/mandate/revoke", {"confirm": True},
                                                family_a_only=True),
    ("GET", "/family/mandate/pdf"): Request("/family/mandate/pdf", headers=PDF,
                                            family_a_only=True),
    ("GET", "/staff/families/{number}/mandates"): Request("/staff/families/{number}/mandates"),
    ("POST", "/staff/families/{number}/mandates"): Request(
        "/staff/families/{number}/mandates", {"holder": "A", "iban": MANDATE_IBAN,
                                              "signed_on": "2026-11-30"}, 409,
        "mandate_exists"),
    ("POST", "/staff/families/{number}/mandates/{rum}/suspend"): Request(
        "/staff/families/{number}/mandates/{rum}/suspend", {"reason": "Vérification"}),
    ("POST", "/staff/families/{number}/mandates/{rum}/resume"): Request(
        "/staff/families/{number}/mandates/{rum}/resume", {}, 409, "mandate_not_suspended"),
    ("POST", "/staff/families/{number}/mandates/{rum}/revoke"): Request(
        "/staff/families/{number}/mandates/{rum}/revoke", {}),
    ("GET", "/staff/families/{number}/mandates/{rum}/pdf"): Request(
        "/staff/families/{number}/mandates/{rum}/pdf", headers=PDF),
    ("GET", "/staff/sick-days"): Request("/staff/sick-days?from=2026-12-01&to=2026-12-31"),
    ("GET", "/staff/sick-days/{child_id}/{date}/certificate"): Request(
        "/staff/sick-days/{child_id}/2026-12-01/certificate", headers=PDF),
    ("POST", "/staff/sick-days/{child_id}/{date}/certificate/decision"): Request(
        "/staff/sick-days/{child_id}/2026-12-01/certificate/decision",
        {"decision": "accepted"}),
    ("PUT", "/family"): Request("/family", {"phones": ["06 12 34 56 78"]}),
    ("GET", "/family/export"): Request("/family/export"),
    ("GET", "/menus"): Request("/menus"),
    ("GET", "/family/statement"): Request("/family/statement"),
    ("GET", "/family/invoices"): Request("/family/invoices"),
    ("GET", "/family/invoices/{invoice_id}/pdf"): Request(
        "/family/invoices/{invoice_id}/pdf", headers=PDF, family_a_only=True),
    # The invoice was settled in ``world`` (the overpayment needs it): no new attempt.
    ("POST", "/family/invoices/{invoice_id}/payfip"): Request(
        "/family/invoices/{invoice_id}/payfip", {}, 409, "not_payable",
        family_a_only=True),
    ("GET", "/family/payfip/return"): Request("/family/payfip/return?idop={idop}",
                                              family_a_only=True),
    ("GET", "/health"): Request("/health"),
    ("POST", "/payfip/notification"): Request("/payfip/notification", {"idop": "{idop}"}),
    ("GET", "/commune"): Request("/commune"),
    ("GET", "/commune/legal"): Request("/commune/legal"),
    ("GET", "/staff/families"): Request("/staff/families?q=toto"),
    ("POST", "/staff/families"): Request("/staff/families", {
        "name": "NOUVELLE", "emails": ["nouvelle@example.org"]}, 201),
    ("GET", "/staff/families/{number}"): Request("/staff/families/{number}"),
    ("PUT", "/staff/families/{number}"): Request("/staff/families/{number}",
                                                 {"address": "1 rue Haute"}),
    ("POST", "/staff/families/{number}/archive"): Request(
        "/staff/families/{number}/archive", {}),
    ("POST", "/staff/families/{number}/unarchive"): Request(
        "/staff/families/{number}/unarchive", {}),
    ("POST", "/staff/families/{number}/credentials"): Request(
        "/staff/families/{number}/credentials", {}, 202),
    ("POST", "/staff/families/{number}/children"): Request(
        "/staff/families/{number}/children", {"first_name": "Lili", "last_name": "TEST"}, 201),
    ("PUT", "/staff/families/{number}/children/{child_id}"): Request(
        "/staff/families/{number}/children/{child_id}", {"class_name": "CE2"}),
    ("POST", "/staff/families/{number}/children/{child_id}/archive"): Request(
        "/staff/families/{number}/children/{child_id}/archive", {}),
    ("GET", "/staff/accounts"): Request("/staff/accounts"),
    ("POST", "/staff/accounts"): Request("/staff/accounts", {
        "email": "nouveau@example.org", "name": "Nouveau", "role": AGENT}, 201),
    ("PUT", "/staff/accounts/{email}"): Request("/staff/accounts/{email}",
                                                {"name": "Cible bis"}),
    ("DELETE", "/staff/accounts/{email}"): Request("/staff/accounts/{email}", status=204),
    ("GET", "/staff/settings"): Request("/staff/settings"),
    ("PUT", "/staff/settings"): Request("/staff/settings", {"zone": "B"}),
    ("POST", "/staff/closures"): Request("/staff/closures", {
        "start": "2027-05-14", "end": "2027-05-14", "label": "Pont"}, 201),
    ("DELETE", "/staff/closures/{closure_id}"): Request("/staff/closures/{closure_id}",
                                                        status=204),
    ("GET", "/staff/audit"): Request("/staff/audit"),
    ("POST", "/staff/jobs/lock"): Request("/staff/jobs/lock", {}),
    ("GET", "/staff/jobs/runs"): Request("/staff/jobs/runs"),
    ("GET", "/staff/headcounts"): Request(f"/staff/headcounts?{WEEK}"),
    ("GET", "/staff/attendance"): Request("/staff/attendance?date=2026-11-30&service=meal"),
    ("PUT", "/staff/attendance"): Request("/staff/attendance", {
        "date": "2026-11-30", "service": "meal", "child_id": "{child_id}",
        "status": "present"}),
    ("GET", "/staff/waiting-lists"): Request("/staff/waiting-lists?date=2026-11-30"),
    # The demo's services have no places: an admitted caller gets the business refusal.
    ("POST", "/staff/waiting-lists/promote"): Request("/staff/waiting-lists/promote", {
        "date": "2026-11-30", "service": "meal", "child_id": "{child_id}"}, 400,
        "invalid_request"),
    ("POST", "/staff/waiting-lists/remove"): Request("/staff/waiting-lists/remove", {
        "date": "2026-11-30", "service": "meal", "child_id": "{child_id}"}, 400,
        "invalid_request"),
    ("PUT", "/staff/menus/{week}"): Request("/staff/menus/{week}", {"days": []}),
    ("GET", "/staff/tariffs"): Request("/staff/tariffs"),
    ("POST", "/staff/tariffs"): Request("/staff/tariffs", {
        "service": "meal", "effective_from": "2027-01-01", "unit": "session",
        "prices": [{"max_qf": None, "price_cents": 360}]}, 201),
    ("GET", "/staff/billing/{month}"): Request("/staff/billing/{month}"),
    ("POST", "/staff/billing/{month}/draft"): Request("/staff/billing/{month}/draft", {}),
    ("POST", "/staff/billing/{month}/confirm"): Request("/staff/billing/{month}/confirm", {}),
    ("GET", "/staff/invoices"): Request("/staff/invoices?month={month}"),
    ("GET", "/staff/families/{number}/statement"): Request(
        "/staff/families/{number}/statement"),
    ("GET", "/staff/families/{number}/invoices"): Request("/staff/families/{number}/invoices"),
    ("GET", "/staff/families/{number}/invoices/{invoice_id}/pdf"): Request(
        "/staff/families/{number}/invoices/{invoice_id}/pdf", headers=PDF),
    ("POST", "/staff/families/{number}/payments"): Request(
        "/staff/families/{number}/payments",
        {"amount_cents": 100, "method": "cheque", "idempotency_key": "matrice-1"}, 201),
    ("POST", "/staff/families/{number}/invoices/{invoice_id}/credit-note"): Request(
        "/staff/families/{number}/invoices/{invoice_id}/credit-note", {}, 201),
    # The world's invoice was issued in régie mode: the Treasury has nothing to report.
    ("POST", "/staff/families/{number}/treasury-payments"): Request(
        "/staff/families/{number}/treasury-payments",
        {"invoice": "{invoice_id}", "amount_cents": 100, "date": "2026-12-01"}, 409,
        "not_a_titre"),
    ("POST", "/staff/treasury-payments/import"): Request(
        "/staff/treasury-payments/import", {"csv": "titre;montant;date\n2026-000099;1,00;"
                                                   "01/12/2026\n"}),
    ("GET", "/staff/overpayments"): Request("/staff/overpayments"),
    ("POST", "/staff/overpayments/{overpayment_id}"): Request(
        "/staff/overpayments/{overpayment_id}", {"action": "refund", "method": "virement"}),
    # The world's commune collects through its régie: no bordereau exists.
    ("GET", "/staff/billing/{month}/bordereaux"): Request("/staff/billing/{month}/bordereaux"),
    ("GET", "/staff/bordereaux/{bordereau_id}/pes"): Request(
        "/staff/bordereaux/2026-0000001-1/pes", None, 404, "not_found",
        headers={"Accept": "application/xml"}),
    ("POST", "/staff/bordereaux/acknowledgements"): Request(
        "/staff/bordereaux/acknowledgements", {"content_base64": "PGE+PC9hPg=="}, 400,
        "invalid_acknowledgement"),
    ("POST", "/staff/bordereaux/{bordereau_id}/reissue"): Request(
        "/staff/bordereaux/2026-0000001-1/reissue", {}, 409, "not_titres_mode"),
    # The world's commune offers direct debit, but no debit exists.
    ("GET", "/staff/billing/{month}/debits"): Request("/staff/billing/{month}/debits"),
    # The world's export job is of head counts, which every staff role may read.
    ("GET", "/staff/export-jobs/{job_id}"): Request("/staff/export-jobs/{export_job_id}"),
    ("POST", "/staff/billing/{month}/debits/file"): Request(
        "/staff/billing/{month}/debits/file", {}, 409, "no_debits"),
    ("GET", "/staff/billing/{month}/debits/files/{file_id}/xml"): Request(
        "/staff/billing/{month}/debits/files/2026-11-01/xml", None, 404, "not_found",
        headers={"Accept": "application/xml"}),
    ("POST", "/staff/billing/{month}/debits/{invoice_id}/reject"): Request(
        "/staff/billing/{month}/debits/2026-000001/reject", {"code": "AM04"}, 404,
        "not_found"),
}
EXPORT_REQUEST = Request(f"/staff/exports/{{name}}.csv?{WEEK}")
# Exports whose parameters are not a period of days.
EXPORT_QUERIES = {"meal_aid": "from=2026-09&to=2026-12", "meal_order": "week=2026-11-23"}
FILE_EXPORTS = ("headcounts", "bookings", "attendance", "families")
# An export asked for as a file: one variant per export, each behind its export's roles.
EXPORT_JOB_ROUTE = ("POST", "/staff/export-jobs")


def export_job_request(name: str) -> Request:
    return Request("/staff/export-jobs", {"export": name, "from": "2026-11-23",
                                          "to": "2026-11-27"}, 202,
                   headers={"Idempotency-Key": "matrice-export-1"})


def concrete_calls() -> list[dict]:
    """One call per route (per export for the exports route)."""
    calls = []
    for method, path in app_routes():
        endpoint = declaration(method, path)
        if "{name}" in path:
            variants = [(replace(EXPORT_REQUEST, path=f"/staff/exports/{name}.csv?"
                                 + EXPORT_QUERIES.get(name, WEEK)), roles)
                        for name, roles in EXPORT_ROLES.items()]
        elif (method, path) == EXPORT_JOB_ROUTE:
            variants = [(export_job_request(name), EXPORT_ROLES[name])
                        for name in FILE_EXPORTS]
        else:
            variants = [(REQUESTS[(method, path)], set(endpoint.roles))]
        for request, roles in variants:
            calls.append({"method": method, "template": path, "request": request,
                          "audience": endpoint.audience, "roles": roles})
    return calls


def fill(value, ids: dict[str, str]):
    """The request's path or body with the ids of ``world`` (and the caller's password)."""
    if isinstance(value, str):
        return re.sub(r"\{(\w+)\}", lambda m: ids[m.group(1)], value)
    if isinstance(value, dict):
        return {k: fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, ids) for v in value]
    return value


def expected(call: dict, caller: str) -> str:
    """What the caller must get: "allowed" (the request's own answer), or the refusal:
    "401", "403" or "404"."""
    audience = call["audience"]
    if audience == PUBLIC:
        return "allowed"
    if caller == "anonymous":
        return "401"
    if audience in (SESSION, MEMBER):
        return "allowed"
    if audience == FAMILY:
        if caller == "other_family":
            # Its own family, menus and account: fine. Family A's child, invoice or
            # payment in the address: exactly as if it did not exist.
            return "404" if call["request"].family_a_only else "allowed"
        # Staff on a family route: the family-side resource does not exist for them.
        return "allowed" if caller == "family" else "404"
    assert audience == STAFF
    return "allowed" if caller in call["roles"] else "403"


REFUSALS = {"401": "unauthenticated", "403": "forbidden", "404": "not_found"}


def error_code(response) -> str | None:
    content_type = response.headers.get("Content-Type", "")
    if not response.body or not content_type.startswith("application/json"):
        return None
    payload = body(response)
    return payload["error"]["code"] if isinstance(payload, dict) and "error" in payload \
        else None


def matches(response, outcome: str, request: Request) -> bool:
    """Whether the answer is the expected one: the request's own status (and business
    error, if it names one) when allowed, else exactly the refusal."""
    if outcome == "allowed":
        return response.status_code == request.status \
            and error_code(response) == request.error
    return response.status_code == int(outcome) and error_code(response) == REFUSALS[outcome]


def other_family(client, admin, outbox) -> Api:
    """Family B, opened by the admin, with a child and a password of its own: not the
    demo family of the shared fixtures, since B must hold none of family A's ids."""
    created = admin.post("/staff/families", {"name": "AUTRE", "emails": ["b@example.org"],
                                             "phones": [], "address": "2 rue Basse"})
    assert created.status_code == 201, created.body
    mail = next(m for m in outbox() if m["to"] == ["b@example.org"])
    number, temporary = credentials_from(mail["text"])
    child = admin.post(f"/staff/families/{number}/children",
                       {"first_name": "Zoé", "last_name": "AUTRE"})
    assert child.status_code == 201, child.body
    api = sign_in(Api(client), number, temporary)
    changed = api.post("/auth/password/change", {"current_password": temporary,
                                                 "password": demo.NEW_PASSWORD})
    assert changed.status_code == 204, changed.body
    return api


def ok(response, status=200):
    assert response.status_code == status, response.body
    return body(response)


@pytest.fixture
def world(client, clock, outbox, payfip, request):
    """Family A (1001) billed for November and paid twice (a cheque, then PayFip): an
    invoice, a payment attempt and an overpayment exist; a closure and a kitchen account
    to act on; A has an income bracket, so that an answer leaking it would show it.
    The clock is Tuesday 1 December 2026, 08:00: December weeks are still open."""
    booker = sign_in(Api(client), *demo.FAMILY)
    ok(booker.put(f"/children/{demo.FAMILY_CHILD}/bookings", {"changes": [
        {"date": "2026-11-30", "service": "meal", "booked": True},
        {"date": "2026-12-01", "service": "meal", "booked": True}]}))
    clock.set(datetime(2026, 12, 1, 8, 0, tzinfo=ZoneInfo("Europe/Paris")))
    # Signed in only now: a session idle for a week has ended.
    admin, parent = request.getfixturevalue("admin"), request.getfixturevalue("parent")
    invoice(admin, "2026-11")
    closure = ok(admin.post("/staff/closures", {"start": "2027-05-07", "end": "2027-05-07",
                                                "label": "Pont"}), 201)
    ok(admin.post("/staff/accounts", {"email": TARGET_ACCOUNT, "name": "Cible",
                                      "role": KITCHEN}), 201)
    ok(admin.put("/staff/families/1001", {"income": INCOME}))
    # A typical week to apply (the apply route's request needs one saved).
    ok(parent.put(f"/children/{demo.FAMILY_CHILD}/typical-week", {"days": {"1": ["meal"]}}))
    # A sick morning with its certificate (the sick-day routes act on it).
    ok(parent.post(f"/children/{demo.FAMILY_CHILD}/sick-days", {"date": "2026-12-01"}), 201)
    ok(parent.post(f"/children/{demo.FAMILY_CHILD}/sick-days/2026-12-01/certificate",
                   {"content_base64": SICK_NOTE, "content_type": "application/pdf"}), 201)
    # A mandate signed online (the mandate routes act on it).
    mandate = ok(parent.post("/family/mandate", {
        "holder": "Famille TEST", "iban": MANDATE_IBAN, "accept": True,
        "text_version": MANDATE_TEXT_VERSION}), 201)
    started = ok(parent.post("/family/invoices/2026-000001/payfip"))
    idop = started["redirect_url"].rsplit("idop=", 1)[1]
    ok(pay(admin, demo.FAMILY_NUMBER, {"amount_cents": 350, "method": "cheque"}), 201)
    payfip.settle(idop, "P")
    ok(parent.get(f"/family/payfip/return?idop={idop}"))
    overpayment = ok(admin.get("/staff/overpayments"))["overpayments"][0]["id"]
    export_job = ok(admin.post("/staff/export-jobs", {"export": "headcounts"},
                               headers={"Idempotency-Key": "monde-export-1"}), 202)["id"]
    return {"export_job_id": export_job,"number": demo.FAMILY_NUMBER, "child_id": demo.FAMILY_CHILD,
            "closure_id": closure["id"], "week": "2026-12-07", "email": TARGET_ACCOUNT,
            "invoice_id": "2026-000001", "month": "2026-11", "idop": idop,
            "overpayment_id": overpayment, "rum": mandate["rum"]}


def dynamodb_tables():
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends
    return dynamodb_backends[DEFAULT_ACCOUNT_ID][wiring.container().settings.region]


# The password each caller signed in with (the password-change request sends it).
PASSWORDS = {"family": demo.FAMILY_PASSWORD, ADMIN: demo.STAFF_PASSWORD,
             "other_family": demo.NEW_PASSWORD, AGENT: demo.NEW_PASSWORD,
             KITCHEN: demo.NEW_PASSWORD, "anonymous": "-"}
CALLER_FIXTURES = {"anonymous": "api", "family": "parent", AGENT: "agent",
                   KITCHEN: "kitchen", ADMIN: "admin"}


def test_every_route_has_a_valid_request_and_every_request_a_route():
    routes = {r for r in app_routes() if "{name}" not in r[1] and r != EXPORT_JOB_ROUTE}
    assert set(REQUESTS) == routes


@pytest.mark.parametrize("caller", CALLERS)
def test_every_route_answers_each_caller_as_its_audience_and_roles_allow(world, client,
                                                                        outbox, request,
                                                                        caller):
    if caller == "other_family":
        api = other_family(client, request.getfixturevalue("admin"), outbox)
    else:
        api = request.getfixturevalue(CALLER_FIXTURES[caller])
    ids = {**world, "password": PASSWORDS[caller]}
    backend = dynamodb_tables()
    # Each call starts from the same state: an admitted write (an archive, a deletion,
    # a sign-out) must not change what the next call meets.
    state = copy.deepcopy(backend.tables)

    wrong = []
    for call in concrete_calls():
        backend.tables = copy.deepcopy(state)
        outcome = expected(call, caller)
        request_ = call["request"]
        response = api.request(call["method"], fill(request_.path, ids),
                               fill(request_.body, ids), headers=request_.headers,
                               keep_cookie=False)
        if not matches(response, outcome, request_):
            wanted = (f"{request_.status} {request_.error or ''}" if outcome == "allowed"
                      else f"{outcome} {REFUSALS[outcome]}")
            wrong.append(f"{call['method']} {request_.path}: expected {outcome} "
                         f"({wanted.strip()}), got {response.status_code} "
                         f"{response.body[:120]!r}")
        elif caller == "other_family" and b"TOTO" in (response.body or b""):
            wrong.append(f"{call['method']} {request_.path}: family A's child shown to B")
        elif leaked_fields(response, caller):
            wrong.append(f"{call['method']} {request_.path}: {caller} sees "
                         f"{leaked_fields(response, caller)}")
    assert wrong == []


class Answer:
    """A stand-in for a test-client response, to check ``matches`` itself."""

    def __init__(self, status: int, code: str | None = None) -> None:
        self.status_code = status
        self.headers = {"Content-Type": "application/json"}
        self.body = json.dumps({"error": {"code": code, "message": "", "details": None}}
                               if code else {}).encode()


@pytest.mark.parametrize("answer", [
    Answer(404, "not_found"), Answer(400, "invalid_request"), Answer(403, "forbidden"),
    Answer(401, "unauthenticated"), Answer(409, "conflict"), Answer(500, "internal_error"),
    Answer(201)])
def test_only_the_requests_own_answer_counts_as_allowed(answer):
    assert not matches(answer, "allowed", Request("/x"))
    assert matches(Answer(200), "allowed", Request("/x"))
    assert not matches(Answer(404, "not_found"), "allowed",
                       Request("/x", status=409, error="invoice_settled"))
    assert matches(Answer(409, "invoice_settled"), "allowed",
                   Request("/x", status=409, error="invoice_settled"))


@pytest.mark.parametrize("refusal, answer", [
    ("403", Answer(404, "not_found")), ("403", Answer(200)), ("404", Answer(400, "x")),
    ("401", Answer(403, "forbidden")), ("404", Answer(200))])
def test_a_refusal_is_only_its_own_status_and_code(refusal, answer):
    assert not matches(answer, refusal, Request("/x"))


@pytest.mark.parametrize("role, sees_income", [(ADMIN, True), (AGENT, False)])
def test_the_family_record_shows_the_income_bracket_to_the_admin_only(admin, request, role,
                                                                     sees_income):
    assert admin.put("/staff/families/1001", {"income": INCOME}).status_code == 200
    api = request.getfixturevalue(CALLER_FIXTURES[role])
    details = body(api.get("/staff/families/1001"))
    assert details["name"] == "TEST" and details["children"]
    assert ("income" in details) is sees_income
    if sees_income:
        assert details["income"] == INCOME
