"""Signing in and out, sessions, throttling and passwords, through the HTTP API."""
from datetime import timedelta
from types import SimpleNamespace

import pytest

from chalicelib.api import auth as auth_api
from chalicelib.settings import load_settings
from chalicelib.storage.models import FamilyModel, ResetTokenModel, StaffModel
from tests.client import Api, body, link_token, set_cookies
from tests.demo import FAMILY, STAFF_EMAIL, STAFF_PASSWORD
from tests.demo import FAMILY_EMAIL as EMAIL
from tests.demo import FAMILY_NUMBER as NUMBER
from tests.demo import FAMILY_PASSWORD as PASSWORD

NEW_PASSWORD = "cheval agrafe lune"
WRONG = "pas-le-bon-mot-de-passe"

FAMILY_WHO = {"role": "family", "name": "TEST", "must_change_password": False,
              "family_number": NUMBER}
STAFF_WHO = {"role": "staff", "name": "Mairie", "must_change_password": False,
             "staff_role": "admin", "email": STAFF_EMAIL}


def advance(clock, **delta):
    clock.set(clock.now() + timedelta(**delta))


def set_cookie(response, name="cantine_session"):
    """The Set-Cookie header of one cookie (the session by default), or None."""
    return next((c for c in set_cookies(response) if c.startswith(name + "=")), None)


def cookie_parts(header):
    parts = [p.strip() for p in header.split(";")]
    return parts[0], set(parts[1:])


def who(response, expected):
    """The fields of ``expected`` in the answer (the spec allows more alongside)."""
    answer = body(response)
    return {key: answer.get(key) for key in expected}


def error_code(response):
    return body(response)["error"]["code"]


def reset_token_for(api, outbox, email=EMAIL):
    response = api.post("/auth/password/forgot", {"email": email})
    assert response.status_code == 202, response.body
    return link_token(outbox()[0]["text"])


def fail(api, login, times):
    for _ in range(times):
        response = api.login(login, WRONG)
        assert response.status_code == 401, response.body


# -- signing in ----------------------------------------------------------------------

@pytest.mark.parametrize("login", [NUMBER, f"  {NUMBER} ", EMAIL, "  Famille.TEST@Example.ORG  "])
def test_a_family_signs_in_with_its_number_or_its_email_in_any_case(api, login):
    response = api.login(login, PASSWORD)
    assert response.status_code == 200, response.body
    assert who(response, FAMILY_WHO) == FAMILY_WHO
    assert who(api.get("/auth/me"), FAMILY_WHO) == FAMILY_WHO


@pytest.mark.parametrize("login", [STAFF_EMAIL, " MAIRIE@example.org "])
def test_a_staff_member_signs_in_with_their_email(api, login):
    response = api.login(login, STAFF_PASSWORD)
    assert response.status_code == 200, response.body
    assert who(response, STAFF_WHO) == STAFF_WHO
    assert who(api.get("/auth/me"), STAFF_WHO) == STAFF_WHO


def test_the_session_cookie_is_http_only_strict_and_scoped_to_the_api(api):
    response = api.login(NUMBER, PASSWORD)
    pair, attributes = cookie_parts(set_cookie(response))
    name, value = pair.split("=", 1)
    assert name == "cantine_session" and len(value) >= 32
    assert {"HttpOnly", "SameSite=Strict", "Path=/api"} <= attributes
    assert "Secure" not in attributes  # the local stage is plain-HTTP loopback
    assert f"Max-Age={12 * 3600}" in attributes


def test_the_session_cookie_is_secure_outside_the_local_stage():
    call = SimpleNamespace(services=SimpleNamespace(
        settings=load_settings({"CANTINE_STAGE": "dev", "CANTINE_SIGNING_KEY": "k" * 32,
                                "CANTINE_ORIGIN_SECRET": "o" * 32})))
    _, attributes = cookie_parts(auth_api._cookie(call, "abc", 60))
    assert {"Secure", "HttpOnly", "SameSite=Strict", "Path=/api"} <= attributes


