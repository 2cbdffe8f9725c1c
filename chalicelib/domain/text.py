"""Text people type: what is kept, what is dropped, what is refused.

Bidirectional overrides (U+202E turns "gpj.exe" into "exe.jpg" on screen), zero-width
characters and other invisible format or control characters have no place in a name, an
address or a note: they make two names look alike that are not, hide text in lists and
CSV exports, and defeat searches. They are dropped from free text, and refused in
passwords (a password that looks the same but is not cannot be typed again).
"""
from __future__ import annotations

import re
import unicodedata

# Lone UTF-16 halves: JSON's "\\ud800" decodes to one, and no encoder (DynamoDB, UTF-8,
# the PDF) accepts it.
_SURROGATE = re.compile("[\ud800-\udfff]")
_KEPT_CONTROLS = frozenset("\t\n\r")
# Unicode general categories with nothing to show: controls (Cc) and format characters
# (Cf: zero-width space/joiners, bidi marks, embeddings, overrides and isolates, the BOM,
# soft hyphen, invisible operators, tags).
_INVISIBLE = frozenset({"Cc", "Cf"})


def has_surrogate(text: str) -> bool:
    """Whether the text holds a lone surrogate (not valid Unicode text)."""
    return bool(_SURROGATE.search(text))


def invisible_characters(text: str) -> list[str]:
    """The invisible control or format characters of ``text`` (tab and newlines apart),
    as ``U+XXXX`` names."""
    if text.isprintable():  # the common case, decided in C: nothing invisible
        return []
    return [f"U+{ord(ch):04X}" for ch in text
            if ch not in _KEPT_CONTROLS and unicodedata.category(ch) in _INVISIBLE]


def strip_invisible(text: str) -> str:
    """``text`` without its invisible control and format characters (tab and newlines
    are kept; composed to NFC, so that "é" typed two ways is one letter)."""
    if not text.isprintable():
        text = "".join(ch for ch in text if ch in _KEPT_CONTROLS
                       or unicodedata.category(ch) not in _INVISIBLE)
    return unicodedata.normalize("NFC", text)


def clean_line(text: str) -> str:
    """One line of free text: invisible characters dropped, blanks collapsed."""
    return " ".join(strip_invisible(text).split())


def clean_lines(text: str, max_lines: int) -> str:
    """Text kept on several lines (a postal address): each line cleaned as by
    ``clean_line``, blank lines dropped, at most ``max_lines`` lines (the rest joined to
    the last, so that nothing typed is lost)."""
    lines = [clean_line(line) for line in strip_invisible(text).splitlines()]
    lines = [line for line in lines if line]
    if len(lines) > max_lines:
        lines = lines[:max_lines - 1] + [" ".join(lines[max_lines - 1:])]
    return "\n".join(lines)
