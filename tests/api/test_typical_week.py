"""The typical week ("semaine type") end to end: saved per child, applied to a period every
week, one week in two, or on odd / even ISO weeks, for several children at once, all or
nothing under the booking deadlines.

The clock starts on Monday 2026-11-23 10:00 in Paris; the demo commune books meal and both
care services by Thursday 17:00 for the following week, on Mon, Tue, Thu and Fri, zone A
(Noël holidays 2026-12-19 … 2027-01-03). The week of 23 November is already closed.
"""
from __future__ import annotations

import pytest

from tests.api.test_bookings import neighbour  # noqa: F401  (a fixture: a second family)
from tests.client import body
from tests.demo import FAMILY_CHILD as CHILD

WEEK = {"1": ["meal", "care_evening"], "2": ["meal"], "4": ["meal"], "5": []}


def ok(response, status=200):
    assert response.status_code == status, response.body
    return body(response)


def put_week(api, days=None, child=CHILD):
    return api.put(f"/children/{child}/typical-week", {"days": WEEK if days is None else days})


def apply(api, start, end, recurrence="every_week", children=(CHILD,)):
    return api.post("/family/typical-weeks/apply", {"children": list(children), "from": start,
                                                     "to": end, "recurrence": recurrence})


def booked(api, *months, child=CHILD):
    """Every (date, service) booked in these months, as the calendar shows it."""
    found = set()
    for month in months:
        grid = ok(api.get(f"/children/{child}/calendar?month={month}"))
        found |= {(d["date"], code) for d in grid["days"]
                  for code, cell in d["services"].items() if cell["booked"]}
    return found


def pattern(*mondays):
    """What WEEK books in the weeks starting on these Mondays."""
    from datetime import date, timedelta
    out = set()
    for monday in mondays:
        first = date.fromisoformat(monday)
        for weekday, services in WEEK.items():
            day = (first + timedelta(days=int(weekday) - 1)).isoformat()
            out |= {(day, s) for s in services}
    return out


@pytest.fixture
def second_child(admin, parent):
    """A second child of the demo family."""
    return ok(admin.post("/staff/families/1001/children",
                         {"first_name": "LILI", "last_name": "TEST"}), 201)["id"]


def test_a_saved_typical_week_is_read_back_with_every_school_day(parent):
    saved = ok(put_week(parent, {"1": ["care_evening", "meal"], "4": ["meal"]}))
    assert saved == {"child": {"id": CHILD, "first_name": "TOTO", "last_name": "TEST"},
                     "saved": True,
                     "days": {"1": ["meal", "care_evening"], "2": [], "4": ["meal"], "5": []}}
    page = ok(parent.get("/family/typical-weeks"))
    assert page["school_days"] == [1, 2, 4, 5]
    assert [s["code"] for s in page["services"]] == ["meal", "care_morning", "care_evening"]
    assert page["children"] == [saved]


def test_a_child_without_a_typical_week_shows_an_empty_one(parent, second_child):
    ok(put_week(parent))
    children = ok(parent.get("/family/typical-weeks"))["children"]
    assert children[1] == {"child": {"id": second_child, "first_name": "LILI",
                                     "last_name": "TEST"},
                           "saved": False, "days": {"1": [], "2": [], "4": [], "5": []}}


def test_applying_every_week_books_the_pattern_and_cancels_the_rest_of_its_days(parent):
    # Booked before: a morning care on Monday 30/11 (not in the week), and Wednesday's
    # nothing. Applying sets exactly the week: the morning care goes.
    ok(parent.put(f"/children/{CHILD}/bookings", {"changes": [
        {"date": "2026-11-30", "service": "care_morning", "booked": True},
        {"date": "2026-12-04", "service": "care_evening", "booked": True}]}))
    ok(put_week(parent))
    answer = ok(apply(parent, "2026-11-30", "2026-12-13"))
    assert booked(parent, "2026-11", "2026-12") == pattern("2026-11-30", "2026-12-07")
    assert answer["children"] == [{"child_id": CHILD, "saved": answer["saved"],
                                   "days": 7}]  # 6 days booked, Friday 4/12 emptied
    assert answer["skipped_days"] == []


