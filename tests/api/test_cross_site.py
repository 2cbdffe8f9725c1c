"""Writes come from the portal's own pages only (issue 15, point 1).

A page of another site — even a sibling subdomain, which SameSite=Strict cookies treat
as the same site — can make the browser send an empty POST, or a form, with the staff
member's cookie, without asking. So every write must say ``application/json`` (which no
page can send to another origin without a CORS permission the API never gives), and a
write whose ``Origin`` (or, failing it, ``Sec-Fetch-Site``) is not the portal's is refused.
"""
from __future__ import annotations

import pytest

from tests.client import Api, body
from tests.demo import ADMIN

PORTAL = "http://127.0.0.1:8000"  # CANTINE_SITE_URL of the tests (tests/conftest.py)
SIBLING = "http://127.0.0.1:9000"  # same site for cookies (ports do not count), not the portal

# The three forgeries of the issue: archive a family, replace its password (a new
# temporary one), cancel an invoice; and a staff account deleted, a closure removed.
EMPTY_WRITES = [
    ("POST", "/staff/families/1001/archive"),
    ("POST", "/staff/families/1001/credentials"),
    ("POST", "/staff/families/1001/invoices/2026-000001/credit-note"),
    ("POST", "/staff/jobs/lock"),
    ("POST", "/auth/logout"),
]


def family_state(admin: Api) -> tuple[bool, int]:
    details = body(admin.get("/staff/families/1001"))
    return details["archived"], len(body(admin.get("/staff/audit"))["entries"])


def assert_refused(response, status: int, code: str) -> None:
    assert response.status_code == status, response.body
    assert response.headers["Content-Type"].startswith("application/json")
    assert body(response)["error"]["code"] == code


@pytest.mark.parametrize("method, path", EMPTY_WRITES)
def test_an_empty_write_without_the_json_content_type_is_refused(admin, outbox, method, path):
    before = family_state(admin)
    # What a hostile page's fetch(…, {method: "POST", credentials: "include"}) sends.
    response = admin.request(method, path, headers={"Content-Type": ""})
    assert_refused(response, 415, "unsupported_media_type")
    assert family_state(admin) == before
    assert outbox() == []
    assert admin.get("/auth/me").status_code == 200  # not even signed out


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x"])
def test_an_empty_form_post_is_refused(admin, outbox, content_type):
    before = family_state(admin)
    response = admin.post("/staff/families/1001/credentials",
                          headers={"Content-Type": content_type})
    assert_refused(response, 415, "unsupported_media_type")
    assert family_state(admin) == before and outbox() == []


@pytest.mark.parametrize("headers", [
    {"Origin": SIBLING},
    {"Origin": "https://cantine.example.org.attaquant.fr"},
    {"Origin": "null"},  # sandboxed frames, some redirects
    {"Sec-Fetch-Site": "same-site"},
    {"Sec-Fetch-Site": "cross-site"},
    {"Origin": SIBLING, "Sec-Fetch-Site": "same-origin"},  # Origin decides when present
])
@pytest.mark.parametrize("method, path", EMPTY_WRITES[:3])
def test_a_json_write_from_another_origin_is_refused_with_403(admin, outbox, headers,
                                                             method, path):
    before = family_state(admin)
    response = admin.request(method, path, {}, headers=headers)
    assert_refused(response, 403, "cross_site_request")
    assert "portail" in body(response)["error"]["message"]
    assert family_state(admin) == before and outbox() == []


def test_a_sign_in_from_another_origin_opens_no_session(api):
    response = api.post("/auth/login", {"login": ADMIN[0], "password": ADMIN[1]},
                        headers={"Origin": SIBLING})
    assert_refused(response, 403, "cross_site_request")
    assert api.cookie is None


@pytest.mark.parametrize("headers", [
    {"Origin": PORTAL},
    {"Origin": PORTAL + "/"},
    {"Origin": "http://localhost:8000"},  # the same local server under its other name
    {"Sec-Fetch-Site": "same-origin"},
    {},  # no browser: a script or a server rides nobody's cookie
])
def test_the_portals_own_writes_and_scripts_go_through(admin, headers):
    response = admin.post("/staff/families/1001/archive", {}, headers=headers)
    assert response.status_code == 200, response.body
    assert body(response)["archived"] is True


def test_reads_are_not_checked_for_their_origin(admin):
    assert admin.get("/staff/families/1001", headers={"Origin": SIBLING}).status_code == 200


def test_payfips_server_notification_is_not_a_browser_write(api):
    # PayFip's own server posts a form; what it says is checked with PayFip anyway.
    response = api.post("/payfip/notification", raw="idop=inconnu",
                        headers={"Content-Type": "application/x-www-form-urlencoded",
                                 "Origin": "https://www.payfip.gouv.fr"})
    assert response.status_code == 200, response.body


def test_the_portals_origin_comes_from_the_site_url_setting():
    from chalicelib.settings import load_settings
    settings = load_settings({"CANTINE_STAGE": "local",
                              "CANTINE_SITE_URL": "https://Cantine.Mairie.fr:443/"})
    assert settings.site_origin == "https://cantine.mairie.fr"
    assert settings.allowed_origins == {"https://cantine.mairie.fr"}
