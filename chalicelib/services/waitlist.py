"""Waiting lists of the services with a number of places per day.

A booking beyond the places goes on the (service, day)'s waiting list (see
``BookingService``); a place given back — a parent's cancellation, staff removing a
confirmed booking — goes to the first in line, who is e-mailed. Staff see each day's
counts and lists, and promote or remove an entry. A day the commune closed promotes
nobody: the release withdraws its waiting entries too.
"""
from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any

from chalicelib.domain.calendar import parse_date
from chalicelib.domain.commune import CommuneSettings, ServiceConfig
from chalicelib.domain.errors import Conflict, NotFound, ValidationError
from chalicelib.mail import templates
from chalicelib.mail.sender import Mailer
from chalicelib.services.commune import CommuneService
from chalicelib.settings import PARIS
from chalicelib.storage.accounts import AccountRepository
from chalicelib.storage.bookings import BookingRepository, StoredDay, Waiting

LOG = logging.getLogger("cantine.waitlist")
STAFF_REASON = "retiré de la liste d'attente par la commune"
# A place freed gives at most this many promotions in one go (a raised number of places).
MAX_PROMOTIONS = 50
UNLIMITED = 1_000_000  # the places of a service whose limit was lifted


class NoPlaceFree(Conflict):
    code = "no_place_free"
    message = "Aucune place n'est libre ce jour-là pour cette prestation."


def _limited(settings: CommuneSettings, code: str) -> ServiceConfig | None:
    service = settings.service(code)
    return service if service is not None and service.places is not None \
        and service.bookable else None


