"""The nightly purge, run as EventBridge runs it (the job function), and checked through
what staff and the former family then see.

The demo family (1001, TEST, child TOTO) lunches on Monday 30 November 2026, is invoiced
for November on 1 December (3,50 €) and pays; staff then archive it: its last child left
on 1 December 2026. With the default retention (12 months) it is due from 1 December
2027. The clock starts on Monday 23 November 2026 in Paris.
"""
from __future__ import annotations

import contextlib
import json
from collections import Counter
from datetime import date, datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from pynamodb.connection.base import Connection

from app import app as chalice_app
from chalicelib.jobs.purge import purge_families
from chalicelib.jobs.schedules import PURGE, SCHEDULES
from chalicelib.storage.models import FamilyModel, LoginModel
from chalicelib.storage.typical_weeks import TypicalWeekRepository
from tests.client import Api, body, invoice, link_token, pay, sign_in
from tests.demo import ADMIN, FAMILY, FAMILY_CHILD, FAMILY_EMAIL
from tests.requests_counter import count_dynamodb_requests

PARIS = ZoneInfo("Europe/Paris")
IBAN = "FR7630006000011234567890189"
WRITES = ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems")


def paris(*parts) -> datetime:
    return datetime(*parts, tzinfo=PARIS)


def ok(response, status=200):
    assert response.status_code == status, response.body
    return body(response)


@contextlib.contextmanager
def tables_written():
    """The tables each DynamoDB write of the block went to (a Counter by table suffix)."""
    written: Counter = Counter()
    original = Connection._make_api_call

    def spy(self, operation, kwargs):
        if operation in WRITES:
            names = ([kwargs["TableName"]] if "TableName" in kwargs
                     else list(kwargs.get("RequestItems", {}))
                     + [next(iter(a.values()))["TableName"]
                        for a in kwargs.get("TransactItems", [])])
            written.update(name.removeprefix("test-") for name in names)
        return original(self, operation, kwargs)

    with mock.patch.object(Connection, "_make_api_call", spy):
        yield written


@pytest.fixture
def left(client, clock, admin, parent):
    """The demo family with everything a family leaves behind: details, a child's health
    notes, a typical week, a paper mandate, a November invoice paid, then archived on
    1 December 2026 at 08:30. Returns the admin."""
    ok(admin.put("/staff/families/1001", {
        "phones": ["06 12 34 56 78"], "address": "3 rue des Écoles\n12345 Bourg",
        "income": {"qf": 812, "effective_from": "2026-09-01"}}))
    ok(admin.put(f"/staff/families/1001/children/{FAMILY_CHILD}", {
        "allergies": "PAI arachide : trousse dans le cartable", "meal_type": "sans_porc",
        "pickup_people": ["Mamie Jeanne"], "birth_date": "2017-05-06",
        "school": "École du Bourg", "class_name": "CE2"}))
    ok(admin.post("/staff/families/1001/mandates", {
        "holder": "Paul TEST", "iban": IBAN, "signed_on": "2026-11-20"}), 201)
    ok(parent.put(f"/children/{FAMILY_CHILD}/typical-week", {"days": {"1": ["meal"]}}))
    ok(parent.put(f"/children/{FAMILY_CHILD}/bookings", {"changes": [
        {"date": "2026-11-30", "service": "meal", "booked": True}]}))
    clock.set(paris(2026, 12, 1, 8, 0))
    sign_in(admin, *ADMIN)
    assert invoice(admin, "2026-11")["total_cents"] == 350
    ok(pay(admin, "1001", {"amount_cents": 350, "method": "cheque", "reference": "77",
                           "date": "2026-12-01"}), 201)
    clock.set(paris(2026, 12, 1, 8, 30))
    archived = ok(admin.post("/staff/families/1001/archive"))
    assert archived["left_on"] == "2026-12-01"
    assert archived["purge_on"] == "2027-12-01"
    return admin


def ledger(statement: dict) -> dict:
    """The statement without its « SOLDE A CE JOUR » line (dated today)."""
    return {**statement, "lines": [line for line in statement["lines"]
                                   if line["type"] != "today"]}


def night(clock, *day) -> dict:
    """Run the purge at 03:30 (Paris) on that day."""
    clock.set(paris(*day, 3, 30))
    return purge_families({})


def staff_view(client, number="1001") -> dict:
    admin = sign_in(Api(client), *ADMIN)
    return {"family": ok(admin.get(f"/staff/families/{number}")),
            "statement": ledger(ok(admin.get(f"/staff/families/{number}/statement"))),
            "invoices": ok(admin.get(f"/staff/families/{number}/invoices")),
            "mandates": ok(admin.get(f"/staff/families/{number}/mandates")),
            "month": ok(admin.get("/staff/billing/2026-11"))}


