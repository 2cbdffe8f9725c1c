"""Sessions, password-reset tokens and sign-in failure counters."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pynamodb.exceptions import DeleteError, DoesNotExist, UpdateError

from chalicelib.domain.sessions import SessionTimes, expires_at
from chalicelib.domain.throttle import FREE_FAILURES, MEMORY, retry_after
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


def stored_session(item: SessionModel) -> StoredSession:
    """A session as read (alone, or with its family: storage/accounts.py)."""
    return StoredSession(item.token_hash, item.principal,
                         SessionTimes(item.created_at, item.last_seen_at))


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
        return stored_session(item)

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
    """Abuse counters, under hashed keys: sign-in failures per account, device or unknown
    login; forgotten-password requests per address and per client and hour."""

    # Rounds of read-then-conditional-write before a try gives up: each round, at least
    # one of the tries in flight for the key wins, so a burst of guesses ends well within.
    MAX_ROUNDS = 12

    def get(self, key: str) -> Attempts:
        """Failures so far for this key (a strongly consistent read)."""
        try:
            item = LoginAttemptModel.get(key, consistent_read=True)
        except DoesNotExist:
            return Attempts(0, None)
        return Attempts(int(item.failures or 0), item.last_failure_at)

    def reserve(self, key: str, now: datetime) -> int:
        """Spend one try of this key's budget before its password is checked: 0 when it
        was spent, else the seconds to wait (and nothing is spent).

        The decision and the spending are one conditional write on the counter as it was
        read: of parallel tries that read the same count, one writes and the others read
        again, so no more passwords are checked than the budget allows, and refused tries
        do not push the wait further. A success clears the count afterwards. A count older
        than the throttle's memory starts again.
        """
        for _ in range(self.MAX_ROUNDS):
            seen = self.get(key)
            failures = seen.failures
            if seen.last_failure_at is not None and now - seen.last_failure_at >= MEMORY:
                failures = 0  # forgotten: this try starts a new count
            wait = retry_after(failures, seen.last_failure_at, now)
            if wait:
                return wait
            if seen.last_failure_at is None:
                condition = LoginAttemptModel.key.does_not_exist()
            else:
                condition = ((LoginAttemptModel.failures == seen.failures)
                             & (LoginAttemptModel.last_failure_at == seen.last_failure_at))
            try:
                LoginAttemptModel(key).update(
                    actions=[LoginAttemptModel.failures.set(failures + 1),
                             LoginAttemptModel.last_failure_at.set(now),
                             LoginAttemptModel.expires.set(now + MEMORY)],
                    condition=condition)
                return 0
            except UpdateError as exc:
                if not is_condition_failure(exc):
                    raise
        # Still losing after many rounds: a burst is under way; this try waits its turn.
        return retry_after(FREE_FAILURES, now, now)

    def count(self, key: str, until: datetime) -> int:
        """Add one to a counter kept until ``until``; returns the count with this one."""
        item = LoginAttemptModel(key)
        item.update(actions=[LoginAttemptModel.failures.add(1),
                             LoginAttemptModel.expires.set(until)])
        return int(item.failures)

    def clear(self, keys: list[str]) -> None:
        """Forget failures, after a success or a password reset."""
        for key in keys:
            LoginAttemptModel(key).delete()