def test_each_sign_in_gets_its_own_session(api, other_api):
    api.login(NUMBER, PASSWORD)
    other_api.login(NUMBER, PASSWORD)
    assert api.cookie != other_api.cookie


@pytest.mark.parametrize("login, password", [
    (NUMBER, WRONG),                       # known number, wrong password
    (EMAIL, WRONG),                        # known e-mail, wrong password
    (STAFF_EMAIL, WRONG),                  # known staff e-mail, wrong password
    ("9999", PASSWORD),                    # unknown number
    ("personne@example.org", PASSWORD),    # unknown e-mail
    ("n'importe quoi", PASSWORD),          # neither a number nor an e-mail
    (NUMBER, PASSWORD.upper()),            # passwords are case-sensitive
])
def test_wrong_credentials_get_the_same_401_whether_the_login_exists_or_not(api, other_api,
                                                                           login, password):
    reference = other_api.login("8888", WRONG)
    response = api.login(login, password)
    assert response.status_code == 401
    assert error_code(response) == "invalid_credentials"
    assert response.body == reference.body
    assert set_cookie(response) is None
    assert api.get("/auth/me").status_code == 401


@pytest.mark.parametrize("payload", [{"login": NUMBER}, {"password": PASSWORD}, {},
                                     {"login": 1001, "password": PASSWORD}])
def test_a_sign_in_missing_a_field_is_a_bad_request(api, payload):
    response = api.post("/auth/login", payload)
    assert response.status_code == 400
    assert error_code(response) == "invalid_request"


# -- throttling ----------------------------------------------------------------------

def test_four_mistakes_do_not_stop_a_family_from_signing_in(api):
    fail(api, NUMBER, 4)
    assert api.login(NUMBER, PASSWORD).status_code == 200


def test_after_five_failures_even_the_right_password_waits_until_the_delay_passes(api, clock):
    fail(api, NUMBER, 5)
    refused = api.login(NUMBER, PASSWORD)
    assert refused.status_code == 429
    assert error_code(refused) == "too_many_attempts"
    assert refused.headers["Retry-After"] == "30"
    # The message says how long, and where to go instead.
    message = body(refused)["error"]["message"]
    assert "réessayez dans 30 secondes" in message and "Mot de passe oublié ?" in message
    assert set_cookie(refused) is None
    advance(clock, seconds=29)
    still = api.login(NUMBER, PASSWORD)
    assert still.status_code == 429 and still.headers["Retry-After"] == "1"
    assert "réessayez dans 1 seconde." in body(still)["error"]["message"]
    advance(clock, seconds=1)
    assert api.login(NUMBER, PASSWORD).status_code == 200


def test_a_stranger_hammering_a_login_delays_the_family_by_at_most_15_minutes(api, other_api,
                                                                             clock):
    waits = []
    counted = 0
    while counted < 12:
        response = other_api.login(NUMBER, WRONG)
        if response.status_code == 429:
            wait = int(response.headers["Retry-After"])
            waits.append(wait)
            advance(clock, seconds=wait)
        else:
            assert response.status_code == 401
            counted += 1
    assert waits[:6] == [30, 60, 120, 240, 480, 900]
    assert max(waits) == 900
    assert api.login(NUMBER, PASSWORD).status_code == 429
    advance(clock, minutes=15)
    assert api.login(NUMBER, PASSWORD).status_code == 200


def test_the_number_and_the_emails_share_one_budget_of_free_failures(api, other_api):
    # Issue 15: one counter per identifier gave a guesser three times the free failures.
    fail(other_api, NUMBER, 2)
    fail(other_api, EMAIL, 2)
    fail(other_api, "  Famille.TEST@example.org", 1)
    for login in (NUMBER, EMAIL):
        refused = api.login(login, PASSWORD)
        assert refused.status_code == 429 and refused.headers["Retry-After"] == "30"


