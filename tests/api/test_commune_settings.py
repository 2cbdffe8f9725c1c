"""Commune settings and closures, as the town hall edits them and as parents then see them."""
from __future__ import annotations

import copy

import pytest

from tests.client import body

CHILD = "1001-1"
THURSDAY_17 = {"type": "weekly", "weekday": 4, "time": "17:00"}
DAY_BEFORE_9 = {"type": "school_days_before", "days": 1, "time": "09:00"}


def service(code="meal", label="Repas", mode="booked", booking=THURSDAY_17, cancellation=None,
            closing_time=None):
    deadline = {"booking": booking, "cancellation": cancellation} if mode == "booked" else None
    return {"code": code, "label": label, "mode": mode, "deadline": deadline,
            "closing_time": closing_time}


def delete(api, path):
    return api.request("DELETE", path)


def settings(admin):
    response = admin.get("/staff/settings")
    assert response.status_code == 200, response.body
    return body(response)


def day(parent, iso):
    response = parent.get(f"/children/{CHILD}/calendar?month={iso[:7]}")
    assert response.status_code == 200, response.body
    return next(d for d in body(response)["days"] if d["date"] == iso)


def book(parent, iso, service_code="meal", booked=True):
    return parent.put(f"/children/{CHILD}/bookings", {"changes": [
        {"date": iso, "service": service_code, "booked": booked}]})


# -- reading -----------------------------------------------------------------------------

def test_the_admin_reads_the_demo_commune_settings(admin):
    current = settings(admin)
    assert current["name"] == "Commune de démonstration"
    assert current["zone"] == "A"
    assert current["school_days"] == [1, 2, 4, 5]
    assert current["closures"] == []
    assert isinstance(current["version"], int)
    by_code = {s["code"]: s for s in current["services"]}
    for code in ("meal", "care_morning", "care_evening"):
        assert by_code[code]["mode"] == "booked"
        assert by_code[code]["deadline"] == {"booking": THURSDAY_17, "cancellation": None}
    assert by_code["care_evening"]["closing_time"] == "18:30"
    assert {code for code, s in by_code.items() if s["mode"] == "off"} == {
        "centre_morning", "centre_evening", "study"}


# -- who may -----------------------------------------------------------------------------

STAFF_REQUESTS = [
    ("GET", "/staff/settings", None),
    ("PUT", "/staff/settings", {"zone": "B"}),
    ("POST", "/staff/closures", {"start": "2026-12-10", "end": "2026-12-10", "label": "Grève"}),
    ("DELETE", "/staff/closures/f1", None),
]


@pytest.mark.parametrize("method, path, payload", STAFF_REQUESTS)
def test_a_family_is_forbidden_the_commune_settings(parent, method, path, payload):
    response = parent.request(method, path, payload)
    assert response.status_code == 403, response.body
    assert body(response)["error"]["code"] == "forbidden"


@pytest.mark.parametrize("method, path, payload", STAFF_REQUESTS)
def test_an_anonymous_visitor_must_sign_in_for_the_commune_settings(api, method, path,
                                                                      payload):
    response = api.request(method, path, payload)
    assert response.status_code == 401, response.body


def test_a_family_attempt_changes_nothing(parent, admin):
    before = settings(admin)
    parent.put("/staff/settings", {"zone": "C"})
    parent.post("/staff/closures", {"start": "2026-12-10", "end": "2026-12-10", "label": "x"})
    assert settings(admin) == before


# -- editing -----------------------------------------------------------------------------

def test_the_admin_changes_the_zone_and_the_school_days_and_reads_them_back(admin):
    response = admin.put("/staff/settings", {"zone": "B", "school_days": [5, 1, 2, 4, 3]})
    assert response.status_code == 200, response.body
    saved = body(response)
    assert (saved["zone"], saved["school_days"]) == ("B", [1, 2, 3, 4, 5])
    again = settings(admin)
    assert (again["zone"], again["school_days"]) == ("B", [1, 2, 3, 4, 5])
    assert again["services"] == saved["services"]


