"""Input that used to crash the API (issue 15, point 2): each is now a 4xx in the error
shape, with a stable code, and changes nothing. An alarm fires on every 5xx in production:
a 5xx must mean a fault of ours, never a visitor's input."""
from __future__ import annotations

import base64
import json

import pytest

from tests.client import Api, body
from tests.demo import ADMIN, FAMILY


def signed_in(client, who) -> Api:
    api = Api(client)
    assert api.login(*who).status_code == 200
    return api


def assert_4xx(response, status: int, code: str):
    assert response.status_code == status, (response.status_code, response.body[:300])
    assert response.headers["Content-Type"].startswith("application/json")
    error = body(response)["error"]
    assert set(error) == {"code", "message", "details"} and error["code"] == code, error
    assert error["message"] and error["message"] != code
    return error


# -- invalid Unicode ---------------------------------------------------------------------

@pytest.mark.parametrize("raw", [
    '{"login": "\\ud800", "password": "x"}',                 # a lone high surrogate
    '{"login": "1001", "password": "\\udfff"}',              # in a password too
    '{"\\ud800": 1, "login": "1001", "password": "x"}',      # in a key
    '{"login": ["\\udc00"], "password": "x"}',               # in a list
])
def test_a_lone_surrogate_in_a_body_is_a_400_anonymously(api, raw):
    assert_4xx(api.post("/auth/login", raw=raw), 400, "invalid_character")


def test_bytes_that_are_not_utf8_are_a_400(api):
    response = api.post("/auth/login", raw=b'{"login": "\xff\xfe", "password": "x"}')
    assert_4xx(response, 400, "invalid_character")


def test_a_lone_surrogate_on_family_and_staff_routes_is_a_400_and_saves_nothing(client):
    family, admin = signed_in(client, FAMILY), signed_in(client, ADMIN)
    assert_4xx(family.put("/family", raw='{"address": "\\ud800"}'), 400, "invalid_character")
    assert_4xx(admin.post("/staff/families", raw='{"name": "\\ud800", '
                                                 '"emails": ["z@example.org"]}'),
               400, "invalid_character")
    assert body(family.get("/family"))["address"] == ""
    assert body(admin.get("/staff/families?q=z%40example.org"))["families"] == []


def test_a_lone_surrogate_in_the_query_string_is_a_400(client):
    admin = signed_in(client, ADMIN)
    response = admin.client.http.request(
        "GET", "/staff/families?q=\ud800", headers={"Cookie": f"cantine_session={admin.cookie}"})
    assert_4xx(response, 400, "invalid_character")


# -- nesting ---------------------------------------------------------------------------

@pytest.mark.parametrize("raw", [
    "[" * 1000 + "]" * 1000,
    '{"a":' * 1000 + "1" + "}" * 1000,
    '{"login": ' + "[" * 100_000 + "]" * 100_000 + "}",
    '{"changes": ' + "[" * 17 + "]" * 17 + "}",   # just past the limit
])
def test_json_nested_beyond_the_limit_is_a_400_anonymously(api, raw):
    assert_4xx(api.post("/auth/login", raw=raw), 400, "too_deep")


def test_json_within_the_limit_is_read(client):
    family = signed_in(client, FAMILY)
    response = family.put("/children/1001-1/bookings", raw=json.dumps(
        {"changes": [{"date": "2026-11-30", "service": "meal", "booked": True}]}))
    assert response.status_code == 200, response.body


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_non_json_numbers_are_a_400(api, constant):
    raw = f'{{"login": "1001", "password": "x", "n": {constant}}}'
    assert_4xx(api.post("/auth/login", raw=raw), 400, "invalid_request")


# -- dates out of range ----------------------------------------------------------------

