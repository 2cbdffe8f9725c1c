"""What a secretary types to find a family: the search terms of a family, and the match.

A family is found by the start of any of its terms: its name and each word of it, its
number, each child's first name, last name and full name (archived children too: a
family is still asked about after a child left), and each address in full, its local
part and the pieces of the local part ("famille.test" → "famille", "test"). Terms are
folded (no accents, lower case) as the query is.
"""
from __future__ import annotations

import re

from chalicelib.domain.accounts import Family, fold

MAX_TERM_LENGTH = 200  # a sort key stays far below DynamoDB's 1 KB
_LOCAL_PART_SEPARATORS = re.compile(r"[._+\-]+")


def _name_terms(text: str) -> set[str]:
    folded = fold(text)
    if not folded:
        return set()
    return {folded, *folded.split(" ")}


def family_terms(family: Family) -> frozenset[str]:
    """Every folded term this family is found by."""
    terms: set[str] = {family.number, *_name_terms(family.name)}
    for child in family.children:
        terms |= _name_terms(child.first_name) | _name_terms(child.last_name)
        terms |= _name_terms(f"{child.first_name} {child.last_name}")
    for email in family.emails:
        address = fold(email)
        local = address.partition("@")[0]
        terms |= {address, local}
        terms |= {piece for piece in _LOCAL_PART_SEPARATORS.split(local) if piece}
    return frozenset(t[:MAX_TERM_LENGTH] for t in terms if t)


def query_words(text: str) -> list[str]:
    """The folded words of a query, longest first (the longest is the one looked up)."""
    return sorted(set(fold(text).split(" ")) - {""}, key=lambda w: (-len(w), w))


def matches(family: Family, text: str) -> bool:
    """Whether every word of the query starts one of the family's terms."""
    terms = family_terms(family)
    return all(any(t.startswith(word) for t in terms) for word in query_words(text))
