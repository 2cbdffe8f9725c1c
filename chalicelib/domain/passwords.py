"""Password policy (OWASP ASVS): length only, no composition rule, no common password."""
from __future__ import annotations

import functools
import secrets

from chalicelib.domain.errors import ValidationError

MIN_LENGTH = 12
MAX_LENGTH = 128
# Letters and digits a parent can copy from an e-mail without confusing l/1 or O/0.
_TEMPORARY_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
# French favourites missing from the English-centred list, lower-cased.
_EXTRA_COMMON = frozenset({
    "azertyuiop", "azertyuiopqsdfghjklm", "motdepasse", "motdepasse123",
    "motdepasse1234", "jetaime", "soleil", "bonjour", "doudou", "chouchou",
    "marseille", "cantine", "garderie", "mairie",
})


class WeakPassword(ValidationError):
    code = "weak_password"


@functools.lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    # Loaded on first use: 30,000 entries are not worth paying for at cold start.
    from zxcvbn.frequency_lists import FREQUENCY_LISTS
    return frozenset(FREQUENCY_LISTS["passwords"]) | _EXTRA_COMMON


def _is_common(password: str, context: tuple[str, ...]) -> bool:
    lowered = password.lower()
    if len(set(lowered)) <= 2:
        return True  # "aaaaaaaaaaaa", "abababababab"
    stripped = lowered.rstrip("0123456789!?.*-_ ")
    for candidate in (lowered, stripped):
        if candidate in _common_passwords():
            return True
    digits = "01234567890123456789"
    if lowered in digits or lowered in digits[::-1]:
        return True
    return any(item and lowered.replace(" ", "") == item.lower() for item in context)


def check_new_password(password: object, *, context: tuple[str, ...] = (),
                       field: str = "password") -> str:
    """Return the password if acceptable, else raise ``WeakPassword`` saying why in French."""
    if not isinstance(password, str):
        raise WeakPassword("Le mot de passe doit être un texte.", field=field)
    if len(password) < MIN_LENGTH:
        raise WeakPassword(
            f"Le mot de passe doit contenir au moins {MIN_LENGTH} caractères.", field=field)
    if len(password) > MAX_LENGTH:
        raise WeakPassword(
            f"Le mot de passe ne doit pas dépasser {MAX_LENGTH} caractères.", field=field)
    if _is_common(password, context):
        raise WeakPassword(
            "Ce mot de passe est trop courant ou trop facile à deviner. "
            "Choisissez-en un autre, par exemple une phrase de plusieurs mots.", field=field)
    return password


def generate_temporary_password(length: int = 16) -> str:
    """A random password for a first sign-in, about 90 bits, easy to copy."""
    return "".join(secrets.choice(_TEMPORARY_ALPHABET) for _ in range(length))
