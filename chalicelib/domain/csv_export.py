"""CSV as French Excel opens it: ``;`` separator, UTF-8 with BOM, dd/mm/yyyy dates,
decimal comma, and text cells that could run as formulas neutralised."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

BOM = "\ufeff"
# A cell starting with one of these is read by spreadsheets as a formula (or splits rows).
_DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Cents:
    """An amount of money in integer cents, shown with a decimal comma."""
    value: int


@dataclass(frozen=True)
class Hours:
    """A duration in whole minutes, shown in hours with two decimals and a decimal comma
    (90 minutes: "1,50"); the hundredth is rounded half up, in integers."""
    minutes: int


def neutralize(text: str) -> str:
    """Prefix a quote to text a spreadsheet would otherwise evaluate (OWASP CSV injection)."""
    return "'" + text if text.startswith(_DANGEROUS_START) else text


def cell(value: Any) -> str:
    """One value as its French spreadsheet text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, Cents):
        sign = "-" if value.value < 0 else ""
        whole, cents = divmod(abs(value.value), 100)
        return f"{sign}{whole},{cents:02d}"
    if isinstance(value, Hours):
        hundredths = (value.minutes * 100 + 30) // 60
        return f"{hundredths // 100},{hundredths % 100:02d}"
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, int):
        return str(value)
    return neutralize(str(value))


def render(header: list[str], rows: Iterable[Iterable[Any]]) -> str:
    """The whole file: BOM, header line, one line per row, CRLF line ends."""
    return head(header) + lines(rows)


def head(header: list[str]) -> str:
    """The start of the file: BOM and header line."""
    buffer = io.StringIO()
    buffer.write(BOM)
    csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerow(
        [neutralize(h) for h in header])
    return buffer.getvalue()


def lines(rows: Iterable[Iterable[Any]]) -> str:
    """Rows as the lines that follow the header (a file written page by page is the
    head, then the lines of each page, exactly as ``render`` writes it whole)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    for row in rows:
        writer.writerow([cell(v) for v in row])
    return buffer.getvalue()