def test_one_week_in_two_starts_with_the_first_week(parent):
    ok(put_week(parent))
    ok(apply(parent, "2026-12-02", "2026-12-18", "every_other_week"))
    assert booked(parent, "2026-12") == pattern("2026-12-14") | {("2026-12-03", "meal")}


@pytest.mark.parametrize("recurrence, mondays", [
    # Weeks 50 (7/12) even, 51 odd, 52 and 53 holidays, 1 (4/1) odd, 2 even, 3 odd.
    ("odd_weeks", ["2026-12-14", "2027-01-04", "2027-01-18"]),
    ("even_weeks", ["2026-12-07", "2027-01-11"]),
])
def test_odd_and_even_iso_weeks_across_the_new_year(parent, recurrence, mondays):
    ok(put_week(parent))
    answer = ok(apply(parent, "2026-12-07", "2027-01-24", recurrence))
    assert booked(parent, "2026-12", "2027-01") == pattern(*mondays)
    if recurrence == "odd_weeks":
        # Week 53 (28/12 – 1/1) is odd and in the holidays: skipped, and said.
        assert answer["skipped_days"] == [
            {"code": "school_holiday", "label": "Vacances de Noël", "days": 3},
            {"code": "public_holiday", "label": "jour férié (Jour de l'an)", "days": 1}]


def test_several_children_at_once(parent, second_child):
    ok(put_week(parent))
    ok(put_week(parent, {"5": ["care_morning"]}, child=second_child))
    answer = ok(apply(parent, "2026-11-30", "2026-12-06", children=(CHILD, second_child)))
    assert [c["child_id"] for c in answer["children"]] == [CHILD, second_child]
    assert booked(parent, "2026-12", "2026-11") == pattern("2026-11-30")
    assert booked(parent, "2026-12", child=second_child) == {("2026-12-04", "care_morning")}


def test_a_locked_day_refuses_the_whole_request_for_every_child(parent, second_child):
    ok(put_week(parent))
    ok(put_week(parent, {"5": ["care_morning"]}, child=second_child))
    # The week of 23/11 closed last Thursday: TOTO's Monday would change, LILI's is fine.
    response = apply(parent, "2026-11-23", "2026-12-06", children=(second_child, CHILD))
    assert response.status_code == 422
    error = body(response)["error"]
    assert error["code"] == "typical_week_refused"
    assert "après le 27/11/2026" in error["message"]
    assert "rien n'a été enregistré" in error["message"]
    assert {(d["child_id"], d["date"]) for d in error["details"]} >= {
        (CHILD, "2026-11-23"), (second_child, "2026-11-27")}
    assert all(d["reason"] == "deadline_passed" for d in error["details"])
    assert booked(parent, "2026-11", "2026-12") == set()
    assert booked(parent, "2026-11", "2026-12", child=second_child) == set()


def test_a_locked_day_that_already_matches_is_no_obstacle(parent):
    # An empty week changes nothing on empty days, closed or not.
    ok(put_week(parent, {}))
    answer = ok(apply(parent, "2026-11-23", "2026-12-06"))
    assert answer["saved"] == 0


def test_applying_twice_changes_nothing_the_second_time(parent, services):
    ok(put_week(parent))
    first = ok(apply(parent, "2026-11-30", "2026-12-18", "odd_weeks"))
    assert first["days"] > 0
    before = booked(parent, "2026-11", "2026-12")
    second = ok(apply(parent, "2026-11-30", "2026-12-18", "odd_weeks"))
    assert (second["saved"], second["days"]) == (0, 0)
    assert booked(parent, "2026-11", "2026-12") == before


