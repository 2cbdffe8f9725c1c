"""Sessions, password-reset tokens and sign-in failure counters."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pynamodb.exceptions import DeleteError, DoesNotExist, UpdateError

from chalicelib.domain.sessions import SessionTimes, expires_at
from chalicelib.domain.throttle import MEMORY
from chalicelib.storage.keys import is_condition_failure
from chalicelib.storage.models import LoginAttemptModel, ResetTokenModel, SessionModel


@dataclass(frozen=True)
class StoredSession:
    token_hash: str
    principal: str
    times: SessionTimes


@dataclass(frozen=True)
class Attempts:
    failures: int
    last_failure_at: datetime | None


class SessionRepository:
    """Server-side sessions, found by the hash of the cookie's token."""

    def create(self, token_hash: str, principal: str, now: datetime) -> None:
        """Store a new session."""
        times = SessionTimes(now, now)
        SessionModel(token_hash, principal=principal, created_at=now, last_seen_at=now,
                     expires=expires_at(times)).save(
            condition=SessionModel.token_hash.does_not_exist())

    def get(self, token_hash: str) -> StoredSession | None:
        """The session with this token hash, alive or not, or None."""
        try:
            item = SessionModel.get(token_hash)
        except DoesNotExist:
            return None
        return StoredSession(item.token_hash, item.principal,
                             SessionTimes(item.created_at, item.last_seen_at))

    def touch(self, token_hash: str, now: datetime) -> None:
        """Record activity, unless the session was ended meanwhile."""
        try:
            SessionModel(token_hash).update(
                actions=[SessionModel.last_seen_at.set(now)],
                condition=SessionModel.token_hash.exists())
        except Exception:  # noqa: BLE001 - a lost touch only shortens the idle window
            pass

    def delete(self, token_hash: str) -> None:
        """End one session."""
        SessionModel(token_hash).delete()

    def delete_all(self, principal: str, keep: str | None = None) -> int:
        """End every session of an account but ``keep``; returns how many ended."""
        ended = 0
        for item in SessionModel.by_principal.query(principal):
            if item.token_hash != keep:
                item.delete()
                ended += 1
        return ended


class ResetTokenRepository:
    """Single-use password-reset tokens, stored hashed."""

    def create(self, token_hash: str, principal: str, expires: datetime) -> None:
        """Store a token valid until ``expires``."""
        ResetTokenModel(token_hash, principal=principal, expires_at=expires,
                        expires=expires).save()

    def peek(self, token_hash: str) -> tuple[str, datetime] | None:
        """(principal, expiry) of a token, left in place; None if there is none."""
        try:
            item = ResetTokenModel.get(token_hash)
        except DoesNotExist:
            return None
        return item.principal, item.expires_at

    def consume(self, token_hash: str) -> tuple[str, datetime] | None:
        """Delete the token and return (principal, expiry); None if it was already used.

        The conditional delete makes two simultaneous uses of one link succeed once.
        """
        try:
            item = ResetTokenModel.get(token_hash)
        except DoesNotExist:
            return None
        try:
            item.delete(condition=ResetTokenModel.token_hash.exists())
        except DeleteError:
            return None
        return item.principal, item.expires_at


class AttemptRepository:
    """Consecutive sign-in failures per login identifier (hashed)."""

    def get(self, key: str) -> Attempts:
        """Failures so far for this identifier."""
        try:
            item = LoginAttemptModel.get(key)
        except DoesNotExist:
            return Attempts(0, None)
        return Attempts(int(item.failures or 0), item.last_failure_at)

    def count_try(self, key: str, now: datetime) -> int:
        """Count this try as a failure before its password is checked; returns how many
        failures stood before it.

        The count is atomic, so parallel tries each get their own place in line and a
        burst cannot check more passwords than the free failures allow; a success clears
        the count afterwards. A count older than the throttle's memory starts again.
        """
        for _ in range(5):
            try:
                item = LoginAttemptModel(key)
                item.update(
                    actions=[LoginAttemptModel.failures.add(1),
                             LoginAttemptModel.last_failure_at.set(now),
                             LoginAttemptModel.expires.set(now + MEMORY)],
                    condition=LoginAttemptModel.key.does_not_exist()
                    | (LoginAttemptModel.last_failure_at >= now - MEMORY))
                return int(item.failures) - 1
            except UpdateError as exc:
                if not is_condition_failure(exc):
                    raise
            try:  # a stale count: start again from this try, unless another try just did
                LoginAttemptModel(key).update(
                    actions=[LoginAttemptModel.failures.set(1),
                             LoginAttemptModel.last_failure_at.set(now),
                             LoginAttemptModel.expires.set(now + MEMORY)],
                    condition=LoginAttemptModel.last_failure_at < now - MEMORY)
                return 0
            except UpdateError as exc:
                if not is_condition_failure(exc):
                    raise
        raise RuntimeError("sign-in counter kept changing under this try")

    def clear(self, keys: list[str]) -> None:
        """Forget failures, after a success or a password reset."""
        for key in keys:
            LoginAttemptModel(key).delete()
