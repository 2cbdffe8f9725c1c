"""Amounts and months as French people read them: ``1 234,50 €``, ``novembre 2026``."""
from __future__ import annotations

import re

MONTHS_FR = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
             "septembre", "octobre", "novembre", "décembre")
_MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")


def money(cents: int, thousands: str = " ") -> str:
    """An amount in cents, French style: ``money(123450) == "1 234,50 €"``.

    Plain spaces (or ``thousands``) separate thousands, a plain space precedes the euro
    sign; a negative amount starts with "-".
    """
    if isinstance(cents, bool) or not isinstance(cents, int):
        raise TypeError(f"money() takes integer cents, not {cents!r}")
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(cents), 100)
    return f"{sign}{euros:,}".replace(",", thousands) + f",{rest:02d} €"


def month_label(month: str) -> str:
    """``"2026-11"`` → ``"novembre 2026"``."""
    match = _MONTH.fullmatch(month or "")
    if not match:
        raise ValueError(f"mois attendu au format AAAA-MM : {month!r}")
    return f"{MONTHS_FR[int(match.group(2)) - 1]} {match.group(1)}"
