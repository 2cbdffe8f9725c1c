"""A parent's first week, through the API: each day says why it cannot be booked, and a
period booking counts days and names its skipped days in the guides' words.

The clock starts on Monday 2026-11-23 10:00 in Paris; the demo commune books meal and both
care services by Thursday 17:00 for the following week, on Mon, Tue, Thu and Fri, zone A.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date

from chalicelib.storage.commune import CommuneRepository
from tests.client import body

CHILD = "1001-1"


def days_of(api, month):
    response = api.get(f"/children/{CHILD}/calendar?month={month}")
    assert response.status_code == 200, response.body
    return {d["date"]: d for d in body(response)["days"]}


def test_each_day_of_the_calendar_says_why_it_cannot_be_booked(parent, admin):
    created = admin.post("/staff/closures", {"start": "2026-12-10", "end": "2026-12-10",
                                             "label": "Grève"})
    assert created.status_code in (200, 201), created.body
    december = days_of(parent, "2026-12")
    assert december["2026-12-07"]["why_closed"] is None
    assert december["2026-12-09"]["why_closed"] == {"code": "no_school",
                                                    "label": "pas d'école ce jour-là"}
    assert december["2026-12-10"]["why_closed"] == {"code": "closure",
                                                    "label": "fermeture (Grève)"}
    assert december["2026-12-22"]["why_closed"] == {"code": "school_holiday",
                                                    "label": "Vacances de Noël"}
    assert december["2026-12-25"]["why_closed"] == {"code": "public_holiday",
                                                    "label": "jour férié (Noël)"}
    # Per service, only the boxes that cannot be ticked carry a reason.
    assert december["2026-12-07"]["reasons"] == {}
    assert december["2026-12-25"]["reasons"]["meal"]["code"] == "public_holiday"


def test_a_day_past_its_deadline_says_until_when_it_could_be_booked(parent):
    november = days_of(parent, "2026-11")
    assert november["2026-11-27"]["reasons"]["meal"] == {
        "code": "deadline_passed", "label": "date limite dépassée (jeudi 19/11 17:00)"}
    assert november["2026-11-30"]["reasons"] == {}


def test_a_day_frozen_by_the_lock_before_its_new_deadline_says_locked(parent, admin, services):
    relaxed = {"code": "meal", "label": "Repas", "mode": "booked", "price_cents": 350,
               "deadline": {"booking": {"type": "school_days_before", "days": 1,
                                        "time": "09:00"}, "cancellation": None}}
    assert admin.put("/staff/settings", {"services": [relaxed]}).status_code == 200
    repository = CommuneRepository()
    repository.save(replace(repository.get(), locked_through={"meal": date(2026, 11, 27)}))
    november = days_of(parent, "2026-11")
    # Friday 27: by the new rule open until Thursday 26 at 09:00, but frozen.
    assert november["2026-11-27"]["services"]["meal"]["editable"] is False
    assert november["2026-11-27"]["reasons"]["meal"] == {"code": "locked", "label": "verrouillé"}
    refused = parent.put(f"/children/{CHILD}/bookings", {"changes": [
        {"date": "2026-11-27", "service": "meal", "booked": True}]})
    assert refused.status_code == 422, refused.body
    assert body(refused)["error"]["details"] == [
        {"date": "2026-11-27", "service": "meal", "reason": "locked"}]


def test_a_period_counts_days_and_names_each_reason_of_the_skipped_days(parent):
    # Two weeks across the start of the Christmas holidays, three services, every weekday.
    response = parent.post(f"/children/{CHILD}/bookings/period", {
        "from": "2026-12-14", "to": "2026-12-25",
        "services": ["meal", "care_morning", "care_evening"],
        "weekdays": [1, 2, 3, 4, 5], "booked": True})
    assert response.status_code == 200, response.body
    answer = body(response)
    assert answer["saved"] == 12      # 4 school days × 3 services
    assert answer["days"] == 4        # what the parent reads: 4 days
    assert answer["skipped_days"] == [
        {"code": "no_school", "label": "pas d'école ce jour-là", "days": 1},      # Wed 16
        {"code": "school_holiday", "label": "Vacances de Noël", "days": 4},     # 21-24
        {"code": "public_holiday", "label": "jour férié (Noël)", "days": 1},    # 25
    ]


def test_a_period_on_days_past_their_deadline_counts_them_once(parent):
    response = parent.post(f"/children/{CHILD}/bookings/period", {
        "from": "2026-11-23", "to": "2026-12-04", "services": ["meal", "care_evening"],
        "weekdays": [1, 2, 4, 5], "booked": True})
    answer = body(response)
    assert answer["days"] == 4
    assert answer["skipped_days"] == [
        {"code": "deadline_passed", "label": "date limite dépassée", "days": 4}]


def test_current_bookings_say_which_services_need_no_booking(parent):
    listing = body(parent.get("/family/bookings"))
    assert {s["code"]: s["mode"] for s in listing["services"]} == {
        "meal": "booked", "care_morning": "booked", "care_evening": "booked"}
