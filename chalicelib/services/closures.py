"""When the commune closes days it had opened — a closure (strike, "pont", school trip),
a school day or a service withdrawn from the settings — the services booked on them are
cancelled: kept in the booking's history with the reason, gone from "Inscriptions en
cours", head counts, exports and billing, and each family concerned gets one e-mail
listing its released days. Removing a closure books nothing again.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

from chalicelib.domain.bookings import HORIZON
from chalicelib.domain.calendar import PARIS, each_day
from chalicelib.domain.commune import CommuneSettings
from chalicelib.domain.money import month_label
from chalicelib.mail import templates
from chalicelib.mail.sender import Mailer
from chalicelib.services.commune import CommuneService
from chalicelib.services.headcounts import count_slot
from chalicelib.storage.accounts import AccountRepository
from chalicelib.storage.bookings import BookingRepository
from chalicelib.storage.jobs import HeadcountRepository

LOG = logging.getLogger("cantine.closures")
_WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
SETTINGS_REASON = "jour ou prestation retiré par la commune"


class ReleaseService:
    """Adds closures and applies settings, releasing what they close."""

    def __init__(self, commune: CommuneService, bookings: BookingRepository,
                 accounts: AccountRepository, headcounts: HeadcountRepository, mailer: Mailer,
                 site_url: str, invoiced: Callable[[str], bool]) -> None:
        self._commune = commune
        self._bookings = bookings
        self._accounts = accounts
        self._headcounts = headcounts
        self._mailer = mailer
        self._site_url = site_url
        self._invoiced = invoiced

    def add_closure(self, data: dict[str, Any], now: datetime) -> dict[str, Any]:
        """Add a closure and cancel the bookings of the days it closes."""
        before = self._commune.get()
        closure = self._commune.add_closure(data)
        after = self._commune.get()
        start, end = date.fromisoformat(closure["start"]), date.fromisoformat(closure["end"])
        released = self._release(before, after, each_day(start, end), now,
                                 f"fermeture « {closure['label']} »", opened_before=False)
        return {**closure, "released": released}

    def update_settings(self, data: dict[str, Any],
                        now: datetime) -> tuple[CommuneSettings, CommuneSettings, dict[str, Any]]:
        """Apply a settings edit; bookings of the days and services it withdraws, from
        today on, are cancelled. Returns (before, after, what was released)."""
        before = self._commune.get()
        today = now.astimezone(PARIS).date()
        after = self._commune.update(data, today.year)
        released = self._release(before, after, each_day(today, today + HORIZON), now,
                                 SETTINGS_REASON, opened_before=True)
        return before, after, released

    def _release(self, before: CommuneSettings, after: CommuneSettings, days: Iterable[date],
                 now: datetime, reason: str, opened_before: bool) -> dict[str, Any]:
        was, now_is = before.calendar(), after.calendar()
        bookable_before = [s.code for s in before.bookable_services()]
        wanted: dict[date, frozenset[str]] = {}
        for day in days:
            open_after = now_is.day(day).school_day
            if opened_before and not was.day(day).school_day:
                continue  # nothing could be booked that day: no need to look
            codes = frozenset(code for code in bookable_before
                              if not (open_after and (kept := after.service(code)) is not None
                                      and kept.bookable))
            if codes:
                wanted[day] = codes
        # Services with places give theirs back (their day's counter moves with the release).
        limited = frozenset(s.code for s in before.services + after.services
                            if s.places is not None)
        by_family: dict[str, list[tuple[str, date, frozenset[str]]]] = defaultdict(list)
        count = 0
        recount: set[tuple[date, str]] = set()
        for day, codes in sorted(wanted.items()):
            # Waiting entries go too: a closed day promotes nobody.
            for child_id, family, services in self._bookings.on_day(day, waiting=True):
                hit = services & codes
                if not hit:
                    continue
                gone = self._bookings.release(child_id, day, hit, reason, now, limited)
                if gone:
                    by_family[family].append((child_id, day, gone))
                    count += len(gone)
                    recount.update((day, code) for code in gone if after.frozen(day, code))
        self._recount(sorted(recount), now)
        self._tell_families(by_family, after, reason)
        months = sorted({day.strftime("%Y-%m") for entries in by_family.values()
                         for _, day, _ in entries})
        invoiced = [m for m in months if self._invoiced(m)]
        return {"released": count, "families": len(by_family),
                "invoiced_months": invoiced,
                "invoiced_months_labels": [month_label(m) for m in invoiced]}

    def _recount(self, slots: list[tuple[date, str]], now: datetime) -> None:
        """The kitchen's frozen counts of the days touched, counted again."""
        families: dict = {}
        by_day: dict[date, list] = {}
        for day, service in slots:
            if day not in by_day:
                by_day[day] = self._bookings.on_day(day)
            self._headcounts.put(count_slot(day, service, by_day[day], families,
                                            self._accounts), "fermeture", now)

    def _tell_families(self, by_family: dict[str, list[tuple[str, date, frozenset[str]]]],
                       settings: CommuneSettings, reason: str) -> None:
        if not by_family:
            return
        families = self._accounts.get_families(list(by_family))
        labels = {s.code: s.label for s in settings.services}
        order = {s.code: i for i, s in enumerate(settings.services)}
        for number, entries in sorted(by_family.items()):
            family = families.get(number)
            if family is None or not family.emails:
                continue
            names = {c.id: f"{c.first_name} {c.last_name}" for c in family.children}
            lines = [f"{names.get(child_id, child_id)}, {_WEEKDAYS[day.weekday()]} "
                     f"{day.strftime('%d/%m/%Y')} : "
                     + ", ".join(labels.get(c, c) for c in sorted(codes, key=lambda c: order.get(c, len(order))))
                     for child_id, day, codes in sorted(entries, key=lambda e: (e[1], e[0]))]
            try:
                self._mailer.send(templates.bookings_released(
                    family.emails, family.name, reason, lines, self._site_url))
            except Exception:  # noqa: BLE001 - the release stands; the portal shows it
                LOG.exception("release e-mail not sent to family %s", number)
