"""How long a family's file is kept once its last child left, and what its anonymisation
leaves (RGPD; the CNIL's guidance for school catering and périscolaire files).

A family "left" when nobody of it attends any more: the family is archived, or every one
of its children is. The day that happens (Europe/Paris) is ``Family.left_on``; once the
commune's ``PrivacySettings.retention_months`` have passed since, the nightly purge
(services/purge.py) anonymises the family: its personal data are replaced by neutral
values, and what the law keeps 10 years (invoices, ledger, payments, PES and debit files,
mandates) stays as it was. Pure values, no I/O.
"""
from __future__ import annotations

import calendar
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from chalicelib.domain.accounts import Child, Family, Income
from chalicelib.domain.errors import Conflict

ANONYMISED_NAME = "Famille anonymisée"


class FamilyAnonymised(Conflict):
    """A change asked of a family whose personal data the purge erased."""
    code = "family_anonymised"
    message = ("Cette famille a été anonymisée : ses données personnelles sont effacées et "
               "seules ses factures, son compte et ses mandats restent consultables. Si "
               "elle revient, créez-lui une nouvelle fiche.")


def child_placeholder(rank: int) -> str:
    """The first name an anonymised child is shown under: « Enfant 1 », « Enfant 2 »…"""
    return f"Enfant {rank}"


def has_left(family: Family) -> bool:
    """Whether nobody of the family attends any more: the family is archived, or every one
    of its children is. A family that never had a child has not left: it is new."""
    return family.archived or (bool(family.children) and not family.active_children())


def departure(before: Family | None, after: Family, today: date) -> date | None:
    """The day the family's last child left, once ``before`` becomes ``after`` on
    ``today`` (a Paris day): what to store as ``left_on``.

    - someone still attends (a child reactivated or added): none;
    - the family is reactivated but no child attends: ``today`` (the earlier date is
      cleared: the retention starts again from its return);
    - otherwise the date already known, else ``today``. A family that left before dates
      were recorded has none: the first change that sees it, or the deployment's data
      upgrade, dates it then, so it is never purged earlier than announced.
    """
    if not has_left(after):
        return None
    if before is not None and before.archived and not after.archived:
        return today
    if before is not None and before.left_on is not None:
        return before.left_on
    return today


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole months, kept within the month (31 March + 1 → 30 April)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def purge_on(left_on: date, months: int) -> date:
    """The first day a family that left on ``left_on`` may be anonymised."""
    return add_months(left_on, months)


def is_due(left_on: date, today: date, months: int) -> bool:
    """Whether ``months`` have passed since ``left_on`` on ``today``."""
    return purge_on(left_on, months) <= today


def purge_cutoff(today: date, months: int) -> date:
    """The latest ``left_on`` that is due on ``today``: the index is read up to it.

    ``is_due(d, today, months)`` is exactly ``d <= purge_cutoff(today, months)``: on the
    last day of a month, every day of the month ``months`` before is due (31 January + 1
    month is 28 February)."""
    back = add_months(today, -months)
    if today.day == calendar.monthrange(today.year, today.month)[1]:
        return back.replace(day=calendar.monthrange(back.year, back.month)[1])
    return back


def anonymise(family: Family, now: datetime) -> Family:
    """The family without its personal data: names, e-mails, phones, postal address,
    income, the children's names, birth dates, schools, diets, health notes (PAI,
    allergies) and pick-up people, the e-mail choices and credentials. Kept: its number,
    the children's ids (the invoices, bookings and ledger point at them), the day it left
    and when it was anonymised. It stays archived: nobody can sign in to it."""
    children = tuple(Child(c.id, child_placeholder(rank), "", archived=True)
                     for rank, c in enumerate(family.children, start=1))
    return replace(family, name=ANONYMISED_NAME, emails=(), phones=(), address="",
                   children=children, credentials=None, archived=True, income=Income(),
                   pending_email=None, reminders=True, receipts=False,
                   anonymised_at=now)


def anonymisation_record(family: Family, months: int) -> dict[str, Any]:
    """What the audit log keeps of an anonymisation: dates and counts only, never the
    data that was erased."""
    return {"anonymisée": True,
            "left_on": family.left_on.isoformat() if family.left_on else None,
            "retention_months": months, "children": len(family.children)}
