"""A commune's settings: school days, holiday zone, services and their deadlines, closures."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, time
from typing import Any

from chalicelib.domain.calendar import ZONES, Closure, SchoolCalendar
from chalicelib.domain.collection import (
    CollectionSettings,
    collection_to_dict,
    default_collection,
    parse_collection,
)
from chalicelib.domain.deadlines import (
    HHMM,
    DeadlinePolicy,
    WeeklyRule,
    parse_policy,
    policy_to_dict,
)
from chalicelib.domain.errors import ValidationError
from chalicelib.domain.legal import (
    AccessibilitySettings,
    PrivacySettings,
    accessibility_to_dict,
    parse_accessibility,
    parse_privacy,
    privacy_to_dict,
)
from chalicelib.domain.reminders import ReminderSettings, parse_reminders, reminders_to_dict
from chalicelib.domain.sepa import (
    DirectDebitSettings,
    direct_debit_to_dict,
    parse_direct_debit,
)
from chalicelib.domain.sickness import SicknessSettings, parse_sickness, sickness_to_dict

BOOKED, ATTENDANCE, OFF = "booked", "attendance", "off"
MODES = (BOOKED, ATTENDANCE, OFF)
# Every service the product knows, in the order the guides show their columns.
SERVICE_CODES = ("meal", "care_morning", "care_evening", "centre_morning", "centre_evening",
                 "study")
DEFAULT_LABELS = {"meal": "Repas", "care_morning": "Garderie matin",
                  "care_evening": "Garderie soir", "centre_morning": "Centre matin",
                  "centre_evening": "Centre soir", "study": "Etude"}
# Minutes of care a session counts for the CAF when the commune set none: a morning
# garderie 7:30–8:30, an evening one 16:30–18:30, a leisure-centre half day 4 hours, an
# hour of study. The lunch break (meal) is not declared as accueil périscolaire hours by
# default; a commune that declares it types its duration.
DEFAULT_DURATIONS = {"care_morning": 60, "care_evening": 120, "centre_morning": 240,
                     "centre_evening": 240, "study": 60}
MAX_DURATION_MINUTES = 12 * 60


@dataclass(frozen=True)
class ServiceConfig:
    code: str
    label: str
    mode: str
    deadline: DeadlinePolicy | None = None
    closing_time: time | None = None
    price_cents: int | None = None  # the base price of one session, in cents
    # Places per day (a garderie room, a leisure-centre group); None: no limit. Bookings
    # beyond it go on the day's waiting list.
    places: int | None = None
    # How long one session is, in minutes, for the CAF's activity report (hours of care):
    # None takes the product's default for the service (DEFAULT_DURATIONS).
    duration_minutes: int | None = None

    @property
    def hours_minutes(self) -> int:
        """The minutes of care one session counts for the CAF (0: not counted)."""
        if self.duration_minutes is not None:
            return self.duration_minutes
        return DEFAULT_DURATIONS.get(self.code, 0)

    @property
    def bookable(self) -> bool:
        """Parents book this service themselves."""
        return self.mode == BOOKED

    @property
    def active(self) -> bool:
        """Shown to parents and staff (booked or attendance-only)."""
        return self.mode != OFF


@dataclass(frozen=True)
class CommuneSettings:
    name: str
    zone: str
    school_days: tuple[int, ...]
    services: tuple[ServiceConfig, ...]
    closures: tuple[Closure, ...] = field(default=())
    version: int | None = None
    # Written by the weekly lock: per service, the last day whose bookings are frozen.
    locked_through: dict[str, date] = field(default_factory=dict)
    # The scheduled invoice run confirms its draft by itself (otherwise staff review it).
    auto_confirm: bool = False
    # Who collects: the commune's régie (default) or the Treasury, from titres de recette.
    collection: CollectionSettings = field(default_factory=default_collection)
    # E-mails to families with (almost) nothing booked before a deadline (jobs/reminders.py).
    reminders: ReminderSettings = field(default_factory=ReminderSettings)
    # « Enfant malade »: late sick reports, their cut-off and their billing rule.
    sickness: SicknessSettings = field(default_factory=SicknessSettings)
    # « Prélèvement automatique »: the commune as a SEPA creditor (domain/sepa.py).
    direct_debit: DirectDebitSettings = field(default_factory=DirectDebitSettings)
    # What the law asks the portal to publish: the accessibility statement and its plan,
    # the personal-data notice (domain/legal.py).
    accessibility: AccessibilitySettings = field(default_factory=AccessibilitySettings)
    privacy: PrivacySettings = field(default_factory=PrivacySettings)

    def frozen(self, day: date, service: str) -> bool:
        """Whether the lock has frozen this day's bookings of this service."""
        last = self.locked_through.get(service)
        return last is not None and day <= last

    def service(self, code: str) -> ServiceConfig | None:
        """The service with this code, or None."""
        return next((s for s in self.services if s.code == code), None)

    def active_services(self) -> tuple[ServiceConfig, ...]:
        """Services parents see, in display order."""
        return tuple(s for s in self.services if s.active)

    def bookable_services(self) -> tuple[ServiceConfig, ...]:
        """Services parents book."""
        return tuple(s for s in self.services if s.bookable)

    def calendar(self) -> SchoolCalendar:
        """The school calendar these settings describe."""
        return SchoolCalendar(self.school_days, self.zone, self.closures)