FAMILY_DATES = [
    ("GET", "/family/bookings?from=9999-12-01&to=9999-12-31", None, "from"),
    ("GET", "/menus?from=9999-12-27&to=9999-12-31", None, "from"),
    ("PUT", "/children/1001-1/bookings",
     {"changes": [{"date": "9999-12-31", "service": "meal", "booked": True}]},
     "changes[0].date"),
    ("POST", "/children/1001-1/bookings/period",
     {"from": "9999-12-01", "to": "9999-12-31", "services": ["meal"], "weekdays": [1],
      "booked": True}, "from"),
]
STAFF_DATES = [
    ("GET", "/staff/headcounts?from=9999-12-27&to=9999-12-31", None, "from"),
    ("GET", "/staff/headcounts?from=0001-01-01&to=0001-01-02", None, "from"),
    ("GET", "/staff/attendance?date=9999-12-31", None, "date"),
    ("GET", "/staff/audit?from=9999-12-27&to=9999-12-31", None, "to"),
    ("GET", "/staff/exports/bookings.csv?from=9999-12-27&to=9999-12-31", None, "from"),
    ("GET", "/staff/exports/attendance.csv?from=9999-12-27&to=9999-12-31", None, "from"),
    ("GET", "/staff/exports/headcounts.csv?from=9999-12-27&to=9999-12-31", None, "from"),
    ("PUT", "/staff/menus/9999-12-27", {"days": []}, "week"),
    ("POST", "/staff/closures", {"start": "9999-12-30", "end": "9999-12-31", "label": "x"},
     "start"),
    ("PUT", "/staff/families/1001", {"income": {"qf": 100, "effective_from": "9999-12-31"}},
     "income.effective_from"),
    ("PUT", "/staff/attendance", {"date": "9999-12-31", "service": "meal",
                                  "child_id": "1001-1", "status": "present"}, "date"),
]


@pytest.mark.parametrize("method, path, payload, field", FAMILY_DATES)
def test_a_date_in_year_9999_on_a_family_route_is_a_400(client, method, path, payload, field):
    family = signed_in(client, FAMILY)
    error = assert_4xx(family.request(method, path, payload), 400, "date_out_of_range")
    assert error["details"] == {"field": field}


@pytest.mark.parametrize("method, path, payload, field", STAFF_DATES)
def test_a_date_out_of_range_on_a_staff_route_is_a_400(client, method, path, payload, field):
    admin = signed_in(client, ADMIN)
    error = assert_4xx(admin.request(method, path, payload), 400, "date_out_of_range")
    assert error["details"] == {"field": field}


def test_the_last_supported_day_still_works(client):
    admin = signed_in(client, ADMIN)
    response = admin.get("/staff/headcounts?from=2099-12-28&to=2099-12-31")
    assert response.status_code == 200, response.body


# -- forged page cursors ---------------------------------------------------------------

def _b64(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


@pytest.mark.parametrize("cursor", [
    _b64({"x": 1}),                                   # the old cursors: plain base64 JSON
    _b64({"kind": {"S": "family"}, "number": {"S": "1"}, "search_key": {"N": "x"}}),
    _b64({"kind": "family"}),
    "pas-un-curseur",
    "e30",
    "a.b",
    "x" * 5000,
])
def test_a_forged_cursor_is_a_400(client, cursor):
    admin = signed_in(client, ADMIN)
    error = assert_4xx(admin.get(f"/staff/families?cursor={cursor}"), 400, "invalid_cursor")
    assert error["details"] == {"field": "cursor"}


def test_a_cursor_is_valid_for_its_own_search_only(client, services, monkeypatch):
    admin = signed_in(client, ADMIN)
    for name in ("DUPONT", "DUPUIS", "DURAND"):
        assert admin.post("/staff/families", {"name": name, "emails": [
            f"{name.lower()}@example.org"]}).status_code == 201
    full_page = services.accounts.search_families
    monkeypatch.setattr(services.accounts, "search_families",
                        lambda text, start: full_page(text, start, limit=1))
    cursor = body(admin.get("/staff/families?q=DU"))["next"]
    assert cursor
    assert admin.get(f"/staff/families?q=DU&cursor={cursor}").status_code == 200
    assert_4xx(admin.get(f"/staff/families?q=TE&cursor={cursor}"), 400, "invalid_cursor")
    payload, mac = cursor.split(".")
    tampered = _b64({"kind": {"S": "family"}, "number": {"S": "1001"},
                     "search_key": {"S": "test#1001"}}).rstrip("=") + "." + mac
    assert_4xx(admin.get(f"/staff/families?q=DU&cursor={tampered}"), 400, "invalid_cursor")


# -- size --------------------------------------------------------------------------------

def test_an_oversize_body_is_a_400_before_anything_else(api):
    raw = '{"login": "' + "a" * 300_000 + '", "password": "x"}'
    assert_4xx(api.post("/auth/login", raw=raw), 400, "request_too_large")
    assert_4xx(api.post("/auth/login", raw=raw, headers={"Content-Type": "text/plain"}),
               400, "request_too_large")
