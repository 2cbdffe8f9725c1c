"""Domain errors: raised by rules and use cases, mapped once to HTTP in ``api.errors``.

Each error carries a stable machine code, a French message for people and optional
details. The HTTP status lives with the error class so the mapping has one source.
"""
from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every error a caller may see; ``code`` is stable, ``message`` is French."""

    status = 400
    code = "invalid_request"
    message = "Requête invalide."

    def __init__(self, message: str | None = None, *, code: str | None = None,
                 details: Any = None) -> None:
        super().__init__(message or self.message)
        if message is not None:
            self.message = message
        if code is not None:
            self.code = code
        self.details = details


class ValidationError(DomainError):
    """Input that breaks a rule; ``details`` names the field at fault."""

    status = 400
    code = "invalid_request"

    def __init__(self, message: str, *, field: str | None = None,
                 code: str | None = None, details: Any = None) -> None:
        if details is None and field is not None:
            details = {"field": field}
        super().__init__(message, code=code, details=details)
        self.field = field


class NotFound(DomainError):
    """Missing, or not the caller's: the two are indistinguishable on purpose."""

    status = 404
    code = "not_found"
    message = "Ressource introuvable."


class Conflict(DomainError):
    """The state changed under the caller, or the request clashes with existing data."""

    status = 409
    code = "conflict"
    message = "La ressource a été modifiée entre-temps, veuillez réessayer."


class Unauthenticated(DomainError):
    status = 401
    code = "unauthenticated"
    message = "Veuillez vous connecter."


class Forbidden(DomainError):
    status = 403
    code = "forbidden"
    message = "Accès refusé."


class Unprocessable(DomainError):
    status = 422
    code = "unprocessable"
    message = "La demande ne peut pas être traitée."


class TooManyRequests(DomainError):
    status = 429
    code = "too_many_attempts"
    message = "Trop de tentatives. Veuillez patienter avant de réessayer."
