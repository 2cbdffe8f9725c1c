"""The commune's settings item."""
from __future__ import annotations

from datetime import date, time

from pynamodb.exceptions import DoesNotExist, PutError

from chalicelib.domain.calendar import Closure
from chalicelib.domain.collection import collection_to_dict, parse_collection
from chalicelib.domain.commune import (
    CommuneSettings,
    ServiceConfig,
    closure_to_dict,
    service_to_dict,
)
from chalicelib.domain.deadlines import parse_policy
from chalicelib.domain.errors import Conflict
from chalicelib.domain.legal import (
    accessibility_from_dict,
    accessibility_to_dict,
    privacy_from_dict,
    privacy_to_dict,
)
from chalicelib.domain.reminders import reminders_from_dict, reminders_to_dict
from chalicelib.domain.sepa import direct_debit_from_dict, direct_debit_to_dict
from chalicelib.domain.sickness import sickness_from_dict, sickness_to_dict
from chalicelib.storage.keys import is_condition_failure
from chalicelib.storage.models import CommuneModel

KEY = "commune"


def _service(data: dict) -> ServiceConfig:
    closing = data.get("closing_time")
    return ServiceConfig(
        data["code"], data["label"], data["mode"],
        parse_policy(data["deadline"], "deadline") if data.get("deadline") else None,
        time.fromisoformat(closing) if closing else None,
        data.get("price_cents"), data.get("places"), data.get("duration_minutes"))


def _closure(data: dict) -> Closure:
    return Closure(data["id"], date.fromisoformat(data["start"]),
                   date.fromisoformat(data["end"]), data["label"])


def settings_of(model: CommuneModel) -> CommuneSettings:
    return CommuneSettings(
        name=model.name, zone=model.zone, school_days=tuple(sorted(int(d) for d in model.school_days)),
        services=tuple(_service(s) for s in model.services),
        closures=tuple(sorted((_closure(c) for c in model.closures or []),
                              key=lambda c: (c.start, c.id))),
        version=model.version,
        locked_through={k: date.fromisoformat(v) for k, v in (model.locked_through or {}).items()},
        auto_confirm=bool((model.billing or {}).get("auto_confirm", False)),
        collection=parse_collection((model.billing or {}).get("collection")),
        reminders=reminders_from_dict(model.reminders),
        sickness=sickness_from_dict(model.sickness),
        direct_debit=direct_debit_from_dict(model.direct_debit),
        accessibility=accessibility_from_dict((model.legal or {}).get("accessibility")),
        privacy=privacy_from_dict((model.legal or {}).get("privacy")))


class CommuneRepository:
    """Reads and writes the settings item, with optimistic locking."""

    def get(self) -> CommuneSettings | None:
        """The settings, or None before the commune is set up."""
        try:
            return settings_of(CommuneModel.get(KEY))
        except DoesNotExist:
            return None

    def save(self, settings: CommuneSettings, next_closure: int | None = None) -> CommuneSettings:
        """Store settings read at ``settings.version``; Conflict if someone saved meanwhile."""
        model = CommuneModel(
            KEY, name=settings.name, zone=settings.zone, school_days=set(settings.school_days),
            services=[service_to_dict(s) for s in settings.services],
            closures=[closure_to_dict(c) for c in settings.closures],
            locked_through={k: v.isoformat() for k, v in settings.locked_through.items()},
            billing={"auto_confirm": settings.auto_confirm,
                     "collection": collection_to_dict(settings.collection)},
            reminders=reminders_to_dict(settings.reminders),
            sickness=sickness_to_dict(settings.sickness),
            direct_debit=direct_debit_to_dict(settings.direct_debit),
            legal={"accessibility": accessibility_to_dict(settings.accessibility),
                   "privacy": privacy_to_dict(settings.privacy)})
        if settings.version is not None:
            model.version = settings.version
        if next_closure is not None:
            model.next_closure = next_closure
        else:
            current = self._raw()
            model.next_closure = current.next_closure if current else 1
        try:
            model.save()
        except PutError as exc:
            if is_condition_failure(exc):
                raise Conflict("Les paramètres ont été modifiés entre-temps. "
                               "Rechargez la page et recommencez.") from exc
            raise
        return settings_of(model)

    def _raw(self) -> CommuneModel | None:
        try:
            return CommuneModel.get(KEY)
        except DoesNotExist:
            return None

    def next_closure_number(self) -> int:
        """The number the next closure id will carry."""
        raw = self._raw()
        return int(raw.next_closure) if raw else 1
