"""Password policy (OWASP ASVS): length only, no composition rule, no common password,
nothing of the account's own identifiers, no invisible character.

Passwords are compared in Unicode normal form NFKC (``normalize``): "é" typed as one
character or as "e" + accent, a full-width digit or an ordinary one, are the same
password on every keyboard.
"""
from __future__ import annotations

import functools
import re
import secrets
import unicodedata

from chalicelib.domain.errors import ValidationError
from chalicelib.domain.text import invisible_characters

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


def normalize(password: str) -> str:
    """The form a password is checked, hashed and verified in (NFKC)."""
    return unicodedata.normalize("NFKC", password)


_SEPARATORS = re.compile(r"[\W_]+")
# Shorter pieces of a name ("de", "la", "le") are in too many good passphrases.
MIN_IDENTIFIER_PART = 3


def _squash(text: str) -> str:
    """Lower case, no accents, letters and digits only: how identifiers hide in passwords."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return _SEPARATORS.sub("", plain)


def identifier_parts(identifiers: tuple[str, ...]) -> set[str]:
    """What a password must not contain: each identifier (family number, name, e-mail
    address) whole, an address's local part, and each of their words of 3+ characters."""
    parts: set[str] = set()
    for identifier in identifiers:
        if not identifier:
            continue
        local = identifier.split("@", 1)[0] if "@" in identifier else identifier
        for piece in [identifier, local, *_SEPARATORS.split(local)]:
            squashed = _squash(piece)
            if len(squashed) >= MIN_IDENTIFIER_PART:
                parts.add(squashed)
    return parts


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
    return False


def check_new_password(password: object, *, context: tuple[str, ...] = (),
                       field: str = "password") -> str:
    """Return the password in its normal form (NFKC) if acceptable, else raise
    ``WeakPassword`` saying why in French. ``context``: the account's identifiers (family
    number, name, e-mail addresses), none of which it may contain."""
    if not isinstance(password, str):
        raise WeakPassword("Le mot de passe doit être un texte.", field=field)
    if invisible_characters(password):
        # Zero-width and direction characters make two passwords look the same: the
        # owner could never type this one again, a thief could pad a known one.
        raise WeakPassword("Le mot de passe contient un caractère invisible (espace de "
                           "largeur nulle, marque de direction…). Retapez-le sans copier-"
                           "coller.", field=field)
    password = normalize(password)
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
    squashed = _squash(password)
    if any(part in squashed for part in identifier_parts(context)):
        raise WeakPassword(
            "Le mot de passe ne doit contenir ni votre numéro de famille, ni votre nom, ni "
            "votre adresse e-mail. Choisissez par exemple une phrase de plusieurs mots.",
            field=field)
    return password


def generate_temporary_password(length: int = 16) -> str:
    """A random password for a first sign-in, about 90 bits, easy to copy."""
    return "".join(secrets.choice(_TEMPORARY_ALPHABET) for _ in range(length))