def test_a_device_the_family_used_before_signs_in_while_its_number_is_hammered(
        client, api, other_api, clock):
    assert api.login(NUMBER, PASSWORD).status_code == 200   # the family's own phone
    assert api.device and api.post("/auth/logout").status_code == 204
    for _ in range(30):                                       # a stranger, for an hour
        other_api.login(NUMBER, WRONG)
        advance(clock, minutes=2)
    assert other_api.login(NUMBER, PASSWORD).status_code == 429
    assert Api(client).login(EMAIL, PASSWORD).status_code == 429   # any new browser waits
    response = api.login(NUMBER, PASSWORD)                   # … but not the family's
    assert response.status_code == 200, response.body
    assert who(response, FAMILY_WHO) == FAMILY_WHO


def test_a_device_cookie_has_its_own_small_budget_and_then_waits_too(api, other_api):
    assert api.login(NUMBER, PASSWORD).status_code == 200
    fail(other_api, NUMBER, 5)
    fail(api, NUMBER, 5)                      # five of its own, on the known device
    assert api.login(NUMBER, PASSWORD).status_code == 429


def test_a_device_cookie_of_another_account_or_forged_counts_for_nothing(client, api,
                                                                         other_api):
    assert api.login(STAFF_EMAIL, STAFF_PASSWORD).status_code == 200  # the admin's device
    fail(other_api, NUMBER, 5)
    assert api.login(NUMBER, PASSWORD).status_code == 429
    forged = Api(client)
    forged.device = api.device[:-4] + "AAAA"
    assert forged.login(STAFF_EMAIL, STAFF_PASSWORD).status_code == 200  # no harm done


def test_the_device_cookie_is_http_only_strict_long_lived_and_read_by_sign_in_only(api):
    header = set_cookie(api.login(NUMBER, PASSWORD), "cantine_device")
    pair, attributes = cookie_parts(header)
    assert pair.startswith("cantine_device=") and len(pair) > 60
    assert {"HttpOnly", "SameSite=Strict", "Path=/api/auth/login",
            f"Max-Age={365 * 24 * 3600}"} <= attributes
    out = api.post("/auth/logout")
    assert set_cookie(out, "cantine_device") is None  # signing out keeps the device known


@pytest.mark.parametrize("known, unknown", [(NUMBER, "9999"),
                                            (EMAIL, "personne@example.org")])
def test_the_429_answer_is_the_same_for_a_known_and_an_unknown_login(api, known, unknown):
    fail(api, known, 5)
    fail(api, unknown, 5)
    for_known = api.login(known, PASSWORD)
    for_unknown = api.login(unknown, PASSWORD)
    assert for_known.status_code == for_unknown.status_code == 429
    assert for_known.body == for_unknown.body
    assert for_known.headers["Retry-After"] == for_unknown.headers["Retry-After"]


def test_a_completed_password_reset_unlocks_every_login_of_the_account(api, other_api,
                                                                       outbox):
    fail(other_api, NUMBER, 3)
    fail(other_api, "FAMILLE.test@example.org", 2)
    assert api.login(EMAIL, PASSWORD).status_code == 429
    assert api.login(NUMBER, PASSWORD).status_code == 429
    token = reset_token_for(api, outbox)
    assert api.post("/auth/password/reset",
                    {"token": token, "password": NEW_PASSWORD}).status_code == 204
    assert api.login(NUMBER, NEW_PASSWORD).status_code == 200
    assert other_api.login(EMAIL, NEW_PASSWORD).status_code == 200


# -- signing out and sessions ----------------------------------------------------------

def test_logout_ends_the_session_on_the_server_not_just_in_the_browser(api):
    api.login(NUMBER, PASSWORD)
    old_cookie = api.cookie
    response = api.post("/auth/logout")
    assert response.status_code == 204
    pair, attributes = cookie_parts(set_cookie(response))
    assert pair == "cantine_session=" and "Max-Age=0" in attributes
    api.cookie = old_cookie  # replay the stolen or cached value
    replay = api.get("/auth/me")
    assert replay.status_code == 401