# -- the schedule ------------------------------------------------------------------------
def test_the_purge_runs_every_night_and_is_wired_as_a_scheduled_function():
    assert PURGE == ("30", "2", "*", "*", "?", "*")       # 03:30 or 04:30 in Paris
    assert SCHEDULES["purge"] is PURGE
    [source] = [s for s in chalice_app.event_sources if s.name == "purge_families"]
    assert source.schedule_expression.to_string() == f"cron({' '.join(PURGE)})"


# -- who is purged -----------------------------------------------------------------------
def test_a_family_archived_13_months_ago_is_anonymised_and_its_accounts_are_kept(
        left, client, clock):
    before = staff_view(client)
    result = night(clock, 2028, 1, 2)
    assert (result["anonymised"], result["skipped"], result["more"]) == (1, 0, False)

    after = staff_view(client)
    family = after["family"]
    assert family["name"] == "Famille anonymisée"
    assert (family["emails"], family["phones"], family["address"]) == ([], [], "")
    assert family["income"] == {"qf": None, "effective_from": None}
    assert family["archived"] is True and family["left_on"] == "2026-12-01"
    assert family["anonymised_at"] == "2028-01-02T03:30:00+01:00"
    assert family["purge_on"] is None
    assert family["children"] == [{
        "id": FAMILY_CHILD, "first_name": "Enfant 1", "last_name": "", "school": "",
        "class_name": "", "meal_type": "standard", "allergies": "", "pickup_people": [],
        "birth_date": None, "archived": True}]
    text = json.dumps(family, ensure_ascii=False)
    for personal in ("TEST", "TOTO", "example.org", "06 12", "Écoles", "arachide",
                     "Jeanne", "2017-05-06", "812", "sans_porc", "CE2"):
        assert personal not in text, personal
    # The accounting records, as they were: the invoice (its lines as issued), the
    # statement and its balance, the payment, the mandate.
    assert after["invoices"] == before["invoices"]
    assert after["statement"] == before["statement"]
    assert [i["total_cents"] for i in after["invoices"]["invoices"]] == [350]
    assert after["statement"]["balance_cents"] == 0
    assert after["mandates"] == before["mandates"]
    assert after["month"]["families"] == [
        {**row, "name": "Famille anonymisée"} for row in before["month"]["families"]]
    admin = sign_in(Api(client), *ADMIN)
    number = after["invoices"]["invoices"][0]["number"]
    pdf = admin.get(f"/staff/families/1001/invoices/{number}/pdf",
                    headers={"Accept": "application/pdf"})
    assert pdf.status_code == 200 and pdf.body.startswith(b"%PDF")
    # The search no longer finds it by its names or address, only as anonymised.
    for text in ("test", "toto", "famille.test", "ecoles"):
        assert ok(admin.get(f"/staff/families?q={text}"))["families"] == [], text
    [found] = ok(admin.get("/staff/families?q=anonymisee"))["families"]
    assert (found["number"], found["anonymised"], found["emails"]) == ("1001", True, [])


def test_a_family_archived_11_months_ago_is_kept(left, client, clock):
    result = night(clock, 2027, 11, 2)
    assert (result["anonymised"], result["skipped"]) == (0, 0)
    family = staff_view(client)["family"]
    assert family["name"] == "TEST" and family["anonymised_at"] is None
    assert family["purge_on"] == "2027-12-01"


def test_the_retention_is_the_communes_setting(left, client, clock):
    ok(left.put("/staff/settings", {"privacy": {"retention_months": 24}}))
    assert night(clock, 2028, 1, 2)["anonymised"] == 0
    assert staff_view(client)["family"]["purge_on"] == "2028-12-01"
    assert night(clock, 2028, 12, 1)["anonymised"] == 1


def test_a_family_with_a_balance_owed_is_kept_and_named_in_the_run_summary(
        left, client, clock):
    clock.set(paris(2026, 12, 1, 9, 0))
    sign_in(left, *ADMIN)
    # A cheque that bounced: the family owes the 3,50 € again.
    ok(pay(left, "1001", {"amount_cents": 350, "method": "cheque", "reference": "77",
                          "date": "2026-12-01"}), 201)
    statement = ok(left.get("/staff/families/1001/statement"))
    assert statement["balance_cents"] == -350      # paid twice: the commune owes it
    result = night(clock, 2028, 1, 2)
    assert result["anonymised"] == 0 and result["skipped"] == 1
    admin = sign_in(Api(client), *ADMIN)
    [run] = ok(admin.get("/staff/jobs/runs?job=purge"))["runs"]
    assert run["job"] == "purge" and run["outcome"] == "success"
    assert run["summary"] == ("Aucune famille à anonymiser ; 1 gardée(s) tant que leur solde "
                              "n'est pas nul : n° 1001 (-3,50 €)")
    assert staff_view(client)["family"]["name"] == "TEST"


