"""Day-to-day staff operations: attendance, head counts, CSV exports, menus."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from chalicelib.domain import csv_export
from chalicelib.domain.accounts import MEAL_TYPE_LABELS, MEAL_TYPES, Child, Family
from chalicelib.domain.calendar import parse_date
from chalicelib.domain.commune import BOOKED, CommuneSettings, ServiceConfig
from chalicelib.domain.errors import NotFound, ValidationError
from chalicelib.domain.menus import ALLERGENS, parse_week
from chalicelib.domain.deadlines import HHMM
from chalicelib.services.commune import CommuneService
from chalicelib.services.headcounts import count_slot, has_diets
from chalicelib.storage.accounts import AccountRepository
from chalicelib.storage.attendance import AttendanceRecord, AttendanceRepository
from chalicelib.storage.bookings import BookingRepository
from chalicelib.storage.jobs import HeadcountRepository
from chalicelib.storage.menus import MenuRepository

MAX_EXPORT_DAYS = 93      # a school term: the biggest export stays well under a megabyte
MAX_HEADCOUNT_DAYS = 62
ATTENDANCE_PAST = timedelta(days=62)
EXPORTS = ("headcounts", "bookings", "attendance", "families")


def _range(query: dict[str, str], today: date, max_days: int,
           default_days: int = 6) -> tuple[date, date]:
    start = parse_date(query["from"], "from") if query.get("from") else today
    end = parse_date(query["to"], "to") if query.get("to") else start + timedelta(days=default_days)
    if end < start:
        raise ValidationError("La date de fin précède la date de début.", field="to")
    if (end - start).days >= max_days:
        raise ValidationError(f"Période trop longue ({max_days} jours au plus).", field="to")
    return start, end


def _days(start: date, end: date):
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


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


class OperationsService:
    """What agents, the kitchen and the office do with the day's lists."""

    def __init__(self, commune: CommuneService, accounts: AccountRepository,
                 bookings: BookingRepository, attendance: AttendanceRepository,
                 headcounts: HeadcountRepository, menus: MenuRepository) -> None:
        self._commune = commune
        self._accounts = accounts
        self._bookings = bookings
        self._attendance = attendance
        self._headcounts = headcounts
        self._menus = menus

    # -- attendance ----------------------------------------------------------------------
    def _service(self, settings: CommuneSettings, code: str | None) -> ServiceConfig:
        active = settings.active_services()
        if not code:
            return active[0]
        service = settings.service(code)
        if service is None or not service.active:
            raise ValidationError("Prestation inconnue ou désactivée.", field="service")
        return service

    def _expected(self, day: date, service: ServiceConfig,
                  records: dict[str, AttendanceRecord]) -> list[tuple[Family, Child, bool]]:
        """Children expected (booked, or enrolled for an attendance-mode service) and
        those recorded anyway (present without booking)."""
        rows: list[tuple[Family, Child, bool]] = []
        if service.mode == BOOKED:
            booked = {child_id: family for child_id, family, services
                      in self._bookings.on_day(day) if service.code in services}
            wanted = {**{c: f for c, f in booked.items()},
                      **{c: r.family for c, r in records.items()}}
            families = self._accounts.get_families(list(wanted.values()))
            for child_id, number in wanted.items():
                family = families.get(number)
                child = family.child(child_id) if family else None
                # Who left (archived child or family) is not expected, unless recorded.
                gone = child is None or child.archived or family.archived
                if child is not None and (not gone or child_id in records):
                    rows.append((family, child, child_id in booked))
        else:
            for family in self._accounts.all_families():
                if family.archived:
                    continue
                for child in family.active_children():
                    rows.append((family, child, False))
        rows.sort(key=lambda r: (r[1].last_name.lower(), r[1].first_name.lower()))
        return rows

    def attendance_list(self, query: dict[str, str], now: datetime) -> dict[str, Any]:
        """The children expected for one day and service, with what was recorded."""
        settings = self._commune.get()
        day = parse_date(query["date"], "date") if query.get("date") else now.date()
        service = self._service(settings, query.get("service"))
        records = self._attendance.for_slot(day, service.code)
        children = []
        for family, child, booked in self._expected(day, service, records):
            record = records.get(child.id)
            children.append({
                "child_id": child.id, "first_name": child.first_name,
                "last_name": child.last_name, "family_number": family.number,
                "family_name": family.name, "class_name": child.class_name,
                "meal_type": child.meal_type, "allergies": child.allergies,
                "pickup_people": list(child.pickup_people), "booked": booked,
                "record": _record_json(record) if record else None})
        others = []
        if service.mode == BOOKED:
            # Children who may turn up without a booking (billed with a surcharge): the
            # agent finds them here to mark them present.
            listed = {c["child_id"] for c in children}
            for family in self._accounts.all_families():
                if family.archived:
                    continue
                for child in family.active_children():
                    if child.id not in listed:
                        others.append({"child_id": child.id, "first_name": child.first_name,
                                       "last_name": child.last_name,
                                       "family_number": family.number,
                                       "family_name": family.name,
                                       "class_name": child.class_name,
                                       # Who may come unbooked needs the same care:
                                       # the PAI and who may pick the child up.
                                       "meal_type": child.meal_type,
                                       "allergies": child.allergies,
                                       "pickup_people": list(child.pickup_people)})
            others.sort(key=lambda c: (c["last_name"].lower(), c["first_name"].lower()))
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
        child = family.child(child_id) if family else None
        if child is None:
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
        times = {}
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

    # -- head counts ---------------------------------------------------------------------
    def headcounts(self, query: dict[str, str], now: datetime) -> list[dict[str, Any]]:
        """Per day × service × meal type: frozen counts, else provisional ones."""
        start, end = _range(query, now.date(), MAX_HEADCOUNT_DAYS)
        return self._headcount_rows(start, end)

    def _headcount_rows(self, start: date, end: date) -> list[dict[str, Any]]:
        settings = self._commune.get()
        calendar = settings.calendar()
        frozen = {(h.day, h.service): h for h in self._headcounts.between(start, end)}
        services = settings.bookable_services()
        rows: list[dict[str, Any]] = []
        families: dict[str, Family] = {}
        for day in _days(start, end):
            if not calendar.is_school_day(day):
                continue
            live = None
            for service in services:
                count = frozen.get((day, service.code))
                locked = count is not None
                if count is None:
                    if live is None:
                        live = self._bookings.on_day(day)
                    count = count_slot(day, service.code, live, families, self._accounts)
                rows.append({"date": day.isoformat(), "service": service.code,
                             "label": service.label, "total": count.total,
                             "by_meal_type": {t: int(count.by_meal_type.get(t, 0))
                                              for t in MEAL_TYPES},
                             "diets": has_diets(service.code),
                             "locked": locked})
        return rows

    # -- exports -------------------------------------------------------------------------
    def export(self, name: str, query: dict[str, str], now: datetime) -> tuple[str, str]:
        """(file name, CSV text) of one export."""
        if name not in EXPORTS:
            raise NotFound()
        if name == "families":
            return "familles.csv", self._families_csv()
        start, end = _range(query, now.date(), MAX_EXPORT_DAYS)
        suffix = f"{start.isoformat()}_{end.isoformat()}.csv"
        if name == "headcounts":
            return f"effectifs_{suffix}", self._headcounts_csv(start, end)
        if name == "bookings":
            return f"reservations_{suffix}", self._bookings_csv(start, end)
        return f"pointage_{suffix}", self._attendance_csv(start, end)

    def _headcounts_csv(self, start: date, end: date) -> str:
        header = ["Date", "Prestation", "Total"] + [MEAL_TYPE_LABELS[t] for t in MEAL_TYPES] \
            + ["Statut"]
        rows = ([date.fromisoformat(r["date"]), r["label"], r["total"]]
                # Meal types are the kitchen's: a garderie row leaves them empty.
                + [r["by_meal_type"][t] if r["diets"] else "" for t in MEAL_TYPES]
                + ["Verrouillé" if r["locked"] else "Provisoire"]
                for r in self._headcount_rows(start, end))
        return csv_export.render(header, rows)

    def _bookings_csv(self, start: date, end: date) -> str:
        settings = self._commune.get()
        services = settings.bookable_services()
        header = ["Date", "N° famille", "Famille", "Enfant", "Classe", "Régime"] \
            + [s.label for s in services]
        families: dict[str, Family] = {}
        rows = []
        for day in _days(start, end):
            booked = self._bookings.on_day(day)
            missing = [f for _, f, _ in booked if f not in families]
            if missing:
                families.update(self._accounts.get_families(missing))
            for child_id, number, codes in sorted(booked):
                family = families.get(number)
                child = family.child(child_id) if family else None
                if child is None:
                    continue
                rows.append([day, number, family.name, f"{child.first_name} {child.last_name}",
                             child.class_name, MEAL_TYPE_LABELS.get(child.meal_type, "")]
                            + [s.code in codes for s in services])
        return csv_export.render(header, rows)

    def _attendance_csv(self, start: date, end: date) -> str:
        settings = self._commune.get()
        header = ["Date", "Prestation", "N° famille", "Famille", "Enfant", "Statut", "Arrivée",
                  "Départ", "Retard (min)", "Absence justifiée", "Motif"]
        families: dict[str, Family] = {}
        rows = []
        for day in _days(start, end):
            for service in settings.active_services():
                records = self._attendance.for_slot(day, service.code)
                missing = [r.family for r in records.values() if r.family not in families]
                if missing:
                    families.update(self._accounts.get_families(missing))
                for record in sorted(records.values(), key=lambda r: r.child_id):
                    family = families.get(record.family)
                    child = family.child(record.child_id) if family else None
                    rows.append([day, service.label, record.family,
                                 family.name if family else "",
                                 f"{child.first_name} {child.last_name}" if child else record.child_id,
                                 "Présent" if record.status == "present" else "Absent",
                                 record.arrival, record.departure, record.late_minutes,
                                 record.justified if record.status == "absent" else None,
                                 record.reason])
        return csv_export.render(header, rows)

    def _families_csv(self) -> str:
        header = ["N° famille", "Nom", "Adresse mail", "Seconde adresse mail", "Téléphones",
                  "Adresse", "Quotient familial", "Date d'effet du quotient", "Enfants",
                  "Archivée"]
        rows = ([f.number, f.name, f.emails[0] if f.emails else "",
                 f.emails[1] if len(f.emails) > 1 else "", ", ".join(f.phones), f.address,
                 f.income.qf, f.income.effective_from,
                 ", ".join(f"{c.first_name} {c.last_name}" for c in f.active_children()),
                 f.archived]
                for f in self._accounts.all_families())
        return csv_export.render(header, rows)

    # -- menus ---------------------------------------------------------------------------
    def menus(self, query: dict[str, str], now: datetime) -> dict[str, Any]:
        """Menus of a date range (default: this week)."""
        today = now.date()
        monday = today - timedelta(days=today.isoweekday() - 1)
        start = parse_date(query["from"], "from") if query.get("from") else monday
        end = parse_date(query["to"], "to") if query.get("to") else start + timedelta(days=6)
        if end < start or (end - start).days > 62:
            raise ValidationError("Période invalide (62 jours au plus).", field="to")
        stored = self._menus.between(start, end)
        return {"allergens": dict(ALLERGENS),
                "days": [{"date": day.isoformat(), "vegetarian": vegetarian, "dishes": dishes}
                         for day, (vegetarian, dishes) in sorted(stored.items())]}

    def publish_week(self, monday_text: str, data: dict[str, Any]) -> dict[str, Any]:
        """Publish (or replace) a week's menu."""
        monday, days = parse_week(monday_text, data)
        sunday = monday + timedelta(days=6)
        existing = self._menus.between(monday, sunday)
        kept = {d: v for d, v in days.items() if v[1] or v[0]}
        removed = [d for d in existing if d not in kept]
        self._menus.put_days(kept, removed)
        return {"week": monday.isoformat(),
                "days": [{"date": d.isoformat(), "vegetarian": v, "dishes": dishes}
                         for d, (v, dishes) in sorted(kept.items())]}


def _record_json(record: AttendanceRecord) -> dict[str, Any]:
    return {"status": record.status, "arrival": record.arrival,
            "departure": record.departure, "justified": record.justified,
            "reason": record.reason, "late_minutes": record.late_minutes}


def record_json(record: AttendanceRecord | None) -> dict[str, Any] | None:
    """An attendance record as the API shows it (with its slot)."""
    if record is None:
        return None
    return {"date": record.day.isoformat(), "service": record.service,
            "child_id": record.child_id, **_record_json(record)}
