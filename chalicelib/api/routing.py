"""Declaring endpoints: who may call each one is stated at the route and enforced here.

Every view receives a ``Call`` and returns a JSON-able value or a chalice ``Response``.
``ENDPOINTS`` lists every declared route with its audience, for the access-matrix tests.
"""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable

from chalice import Blueprint, Response

from chalicelib import wiring
from chalicelib.api.errors import LOG, from_exception, json_response
from chalicelib.domain.accounts import Family, Principal
from chalicelib.domain.errors import DomainError, Forbidden, NotFound, ValidationError
from chalicelib.services.auth import CurrentSession, ensure_password_changed

SESSION_COOKIE = "cantine_session"
MUTATING = {"POST", "PUT", "PATCH", "DELETE"}
MAX_BODY = 256 * 1024

PUBLIC = "public"      # anyone
SESSION = "session"    # any signed-in account, even before a temporary password is changed
FAMILY = "family"      # a family whose password is its own
STAFF = "staff"        # a staff member with one of the listed roles
MEMBER = "member"      # any signed-in family or staff member whose password is its own
AUDIENCES = (PUBLIC, SESSION, FAMILY, STAFF, MEMBER)


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    audience: str
    roles: tuple[str, ...] = ()


ENDPOINTS: list[Endpoint] = []


class UnsupportedMediaType(DomainError):
    status = 415
    code = "unsupported_media_type"
    message = "Le corps de la requête doit être au format JSON (application/json)."


@dataclass
class Call:
    """What a view needs: the request's parts, the caller and the services."""
    request: Any
    params: dict[str, str]
    services: wiring.Container
    now: datetime
    body: dict[str, Any] = field(default_factory=dict)
    session: CurrentSession | None = None
    audit_entries: list[tuple[str, str, Any, Any]] = field(default_factory=list)

    def audit(self, action: str, target: str, before: Any, after: Any) -> None:
        """Note a write for the audit log, written once the view has succeeded."""
        self.audit_entries.append((action, target, before, after))

    @property
    def who(self) -> str:
        """How the audit log names the caller."""
        principal = self.principal
        return principal.ref if principal.kind == "staff" else f"famille {principal.ref}"

    @property
    def principal(self) -> Principal:
        """The signed-in account (views behind an audience other than PUBLIC)."""
        assert self.session is not None
        return self.session.principal

    def header(self, name: str) -> str | None:
        """A request header (case-insensitive name), or None."""
        return _header(self.request, name)

    @property
    def query(self) -> dict[str, str]:
        """Query-string parameters (last value wins)."""
        return dict(self.request.query_params or {})

    def family_number(self) -> str:
        """The caller's family number."""
        return self.principal.ref

    def family(self) -> Family:
        """The caller's family, as read when the session was checked."""
        assert self.session is not None and self.session.family is not None
        return self.session.family


def _header(request: Any, name: str) -> str | None:
    headers = request.headers
    return headers.get(name) if headers is not None else None


def session_token(request: Any) -> str | None:
    """The session token from the cookie header, if any.

    Parsed by hand: ``http.cookies`` gives up on the whole header when any other cookie
    of the site is not to its taste (JSON values, brackets, accents).
    """
    raw = _header(request, "cookie")
    if not raw:
        return None
    for part in raw.split(";"):
        name, sep, value = part.strip().partition("=")
        if sep and name.strip() == SESSION_COOKIE:
            return value.strip().strip('"') or None
    return None


def _read_body(request: Any, method: str, form: bool = False) -> dict[str, Any]:
    raw = request.raw_body or b""
    if method not in MUTATING or not raw.strip():
        return {}
    content_type = (_header(request, "content-type") or "").split(";")[0].strip().lower()
    if form and content_type == "application/x-www-form-urlencoded":
        # Only for callers that cannot send JSON (PayFip's server notification).
        from urllib.parse import parse_qs
        try:
            fields = parse_qs(raw.decode("utf-8"), max_num_fields=20)
        except (UnicodeDecodeError, ValueError):
            raise ValidationError("Formulaire illisible.") from None
        return {k: v[-1] for k, v in fields.items()}
    if content_type != "application/json":
        # Also what stops cross-site form posts: browsers cannot send JSON without CORS.
        raise UnsupportedMediaType()
    if len(raw) > MAX_BODY:
        raise ValidationError("La requête est trop volumineuse.", code="request_too_large")
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ValidationError("Le corps de la requête n'est pas un JSON valide.") from None
    if not isinstance(body, dict):
        raise ValidationError("Le corps de la requête doit être un objet JSON.")
    return body


def _authorize(call: Call, audience: str, roles: tuple[str, ...]) -> None:
    if audience == PUBLIC:
        return
    call.session = call.services.auth.authenticate(session_token(call.request), call.now)
    principal = call.session.principal
    if audience == SESSION:
        return
    if audience == MEMBER:
        ensure_password_changed(principal)
        return
    if audience == FAMILY:
        if principal.kind != "family":
            # Staff hitting a family URL: the family-side resource does not exist for them.
            raise NotFound()
        ensure_password_changed(principal)
        return
    if principal.kind != "staff" or (roles and principal.role not in roles):
        raise Forbidden("Cette action est réservée au personnel habilité.")
    ensure_password_changed(principal)


def _write_audit(call: Call, audience: str, method: str, path: str) -> None:
    """Every staff write leaves a trace; views add the before/after they know."""
    if method not in MUTATING or call.session is None:
        return
    entries = call.audit_entries
    if not entries and audience == STAFF:
        target = "/".join(f"{k}={v}" for k, v in sorted(call.params.items()))
        entries = [(f"{method} {path}", target, None, call.body or None)]
    for action, target, before, after in entries:
        try:
            call.services.audit.record(call.who, action, target, before, after, call.now)
        except Exception:  # noqa: BLE001 - the write is done; losing its trace is logged
            LOG.exception("audit entry lost: %s %s", action, target)


def endpoint(bp: Blueprint, path: str, methods: tuple[str, ...] = ("GET",), *,
             audience: str, roles: tuple[str, ...] = (), form: bool = False) -> Callable:
    """Register ``view(call)`` on ``bp`` behind the given audience (and staff roles)."""
    if audience not in AUDIENCES:
        raise ValueError(f"unknown audience {audience!r}")
    if audience == STAFF and not roles:
        raise ValueError("staff endpoints must name the roles they admit")

    def decorator(view: Callable[[Call], Any]) -> Callable:
        for method in methods:
            ENDPOINTS.append(Endpoint(method, path, audience, roles))

        @functools.wraps(view)
        def handler(**params: str) -> Response:
            request = bp.current_request
            try:
                services = wiring.container()
                call = Call(request=request, params=params, services=services,
                            now=services.clock.now())
                call.body = _read_body(request, request.method, form)
                _authorize(call, audience, roles)
                if call.session is not None and call.session.family is not None:
                    # The settings came with the family: this request reads them no more.
                    with services.commune.read_with_session(call.session.settings):
                        result = view(call)
                else:
                    result = view(call)
                _write_audit(call, audience, request.method, path)
            except Exception as exc:  # noqa: BLE001 - the one place errors become HTTP
                return from_exception(exc)
            if isinstance(result, Response):
                return result
            return json_response(result)

        # Accept every content type at the routing layer: ``_read_body`` answers bad
        # ones in the product's own error shape instead of Chalice's.
        bp.route(path, methods=list(methods), content_types=["*/*"])(handler)
        return handler

    return decorator
