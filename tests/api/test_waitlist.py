"""Places and waiting lists end to end: a booking beyond a service's places per day waits
("liste d'attente, 3e"), a place given back goes to the first in line (e-mailed), parents
withdraw, staff see and manage the lists; head counts, attendance and billing count
confirmed bookings only; a closure promotes nobody; parallel saves never overbook.

The clock is Monday 2026-11-23 10:00 in Paris: Monday 30 November is still bookable.
"""
from __future__ import annotations

import threading
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from chalicelib.domain.accounts import Child
from chalicelib.storage.bookings import BookingRepository
from tests.client import body
from tests.demo import FAMILY_CHILD, FAMILY_NUMBER

DAY = "2026-11-30"
SERVICE = "care_evening"


def set_places(services, places, code=SERVICE):
    settings = services.commune.get()
    services.closures.update_settings({"services": [
        {**s, "places": places if s["code"] == code else s["places"]}
        for s in (_service(x) for x in settings.services)]}, services.clock.now())


def _service(config):
    from chalicelib.domain.commune import service_to_dict
    return service_to_dict(config)


def new_family(services, index):
    family = services.families.create_family(
        {"name": f"ATTENTE{index}", "emails": [f"attente{index}@example.org"]},
        services.clock.now())
    services.accounts.add_child(family.number, Child("", "ENFANT", f"N{index}"))
    return family.number


def book(services, number, booked=True, day=DAY, service=SERVICE):
    return services.bookings.save(services.accounts.get_family(number), f"{number}-1", {
        "changes": [{"date": day, "service": service, "booked": booked}]},
        services.clock.now())


def cell(api, iso=DAY, service=SERVICE, child=FAMILY_CHILD):
    grid = body(api.get(f"/children/{child}/calendar?month={iso[:7]}"))
    return next(d for d in grid["days"] if d["date"] == iso)["services"][service]


def slot(iso=DAY, service=SERVICE):
    from datetime import date
    return BookingRepository().slot(date.fromisoformat(iso), service)


@pytest.fixture
def full_day(services):
    """Two places on Monday's garderie du soir: two families confirmed, two waiting."""
    set_places(services, 2)
    numbers = [new_family(services, i) for i in range(4)]
    answers = [book(services, n) for n in numbers]
    assert [a["waiting"] for a in answers[:2]] == [[], []]
    assert [a["waiting"][0]["rank"] for a in answers[2:]] == [1, 2]
    return numbers


def test_a_booking_beyond_the_places_goes_on_the_waiting_list_with_its_rank(parent,
                                                                           full_day):
    answer = body(parent.put(f"/children/{FAMILY_CHILD}/bookings", {"changes": [
        {"date": DAY, "service": SERVICE, "booked": True},
        {"date": DAY, "service": "meal", "booked": True}]}))
    # The save succeeds for the meal; the full garderie waits, third in line.
    assert answer == {"saved": 2, "waiting": [{"date": DAY, "service": SERVICE, "rank": 3}]}
    assert cell(parent) == {**cell(parent), "booked": True, "waiting_rank": 3}
    assert "waiting_rank" not in cell(parent, service="meal")
    home = body(parent.get(f"/family/bookings?from={DAY}&to={DAY}"))
    [row] = home["children"][0]["days"]
    assert row == {"date": DAY, "services": ["meal"],
                   "waiting": [{"service": SERVICE, "rank": 3}]}
    assert slot() .confirmed == 2 and slot().waiting == 3


def test_the_familys_data_export_lists_the_days_it_waits_for(parent, full_day):
    parent.put(f"/children/{FAMILY_CHILD}/bookings", {"changes": [
        {"date": DAY, "service": SERVICE, "booked": True}]})
    [record] = body(parent.get("/family/export"))["records"]
    assert record["waiting_list"] == [{"date": DAY, "service": SERVICE}]
    assert record["bookings"] == []


def test_a_cancellation_gives_the_place_to_the_first_in_line_who_is_emailed(
        services, parent, full_day, outbox):
    first, second, third, fourth = full_day
    book(services, first, booked=False)
    stored = BookingRepository().days(f"{third}-1", *(2 * [datetime(2026, 11, 30).date()]))
    assert SERVICE in stored[datetime(2026, 11, 30).date()].services
    [mail] = [m for m in outbox() if "Place confirmée" in m["subject"]]
    assert mail["to"] == ["attente2@example.org"]
    assert "Garderie soir" in mail["text"] and "30/11/2026" in mail["text"]
    assert (slot().confirmed, slot().waiting) == (2, 1)
    # The next in line moved up.
    assert services.waitlist.rank(f"{fourth}-1", datetime(2026, 11, 30).date(), SERVICE) == 1


def test_a_parent_withdraws_from_the_waiting_list(parent, full_day):
    save = parent.put(f"/children/{FAMILY_CHILD}/bookings",
                      {"changes": [{"date": DAY, "service": SERVICE, "booked": True}]})
    assert body(save)["waiting"][0]["rank"] == 3
    body(parent.put(f"/children/{FAMILY_CHILD}/bookings",
                    {"changes": [{"date": DAY, "service": SERVICE, "booked": False}]}))
    assert cell(parent)["booked"] is False and "waiting_rank" not in cell(parent)
    assert (slot().confirmed, slot().waiting) == (2, 2)


