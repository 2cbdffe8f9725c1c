"""Signing in and out, passwords."""
from __future__ import annotations

from chalice import Blueprint

from chalicelib.api.errors import json_response
from chalicelib.api.routing import (
    DEVICE_COOKIE,
    PUBLIC,
    SESSION,
    SESSION_COOKIE,
    Call,
    cookie,
    endpoint,
)
from chalicelib.domain.accounts import Principal
from chalicelib.domain.errors import ValidationError
from chalicelib.domain.sessions import ABSOLUTE_TIMEOUT

bp = Blueprint(__name__)


# A device stays known for a year after its last sign-in (browsers keep a cookie 400
# days at most).
DEVICE_COOKIE_AGE = 365 * 24 * 3600


def _cookie(call: Call, value: str, max_age: int, name: str = SESSION_COOKIE,
            path: str = "/api") -> str:
    # Path=/api: the site's static files never need the cookie.
    parts = [f"{name}={value}", f"Path={path}", f"Max-Age={max_age}",
             "HttpOnly", "SameSite=Strict"]
    if call.services.settings.secure_cookies:
        parts.append("Secure")
    return "; ".join(parts)


def _who(principal: Principal, call: Call | None = None) -> dict:
    body = {"role": principal.kind, "name": principal.name,
            "must_change_password": principal.must_change_password}
    if call is not None:
        # The commune's date from the server clock: pages default their periods to it.
        body["today"] = call.now.date().isoformat()
    if principal.kind == "family":
        body["family_number"] = principal.ref
    else:
        body["staff_role"] = principal.role
        body["email"] = principal.ref
    return body


@endpoint(bp, "/auth/login", ("POST",), audience=PUBLIC)
def login(call: Call):
    """Sign in with a family number, a family e-mail or a staff e-mail."""
    signed = call.services.auth.login(call.body.get("login"), call.body.get("password"),
                                      call.now, cookie(call.request, DEVICE_COOKIE))
    session = _cookie(call, signed.token, int(ABSOLUTE_TIMEOUT.total_seconds()))
    # The device cookie is read by sign-in only (Path=/api/auth/login), and outlives
    # sign-out: it is what lets this browser in while strangers hammer the account.
    device = _cookie(call, signed.device, DEVICE_COOKIE_AGE, DEVICE_COOKIE, "/api/auth/login")
    return json_response(_who(signed.principal), 200,
                         multi_headers={"Set-Cookie": [session, device]})


@endpoint(bp, "/auth/logout", ("POST",), audience=SESSION)
def logout(call: Call):
    """End the session server-side and clear the cookie."""
    call.services.auth.logout(call.signed_in)
    return json_response(None, 204, {"Set-Cookie": _cookie(call, "", 0)})


@endpoint(bp, "/auth/me", audience=SESSION)
def get_me(call: Call):
    """Who is signed in, and today's date for the commune."""
    return _who(call.principal, call)


@endpoint(bp, "/auth/password/forgot", ("POST",), audience=PUBLIC)
def forgot_password(call: Call):
    """Send a reset link to a known address; the answer never says whether it is known."""
    message = call.services.auth.forgot(call.body.get("email"), call.now, call.client)
    return json_response({"message": message}, 202)


@endpoint(bp, "/auth/password/reset", ("POST",), audience=PUBLIC)
def reset_password(call: Call):
    """Choose a new password with a reset link's token (no automatic sign-in)."""
    call.services.auth.reset(call.body.get("token"), call.body.get("password"), call.now)
    return json_response(None, 204)


@endpoint(bp, "/auth/password/change", ("POST",), audience=SESSION)
def change_password(call: Call):
    """Change one's own password, by default ending the other sessions."""
    end_others = call.body.get("end_other_sessions", True)
    if not isinstance(end_others, bool):
        raise ValidationError("« end_other_sessions » doit valoir true ou false.",
                              field="end_other_sessions")
    call.services.auth.change_password(call.signed_in, call.body.get("current_password"),
                                       call.body.get("password"), end_others, call.now)
    return json_response(None, 204)


@endpoint(bp, "/auth/email/confirm", ("POST",), audience=PUBLIC)
def confirm_email(call: Call):
    """The link sent to a new second address: the address becomes the family's."""
    email = call.services.families.confirm_email(call.body.get("token"), call.now)
    return {"email": email,
            "message": f"L'adresse {email} est confirmée : elle reçoit désormais les "
                       "courriels de la famille et permet de se connecter."}