def test_logout_of_one_browser_leaves_the_other_signed_in(api, other_api):
    api.login(NUMBER, PASSWORD)
    other_api.login(NUMBER, PASSWORD)
    api.post("/auth/logout")
    assert other_api.get("/auth/me").status_code == 200


@pytest.mark.parametrize("others_before, others_after", [
    ("_ga=GA1.2.123.456", "lang=fr"),
    ('consent={"stats":false}', ""),               # JSON written by a consent banner
    ("bandeau=vu le 23/11", ""),                   # a value with spaces
    ("x[1]=2", "lang=fr"),
])
def test_the_session_is_recognised_among_the_sites_other_cookies(api, others_before,
                                                                 others_after):
    api.login(NUMBER, PASSWORD)
    header = "; ".join(c for c in (others_before, f"cantine_session={api.cookie}",
                                   others_after) if c)
    response = api.get("/auth/me", headers={"Cookie": header})
    assert response.status_code == 200, header
    assert who(response, FAMILY_WHO) == FAMILY_WHO


@pytest.mark.parametrize("cookie", [None, "inconnu", "x" * 300])
def test_without_a_valid_session_me_and_logout_answer_401(api, cookie):
    api.cookie = cookie
    for response in (api.get("/auth/me"), api.post("/auth/logout")):
        assert response.status_code == 401
        assert body(response)["error"]["code"] in ("unauthenticated", "session_expired")


def test_a_session_idle_for_an_hour_expires_but_activity_keeps_it_alive(api, clock):
    api.login(NUMBER, PASSWORD)
    advance(clock, minutes=59)
    assert api.get("/auth/me").status_code == 200
    advance(clock, minutes=59)  # 1 h 58 after signing in, 59 min after the last request
    assert api.get("/auth/me").status_code == 200
    advance(clock, minutes=61)
    assert api.get("/auth/me").status_code == 401
    assert api.get("/family").status_code == 401


def test_a_session_ends_12_hours_after_sign_in_however_active(api, clock):
    start = clock.now()
    api.login(NUMBER, PASSWORD)
    for step in range(1, 15):  # a request every 50 minutes, up to 11 h 40
        clock.set(start + timedelta(minutes=50 * step))
        assert api.get("/auth/me").status_code == 200, step
    clock.set(start + timedelta(hours=11, minutes=59))
    assert api.get("/auth/me").status_code == 200
    clock.set(start + timedelta(hours=12, minutes=1))
    assert api.get("/auth/me").status_code == 401


# -- forgotten password ----------------------------------------------------------------

@pytest.mark.parametrize("typed, recipient", [
    (EMAIL, EMAIL),
    ("  Famille.Test@EXAMPLE.org ", EMAIL),
    (STAFF_EMAIL, STAFF_EMAIL),
])
def test_a_known_address_receives_a_reset_link(api, outbox, typed, recipient):
    response = api.post("/auth/password/forgot", {"email": typed})
    assert response.status_code == 202
    [mail] = outbox()
    assert mail["to"] == [recipient]
    assert "token=" in mail["text"]
    assert len(link_token(mail["text"])) >= 32


def test_both_addresses_of_a_family_can_ask_for_a_reset_link(api, services, outbox):
    services.families.create_family(
        {"name": "DUPONT", "emails": ["maman@example.org", "papa@example.org"]},
        services.clock.now())
    for address in ("maman@example.org", "papa@example.org"):
        assert api.post("/auth/password/forgot", {"email": address}).status_code == 202
        assert outbox()[0]["to"] == [address]
        assert "token=" in outbox()[0]["text"]


def test_an_unknown_address_gets_the_same_answer_and_no_email(api, outbox):
    known = api.post("/auth/password/forgot", {"email": EMAIL})
    sent = len(outbox())
    unknown = api.post("/auth/password/forgot", {"email": "personne@example.org"})
    assert unknown.status_code == known.status_code == 202
    assert unknown.body == known.body
    assert "message" in body(unknown)
    assert len(outbox()) == sent


