"""Password hashing (argon2id), random tokens and the single-use password links."""
from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from chalicelib.domain.passwords import normalize

if TYPE_CHECKING:
    from chalicelib.storage.sessions import ResetTokenRepository

# OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane.
_HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


def hash_password(password: str) -> str:
    """Argon2id hash, with a fresh salt, of the password in its normal form (NFKC)."""
    return _HASHER.hash(normalize(password))


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether the password matches; runs a full verification even for a missing hash.

    Hashes are of the NFKC form; one made before passwords were normalized is of the text
    as typed, tried second when the two differ."""
    candidate = normalize(password)
    if _verify(password_hash or _dummy_hash(), candidate):
        return bool(password_hash)
    if candidate != password and password_hash:
        return _verify(password_hash, password)
    return False


@functools.lru_cache(maxsize=1)
def _dummy_hash() -> str:
    # Verifying against this when no account matches makes unknown logins cost as
    # much as known ones, so timing does not reveal which logins exist.
    return _HASHER.hash(secrets.token_urlsafe(16))


def new_token() -> str:
    """An opaque random token: 256 bits, URL-safe."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """Tokens are high-entropy, so a plain SHA-256 is enough to store them safely."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def same(a: str, b: str) -> bool:
    """Constant-time comparison."""
    return hmac.compare_digest(a.encode(), b.encode())


def password_link(resets: ResetTokenRepository, site_url: str, principal: str,
                  expires: datetime) -> str:
    """Store a single-use token for ``principal`` (``kind#ref``) until ``expires`` and
    return the link that chooses a new password with it ("Mot de passe oublié", and the
    credentials staff send again)."""
    token = new_token()
    resets.create(hash_token(token), principal, expires)
    # In the fragment (#): never sent to a server, so in no access log.
    return f"{site_url}/reinitialiser.html#token={token}"