def default_settings(name: str = "Commune de démonstration") -> CommuneSettings:
    """Saint-Just-d'Avray's setup: 4-day week, zone A, Thursday 17:00 for the next week."""
    thursday = DeadlinePolicy(WeeklyRule(4, time(17, 0)))
    modes = {"meal": BOOKED, "care_morning": BOOKED, "care_evening": BOOKED}
    closing = {"care_morning": time(8, 30), "care_evening": time(18, 30)}
    prices = {"meal": 350, "care_morning": 150, "care_evening": 200}
    services = tuple(
        ServiceConfig(code, DEFAULT_LABELS[code], modes.get(code, OFF),
                      thursday if modes.get(code) == BOOKED else None, closing.get(code),
                      prices.get(code))
        for code in SERVICE_CODES)
    return CommuneSettings(name=name, zone="A", school_days=(1, 2, 4, 5), services=services)


def _time_text(value: time | None) -> str | None:
    return value.strftime("%H:%M") if value else None


def service_to_dict(service: ServiceConfig) -> dict[str, Any]:
    """A service as stored and as the API shows it."""
    return {"code": service.code, "label": service.label, "mode": service.mode,
            "deadline": policy_to_dict(service.deadline) if service.deadline else None,
            "closing_time": _time_text(service.closing_time),
            "price_cents": service.price_cents, "places": service.places,
            "duration_minutes": service.duration_minutes,
            "hours_minutes": service.hours_minutes}


def closure_to_dict(closure: Closure) -> dict[str, Any]:
    """A closure as stored and as the API shows it."""
    return {"id": closure.id, "start": closure.start.isoformat(),
            "end": closure.end.isoformat(), "label": closure.label}


def settings_to_dict(settings: CommuneSettings) -> dict[str, Any]:
    """Settings as the API shows them."""
    return {"name": settings.name, "zone": settings.zone,
            "school_days": list(settings.school_days),
            "services": [service_to_dict(s) for s in settings.services],
            "closures": [closure_to_dict(c) for c in settings.closures],
            "locked_through": {k: v.isoformat() for k, v in sorted(settings.locked_through.items())},
            "billing_auto_confirm": settings.auto_confirm,
            "collection": collection_to_dict(settings.collection),
            "reminders": reminders_to_dict(settings.reminders),
            "sickness": sickness_to_dict(settings.sickness),
            "direct_debit": direct_debit_to_dict(settings.direct_debit),
            "accessibility": accessibility_to_dict(settings.accessibility),
            "privacy": privacy_to_dict(settings.privacy),
            "version": settings.version}


def _parse_service(data: Any, index: int) -> ServiceConfig:
    where = f"services[{index}]"
    if not isinstance(data, dict):
        raise ValidationError("Prestation invalide.", field=where)
    code = data.get("code")
    if code not in SERVICE_CODES:
        raise ValidationError(f"Code de prestation inconnu ({', '.join(SERVICE_CODES)}).",
                              field=f"{where}.code")
    label = data.get("label")
    label = " ".join(label.split()) if isinstance(label, str) else ""
    if not 1 <= len(label) <= 40:
        raise ValidationError("Le libellé doit faire entre 1 et 40 caractères.",
                              field=f"{where}.label")
    mode = data.get("mode")
    if mode not in MODES:
        raise ValidationError("Mode invalide (booked, attendance ou off).", field=f"{where}.mode")
    policy = None
    if mode == BOOKED:
        if not isinstance(data.get("deadline"), dict):
            raise ValidationError("Une prestation réservée doit avoir un délai.",
                                  field=f"{where}.deadline")
        policy = parse_policy(data["deadline"], f"{where}.deadline")
    closing = data.get("closing_time")
    closing_time = None
    if closing not in (None, ""):
        match = HHMM.fullmatch(closing) if isinstance(closing, str) else None
        if match is None:
            raise ValidationError("Heure de fermeture invalide (HH:MM).",
                                  field=f"{where}.closing_time")
        closing_time = time(int(match.group(1)), int(match.group(2)))
    price = data.get("price_cents")
    if price is not None and (isinstance(price, bool) or not isinstance(price, int)
                              or not 0 <= price <= 100_000):
        raise ValidationError("Le prix doit être un nombre entier de centimes (0 à 100000).",
                              field=f"{where}.price_cents")
    places = data.get("places")
    if places is not None and (isinstance(places, bool) or not isinstance(places, int)
                               or not 1 <= places <= 10_000):
        raise ValidationError("Le nombre de places doit être un entier de 1 à 10000, "
                              "ou vide pour ne pas limiter.", field=f"{where}.places")
    if places is not None and mode != BOOKED:
        raise ValidationError("Seule une prestation réservée peut avoir un nombre de places.",
                              field=f"{where}.places")
    duration = data.get("duration_minutes")
    if duration is not None and (isinstance(duration, bool) or not isinstance(duration, int)
                                 or not 0 <= duration <= MAX_DURATION_MINUTES):
        raise ValidationError("La durée d'une séance doit être un nombre entier de minutes "
                              f"(0 à {MAX_DURATION_MINUTES}), ou vide pour la durée par "
                              "défaut.", field=f"{where}.duration_minutes")
    return ServiceConfig(code, label, mode, policy, closing_time, price, places, duration)