@pytest.mark.parametrize("payload", [{}, {"email": "pas-une-adresse"}, {"email": 12}])
def test_a_forgot_request_without_a_plausible_address_is_refused(api, outbox, payload):
    response = api.post("/auth/password/forgot", payload)
    assert response.status_code == 400
    assert body(response)["error"]["details"] == {"field": "email"}
    assert outbox() == []


def test_the_reset_token_is_stored_hashed(api, outbox):
    token = reset_token_for(api, outbox)
    items = list(ResetTokenModel.scan())
    assert len(items) == 1
    stored = items[0].attribute_values
    assert all(token not in str(value) for value in stored.values())


@pytest.mark.parametrize("minutes, status", [(59, 204), (61, 400)])
def test_a_reset_link_is_valid_for_one_hour(api, clock, outbox, minutes, status):
    token = reset_token_for(api, outbox)
    advance(clock, minutes=minutes)
    response = api.post("/auth/password/reset", {"token": token, "password": NEW_PASSWORD})
    assert response.status_code == status
    if status == 400:
        assert error_code(response) == "invalid_token"
        assert api.login(NUMBER, PASSWORD).status_code == 200


# -- password reset --------------------------------------------------------------------

def test_a_reset_sets_the_new_password_without_signing_in(api, outbox):
    token = reset_token_for(api, outbox)
    response = api.post("/auth/password/reset", {"token": token, "password": NEW_PASSWORD})
    assert response.status_code == 204
    assert set_cookie(response) is None
    assert api.get("/auth/me").status_code == 401
    assert api.login(NUMBER, PASSWORD).status_code == 401
    assert api.login(NUMBER, NEW_PASSWORD).status_code == 200


def test_a_reset_link_works_only_once(api, outbox):
    token = reset_token_for(api, outbox)
    assert api.post("/auth/password/reset",
                    {"token": token, "password": NEW_PASSWORD}).status_code == 204
    again = api.post("/auth/password/reset", {"token": token, "password": "autre phrase secrete"})
    assert again.status_code == 400
    assert error_code(again) == "invalid_token"
    assert api.login(NUMBER, "autre phrase secrete").status_code == 401


def test_a_weak_password_is_refused_without_burning_the_link(api, outbox):
    token = reset_token_for(api, outbox)
    weak = api.post("/auth/password/reset", {"token": token, "password": "court"})
    assert weak.status_code == 400
    assert error_code(weak) == "weak_password"
    assert api.post("/auth/password/reset",
                    {"token": token, "password": NEW_PASSWORD}).status_code == 204


@pytest.mark.parametrize("token", ["inventé", "A" * 43, "", None, "x" * 500])
def test_a_made_up_token_is_refused(api, token):
    response = api.post("/auth/password/reset", {"token": token, "password": NEW_PASSWORD})
    assert response.status_code == 400
    assert error_code(response) == "invalid_token"


def test_a_reset_ends_every_session_of_the_account(api, other_api, outbox):
    api.login(NUMBER, PASSWORD)
    other_api.login(EMAIL, PASSWORD)
    token = reset_token_for(api, outbox)
    assert api.post("/auth/password/reset",
                    {"token": token, "password": NEW_PASSWORD}).status_code == 204
    assert api.get("/auth/me").status_code == 401
    assert other_api.get("/auth/me").status_code == 401


def test_a_staff_member_can_reset_their_password(api, outbox):
    token = reset_token_for(api, outbox, STAFF_EMAIL)
    assert api.post("/auth/password/reset",
                    {"token": token, "password": NEW_PASSWORD}).status_code == 204
    assert who(api.login(STAFF_EMAIL, NEW_PASSWORD), STAFF_WHO) == STAFF_WHO


# -- password policy ---------------------------------------------------------------------

