"""Declaring endpoints: who may call each one is stated at the route and enforced here.

Every view receives a ``Call`` and returns a JSON-able value or a chalice ``Response``.
``ENDPOINTS`` lists every declared route with its audience, for the access-matrix tests.
"""
from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from chalice import Blueprint, Response

from chalicelib import wiring
from chalicelib.api.errors import LOG, from_exception, json_response
from chalicelib.domain.accounts import Family, Principal
from chalicelib.domain.commune import CommuneSettings, default_settings
from chalicelib.domain.errors import DomainError, Forbidden, NotFound, ValidationError
from chalicelib.domain.text import has_surrogate, strip_invisible
from chalicelib.services.auth import CurrentSession, ensure_password_changed
from chalicelib.services.security import same
from chalicelib.settings import ORIGIN_HEADER

SESSION_COOKIE = "cantine_session"
DEVICE_COOKIE = "cantine_device"
VIEWER_ADDRESS_HEADER = "CloudFront-Viewer-Address"
# The request headers the API reads: CloudFront forwards these (infra/template.py), and the
# origin header it adds itself.
REQUEST_HEADERS = ("Accept", "Content-Type", "Origin", "Sec-Fetch-Site",
                   VIEWER_ADDRESS_HEADER)
MUTATING = {"POST", "PUT", "PATCH", "DELETE"}
MAX_BODY = 256 * 1024
# No request of the API nests deeper than 4; 16 leaves room and stops "[[[[…" bombs.
MAX_DEPTH = 16
# Body fields kept exactly as typed (see chalicelib.domain.text).
SECRET_FIELDS = frozenset({"password", "current_password"})

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


class CrossSiteRequest(Forbidden):
    code = "cross_site_request"
    message = ("Requête refusée : elle ne vient pas d'une page du portail. "
               "Ouvrez le portail à son adresse habituelle et recommencez.")


class NotThroughCloudFront(Forbidden):
    code = "forbidden"
    message = "Accès refusé."


class TooDeep(ValidationError):
    def __init__(self) -> None:
        super().__init__(f"Le corps de la requête est trop imbriqué ({MAX_DEPTH} niveaux au "
                         "plus).", code="too_deep")


class InvalidCharacter(ValidationError):
    def __init__(self, field: str | None = None) -> None:
        super().__init__("La requête contient un caractère invalide (texte Unicode mal "
                         "formé).", field=field, code="invalid_character")


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
    _settings: CommuneSettings | None = field(default=None, repr=False)

    @property
    def settings(self) -> CommuneSettings:
        """The commune's settings for this request: those read with the family when a
        family is signed in (one round trip for both), else read once when first asked.
        Views hand them to the services that need them."""
        if self._settings is None:
            if self.session is not None and self.session.family is not None:
                self._settings = self.session.settings or default_settings()
            else:
                self._settings = self.services.commune.get()
        return self._settings

    def audit(self, action: str, target: str, before: Any, after: Any) -> None:
        """Note a write for the audit log, written once the view has succeeded."""
        self.audit_entries.append((action, target, before, after))

    @property
    def who(self) -> str:
        """How the audit log names the caller."""
        principal = self.principal
        return principal.ref if principal.kind == "staff" else f"famille {principal.ref}"

    @property
    def client(self) -> str:
        """The visitor's IP address (limits per client)."""
        return client_address(self.request, bool(self.services.settings.origin_secret))

    @property
    def signed_in(self) -> CurrentSession:
        """The caller's session (views behind an audience other than PUBLIC)."""
        assert self.session is not None
        return self.session

    @property
    def principal(self) -> Principal:
        """The signed-in account (views behind an audience other than PUBLIC)."""
        return self.signed_in.principal

    def header(self, name: str) -> str | None:
        """A request header (case-insensitive name), or None."""
        return _header(self.request, name)

    def idempotency_key(self) -> Any:
        """The request's once-only key: the ``Idempotency-Key`` header, else the body's
        ``idempotency_key``. A body key that is not text (``null`` included) is refused
        even when the header is there: the request is not what the page meant to send. The service checks the
        key's form."""
        in_body = self.body.get("idempotency_key")
        if "idempotency_key" in self.body and not isinstance(in_body, str):
            raise ValidationError("Clé d'envoi invalide (idempotency_key : du texte, 8 à 80 "
                                  "lettres, chiffres, - ou _).", field="idempotency_key",
                                  code="idempotency_key_required")
        return self.header("idempotency-key") or in_body

    @property
    def query(self) -> dict[str, str]:
        """Query-string parameters (last value wins), invisible characters dropped."""
        return {name: strip_invisible(value)
                for name, value in (self.request.query_params or {}).items()}

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


def cookie(request: Any, wanted: str) -> str | None:
    """One cookie's value from the cookie header, if any.

    Parsed by hand: ``http.cookies`` gives up on the whole header when any other cookie
    of the site is not to its taste (JSON values, brackets, accents).
    """
    raw = _header(request, "cookie")
    if not raw:
        return None
    for part in raw.split(";"):
        name, sep, value = part.strip().partition("=")
        if sep and name.strip() == wanted:
            return value.strip().strip('"') or None
    return None


def session_token(request: Any) -> str | None:
    """The session token from the cookie header, if any."""
    return cookie(request, SESSION_COOKIE)


