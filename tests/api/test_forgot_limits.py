""""Mot de passe oublié" is limited per address and per client, with the same neutral
answer (issue 15, point 3): it used to send an e-mail on every call, so anyone could fill
a family's mailbox, or have the portal's domain mark itself as a spammer."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from chalicelib.services.auth import FORGOT_ANSWER, FORGOT_PER_ADDRESS, FORGOT_PER_CLIENT
from tests.client import body

KNOWN = "famille.test@example.org"


def forgot(api, email, headers=None):
    response = api.post("/auth/password/forgot", {"email": email}, headers=headers)
    assert response.status_code == 202, response.body
    assert body(response) == {"message": FORGOT_ANSWER}
    return response


def links(outbox, email=KNOWN):
    return [m for m in outbox() if m["to"] == [email] and "reinitialiser.html" in m["text"]]


def test_an_address_gets_a_few_links_an_hour_and_then_the_same_answer_and_no_mail(
        api, outbox, clock):
    answers = {forgot(api, KNOWN).body for _ in range(FORGOT_PER_ADDRESS + 4)}
    assert len(answers) == 1
    assert len(links(outbox)) == FORGOT_PER_ADDRESS
    clock.set(clock.now() + timedelta(hours=1))
    forgot(api, KNOWN)
    assert len(links(outbox)) == FORGOT_PER_ADDRESS + 1


def test_the_case_of_the_address_does_not_buy_more_links(api, outbox):
    for email in ("famille.test@example.org", "FAMILLE.TEST@example.org",
                  " Famille.Test@Example.org ", "famille.TEST@EXAMPLE.ORG"):
        forgot(api, email)
    assert len(links(outbox)) == FORGOT_PER_ADDRESS


def test_a_client_asking_for_many_addresses_is_answered_alike_and_sends_nothing_more(
        api, outbox):
    for i in range(FORGOT_PER_CLIENT):
        forgot(api, f"inconnu{i}@example.org")
    forgot(api, KNOWN)  # the client's budget is spent: even a known address gets nothing
    assert links(outbox) == []


def test_behind_cloudfront_the_client_is_the_viewer_cloudfront_names(api, services, outbox,
                                                                      monkeypatch):
    secret = "s" * 40
    monkeypatch.setattr(services, "settings", replace(services.settings, origin_secret=secret))
    viewer = {"X-Origin-Verify": secret, "CloudFront-Viewer-Address": "203.0.113.7:50432"}
    for i in range(FORGOT_PER_CLIENT):
        forgot(api, f"inconnu{i}@example.org", viewer)
    forgot(api, KNOWN, viewer)
    assert links(outbox) == []
    other = {"X-Origin-Verify": secret, "CloudFront-Viewer-Address": "[2001:db8::1]:443"}
    forgot(api, KNOWN, other)  # another visitor is not held back by the first one
    assert len(links(outbox)) == 1


@pytest.mark.parametrize("headers", [{}, {"X-Origin-Verify": "pas-le-secret"},
                                     {"X-Origin-Verify": ""}])
def test_behind_cloudfront_a_request_without_its_secret_header_is_refused_first(
        api, services, monkeypatch, outbox, headers):
    monkeypatch.setattr(services, "settings",
                        replace(services.settings, origin_secret="s" * 40))
    for method, path in (("GET", "/health"), ("POST", "/auth/password/forgot"),
                         ("GET", "/auth/me")):
        response = api.request(method, path, {"email": KNOWN} if method == "POST" else None,
                               headers=headers)
        assert response.status_code == 403, (path, response.body)
        assert body(response)["error"]["code"] == "forbidden"
    assert outbox() == []
    ok = api.get("/health", headers={"X-Origin-Verify": "s" * 40})
    assert ok.status_code == 200


def test_the_reset_link_carries_its_token_after_the_hash_out_of_every_server_log(api, outbox):
    forgot(api, KNOWN)
    [mail] = links(outbox)
    assert "/reinitialiser.html#token=" in mail["text"]
    assert "?token=" not in mail["text"]