@pytest.mark.parametrize("password, accepted", [
    ("cheval agra", False),                 # 11 characters
    ("cheval agraf", True),                 # 12 characters, an ordinary passphrase
    ("lune-" * 25 + "sol", True),           # 128 characters
    ("lune-" * 25 + "sole", False),         # 129 characters
    ("motdepasse123", False),
    ("Motdepasse1234!", False),
    ("azertyuiop12", False),
    ("password1234", False),
    ("aaaaaaaaaaaa", False),
    ("Élève-ça-où-ß", True),
    ("日本語のパスワードですよね", True),
])
def test_the_password_policy_is_length_and_not_common(api, outbox, password, accepted):
    token = reset_token_for(api, outbox)
    response = api.post("/auth/password/reset", {"token": token, "password": password})
    if accepted:
        assert response.status_code == 204, response.body
        assert api.login(NUMBER, password).status_code == 200
    else:
        assert response.status_code == 400
        error = body(response)["error"]
        assert error["code"] == "weak_password"
        assert error["details"] == {"field": "password"}
        assert "mot de passe" in error["message"].lower()
        assert api.login(NUMBER, password).status_code == 401


def test_passwords_are_stored_as_argon2id_hashes(api, outbox):
    token = reset_token_for(api, outbox)
    api.post("/auth/password/reset", {"token": token, "password": NEW_PASSWORD})
    hashes = [f.password_hash for f in FamilyModel.scan()]
    hashes += [s.password_hash for s in StaffModel.scan()]
    assert hashes and all(h.startswith("$argon2id$") for h in hashes)
    assert not any(NEW_PASSWORD in h or PASSWORD in h for h in hashes)


# -- changing one's password --------------------------------------------------------------

def test_changing_the_password_replaces_the_old_one(api, other_api):
    api.login(NUMBER, PASSWORD)
    response = api.post("/auth/password/change", {
        "current_password": PASSWORD, "password": NEW_PASSWORD, "end_other_sessions": True})
    assert response.status_code == 204
    assert other_api.login(NUMBER, PASSWORD).status_code == 401
    assert other_api.login(NUMBER, NEW_PASSWORD).status_code == 200


def test_a_wrong_current_password_changes_nothing(api, other_api):
    api.login(NUMBER, PASSWORD)
    response = api.post("/auth/password/change", {
        "current_password": WRONG, "password": NEW_PASSWORD, "end_other_sessions": True})
    assert response.status_code == 400
    assert error_code(response) == "invalid_current_password"
    assert api.get("/auth/me").status_code == 200
    assert other_api.login(NUMBER, PASSWORD).status_code == 200


@pytest.mark.parametrize("new", ["court", "motdepasse123", PASSWORD])
def test_a_weak_or_unchanged_new_password_is_refused(api, new):
    api.login(NUMBER, PASSWORD)
    response = api.post("/auth/password/change", {
        "current_password": PASSWORD, "password": new, "end_other_sessions": False})
    assert response.status_code == 400
    assert error_code(response) == "weak_password"


@pytest.mark.parametrize("end_others, other_survives", [(True, False), (False, True)])
def test_changing_the_password_ends_the_other_sessions_only_when_asked(api, other_api,
                                                                       end_others,
                                                                       other_survives):
    api.login(NUMBER, PASSWORD)
    other_api.login(EMAIL, PASSWORD)
    response = api.post("/auth/password/change", {
        "current_password": PASSWORD, "password": NEW_PASSWORD,
        "end_other_sessions": end_others})
    assert response.status_code == 204
    assert api.get("/auth/me").status_code == 200
    assert (other_api.get("/auth/me").status_code == 200) is other_survives


def test_changing_the_password_needs_a_session(api):
    response = api.post("/auth/password/change", {
        "current_password": PASSWORD, "password": NEW_PASSWORD, "end_other_sessions": True})
    assert response.status_code == 401


def test_failures_older_than_a_day_are_forgotten(api, services):
    from datetime import timedelta
    for _ in range(5):
        api.login("1001", "pas le bon mot de passe")
    assert api.login("1001", "pas le bon mot de passe").status_code == 429
    services.clock.set(services.clock.now() + timedelta(hours=25))
    # A day later the count starts again: four more mistakes are still free.
    for _ in range(4):
        assert api.login("1001", "pas le bon mot de passe").status_code == 401
    assert api.login(*FAMILY).status_code == 200
