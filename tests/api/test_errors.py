"""Every error has one shape, ``{"error": {"code", "message", "details"}}``, in French, and
requests that are not JSON change nothing."""
import json

import pytest

from tests.client import body
from tests.demo import FAMILY, FAMILY_PASSWORD

NEW_FAMILY = {"name": "DUPONT", "emails": ["dupont@example.org"]}
FRENCH_WORDS = ("le ", "la ", "de ", "vous", "veuillez", "ressource", "requête", "mot de passe",
                "identifiant", "adresse", "accès")


def assert_error(response, status, code):
    assert response.status_code == status, response.body
    assert response.headers["Content-Type"].startswith("application/json")
    payload = body(response)
    assert list(payload) == ["error"]
    error = payload["error"]
    assert set(error) == {"code", "message", "details"}
    assert error["code"] == code
    message = error["message"]
    assert isinstance(message, str) and message != code
    assert any(word in message.lower() for word in FRENCH_WORDS), message
    return error


@pytest.mark.parametrize("method, path, payload, raw, status, code", [
    ("GET", "/auth/me", None, None, 401, "unauthenticated"),
    ("GET", "/family", None, None, 401, "unauthenticated"),
    ("POST", "/auth/login", {"login": "1001", "password": "faux mot de passe"}, None, 401,
     "invalid_credentials"),
    ("POST", "/auth/login", None, '{"login": "1001", "password": ', 400, "invalid_request"),
    ("POST", "/auth/login", None, "[1, 2]", 400, "invalid_request"),
    ("POST", "/auth/login", None, '"1001"', 400, "invalid_request"),
    ("POST", "/auth/login", None, "null", 400, "invalid_request"),
    ("POST", "/auth/password/forgot", None, "{'email': 'a@example.org'}", 400,
     "invalid_request"),
    ("POST", "/auth/password/reset", {"token": "x", "password": "cheval agrafe lune"}, None,
     400, "invalid_token"),
])
def test_errors_have_one_shape_with_a_french_message(api, method, path, payload, raw, status,
                                                      code):
    response = api.request(method, path, payload, raw=raw)
    assert_error(response, status, code)


def test_malformed_json_is_a_bad_request_not_a_crash(api):
    cut_short = json.dumps({"login": "1001", "password": FAMILY_PASSWORD})[:-1]
    response = api.post("/auth/login", raw=cut_short)
    assert_error(response, 400, "invalid_request")
    assert api.get("/auth/me").status_code == 401


def test_a_json_array_body_is_refused(admin, outbox):
    response = admin.post("/staff/families", raw=json.dumps([NEW_FAMILY]))
    assert_error(response, 400, "invalid_request")
    assert outbox() == []


@pytest.mark.parametrize("content_type, raw", [
    ("text/plain", json.dumps(NEW_FAMILY)),
    ("text/plain;charset=UTF-8", json.dumps(NEW_FAMILY)),
    ("application/x-www-form-urlencoded", "name=DUPONT&emails=dupont%40example.org"),
    ("multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"name\""
                                        "\r\n\r\nDUPONT\r\n--x--\r\n"),
])
def test_a_request_that_is_not_json_is_refused_with_415_and_creates_nothing(admin, outbox,
                                                                            content_type, raw):
    response = admin.post("/staff/families", raw=raw, headers={"Content-Type": content_type})
    assert_error(response, 415, "unsupported_media_type")
    assert outbox() == []
    # The address is still free: nothing was stored.
    assert admin.post("/staff/families", NEW_FAMILY).status_code == 201


def test_a_form_post_cannot_change_a_password(api, other_api):
    api.login(*FAMILY)
    response = api.post(
        "/auth/password/change",
        raw=f"current_password={FAMILY_PASSWORD}&password=cheval+agrafe+lune",
        headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert_error(response, 415, "unsupported_media_type")
    assert other_api.login(*FAMILY).status_code == 200


def test_a_text_plain_sign_in_is_refused_and_opens_no_session(api):
    response = api.post("/auth/login", raw=json.dumps({"login": "1001",
                                                       "password": FAMILY_PASSWORD}),
                        headers={"Content-Type": "text/plain"})
    assert_error(response, 415, "unsupported_media_type")
    assert "Set-Cookie" not in response.headers and "set-cookie" not in response.headers


def test_json_with_a_charset_is_accepted(api):
    response = api.login(*FAMILY)  # baseline: plain application/json
    assert response.status_code == 200
    response = api.post("/auth/password/forgot", {"email": "famille.test@example.org"},
                        headers={"Content-Type": "application/json; charset=utf-8"})
    assert response.status_code == 202


@pytest.mark.parametrize("method, path, payload, name", [
    ("POST", "/auth/password/forgot", {"email": "famille.test@example.org"}, "forgot"),
    ("POST", "/auth/login", {"login": "1001", "password": FAMILY_PASSWORD}, "login"),
    ("GET", "/auth/me", None, "authenticate"),
])
def test_an_unexpected_failure_is_a_500_that_leaks_nothing(api, services, monkeypatch,
                                                          method, path, payload, name):
    def explode(*_args, **_kwargs):
        raise RuntimeError("secret-detail in /var/task/chalicelib/services/x.py line 42")

    monkeypatch.setattr(services.auth, name, explode)
    api.cookie = "une-session"
    response = api.request(method, path, payload)
    error = assert_error(response, 500, "internal_error")
    assert error["details"] is None
    text = response.body.decode()
    for leak in ("Traceback", "RuntimeError", "secret-detail", ".py", "line 42"):
        assert leak not in text