def parse_settings(data: Any, current: CommuneSettings,
                   year: int | None = None) -> CommuneSettings:
    """Validate a staff edit; fields left out keep their current value, closures too."""
    if not isinstance(data, dict):
        raise ValidationError("Paramètres invalides.", field="settings")
    name = data.get("name", current.name)
    name = " ".join(name.split()) if isinstance(name, str) else ""
    if not 1 <= len(name) <= 100:
        raise ValidationError("Le nom de la commune doit faire entre 1 et 100 caractères.",
                              field="name")
    zone = data.get("zone", current.zone)
    if zone not in ZONES:
        raise ValidationError("Zone de vacances scolaires invalide (A, B ou C).", field="zone")
    days = data.get("school_days", list(current.school_days))
    if (not isinstance(days, list) or not days
            or any(isinstance(d, bool) or not isinstance(d, int) or not 1 <= d <= 7 for d in days)
            or len(set(days)) != len(days)):
        raise ValidationError("Jours d'école invalides (liste de 1 = lundi à 7 = dimanche).",
                              field="school_days")
    services = current.services
    if "services" in data:
        raw = data["services"]
        if not isinstance(raw, list) or not raw:
            raise ValidationError("La liste des prestations est invalide.", field="services")
        parsed = [_parse_service(item, i) for i, item in enumerate(raw)]
        codes = [s.code for s in parsed]
        if len(set(codes)) != len(codes):
            raise ValidationError("Une prestation apparaît deux fois.", field="services")
        # Services left out keep their configuration, so the product's columns never vanish.
        by_code = {s.code: s for s in current.services} | {s.code: s for s in parsed}
        services = tuple(by_code[c] for c in SERVICE_CODES if c in by_code)
    auto_confirm = data.get("billing_auto_confirm", current.auto_confirm)
    if not isinstance(auto_confirm, bool):
        raise ValidationError("« billing_auto_confirm » doit valoir true ou false.",
                              field="billing_auto_confirm")
    collection = current.collection
    if "collection" in data:
        if not isinstance(data["collection"], dict):
            # Never a silent switch back to the régie (its identifiers would go with it).
            raise ValidationError("Paramètres d'encaissement invalides : indiquez le mode "
                                  "(regie ou titres).", field="collection")
        collection = parse_collection(data["collection"], billed_services=tuple(
            s.code for s in services if s.active))
        collection = _stamp_roll_year(collection, current.collection, year)
    reminders = (parse_reminders(data["reminders"], current.reminders) if "reminders" in data
                 else current.reminders)
    sickness = (parse_sickness(data["sickness"], current.sickness) if "sickness" in data
                else current.sickness)
    direct_debit = (parse_direct_debit(data["direct_debit"], current.direct_debit)
                    if "direct_debit" in data else current.direct_debit)
    accessibility = (parse_accessibility(data["accessibility"], current.accessibility)
                     if "accessibility" in data else current.accessibility)
    privacy = (parse_privacy(data["privacy"], current.privacy) if "privacy" in data
               else current.privacy)
    return replace(current, name=name, zone=zone, school_days=tuple(sorted(days)),
                   services=services, auto_confirm=auto_confirm, collection=collection,
                   reminders=reminders, sickness=sickness, direct_debit=direct_debit,
                   accessibility=accessibility, privacy=privacy)


def _stamp_roll_year(new: CollectionSettings, old: CollectionSettings,
                     year: int | None) -> CollectionSettings:
    """The next roll number staff type is that of the budget year they type it in: rolls
    count again from 1 each year, so a number entered in 2026 must not carry into 2027."""
    if year is None or new.titres is None:
        return new
    before = old.titres
    typed = before is None or new.titres.next_roll_number != before.next_roll_number
    if typed or new.titres.roll_exercice is None:
        return replace(new, titres=replace(new.titres, roll_exercice=year))
    return new