def test_an_unpaid_invoice_keeps_the_family_until_it_is_settled(client, clock, admin,
                                                                parent):
    ok(parent.put(f"/children/{FAMILY_CHILD}/bookings", {"changes": [
        {"date": "2026-11-30", "service": "meal", "booked": True}]}))
    clock.set(paris(2026, 12, 1, 8, 0))
    sign_in(admin, *ADMIN)
    invoice(admin, "2026-11")
    ok(admin.post(f"/staff/families/1001/children/{FAMILY_CHILD}/archive"))
    assert ok(admin.get("/staff/families/1001"))["left_on"] == "2026-12-01"
    assert night(clock, 2028, 1, 2)["skipped"] == 1
    clock.set(paris(2028, 1, 3, 10, 0))
    sign_in(admin, *ADMIN)
    ok(pay(admin, "1001", {"amount_cents": 350, "method": "especes",
                           "date": "2028-01-03"}), 201)
    assert night(clock, 2028, 1, 4)["anonymised"] == 1


def test_a_reactivated_family_is_not_purged(left, client, clock):
    clock.set(paris(2027, 3, 1, 9, 0))
    sign_in(left, *ADMIN)
    back = ok(left.post("/staff/families/1001/unarchive"))
    assert (back["left_on"], back["purge_on"]) == (None, None)   # TOTO attends again
    assert night(clock, 2028, 1, 2)["anonymised"] == 0
    sign_in(Api(client), *FAMILY)


def test_adding_a_child_to_a_family_whose_children_all_left_clears_its_departure(
        admin, client, clock):
    ok(admin.post(f"/staff/families/1001/children/{FAMILY_CHILD}/archive"))
    assert ok(admin.get("/staff/families/1001"))["left_on"] == "2026-11-23"
    ok(admin.post("/staff/families/1001/children", {"first_name": "LILI",
                                                     "last_name": "TEST"}), 201)
    assert ok(admin.get("/staff/families/1001"))["left_on"] is None
    assert night(clock, 2028, 1, 2)["anonymised"] == 0


def test_a_child_reactivated_clears_the_departure_and_archived_again_dates_it_anew(
        admin, services, clock):
    ok(admin.post(f"/staff/families/1001/children/{FAMILY_CHILD}/archive"))
    families = services.families
    assert families.get_family("1001").left_on == date(2026, 11, 23)
    families.update_child("1001", FAMILY_CHILD, {}, paris(2027, 2, 1, 9, 0), archived=False)
    assert families.get_family("1001").left_on is None
    families.update_child("1001", FAMILY_CHILD, {}, paris(2027, 3, 1, 9, 0), archived=True)
    assert families.get_family("1001").left_on == date(2027, 3, 1)
    assert night(clock, 2028, 2, 28)["anonymised"] == 0
    assert night(clock, 2028, 3, 1)["anonymised"] == 1


def test_running_twice_changes_nothing_the_second_time(left, client, clock):
    assert night(clock, 2028, 1, 2)["anonymised"] == 1
    first = staff_view(client)
    with tables_written() as written:
        again = night(clock, 2028, 1, 3)
    assert (again["anonymised"], again["skipped"]) == (0, 0)
    assert set(written) == {"job_runs"}            # the run's own record, nothing else
    assert staff_view(client) == first


def test_the_purge_finds_the_families_due_through_the_index_without_a_scan(left, services,
                                                                          clock):
    with count_dynamodb_requests() as calls:
        assert night(clock, 2028, 1, 2)["anonymised"] == 1
    assert "Scan" not in calls
    with count_dynamodb_requests() as calls:
        night(clock, 2028, 1, 3)
    # Nothing due: the settings, one page of the index, the run's start and end.
    assert "Scan" not in calls and calls["Query"] <= 2, calls


def test_the_purge_reads_the_index_page_by_page_and_leaves_the_rest_to_the_next_night(
        services, clock, monkeypatch):
    from chalicelib.services import purge
    monkeypatch.setattr(purge, "PAGE_SIZE", 2)
    monkeypatch.setattr(purge, "MAX_FAMILIES_PER_RUN", 3)
    for rank in range(5):
        family = services.families.create_family(
            {"name": f"PARTIE{rank}", "emails": [f"partie{rank}@example.org"]}, clock.now())
        services.families.set_archived(family.number, True, clock.now())
    first = night(clock, 2027, 12, 1)
    assert (first["anonymised"], first["more"]) == (4, True)     # two pages of two
    second = night(clock, 2027, 12, 2)
    assert second["anonymised"] == 1
    assert night(clock, 2027, 12, 3)["anonymised"] == 0
    [summary] = [r.summary for r in services.purge.runs(clock.now())
                 if r.details.get("more")]
    assert summary == "4 famille(s) anonymisée(s) ; la suite la nuit suivante"


