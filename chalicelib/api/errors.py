"""The one mapping from errors to HTTP responses: ``{"error": {"code","message","details"}}``."""
from __future__ import annotations

import json
import logging
from typing import Any

from chalice import Response

from chalicelib.domain.errors import DomainError

LOG = logging.getLogger("cantine.api")

JSON_HEADERS = {
    "Content-Type": "application/json; charset=utf-8",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}
NOT_FOUND_CODE = "not_found"
NOT_FOUND_MESSAGE = "Ressource introuvable."


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    """The error shape every client can rely on."""
    return {"error": {"code": code, "message": message, "details": details}}


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None,
                  multi_headers: dict[str, list[str]] | None = None) -> Response:
    """A JSON response with the API's common headers (``None`` body → empty)."""
    all_headers: dict[str, Any] = dict(JSON_HEADERS)
    all_headers.update(headers or {})
    if multi_headers:
        all_headers.update(multi_headers)
    payload = "" if body is None else json.dumps(body, ensure_ascii=False)
    return Response(body=payload, status_code=status, headers=all_headers)


def error_response(code: str, message: str, status: int, details: Any = None,
                   headers: dict[str, str] | None = None) -> Response:
    """An error in the common shape."""
    return json_response(error_body(code, message, details), status, headers)


def from_exception(exc: BaseException) -> Response:
    """Map any exception raised by a view to a response; unknown ones become 500."""
    if isinstance(exc, DomainError):
        headers = {}
        if exc.status == 429 and isinstance(exc.details, dict):
            headers["Retry-After"] = str(exc.details.get("retry_after_seconds", 60))
        return error_response(exc.code, exc.message, exc.status, exc.details, headers)
    LOG.exception("unhandled error")
    return error_response("internal_error",
                          "Une erreur inattendue s'est produite. Veuillez réessayer plus tard.",
                          500)


def not_found_body() -> dict[str, Any]:
    """Body for a path no route matches (API Gateway's own answer is replaced by this)."""
    return error_body(NOT_FOUND_CODE, NOT_FOUND_MESSAGE)