def client_address(request: Any, behind_cloudfront: bool) -> str:
    """The visitor's IP address, for limits per client.

    Behind CloudFront, the address API Gateway sees is CloudFront's: CloudFront names the
    viewer in ``CloudFront-Viewer-Address`` ("ip:port"), which no visitor can set, since
    the request was checked to come through CloudFront (the origin header). Locally,
    the connection's own address."""
    if behind_cloudfront:
        viewer = _header(request, VIEWER_ADDRESS_HEADER) or ""
        address = viewer.rsplit(":", 1)[0].strip("[]") if ":" in viewer else viewer
        if address:
            return address
    context = getattr(request, "context", None) or {}
    return str((context.get("identity") or {}).get("sourceIp") or "")


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # NaN, Infinity: Python's json accepts them


def _clean(value: Any, where: str, depth: int = 1) -> Any:
    """Check and clean a decoded JSON body: bounded nesting, valid Unicode, and no
    invisible characters in free text (passwords are left as typed: their policy refuses
    invisible characters with its own message)."""
    if depth > MAX_DEPTH:
        raise TooDeep()
    if isinstance(value, str):
        if has_surrogate(value):
            raise InvalidCharacter(field=where or None)
        return value if where.rsplit(".", 1)[-1] in SECRET_FIELDS else strip_invisible(value)
    if isinstance(value, dict):
        cleaned = {}
        for key, item in value.items():
            if has_surrogate(key):
                raise InvalidCharacter(field=where or None)
            name = f"{where}.{key}" if where else key
            cleaned[key] = _clean(item, name, depth + 1)
        return cleaned
    if isinstance(value, list):
        return [_clean(item, f"{where}[{index}]", depth + 1) for index, item in enumerate(value)]
    return value


def _read_body(request: Any, method: str, form: bool = False,
               max_body: int = MAX_BODY) -> dict[str, Any]:
    if method not in MUTATING:
        return {}
    raw = request.raw_body or b""
    if len(raw) > max_body:
        raise ValidationError("La requête est trop volumineuse.", code="request_too_large")
    content_type = (_header(request, "content-type") or "").split(";")[0].strip().lower()
    if form and content_type == "application/x-www-form-urlencoded":
        # Only for callers that cannot send JSON (PayFip's server notification).
        from urllib.parse import parse_qs
        try:
            fields = parse_qs(raw.decode("utf-8"), max_num_fields=20)
        except (UnicodeDecodeError, ValueError):
            raise ValidationError("Formulaire illisible.") from None
        return _clean({k: v[-1] for k, v in fields.items()}, "")
    if content_type != "application/json":
        # Even without a body: a page of another site can send an empty POST, or a form
        # (text/plain, urlencoded, multipart), without asking; JSON it cannot.
        raise UnsupportedMediaType()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except RecursionError:
        raise TooDeep() from None
    except UnicodeDecodeError:
        raise InvalidCharacter() from None
    except ValueError:
        raise ValidationError("Le corps de la requête n'est pas un JSON valide.") from None
    if not isinstance(body, dict):
        raise ValidationError("Le corps de la requête doit être un objet JSON.")
    return _clean(body, "")


def _check_parameters(request: Any, params: dict[str, str]) -> dict[str, str]:
    """Path and query-string values must be valid Unicode. Path values are identifiers:
    kept as sent (one that differs by an invisible character finds nothing)."""
    for name, value in list(params.items()) + list((request.query_params or {}).items()):
        if isinstance(value, str) and has_surrogate(value):
            raise InvalidCharacter(field=name)
    return params


def _from_cloudfront(request: Any, secret: str) -> bool:
    """Whether CloudFront forwarded this request (it adds the origin secret header)."""
    if not secret:
        return True  # the local stage: no CloudFront
    return same(_header(request, ORIGIN_HEADER) or "", secret)


def _same_origin(request: Any, allowed: frozenset[str]) -> bool:
    """Whether a write comes from one of the portal's own pages.

    ``Origin`` first (browsers send it with every POST, PUT and DELETE), else
    ``Sec-Fetch-Site``. A request with neither comes from no browser (a script, a
    server): it carries no one's cookie against their will, so it may go on.
    """
    origin = _header(request, "origin")
    if origin is not None:
        return origin.strip().rstrip("/").lower() in allowed  # "null" never is
    fetch_site = _header(request, "sec-fetch-site")
    if fetch_site is not None:
        # "none": typed or bookmarked by the user; "same-site" is another origin of the
        # site (a sibling subdomain), exactly what SameSite cookies do not stop.
        return fetch_site.strip().lower() in ("same-origin", "none")
    return True


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
             audience: str, roles: tuple[str, ...] = (), form: bool = False,
             max_body: int = MAX_BODY) -> Callable:
    """Register ``view(call)`` on ``bp`` behind the given audience (and staff roles);
    ``max_body`` is raised only for file uploads (JSON with base64 content)."""
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
                settings = services.settings
                # Before any work: API Gateway is reached through CloudFront only.
                if not _from_cloudfront(request, settings.origin_secret):
                    raise NotThroughCloudFront()
                # Third-party servers (form endpoints) are no browser riding a cookie.
                if request.method in MUTATING and not form \
                        and not _same_origin(request, settings.allowed_origins):
                    raise CrossSiteRequest()
                params = _check_parameters(request, params)
                call = Call(request=request, params=params, services=services,
                            now=services.clock.now())
                call.body = _read_body(request, request.method, form, max_body)
                _authorize(call, audience, roles)
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