def test_a_closure_is_skipped(parent, admin):
    ok(admin.post("/staff/closures", {"start": "2026-12-07", "end": "2026-12-07",
                                      "label": "Grève"}), 201)
    ok(put_week(parent))
    answer = ok(apply(parent, "2026-12-07", "2026-12-13"))
    assert answer["skipped_days"] == [{"code": "closure", "label": "fermeture (Grève)",
                                       "days": 1}]
    assert booked(parent, "2026-12") == pattern("2026-12-07") - {
        ("2026-12-07", "meal"), ("2026-12-07", "care_evening")}


def test_another_familys_child_is_not_found(parent, neighbour):  # noqa: F811
    ok(put_week(neighbour, child=neighbour.child))
    assert put_week(parent, child=neighbour.child).status_code == 404
    response = apply(parent, "2026-11-30", "2026-12-06", children=(CHILD, neighbour.child))
    assert response.status_code == 404
    assert body(response)["error"]["code"] == "not_found"
    assert booked(neighbour, "2026-12", child=neighbour.child) == set()


@pytest.mark.parametrize("payload, field", [
    ({"days": {"3": ["meal"]}}, "days.3"),
    ({"days": {"1": ["study"]}}, "days.1[0]"),
    ({"days": "lundi"}, "days"),
])
def test_a_bad_typical_week_is_refused(parent, payload, field):
    response = parent.put(f"/children/{CHILD}/typical-week", payload)
    assert response.status_code == 400
    error = body(response)["error"]
    assert (error["code"], error["details"]) == ("invalid_request", {"field": field})
    assert error["message"]


@pytest.mark.parametrize("change, code, field, message", [
    ({"recurrence": "weekly"}, "invalid_request", "recurrence", "semaines impaires"),
    ({"to": "2026-11-01"}, "invalid_request", "to", "La date de fin précède"),
    ({"children": []}, "invalid_request", "children", "au moins un enfant"),
])
def test_a_bad_application_is_refused(parent, change, code, field, message):
    ok(put_week(parent))
    payload = {"children": [CHILD], "from": "2026-11-30", "to": "2026-12-06",
               "recurrence": "every_week", **change}
    response = parent.post("/family/typical-weeks/apply", payload)
    assert response.status_code == 400
    error = body(response)["error"]
    assert (error["code"], error["details"]["field"]) == (code, field)
    assert message in error["message"]


def test_applying_without_a_saved_week_says_so(parent):
    response = apply(parent, "2026-11-30", "2026-12-06")
    assert response.status_code == 400
    error = body(response)["error"]
    assert error["code"] == "no_typical_week"
    assert "TOTO" in error["message"]


def test_the_saved_typical_week_is_in_the_familys_data_export(parent):
    before = body(parent.get("/family/export"))
    assert [r["typical_week"] for r in before["records"]] == [{}]
    assert put_week(parent).status_code == 200
    [record] = body(parent.get("/family/export"))["records"]
    assert record["typical_week"] == {day: sorted(services) for day, services in WEEK.items()}


def test_a_failure_on_the_second_child_takes_back_the_first(parent, second_child, services,
                                                            monkeypatch):
    ok(put_week(parent, {"1": ["meal"], "4": ["meal", "care_evening"]}))
    ok(put_week(parent, {"5": ["care_morning"]}, child=second_child))
    real = services.bookings._apply

    def failing(child, *args, **kwargs):
        if child.id == second_child and not getattr(failing, "done", False):
            failing.done = True  # the write of the second child is lost once
            raise RuntimeError("connexion perdue")
        return real(child, *args, **kwargs)
    monkeypatch.setattr(services.bookings, "_apply", failing)
    response = apply(parent, "2026-11-30", "2026-12-06", children=(CHILD, second_child))
    assert response.status_code == 500
    assert booked(parent, "2026-12", "2026-11") == set()  # TOTO's part was taken back
    assert booked(parent, "2026-12", child=second_child) == set()
    # Applied again, it goes through for both.
    answer = ok(apply(parent, "2026-11-30", "2026-12-06", children=(CHILD, second_child)))
    assert [c["child_id"] for c in answer["children"]] == [CHILD, second_child]
    assert booked(parent, "2026-12", child=second_child) == {("2026-12-04", "care_morning")}
