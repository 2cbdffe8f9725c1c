"""The parents' home page in one call, and what it costs in DynamoDB requests."""
from __future__ import annotations

import pytest

from tests.client import Api, body, pay
from tests.demo import ADMIN, FAMILY
from tests.requests_counter import count_dynamodb_requests


def ok(response, status=200):
    assert response.status_code == status, response.body
    return body(response)


@pytest.fixture
def two_children(client):
    """Family 1001 with TOTO and LILI, both booked in December, and a payment received."""
    admin = Api(client)
    ok(admin.login(*ADMIN))
    lili = ok(admin.post("/staff/families/1001/children",
                         {"first_name": "Lili", "last_name": "TEST"}), 201)["id"]
    ok(pay(admin, "1001", {
        "amount_cents": 1250, "method": "cheque", "reference": "88", "date": "2026-11-20"}),
        201)
    parent = Api(client)
    ok(parent.login(*FAMILY))
    for child, day in (("1001-1", "2026-12-01"), (lili, "2026-12-03")):
        ok(parent.put(f"/children/{child}/bookings", {"changes": [
            {"date": day, "service": "meal", "booked": True},
            {"date": day, "service": "care_evening", "booked": True}]}))
    return parent, lili


def test_the_home_page_shows_the_family_the_balance_and_each_childs_bookings(two_children):
    parent, lili = two_children
    home = ok(parent.get("/family/home"))
    assert home["family"]["name"] == "TEST"
    assert home["family"]["today"] == "2026-11-23"
    assert [c["first_name"] for c in home["family"]["children"]] == ["TOTO", "Lili"]
    assert home["statement"]["balance_cents"] == -1250  # paid in advance: a credit
    # Today's "SOLDE A CE JOUR" line first, then the payment.
    assert [(l["type"], l["credit_cents"]) for l in home["statement"]["lines"][:2]] == [
        ("today", 0), ("payment", 1250)]
    days = {c["id"]: [(d["date"], d["services"]) for d in c["days"]]
            for c in home["bookings"]["children"]}
    assert days == {"1001-1": [("2026-12-01", ["meal", "care_evening"])],
                    lili: [("2026-12-03", ["meal", "care_evening"])]}
    assert home["bookings"]["to"] == "2027-02-21"  # 90 days ahead
    # The same figures as the pages that show each part on its own.
    assert home["statement"] == ok(parent.get("/family/statement?limit=5"))
    assert home["bookings"] == ok(parent.get("/family/bookings?to=2027-02-21"))


def test_the_home_page_takes_three_dynamodb_requests_whatever_the_number_of_children(
        two_children):
    parent, _ = two_children
    with count_dynamodb_requests() as calls:
        ok(parent.get("/family/home"))
    # The session with the family and the settings, the account, the bookings of all
    # children.
    assert sum(calls.values()) <= 3, calls
    assert calls["BatchGetItem"] == 1 and calls["Query"] == 2, calls


@pytest.mark.parametrize("path", ["/family", "/children/1001-1/calendar?month=2026-12"])
def test_family_pages_use_the_settings_read_with_the_family(two_children, path):
    parent, _ = two_children
    with count_dynamodb_requests() as calls:
        ok(parent.get(path))
    # The session, the family and the settings in one BatchGetItem (a family's cookie
    # names its number): the settings are never read again on their own.
    assert calls["BatchGetItem"] == 1 and "GetItem" not in calls, calls


def test_the_booking_grid_loads_in_one_call_and_three_dynamodb_requests(client,
                                                                        two_children):
    parent, lili = two_children
    admin = Api(client)
    ok(admin.login(*ADMIN))
    ok(admin.put("/staff/menus/2026-11-30", {"days": [
        {"date": "2026-12-01", "dishes": [{"name": "Hachis parmentier",
                                            "allergens": ["lait"]}]}]}))
    with count_dynamodb_requests() as calls:
        grid = ok(parent.get("/children/1001-1/calendar?month=2026-12"))
    # The session with the family and the settings, the child's month, the month's menus.
    assert sum(calls.values()) <= 3, calls
    # Everything the page draws comes with it: the other children to copy to, today's
    # date for the deadlines, the commune's name, the menu beside each day.
    assert [c["first_name"] for c in grid["family"]["children"]] == ["TOTO", "Lili"]
    assert grid["family"]["today"] == "2026-11-23"
    assert grid["family"]["commune_name"]
    assert [d["date"] for d in grid["menus"]["days"]] == ["2026-12-01"]
    assert grid["menus"]["days"][0]["dishes"][0]["name"] == "Hachis parmentier"
    assert [d["date"] for d in grid["days"]][0] == "2026-12-01"



def test_the_settings_pass_as_arguments_never_through_a_process_wide_object(two_children,
                                                                             services):
    parent, _ = two_children
    ok(parent.get("/family/home"))
    # A warm Lambda container serves the next request with the same objects: nothing of
    # this request's settings may stay on them for the next caller to read.
    assert set(vars(services.commune)) == {"_repository"}
