"""The weekly lock, run as EventBridge runs it (the job function) and from the staff console.

Demo commune: every booked service (meal, care_morning, care_evening) closes on the
Thursday at 17:00, Paris time, for the following week; school on Mon, Tue, Thu and Fri.
The clock starts on Monday 2026-11-23 10:00, when next week is still open.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from chalicelib.domain.commune import default_settings
from chalicelib.domain.lock import days_to_freeze
from chalicelib.jobs.lock import lock_bookings
from chalicelib.jobs.schedules import LOCK as SCHEDULE
from chalicelib.services.lock import LockService
from chalicelib.storage.jobs import HeadcountRepository
from chalicelib.storage.models import HeadcountModel
from tests.client import body

PARIS = ZoneInfo("Europe/Paris")
UTC = timezone.utc
SERVICES = ("meal", "care_morning", "care_evening")
MEAL_TYPES = ("standard", "sans_porc", "vegetarien", "panier_pai")
# What EventBridge hands the function on each tick.
SCHEDULED_EVENT = {
    "version": "0", "id": "0e4c7a6c-5c3b-4f43-9d6a-2b9c0b1c2d3e",
    "detail-type": "Scheduled Event", "source": "aws.events", "account": "123456789012",
    "time": "2026-11-26T16:00:00Z", "region": "eu-west-3",
    "resources": ["arn:aws:events:eu-west-3:123456789012:rule/cantine-lock_bookings"],
    "detail": {},
}


def paris(*parts) -> datetime:
    return datetime(*parts, tzinfo=PARIS)


@dataclass(frozen=True)
class Season:
    name: str
    before: datetime       # Thursday 16:59, Paris
    after: datetime        # Thursday 17:01, Paris
    week: tuple[str, ...]  # the school days of the following week

    def __str__(self) -> str:
        return self.name


WINTER = Season("winter", paris(2026, 11, 26, 16, 59), paris(2026, 11, 26, 17, 1),
                ("2026-11-30", "2026-12-01", "2026-12-03", "2026-12-04"))
SUMMER = Season("summer", paris(2027, 6, 10, 16, 59), paris(2027, 6, 10, 17, 1),
                ("2027-06-14", "2027-06-15", "2027-06-17", "2027-06-18"))


def ok(response, status=200):
    assert response.status_code == status, response.body
    return body(response)


def book(parent, child, iso, service="meal", booked=True):
    return parent.put(f"/children/{child}/bookings",
                      {"changes": [{"date": iso, "service": service, "booked": booked}]})


def add_child(admin, **details):
    return ok(admin.post("/staff/families/1001/children",
                         {"first_name": "LILI", "last_name": "TEST", **details}), 201)["id"]


def headcounts(admin, start, end):
    rows = ok(admin.get(f"/staff/headcounts?from={start}&to={end}"))["days"]
    return {(r["date"], r["service"]): r for r in rows}


def settings(admin):
    return ok(admin.get("/staff/settings"))


def runs(admin):
    return ok(admin.get("/staff/jobs/runs"))["runs"]


def counts(total=0, **by_type):
    return {"total": total, "by_meal_type": {t: by_type.get(t, 0) for t in MEAL_TYPES}}


@pytest.fixture
def booked_week(admin, parent):
    """TOTO (standard) eats on the Monday of each season's week and stays for the evening;
    LILI (sans porc) eats on the Tuesday."""
    lili = add_child(admin, meal_type="sans_porc")
    for season in (WINTER, SUMMER):
        assert book(parent, "1001-1", season.week[0]).status_code == 200
        assert book(parent, "1001-1", season.week[0], "care_evening").status_code == 200
        assert book(parent, lili, season.week[1]).status_code == 200
    return lili


# -- freezing at Thursday 17:00, winter and summer ---------------------------------------

@pytest.mark.parametrize("season", [WINTER, SUMMER], ids=str)
def test_the_lock_freezes_the_following_week_once_thursday_17h_has_passed(
        season, booked_week, admin, parent, travel):
    monday, tuesday = season.week[0], season.week[1]
    travel(season.before)
    assert lock_bookings(SCHEDULED_EVENT)["frozen"] > 0  # a first run catches up the past
    before = headcounts(admin, season.week[0], season.week[-1])
    assert not any(row["locked"] for row in before.values())
    assert not any(settings(admin)["locked_through"].get(s, "") >= monday for s in SERVICES)
    # One minute before the deadline the family still changes the week.
    assert book(parent, "1001-1", monday, "care_morning").status_code == 200

    travel(season.after)
    result = lock_bookings(SCHEDULED_EVENT)

    assert result["frozen"] == len(season.week) * len(SERVICES)
    after = headcounts(admin, season.week[0], season.week[-1])
    assert set(after) == {(day, s) for day in season.week for s in SERVICES}
    assert all(row["locked"] for row in after.values())
    got = {slot: {"total": r["total"], "by_meal_type": r["by_meal_type"]}
           for slot, r in after.items()}
    expected = {slot: counts() for slot in after}
    expected[(monday, "meal")] = counts(1, standard=1)
    expected[(monday, "care_morning")] = counts(1, standard=1)
    expected[(monday, "care_evening")] = counts(1, standard=1)
    expected[(tuesday, "meal")] = counts(1, sans_porc=1)
    assert got == expected
    assert settings(admin)["locked_through"] == {s: season.week[-1] for s in SERVICES}


def test_a_frozen_week_stays_frozen_when_the_deadline_is_relaxed_or_a_diet_changes(
        booked_week, admin, parent, travel):
    travel(WINTER.after)
    lock_bookings(SCHEDULED_EVENT)
    # The town hall relaxes the meal deadline to the previous school day at 09:00: by that
    # rule alone Monday 30 would be open until Friday 27 at 09:00.
    relaxed = {"code": "meal", "label": "Repas", "mode": "booked", "price_cents": 350,
               "deadline": {"booking": {"type": "school_days_before", "days": 1,
                                        "time": "09:00"}, "cancellation": None}}
    ok(admin.put("/staff/settings", {"services": [relaxed]}))
    ok(admin.put("/staff/families/1001/children/1001-1", {"meal_type": "vegetarien"}))

    for change in ({"date": "2026-11-30", "service": "meal", "booked": False},
                   {"date": "2026-12-03", "service": "meal", "booked": True}):
        refused = parent.put("/children/1001-1/bookings", {"changes": [change]})
        assert refused.status_code == 422, refused.body
        # The relaxed deadline is still ahead: the day is "verrouillé", not past its deadline.
        assert body(refused)["error"]["details"] == [
            {"date": change["date"], "service": "meal", "reason": "locked"}]
    calendar = ok(parent.get("/children/1001-1/calendar?month=2026-12"))
    december_3 = next(d for d in calendar["days"] if d["date"] == "2026-12-03")
    assert december_3["services"]["meal"]["editable"] is False
    # The week after is not frozen: the relaxed rule applies there.
    assert book(parent, "1001-1", "2026-12-07").status_code == 200
    counted = headcounts(admin, "2026-11-30", "2026-12-07")
    assert counted[("2026-11-30", "meal")]["by_meal_type"]["standard"] == 1
    assert counted[("2026-11-30", "meal")]["by_meal_type"]["vegetarien"] == 0
    next_monday = counted[("2026-12-07", "meal")]
    assert (next_monday["locked"], next_monday["total"]) == (False, 1)
    assert next_monday["by_meal_type"]["vegetarien"] == 1


# -- idempotence and run records ---------------------------------------------------------

def test_a_second_run_freezes_nothing_and_changes_nothing(booked_week, admin, clock, travel):
    travel(WINTER.after)
    first = lock_bookings(SCHEDULED_EVENT)
    counted = headcounts(admin, "2026-11-12", "2026-12-04")
    marks = settings(admin)
    stored = {i.slot: (i.run_id, i.locked_at) for i in HeadcountModel.query("2026-12")}

    clock.set(WINTER.after + timedelta(minutes=14))
    second = ok(admin.post("/staff/jobs/lock"))

    assert first["frozen"] > 0
    assert second["frozen"] == []
    assert second["run"]["outcome"] == "success"
    assert second["run"]["summary"] == "Rien à verrouiller"
    assert headcounts(admin, "2026-11-12", "2026-12-04") == counted
    again = settings(admin)
    assert again["locked_through"] == marks["locked_through"]
    assert again["version"] == marks["version"]
    assert {i.slot: (i.run_id, i.locked_at) for i in HeadcountModel.query("2026-12")} == stored
    assert {run_id for run_id, _ in stored.values()} == {first["run"]}


def test_each_run_leaves_a_record_with_its_trigger_times_outcome_and_summary(admin, clock,
                                                                           travel):
    travel(WINTER.after)
    scheduled = lock_bookings(SCHEDULED_EVENT)
    clock.set(WINTER.after + timedelta(minutes=5))
    by_staff = ok(admin.post("/staff/jobs/lock"))["run"]

    listed = {run["id"]: run for run in runs(admin)}
    assert set(listed) == {scheduled["run"], by_staff["id"]}
    first, second = listed[scheduled["run"]], listed[by_staff["id"]]
    assert first["trigger"] == "schedule"
    assert second["trigger"] == "staff"
    assert first["outcome"] == second["outcome"] == "success"
    assert first["started_at"] == first["ended_at"] == "2026-11-26T17:01:00+01:00"
    assert second["started_at"] == "2026-11-26T17:06:00+01:00"
    assert first["frozen_count"] == scheduled["frozen"] > 0
    assert first["summary"] == f"{scheduled['frozen']} créneau(x) verrouillé(s)"
    assert second["frozen_count"] == 0
    assert first["error"] is None and second["error"] is None
    assert runs(admin)[0]["id"] == by_staff["id"]  # newest first


# -- a crash midway ----------------------------------------------------------------------

def clean_run_slots(services, now):
    """What one uninterrupted run at ``now`` would freeze, per service in run order."""
    current = services.commune.get()
    return {s.code: days_to_freeze(s, current, now)[0] for s in current.bookable_services()}


@pytest.mark.parametrize("target, failing_call", [
    ("put", "after_first_service_plus_3"),   # counting care_morning, meal already marked
    ("_advance", 2),                          # care_morning counted, its mark not moved
], ids=["headcount-write", "mark-move"])
def test_a_run_that_crashes_midway_fails_visibly_and_a_rerun_finishes_the_same_work(
        booked_week, admin, services, clock, travel, monkeypatch, target, failing_call):
    travel(WINTER.after)
    provisional = headcounts(admin, "2026-11-12", "2026-12-04")
    slots = clean_run_slots(services, WINTER.after)
    expected = {(d.isoformat(), s) for s, days in slots.items() for d in days}
    if failing_call == "after_first_service_plus_3":
        failing_call = len(slots["meal"]) + 3
    owner = HeadcountRepository if target == "put" else LockService
    original = getattr(owner, target)
    calls = {"n": 0}

    def flaky(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == failing_call:
            raise RuntimeError("DynamoDB indisponible")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(owner, target, flaky)
    with pytest.raises(RuntimeError):
        lock_bookings(SCHEDULED_EVENT)
    monkeypatch.undo()

    [failed] = runs(admin)
    assert failed["outcome"] == "failure"
    assert "DynamoDB indisponible" in failed["error"]
    assert failed["ended_at"] is not None
    assert settings(admin)["locked_through"] == {"meal": "2026-12-04"}

    clock.set(WINTER.after + timedelta(minutes=15))
    rerun = ok(admin.post("/staff/jobs/lock"))

    assert rerun["run"]["outcome"] == "success"
    redone = {(f["date"], f["service"]) for f in rerun["frozen"]}
    assert redone == {slot for slot in expected if slot[1] != "meal"}
    assert settings(admin)["locked_through"] == {s: "2026-12-04" for s in SERVICES}
    final = headcounts(admin, "2026-11-12", "2026-12-04")
    assert {slot for slot, row in final.items() if row["locked"]} == expected
    assert {slot: {**row, "locked": True} for slot, row in provisional.items()} == final
    assert [r["outcome"] for r in runs(admin)] == ["success", "failure"]


# -- the schedule ------------------------------------------------------------------------

def lock_schedule(app):
    [source] = [s for s in app.event_sources if s.name == "lock_bookings"]
    return source


def cron_minutes(field: str) -> set[int]:
    """Minutes of the hour an EventBridge cron minute field ("0/15", "5", "*") fires at."""
    if field == "*":
        return set(range(60))
    if "/" in field:
        start, step = field.split("/")
        return set(range(int(start), 60, int(step)))
    return {int(field)}


def test_the_lock_is_scheduled_every_15_minutes_in_utc(app):
    source = lock_schedule(app)
    assert source.schedule_expression.to_string() == "cron(0/15 * * * ? *)"
    assert tuple(str(part) for part in SCHEDULE) == ("0/15", "*", "*", "*", "?", "*")
    assert cron_minutes(source.schedule_expression.minutes) == {0, 15, 30, 45}


@pytest.mark.parametrize("season, deadline_utc", [
    (WINTER, datetime(2026, 11, 26, 16, 0, tzinfo=UTC)),   # 17:00 CET = 16:00 UTC
    (SUMMER, datetime(2027, 6, 10, 15, 0, tzinfo=UTC)),    # 17:00 CEST = 15:00 UTC
], ids=str)
def test_a_tick_of_the_utc_schedule_lands_exactly_on_17h_paris_in_winter_and_summer(
        app, season, deadline_utc):
    """EventBridge reads cron in UTC. 17:00 in Paris is 16:00 UTC in winter and 15:00 UTC
    in summer; both are whole hours, so a quarter-hourly tick falls exactly on the deadline
    and the week freezes at 17:00:00, never later than 17:15 whatever the season."""
    source = lock_schedule(app)
    minutes = cron_minutes(source.schedule_expression.minutes)
    midnight = datetime.combine(deadline_utc.date(), datetime.min.time(), tzinfo=UTC)
    ticks = [midnight + timedelta(minutes=m) for m in range(24 * 60) if m % 60 in minutes]
    deadline = datetime.combine(date.fromisoformat(season.week[0]) - timedelta(days=4),
                                datetime.min.time().replace(hour=17), tzinfo=PARIS)
    assert deadline.astimezone(UTC) == deadline_utc
    first_tick = next(t for t in ticks if t >= deadline_utc)
    assert first_tick == deadline_utc
    previous_tick = ticks[ticks.index(first_tick) - 1]

    commune = default_settings()
    meal = commune.service("meal")
    monday = date.fromisoformat(season.week[0])
    assert monday not in days_to_freeze(meal, commune, previous_tick)[0]
    assert monday in days_to_freeze(meal, commune, first_tick)[0]


def test_the_handler_lambda_is_deployed_with_exists_in_the_app_module(app, booked_week,
                                                                         admin, travel):
    """Chalice deploys the schedule with handler ``app.lock_bookings``: Lambda imports the
    ``app`` module and calls that attribute with (event, context)."""
    source = lock_schedule(app)
    module_name, _, attribute = source.handler_string.rpartition(".")
    assert (module_name, attribute) == ("app", "lock_bookings")
    handler = getattr(importlib.import_module(module_name), attribute, None)
    assert callable(handler), "app.py does not expose lock_bookings: Lambda cannot find it"
    travel(WINTER.after)
    result = handler(SCHEDULED_EVENT, None)
    assert result["frozen"] > 0
    assert runs(admin)[0]["trigger"] == "schedule"


def test_the_scheduled_function_invoked_like_lambda_freezes_the_week(client, booked_week,
                                                                      admin, travel):
    travel(WINTER.after)
    event = client.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={},
        resources=SCHEDULED_EVENT["resources"], region="eu-west-3")
    result = client.lambda_.invoke("lock_bookings", event).payload
    assert result["frozen"] > 0
    [run] = runs(admin)
    assert (run["id"], run["trigger"], run["outcome"]) == (result["run"], "schedule", "success")
    assert headcounts(admin, "2026-11-30", "2026-11-30")[("2026-11-30", "meal")]["locked"]


def test_the_frozen_count_holds_confirmed_bookings_only_never_the_waiting_list(
        booked_week, admin, parent, travel):
    services = [{**s, "places": 1 if s["code"] == "care_evening" else s["places"]}
                for s in settings(admin)["services"]]
    ok(admin.put("/staff/settings", {"services": services}))
    monday = WINTER.week[0]
    # TOTO's evening was booked before the limit: LILI, second, waits.
    answer = ok(book(parent, booked_week, monday, "care_evening"))
    assert answer["waiting"] == [{"date": monday, "service": "care_evening", "rank": 1}]
    travel(WINTER.after)
    lock_bookings(SCHEDULED_EVENT)
    row = headcounts(admin, monday, monday)[(monday, "care_evening")]
    assert row["locked"] and row["total"] == 1 and row["by_meal_type"]["sans_porc"] == 0