def test_a_zone_change_moves_the_winter_holidays_in_the_calendar(admin, parent):
    # Monday 15 February 2027: winter break in zone A, school in zone B; 1 March the reverse.
    assert day(parent, "2027-02-15")["school_holiday"] == "Vacances d'hiver"
    assert admin.put("/staff/settings", {"zone": "B"}).status_code == 200
    assert day(parent, "2027-02-15")["school_holiday"] is None
    assert day(parent, "2027-02-15")["services"]["meal"]["editable"] is True
    assert day(parent, "2027-03-01")["school_holiday"] == "Vacances d'hiver"
    assert day(parent, "2027-03-01")["services"]["meal"]["editable"] is False


def test_adding_wednesday_to_the_school_days_makes_it_bookable(admin, parent):
    assert book(parent, "2026-12-09").status_code == 422
    assert admin.put("/staff/settings", {"school_days": [1, 2, 3, 4, 5]}).status_code == 200
    assert day(parent, "2026-12-09")["services"]["meal"]["editable"] is True
    assert book(parent, "2026-12-09").status_code == 200
    assert day(parent, "2026-12-09")["services"]["meal"]["booked"] is True


def test_switching_a_service_to_sercus_rules_moves_its_deadlines(admin, parent):
    monday = day(parent, "2026-12-07")["services"]
    assert monday["meal"]["deadline"] == "2026-12-03T17:00:00+01:00"
    response = admin.put("/staff/settings", {"services": [service(booking=DAY_BEFORE_9)]})
    assert response.status_code == 200, response.body
    after = day(parent, "2026-12-07")["services"]
    # The previous school day of a Monday, in a Mon-Tue-Thu-Fri week, is the Friday.
    assert after["meal"]["deadline"] == "2026-12-04T09:00:00+01:00"
    # Services left out of the edit keep their configuration.
    assert after["care_morning"]["deadline"] == "2026-12-03T17:00:00+01:00"
    assert day(parent, "2026-12-10")["services"]["meal"]["deadline"] == \
        "2026-12-08T09:00:00+01:00"
    # After the Christmas holidays, the previous school day is the last one before them.
    assert day(parent, "2027-01-04")["services"]["meal"]["deadline"] == \
        "2026-12-18T09:00:00+01:00"


def test_a_service_switched_off_disappears_from_the_calendar(admin, parent):
    response = admin.put("/staff/settings",
                         {"services": [service("care_evening", "Garderie soir", "off")]})
    assert response.status_code == 200, response.body
    assert set(day(parent, "2026-12-07")["services"]) == {"meal", "care_morning"}
    refused = book(parent, "2026-12-07", "care_evening")
    assert refused.status_code == 422
    assert body(refused)["error"]["details"] == [
        {"date": "2026-12-07", "service": "care_evening", "reason": "not_bookable"}]


def test_an_attendance_only_service_is_shown_but_cannot_be_booked(admin, parent):
    response = admin.put("/staff/settings",
                         {"services": [service("study", "Etude", "attendance")]})
    assert response.status_code == 200, response.body
    cell = day(parent, "2026-12-07")["services"]["study"]
    assert cell == {"booked": False, "editable": False, "deadline": None}
    refused = book(parent, "2026-12-07", "study")
    assert refused.status_code == 422
    assert body(refused)["error"]["details"] == [
        {"date": "2026-12-07", "service": "study", "reason": "not_bookable"}]


def _bad_service(**overrides):
    item = copy.deepcopy(service())
    for path, value in overrides.items():
        target = item
        keys = path.split("__")
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value
    return {"services": [item]}