def test_staff_see_promote_and_remove_entries(services, admin, agent, full_day, outbox):
    first, second, third, fourth = full_day
    listed = body(agent.get(f"/staff/waiting-lists?date={DAY}"))
    [row] = listed["services"]
    assert (row["service"], row["places"], row["confirmed"], row["free"]) == (SERVICE, 2, 2, 0)
    assert [(w["rank"], w["family_number"]) for w in row["waiting"]] == [(1, third), (2, fourth)]
    entry = {"date": DAY, "service": SERVICE, "child_id": f"{fourth}-1"}
    refused = agent.post("/staff/waiting-lists/promote", entry)
    assert refused.status_code == 409 and body(refused)["error"]["code"] == "no_place_free"
    set_places(services, 3)
    assert body(agent.post("/staff/waiting-lists/promote", entry)) == {"promoted": True}
    assert any(m["to"] == ["attente3@example.org"] and "Place confirmée" in m["subject"]
               for m in outbox())
    removed = admin.post("/staff/waiting-lists/remove",
                         {**entry, "child_id": f"{third}-1"})
    assert body(removed) == {"removed": True}
    [row] = body(admin.get(f"/staff/waiting-lists?date={DAY}"))["services"]
    assert (row["confirmed"], row["places"], row["waiting"]) == (3, 3, [])
    missing = admin.post("/staff/waiting-lists/remove", {**entry, "child_id": f"{third}-1"})
    assert missing.status_code == 404


def test_head_counts_attendance_and_billing_ignore_waiting_entries(services, admin, full_day):
    first, second, third, fourth = full_day
    counts = body(admin.get(f"/staff/headcounts?from={DAY}&to={DAY}"))
    text = str(counts)
    listed = body(admin.get(f"/staff/attendance?date={DAY}&service={SERVICE}"))
    expected = {c["family_number"] for c in listed["children"]}
    assert expected == {first, second}
    [row] = [d for d in counts["days"] if d["date"] == DAY and d["service"] == SERVICE]
    assert row["total"] == 2, text
    services.clock.set(datetime(2026, 12, 1, 8, 0, tzinfo=ZoneInfo("Europe/Paris")))
    services.invoicing.build_draft("2026-11", "staff", "test", services.clock.now)
    draft = services.invoicing.month_view("2026-11", services.clock.now())
    billed = {row["number"] for row in draft["families"] if row["total_cents"]}
    assert {first, second} <= billed and not {third, fourth} & billed, draft


def test_a_closure_releases_the_day_and_promotes_nobody(services, admin, full_day, outbox):
    answer = admin.post("/staff/closures", {"start": DAY, "end": DAY, "label": "Grève"})
    assert answer.status_code == 201, answer.body
    assert (slot().confirmed, slot().waiting) == (0, 0)
    assert not any("Place confirmée" in m["subject"] for m in outbox())
    listed = body(admin.get(f"/staff/waiting-lists?date={DAY}"))
    assert listed["services"][0]["waiting"] == []


def test_the_last_free_place_taken_by_eight_parallel_saves_goes_to_exactly_one(services):
    set_places(services, 3)
    taken = [new_family(services, i) for i in range(2)]
    for number in taken:
        assert book(services, number)["waiting"] == []
    racers = [new_family(services, 10 + i) for i in range(8)]
    start = threading.Barrier(len(racers))
    answers: dict[str, dict] = {}
    errors: list[BaseException] = []

    def run(number):
        try:
            start.wait()
            answers[number] = book(services, number)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in racers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    confirmed = [n for n, a in answers.items() if a["waiting"] == []]
    assert len(confirmed) == 1
    tickets = BookingRepository().waiting_list(datetime(2026, 11, 30).date(), SERVICE)
    assert len(tickets) == 7 and len({t.ticket for t in tickets}) == 7
    assert [t.rank for t in tickets] == list(range(1, 8))
    assert (slot().confirmed, slot().waiting) == (3, 7)
    line = BookingRepository().on_day(datetime(2026, 11, 30).date())
    assert sum(1 for _c, _f, s in line if SERVICE in s) == 3
    assert FAMILY_NUMBER not in answers


def test_more_places_give_the_first_in_line_theirs_and_no_limit_gives_everyone_one(
        admin, full_day, outbox):
    settings = body(admin.get("/staff/settings"))

    def with_places(places):
        return [{**s, "places": places if s["code"] == SERVICE else s["places"]}
                for s in settings["services"]]
    # 3 places: the first in line gets the new one and is told; the second still waits.
    raised = body(admin.put("/staff/settings", {"services": with_places(3)}))
    assert raised["promoted"] == 1
    assert (slot().confirmed, slot().waiting) == (3, 1)
    assert [w.child_id for w in BookingRepository().waiting_list(
        datetime(2026, 11, 30).date(), SERVICE)] == [f"{full_day[3]}-1"]
    told = [m for m in outbox() if "attente2@example.org" in m["to"]
            and m["subject"].startswith("Place confirmée")]
    assert len(told) == 1
    # No limit any more: the rest of the line is confirmed.
    lifted = body(admin.put("/staff/settings", {"services": with_places(None)}))
    assert lifted["promoted"] == 1
    assert slot().waiting == 0
    # Fewer places: nobody loses a confirmed booking, nobody is promoted.
    lowered = body(admin.put("/staff/settings", {"services": with_places(1)}))
    assert lowered["promoted"] == 0


def test_a_day_the_lock_froze_promotes_nobody_by_itself(admin, full_day, services):
    from dataclasses import replace

    from chalicelib.storage.commune import CommuneRepository
    repository = CommuneRepository()
    settings = repository.get()
    repository.save(replace(settings, locked_through={
        **settings.locked_through, SERVICE: datetime(2026, 11, 30).date()}))
    current = body(admin.get("/staff/settings"))
    raised = body(admin.put("/staff/settings", {"services": [
        {**s, "places": 3 if s["code"] == SERVICE else s["places"]}
        for s in current["services"]]}))
    # The kitchen's counts of that day are fixed: the line waits for staff to decide.
    assert raised["promoted"] == 0
    assert (slot().confirmed, slot().waiting) == (2, 2)
