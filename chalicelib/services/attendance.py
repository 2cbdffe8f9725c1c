"""Attendance: the children expected for a day and service, and what the agent records."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from chalicelib.domain.attendance import AttendanceRecord, ExpectedChild
from chalicelib.domain.calendar import parse_date
from chalicelib.domain.commune import BOOKED, CommuneSettings, ServiceConfig
from chalicelib.domain.deadlines import HHMM
from chalicelib.domain.errors import ValidationError
from chalicelib.services.commune import CommuneService
from chalicelib.storage.accounts import AccountRepository
from chalicelib.storage.attendance import AttendanceRepository
from chalicelib.storage.bookings import BookingRepository

ATTENDANCE_PAST = timedelta(days=62)


def _minutes(text: str | None) -> int | None:
    if not text:
        return None
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def late_minutes(departure: str | None, closing: time | None) -> int:
    """Minutes after closing time at which the child was picked up (0 if on time)."""
    left = _minutes(departure)
    if left is None or closing is None:
        return 0
    return max(0, left - (closing.hour * 60 + closing.minute))


class AttendanceService:
    """What agents do with the day's lists: see who is expected, mark them."""

    def __init__(self, commune: CommuneService, accounts: AccountRepository,
                 bookings: BookingRepository, attendance: AttendanceRepository) -> None:
        self._commune = commune
        self._accounts = accounts
        self._bookings = bookings
        self._attendance = attendance

    def _service(self, settings: CommuneSettings, code: str | None) -> ServiceConfig:
        active = settings.active_services()
        if not code:
            return active[0]
        service = settings.service(code)
        if service is None or not service.active:
            raise ValidationError("Prestation inconnue ou désactivée.", field="service")
        return service

    def _expected(self, day: date, service: ServiceConfig,
                  records: dict[str, AttendanceRecord]) -> list[ExpectedChild]:
        """Children expected (booked, or enrolled for an attendance-mode service) and
        those recorded anyway (present without booking), with what was recorded."""
        rows: list[ExpectedChild] = []
        if service.mode == BOOKED:
            booked = {child_id: family for child_id, family, services
                      in self._bookings.on_day(day) if service.code in services}
            wanted = {**{c: f for c, f in booked.items()},
                      **{c: r.family for c, r in records.items()}}
            families = self._accounts.get_families(list(wanted.values()))
            for child_id, number in wanted.items():
                family = families.get(number)
                if family is None:
                    continue
                child = family.child(child_id)
                # Who left (archived child or family) is not expected, unless recorded.
                gone = child is None or child.archived or family.archived
                if child is not None and (not gone or child_id in records):
                    rows.append(ExpectedChild(family, child, child_id in booked,
                                              records.get(child_id)))
        else:
            for family in self._accounts.all_families():
                if family.archived:
                    continue
                for child in family.active_children():
                    rows.append(ExpectedChild(family, child, False, records.get(child.id)))
        rows.sort(key=_by_name)
        return rows

    def attendance_list(self, query: dict[str, str], now: datetime) -> dict[str, Any]:
        """The children expected for one day and service, with what was recorded; and,
        for a booked service, the ``others`` who may turn up unbooked."""
        settings = self._commune.get()
        day = parse_date(query["date"], "date") if query.get("date") else now.date()
        service = self._service(settings, query.get("service"))
        records = self._attendance.for_slot(day, service.code)
        children = self._expected(day, service, records)
        others = []
        if service.mode == BOOKED:
            # Children who may turn up without a booking (billed with a surcharge): the
            # agent finds them here to mark them present.
            listed = {row.child.id for row in children}
            for family in self._accounts.all_families():
                if family.archived:
                    continue
                for child in family.active_children():
                    if child.id not in listed:
                        others.append(ExpectedChild(family, child))
            others.sort(key=_by_name)
        return {"date": day.isoformat(), "service": service.code, "label": service.label,
                "others": others,
                "mode": service.mode,
                "closing_time": service.closing_time.strftime("%H:%M")
                if service.closing_time else None,
                "services": [{"code": s.code, "label": s.label, "mode": s.mode}
                             for s in settings.active_services()],
                "children": children}

    def record_attendance(self, data: dict[str, Any], who: str,
                          now: datetime) -> tuple[AttendanceRecord | None, AttendanceRecord]:
        """Record presence or absence, times and justification; returns (before, after)."""
        settings = self._commune.get()
        day = parse_date(data.get("date"), "date")
        if day > now.date() or now.date() - day > ATTENDANCE_PAST:
            raise ValidationError("On ne pointe que le jour même ou des jours récents.",
                                  field="date")
        if not isinstance(data.get("service"), str) or not data["service"]:
            raise ValidationError("Indiquez la prestation pointée.", field="service")
        service = self._service(settings, data["service"])
        child_id = data.get("child_id")
        number = child_id.split("-")[0] if isinstance(child_id, str) else ""
        family = self._accounts.get_family(number) if number.isdigit() else None
        child = family.child(child_id) if family and isinstance(child_id, str) else None
        if child is None or family is None:
            raise ValidationError("Enfant inconnu.", field="child_id")
        if child.archived or family.archived:
            raise ValidationError("Cet enfant n'est plus inscrit (fiche archivée) : "
                                  "réactivez-le avant de le pointer.", field="child_id",
                                  code="child_not_enrolled")
        info = settings.calendar().day(day)
        if not info.school_day:
            raise ValidationError(f"Pas de service le {day.strftime('%d/%m/%Y')} "
                                  f"({info.why_closed()}) : "
                                  "rien ne peut y être pointé.", field="date",
                                  code="not_a_service_day")
        status = data.get("status")
        if status not in ("present", "absent"):
            raise ValidationError("Statut invalide (present ou absent).", field="status")
        times: dict[str, str | None] = {}
        for name in ("arrival", "departure"):
            value = data.get(name)
            if value in (None, ""):
                times[name] = None
            elif isinstance(value, str) and HHMM.fullmatch(value):
                times[name] = value
            else:
                raise ValidationError("Heure invalide (HH:MM).", field=name)
        if times["arrival"] and times["departure"] and times["departure"] < times["arrival"]:
            raise ValidationError("Le départ précède l'arrivée.", field="departure")
        justified = data.get("justified", False)
        if not isinstance(justified, bool):
            raise ValidationError("« justified » doit valoir true ou false.", field="justified")
        reason = data.get("reason") or ""
        if not isinstance(reason, str) or len(reason) > 200:
            raise ValidationError("Motif trop long (200 caractères).", field="reason")
        if status == "present":
            justified, reason = False, ""
        else:
            times = {"arrival": None, "departure": None}
        before = self._attendance.for_slot(day, service.code).get(child.id)
        record = AttendanceRecord(
            child.id, family.number, day, service.code, status, times["arrival"],
            times["departure"], justified, reason.strip(),
            late_minutes(times["departure"], service.closing_time) if status == "present" else 0,
            who, now)
        self._attendance.put(record)
        return before, record



def _by_name(row: ExpectedChild) -> tuple[str, str]:
    return row.child.last_name.lower(), row.child.first_name.lower()