@pytest.mark.parametrize("payload, field", [
    ({"zone": "D"}, "zone"),
    ({"zone": None}, "zone"),
    ({"school_days": []}, "school_days"),
    ({"school_days": [8]}, "school_days"),
    ({"school_days": [0]}, "school_days"),
    ({"school_days": [1, 1]}, "school_days"),
    ({"school_days": [True]}, "school_days"),
    ({"school_days": "1,2,4,5"}, "school_days"),
    ({"name": "   "}, "name"),
    ({"services": []}, "services"),
    ({"services": [service(), service()]}, "services"),
    ({"services": ["meal"]}, "services[0]"),
    (_bad_service(code="pizza"), "services[0].code"),
    (_bad_service(label=""), "services[0].label"),
    (_bad_service(mode="x"), "services[0].mode"),
    (_bad_service(deadline=None), "services[0].deadline"),
    (_bad_service(deadline__booking__time="25:00"), "services[0].deadline.booking.time"),
    (_bad_service(deadline__booking__time="17h"), "services[0].deadline.booking.time"),
    (_bad_service(deadline__booking__weekday=0), "services[0].deadline.booking.weekday"),
    (_bad_service(deadline__booking__type="monthly"), "services[0].deadline.booking.type"),
    (_bad_service(deadline__booking=dict(DAY_BEFORE_9, days=0)),
     "services[0].deadline.booking.days"),
    (_bad_service(deadline__cancellation=dict(DAY_BEFORE_9, time="9:00")),
     "services[0].deadline.cancellation.time"),
    (_bad_service(closing_time="18h30"), "services[0].closing_time"),
    ({"services": [service("care_morning", "Garderie matin"), service(label="")]},
     "services[1].label"),
])
def test_invalid_settings_are_refused_naming_the_field_and_nothing_changes(admin, payload,
                                                                           field):
    before = settings(admin)
    response = admin.put("/staff/settings", copy.deepcopy(payload))
    assert response.status_code == 400, response.body
    assert body(response)["error"]["details"]["field"] == field
    assert settings(admin) == before


def test_an_edit_made_on_a_stale_version_is_refused_with_a_conflict(admin):
    version = settings(admin)["version"]
    first = admin.put("/staff/settings", {"zone": "B", "version": version})
    assert first.status_code == 200, first.body
    assert body(first)["version"] != version
    stale = admin.put("/staff/settings", {"zone": "C", "version": version})
    assert stale.status_code == 409, stale.body
    assert body(stale)["error"]["code"] == "conflict"
    assert settings(admin)["zone"] == "B"
    current = admin.put("/staff/settings", {"zone": "C", "version": body(first)["version"]})
    assert current.status_code == 200, current.body


# -- closures ----------------------------------------------------------------------------

def test_a_closure_is_created_listed_shown_to_parents_and_refuses_bookings(admin, parent):
    response = admin.post("/staff/closures",
                          {"start": "2026-12-10", "end": "2026-12-11", "label": "Grève"})
    assert response.status_code == 201, response.body
    created = body(response)
    assert created["id"]
    assert {k: created[k] for k in ("start", "end", "label")} == {
        "start": "2026-12-10", "end": "2026-12-11", "label": "Grève"}
    assert created.pop("released") == {"released": 0, "families": 0, "invoiced_months": [],
                                       "invoiced_months_labels": []}
    assert settings(admin)["closures"] == [created]
    for iso in ("2026-12-10", "2026-12-11"):
        shown = day(parent, iso)
        assert shown["closure"] == "Grève"
        assert shown["services"]["meal"]["editable"] is False
    assert day(parent, "2026-12-08")["closure"] is None
    refused = book(parent, "2026-12-10")
    assert refused.status_code == 422
    assert body(refused)["error"]["details"] == [
        {"date": "2026-12-10", "service": "meal", "reason": "closed"}]


def test_two_closures_get_distinct_ids(admin):
    first = body(admin.post("/staff/closures",
                            {"start": "2026-12-10", "end": "2026-12-10", "label": "Grève"}))
    second = body(admin.post("/staff/closures",
                             {"start": "2027-01-08", "end": "2027-01-08", "label": "Sortie"}))
    assert first["id"] != second["id"]
    assert [c["id"] for c in settings(admin)["closures"]] == [first["id"], second["id"]]


def test_deleting_a_closure_reopens_its_days_and_a_second_delete_is_not_found(admin, parent):
    created = body(admin.post("/staff/closures",
                              {"start": "2026-12-10", "end": "2026-12-10", "label": "Grève"}))
    response = delete(admin, f"/staff/closures/{created['id']}")
    assert response.status_code == 204, response.body
    assert settings(admin)["closures"] == []
    assert day(parent, "2026-12-10")["closure"] is None
    assert book(parent, "2026-12-10").status_code == 200
    assert delete(admin, f"/staff/closures/{created['id']}").status_code == 404