def test_the_anonymised_parent_can_no_longer_sign_in_nor_reset_a_password(
        left, client, clock, outbox):
    clock.set(paris(2028, 1, 2, 3, 0))
    early = Api(client)
    ok(early.post("/auth/password/forgot", {"email": FAMILY_EMAIL}), 202)
    [mail] = [m for m in outbox() if "token=" in m["text"]]
    token = link_token(mail["text"])                # a link sent just before the purge
    night(clock, 2028, 1, 2)
    clock.set(paris(2028, 1, 2, 3, 40))
    parent = Api(client)
    assert parent.login(*FAMILY).status_code == 401
    assert parent.login(FAMILY_EMAIL, FAMILY[1]).status_code == 401
    refused = parent.post("/auth/password/reset", {"token": token,
                                                   "password": "une toute nouvelle phrase"})
    assert refused.status_code == 400
    assert body(refused)["error"]["code"] == "invalid_token"
    assert parent.login("1001", "une toute nouvelle phrase").status_code == 401
    sent = len(outbox())
    ok(parent.post("/auth/password/forgot", {"email": FAMILY_EMAIL}), 202)
    assert len(outbox()) == sent                    # the address is no one's any more
    with pytest.raises(LoginModel.DoesNotExist):
        LoginModel.get(FAMILY_EMAIL)
    assert FamilyModel.get("1001").password_hash == "!"


def test_the_typical_week_goes_and_the_audit_names_no_one(left, client, clock, services):
    night(clock, 2028, 1, 2)
    assert TypicalWeekRepository().of_family("1001") == {}
    admin = sign_in(Api(client), *ADMIN)
    entries = ok(admin.get("/staff/audit?from=2028-01-02&to=2028-01-02"))["entries"]
    [entry] = [e for e in entries if e["action"] == "famille.anonymisation"]
    assert entry["who"] == "purge automatique" and entry["target"] == "1001"
    assert entry["after"] == {"anonymisée": True, "left_on": "2026-12-01",
                              "retention_months": 12, "children": 1}
    assert entry["label"] == ("Famille anonymisée (données personnelles effacées) – "
                              "famille n° 1001 Famille anonymisée")


def test_staff_can_no_longer_edit_an_anonymised_family(left, client, clock):
    night(clock, 2028, 1, 2)
    admin = sign_in(Api(client), *ADMIN)
    for response in (
            admin.put("/staff/families/1001", {"emails": ["retour@example.org"]}),
            admin.post("/staff/families/1001/unarchive"),
            admin.post("/staff/families/1001/children", {"first_name": "A", "last_name": "B"}),
            admin.put(f"/staff/families/1001/children/{FAMILY_CHILD}", {"allergies": "x"}),
            admin.post("/staff/families/1001/credentials"),
            admin.post("/staff/families/1001/mandates", {
                "holder": "Paul TEST", "iban": IBAN, "signed_on": "2026-11-20"})):
        assert response.status_code == 409, response.body
        error = body(response)["error"]
        assert error["code"] == "family_anonymised"
        assert "anonymisée" in error["message"]


def test_a_family_that_left_before_departures_were_dated_is_dated_by_the_upgrade(
        client, clock, admin, services):
    # Archived by an earlier version: no date, not in the purge's index.
    item = FamilyModel.get("1001")
    item.update(actions=[FamilyModel.archived.set(True)])
    assert night(clock, 2027, 1, 2)["anonymised"] == 0
    clock.set(paris(2027, 1, 2, 10, 0))
    assert services.purge.date_departures(clock.now().date()) == 1
    assert services.purge.date_departures(clock.now().date()) == 0    # idempotent
    assert services.accounts.get_family("1001").left_on == date(2027, 1, 2)
    assert night(clock, 2027, 12, 31)["anonymised"] == 0
    assert night(clock, 2028, 1, 2)["anonymised"] == 1


def test_the_jobs_page_lists_the_purge_runs(left, client, clock):
    night(clock, 2028, 1, 2)
    night(clock, 2028, 1, 3)
    admin = sign_in(Api(client), *ADMIN)
    runs = ok(admin.get("/staff/jobs/runs?job=purge"))["runs"]
    assert [(r["job"], r["trigger"], r["outcome"], r["summary"]) for r in runs] == [
        ("purge", "schedule", "success", "Aucune famille à anonymiser"),
        ("purge", "schedule", "success", "1 famille(s) anonymisée(s)")]
    unknown = admin.get("/staff/jobs/runs?job=ménage")
    assert unknown.status_code == 400
    assert "purge" in body(unknown)["error"]["message"]