class WaitlistService:
    """Promotions, ranks, and the staff's view of the waiting lists."""

    def __init__(self, commune: CommuneService, bookings: BookingRepository,
                 accounts: AccountRepository, mailer: Mailer, site_url: str) -> None:
        self._commune = commune
        self._bookings = bookings
        self._accounts = accounts
        self._mailer = mailer
        self._site_url = site_url

    # -- parents -----------------------------------------------------------------------
    def ranks(self, child_id: str, days: dict[date, StoredDay]) -> dict[tuple[date, str], int]:
        """The place in line of each of a child's waiting entries: one query per waiting
        (day, service), none when the child waits for nothing."""
        result: dict[tuple[date, str], int] = {}
        for day, stored in sorted(days.items()):
            for service in sorted(stored.waiting):
                result[(day, service)] = self.rank(child_id, day, service)
        return result

    def rank(self, child_id: str, day: date, service: str) -> int:
        """This child's place in the (service, day)'s line (0 if it no longer waits)."""
        return next((w.rank for w in self._bookings.waiting_list(day, service)
                     if w.child_id == child_id), 0)

    # -- a place given back ------------------------------------------------------------
    def fill(self, day: date, service: str, now: datetime,
             settings: CommuneSettings | None = None) -> list[Waiting]:
        """Give the free places of a (service, day) to the first in line, in order, and
        e-mail each family; returns who got one. Idempotent: with no place free or nobody
        waiting it writes nothing; two callers at once cannot give one place twice."""
        settings = settings or self._commune.get()
        config = _limited(settings, service)
        if config is None or config.places is None:
            return []
        return self._serve(day, config, config.places, now, settings)

    def _serve(self, day: date, config: ServiceConfig, places: int, now: datetime,
               settings: CommuneSettings) -> list[Waiting]:
        service = config.code
        if not settings.calendar().day(day).school_day:
            return []  # a closed day promotes nobody
        if settings.frozen(day, service):
            # The lock froze the day: the kitchen cooks for its counts, which a child
            # promoted now would not be in. Staff may still give the place by hand.
            return []
        promoted: list[Waiting] = []
        for _ in range(MAX_PROMOTIONS):
            line = self._bookings.waiting_list(day, service)
            if not line:
                break
            first = line[0]
            if self._bookings.promote(first.child_id, day, service, places, now):
                promoted.append(first)
                continue
            if self._bookings.slot(day, service).confirmed >= places:
                break  # no place free: the line waits
            # the first withdrew meanwhile: read the line again
        self._tell(promoted, day, config)
        return promoted

    def after_settings(self, before: CommuneSettings, after: CommuneSettings,
                       now: datetime) -> int:
        """A service given more places, or no limit any more: from today on, the first in
        each day's line get the new places, and are e-mailed. How many got one."""
        today = now.astimezone(PARIS).date()
        promoted = 0
        for config in after.bookable_services():
            old = before.service(config.code)
            if old is None or old.places is None or \
                    (config.places is not None and config.places <= old.places):
                continue  # nobody waits, or no place more
            # No limit any more: every entry of the line is confirmed.
            places = config.places if config.places is not None else UNLIMITED
            for day in self._bookings.waiting_days(config.code, today):
                promoted += len(self._serve(day, config, places, now, after))
        return promoted

    def _tell(self, promoted: list[Waiting], day: date, config: ServiceConfig) -> None:
        if not promoted:
            return
        families = self._accounts.get_families([w.family for w in promoted])
        for entry in promoted:
            family = families.get(entry.family)
            if family is None or not family.emails:
                continue
            child = family.child(entry.child_id)
            name = f"{child.first_name} {child.last_name}" if child else entry.child_id
            try:
                self._mailer.send(templates.waiting_place_given(
                    family.emails, family.name, name, day.strftime("%d/%m/%Y"),
                    config.label, self._site_url))
            except Exception:  # noqa: BLE001 - the place stands; the portal shows it
                LOG.exception("waiting-list e-mail not sent to family %s", entry.family)

    # -- staff -------------------------------------------------------------------------
    def day(self, query: dict[str, str]) -> dict[str, Any]:
        """For one day, each service with places: places, confirmed, and the waiting list
        in order with each child's name and family."""
        if not query.get("date"):
            raise ValidationError("Indiquez le jour (date=AAAA-MM-JJ).", field="date")
        day = parse_date(query["date"], "date")
        settings = self._commune.get()
        rows = []
        lines: dict[str, list[Waiting]] = {}
        for service in settings.bookable_services():
            if service.places is None:
                continue
            lines[service.code] = self._bookings.waiting_list(day, service.code)
        families = self._accounts.get_families(
            [w.family for line in lines.values() for w in line])
        for service in settings.bookable_services():
            if service.places is None:
                continue
            slot = self._bookings.slot(day, service.code)
            entries = []
            for entry in lines[service.code]:
                family = families.get(entry.family)
                child = family.child(entry.child_id) if family else None
                entries.append({
                    "rank": entry.rank, "child_id": entry.child_id,
                    "first_name": child.first_name if child else "",
                    "last_name": child.last_name if child else "",
                    "family_number": entry.family,
                    "family_name": family.name if family else ""})
            rows.append({"service": service.code, "label": service.label,
                         "places": service.places, "confirmed": slot.confirmed,
                         "free": max(service.places - slot.confirmed, 0),
                         "waiting": entries})
        return {"date": day.isoformat(), "services": rows}

    def _entry(self, data: dict[str, Any]) -> tuple[date, ServiceConfig, str]:
        if not isinstance(data, dict):
            raise ValidationError("Requête invalide.", field="body")
        day = parse_date(data.get("date"), "date")
        config = _limited(self._commune.get(), data.get("service") or "")
        if config is None:
            raise ValidationError("Cette prestation n'a pas de nombre de places.",
                                  field="service")
        child_id = data.get("child_id")
        if not isinstance(child_id, str) or not child_id:
            raise ValidationError("Indiquez l'enfant.", field="child_id")
        return day, config, child_id

    def promote(self, data: dict[str, Any], now: datetime) -> dict[str, Any]:
        """Staff give a free place to one entry of the list, whatever its rank."""
        day, config, child_id = self._entry(data)
        entry = next((w for w in self._bookings.waiting_list(day, config.code)
                      if w.child_id == child_id), None)
        if entry is None:
            raise NotFound()
        if config.places is None or not self._bookings.promote(
                child_id, day, config.code, config.places, now):
            raise NoPlaceFree()
        self._tell([entry], day, config)
        return {"promoted": True}

    def remove(self, data: dict[str, Any], now: datetime) -> dict[str, Any]:
        """Staff take an entry off the list (the family no longer needs it)."""
        day, config, child_id = self._entry(data)
        if not any(w.child_id == child_id
                   for w in self._bookings.waiting_list(day, config.code)):
            raise NotFound()
        self._bookings.release(child_id, day, frozenset({config.code}), STAFF_REASON, now,
                               frozenset({config.code}))
        return {"removed": True}