def test_a_deleted_closures_id_is_never_given_to_a_new_closure(admin):
    # Otherwise a second admin tab still showing the old closure would delete the new one.
    first = body(admin.post("/staff/closures",
                            {"start": "2026-12-10", "end": "2026-12-10", "label": "Grève"}))
    assert delete(admin, f"/staff/closures/{first['id']}").status_code == 204
    second = body(admin.post("/staff/closures",
                             {"start": "2027-01-08", "end": "2027-01-08", "label": "Sortie"}))
    assert second["id"] != first["id"]
    assert delete(admin, f"/staff/closures/{first['id']}").status_code == 404
    assert [c["label"] for c in settings(admin)["closures"]] == ["Sortie"]


def test_deleting_an_unknown_closure_is_not_found(admin):
    response = delete(admin, "/staff/closures/f999")
    assert response.status_code == 404, response.body
    assert body(response)["error"]["code"] == "not_found"


@pytest.mark.parametrize("payload, field", [
    ({"start": "2026-12-11", "end": "2026-12-10", "label": "Grève"}, "end"),
    ({"start": "2026-12-32", "end": "2026-12-10", "label": "Grève"}, "start"),
    ({"start": "10/12/2026", "end": "2026-12-10", "label": "Grève"}, "start"),
    ({"start": "2026-12-10", "label": "Grève"}, "end"),
    ({"start": "2026-12-10", "end": "2026-12-10", "label": "  "}, "label"),
    ({"start": "2026-12-10", "end": "2026-12-10", "label": "x" * 101}, "label"),
])
def test_an_invalid_closure_is_refused_naming_the_field(admin, payload, field):
    response = admin.post("/staff/closures", payload)
    assert response.status_code == 400, response.body
    assert body(response)["error"]["details"]["field"] == field
    assert settings(admin)["closures"] == []


# -- collection mode: régie or titres (the Treasury) ------------------------------------------

TITRES = {"mode": "titres", "titres": {
    "siret": "216 901 952 00012", "collectivity_code": "067", "budget_code": "00",
    "accounting_office": "069041", "label": "Commune de Saint-Just-d'Avray",
    "imputations": {code: {"nature": "7067", "function": "251", "product_code": "CANT"}
                    for code in ("meal", "care_morning", "care_evening")},
    "object_template": "Cantine et garderie - {mois}", "next_roll_number": 12}}


def test_a_commune_collects_through_its_regie_until_it_chooses_titres(admin):
    assert settings(admin)["collection"] == {"mode": "regie", "titres": None}
    current = settings(admin)
    saved = admin.put("/staff/settings", {"collection": TITRES, "version": current["version"]})
    assert saved.status_code == 200, saved.body
    stored = settings(admin)["collection"]
    assert stored["mode"] == "titres"
    assert stored["titres"]["siret"] == "21690195200012"
    assert stored["titres"]["next_roll_number"] == 12
    # Back to the régie: the accountant's identifiers are kept for next time.
    back = admin.put("/staff/settings", {"collection": {**stored, "mode": "regie"},
                                         "version": settings(admin)["version"]})
    assert back.status_code == 200, back.body
    assert settings(admin)["collection"]["titres"]["siret"] == "21690195200012"


def test_a_collection_sent_empty_is_refused_never_a_silent_switch_to_the_regie(admin):
    current = settings(admin)
    refused = admin.put("/staff/settings", {"collection": None, "version": current["version"]})
    assert refused.status_code == 400
    assert body(refused)["error"]["details"]["field"] == "collection"


@pytest.mark.parametrize("change, field", [
    ({"siret": "21690195200019"}, "collection.titres.siret"),
    ({"imputations": {"meal": {"nature": "7067", "function": "251", "product_code": "CANT"}}},
     "collection.titres.imputations"),
])
def test_titres_without_what_the_accountant_needs_are_refused_and_nothing_changes(admin, change,
                                                                                 field):
    before = settings(admin)
    data = copy.deepcopy(TITRES)
    data["titres"].update(change)
    refused = admin.put("/staff/settings", {"collection": data, "version": before["version"]})
    assert refused.status_code == 400
    assert body(refused)["error"]["details"]["field"].startswith(field)
    assert settings(admin) == before
