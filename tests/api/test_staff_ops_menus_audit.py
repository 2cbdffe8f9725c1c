"""Menus the kitchen publishes and everyone reads; the audit log of every staff write."""
from __future__ import annotations

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from tests.client import Api, body, credentials_from, link_token, sign_in
from tests.demo import ADMIN, NEW_PASSWORD
from tests.demo import STAFF_EMAIL as ADMIN_EMAIL
from tests.demo import STAFF_PASSWORD as ADMIN_PASSWORD

PARIS = ZoneInfo("Europe/Paris")
ALLERGEN_NAMES = {
    "gluten": "Gluten", "crustaces": "Crustacés", "oeufs": "Œufs", "poissons": "Poissons",
    "arachides": "Arachides", "soja": "Soja", "lait": "Lait",
    "fruits_a_coque": "Fruits à coque", "celeri": "Céleri", "moutarde": "Moutarde",
    "sesame": "Sésame", "sulfites": "Anhydride sulfureux et sulfites", "lupin": "Lupin",
    "mollusques": "Mollusques"}


def ok(response, status=200):
    assert response.status_code == status, response.body
    return body(response)


def error(response):
    return body(response)["error"]


def dish(name, *allergens):
    return {"name": name, "allergens": list(allergens)}


WEEK = {"days": [
    {"date": "2026-11-30", "vegetarian": False,
     "dishes": [dish("Carottes râpées"), dish("Poisson pané", "poissons", "gluten", "oeufs"),
                dish("Yaourt", "lait")]},
    {"date": "2026-12-01", "vegetarian": True,
     "dishes": [dish("Lasagnes aux légumes", "gluten", "lait", "celeri")]},
    {"date": "2026-12-03", "dishes": [dish("Poulet rôti"), dish("Compote")]},
]}


def menus(api, start="2026-11-30", end="2026-12-06"):
    return ok(api.get(f"/menus?from={start}&to={end}"))


# -- menus -------------------------------------------------------------------------------

def test_the_kitchen_publishes_a_week_that_families_and_staff_then_read(kitchen, parent,
                                                                        admin):
    published = ok(kitchen.put("/staff/menus/2026-11-30", WEEK))
    assert published["week"] == "2026-11-30"
    for reader in (parent, admin, kitchen):
        shown = menus(reader)
        assert shown["allergens"] == ALLERGEN_NAMES
        assert [d["date"] for d in shown["days"]] == ["2026-11-30", "2026-12-01", "2026-12-03"]
    monday, tuesday, thursday = menus(parent)["days"]
    # Allergens come in the regulation's order, whatever order they were typed in.
    assert monday["dishes"][1] == dish("Poisson pané", "gluten", "oeufs", "poissons")
    assert (monday["vegetarian"], tuesday["vegetarian"], thursday["vegetarian"]) == (
        False, True, False)
    assert menus(parent, "2026-12-07", "2026-12-13")["days"] == []


def test_republishing_a_week_replaces_it_and_removed_days_disappear(kitchen, parent):
    ok(kitchen.put("/staff/menus/2026-11-30", WEEK))
    ok(kitchen.put("/staff/menus/2026-11-30", {"days": [
        {"date": "2026-11-30", "dishes": [dish("Hachis parmentier", "lait")]},
        {"date": "2026-12-04", "dishes": [dish("Pizza", "gluten", "lait")]},
        {"date": "2026-12-03", "dishes": []}]}))
    shown = menus(parent)["days"]
    assert [(d["date"], [x["name"] for x in d["dishes"]]) for d in shown] == [
        ("2026-11-30", ["Hachis parmentier"]), ("2026-12-04", ["Pizza"])]


@pytest.mark.parametrize("week, days, field", [
    pytest.param("2026-12-01", WEEK["days"], "week", id="not-a-monday"),
    pytest.param("2026-11-31", WEEK["days"], "week", id="no-such-date"),
    pytest.param("2026-11-30", [{"date": "2026-12-07", "dishes": [dish("Soupe")]}],
                 "days[0].date", id="next-week"),
    pytest.param("2026-11-30", [{"date": "2026-11-29", "dishes": [dish("Soupe")]}],
                 "days[0].date", id="sunday-before"),
    pytest.param("2026-11-30", [{"date": "2026-11-30",
                                 "dishes": [dish("Soupe"), dish("Crème", "lait", "kiwi")]}],
                 "days[0].dishes[1].allergens", id="unknown-allergen"),
    pytest.param("2026-11-30", [{"date": "2026-11-30", "dishes": [dish("Soupe", "Gluten")]}],
                 "days[0].dishes[0].allergens", id="allergen-by-its-label"),
    pytest.param("2026-11-30", [{"date": "2026-11-30", "dishes": [dish(" ")]}],
                 "days[0].dishes[0].name", id="dish-without-name"),
    pytest.param("2026-11-30", [{"date": "2026-11-30", "vegetarian": "oui"}],
                 "days[0].vegetarian", id="vegetarian-not-boolean"),
])
def test_a_menu_is_refused_naming_the_field_and_nothing_is_published(kitchen, week, days,
                                                                     field):
    ok(kitchen.put("/staff/menus/2026-11-30", WEEK))
    response = kitchen.put(f"/staff/menus/{week}", {"days": days})
    assert response.status_code == 400, response.body
    assert error(response)["details"] == {"field": field}
    assert len(menus(kitchen)["days"]) == 3


# -- the audit log -----------------------------------------------------------------------

def audit(admin, day="2026-11-23"):
    return ok(admin.get(f"/staff/audit?from={day}&to={day}"))["entries"]


WRITES = [
    pytest.param("POST", "/staff/families", {"name": "DUPUIS", "emails": ["d@example.org"]},
                 "famille.création", "1002", None, {"name": "DUPUIS"}, id="create-family"),
    pytest.param("PUT", "/staff/families/1001", {"address": "2 rue des Lilas"},
                 "famille.modification", "1001", {"address": ""},
                 {"address": "2 rue des Lilas"}, id="edit-family"),
    pytest.param("POST", "/staff/families/1001/archive", None, "famille.archivage", "1001",
                 {"archived": False}, {"archived": True}, id="archive-family"),
    pytest.param("PUT", "/staff/families/1001/children/1001-1", {"meal_type": "sans_porc"},
                 "enfant.modification", "1001-1", {"meal_type": "standard"},
                 {"meal_type": "sans_porc"}, id="edit-child"),
    pytest.param("PUT", "/staff/settings", {"zone": "B"}, "paramètres.modification",
                 "commune", {"zone": "A"}, {"zone": "B"}, id="settings"),
    pytest.param("POST", "/staff/closures", {"start": "2026-12-10", "end": "2026-12-11",
                                             "label": "Grève"},
                 "fermeture.création", "f1", None, {"label": "Grève", "start": "2026-12-10"},
                 id="closure"),
    pytest.param("PUT", "/staff/attendance", {"date": "2026-11-23", "service": "meal",
                                              "child_id": "1001-1", "status": "present"},
                 "pointage", "1001-1 2026-11-23 meal", None, {"status": "present"},
                 id="attendance"),
    pytest.param("PUT", "/staff/menus/2026-11-30", {"days": WEEK["days"][:1]},
                 "menu.publication", "2026-11-30", None, {"week": "2026-11-30"}, id="menu"),
    pytest.param("POST", "/staff/accounts", {"email": "agent@example.org", "name": "Agent",
                                             "role": "agent"},
                 "personnel.création", "agent@example.org", None,
                 {"email": "agent@example.org", "role": "agent"}, id="account"),
    pytest.param("PUT", f"/staff/accounts/{ADMIN_EMAIL}", {"name": "Mairie (accueil)"},
                 "personnel.modification", ADMIN_EMAIL, {"name": "Mairie"},
                 {"name": "Mairie (accueil)"}, id="rename-account"),
]


@pytest.mark.parametrize("method, path, payload, action, target, before, after", WRITES)
def test_every_staff_write_leaves_who_what_and_before_after_in_the_audit_log(
        admin, method, path, payload, action, target, before, after):
    response = admin.request(method, path, payload)
    assert response.status_code < 300, response.body
    [entry] = audit(admin)
    assert entry["who"] == ADMIN_EMAIL
    assert (entry["action"], entry["target"]) == (action, target)
    assert entry["at"] == "2026-11-23T10:00:00+01:00"
    if before is None:
        assert entry["before"] is None
    else:
        assert entry["before"].items() >= before.items()
    assert entry["after"].items() >= after.items()


def test_only_the_admin_reads_the_audit_log(admin, client, outbox):
    ok(admin.post("/staff/accounts", {"email": "agent@example.org", "name": "Agent",
                                      "role": "agent"}), 201)
    _, temporary = credentials_from(outbox()[0]["text"])
    agent = sign_in(Api(client), "agent@example.org", temporary)
    assert agent.post("/auth/password/change", {"current_password": temporary,
                                                "password": NEW_PASSWORD}).status_code == 204
    response = agent.get("/staff/audit?from=2026-11-23&to=2026-11-23")
    assert response.status_code == 403
    assert error(response)["code"] == "forbidden"
    assert [e["action"] for e in audit(admin)] == ["personnel.création"]


def test_a_refused_write_leaves_no_entry(admin):
    assert admin.post("/staff/families", {"name": ""}).status_code == 400
    assert admin.put("/staff/settings", {"zone": "Z"}).status_code == 400
    assert audit(admin) == []


def test_passwords_never_reach_the_audit_log(admin, client, outbox):
    ok(admin.post("/staff/accounts", {"email": "agent@example.org", "name": "Agent",
                                      "role": "agent"}), 201)
    ok(admin.post("/staff/families/1001/credentials"), 202)
    mails = {m["to"][0]: m["text"] for m in outbox()}
    temporaries = [credentials_from(mails["agent@example.org"])[1],
                   link_token(mails["famille.test@example.org"])]
    agent = sign_in(Api(client), "agent@example.org", temporaries[0])
    assert agent.post("/auth/password/change", {"current_password": temporaries[0],
                                                "password": NEW_PASSWORD}).status_code == 204
    ok(admin.put("/staff/accounts/agent@example.org",
                 {"role": "kitchen", "password": "un mot de passe glissé"}))

    log = json.dumps(audit(admin), ensure_ascii=False)
    assert len(audit(admin)) == 3
    for secret in [*temporaries, NEW_PASSWORD, ADMIN_PASSWORD, "un mot de passe glissé",
                   "password_hash", "$argon2"]:
        assert secret not in log


def test_an_entry_is_deleted_by_dynamodb_a_year_after_it_was_written(admin):
    # The log copies a family's name, address, allergies… into its entries: they must
    # not outlive the purge of that family by more than the log's own year.
    ok(admin.put("/staff/families/1001", {"address": "1 rue Haute"}))
    from chalicelib.storage.models import AuditModel
    [item] = list(AuditModel.query("2026-11"))
    assert item.action == "famille.modification"
    assert item.expires == datetime(2027, 11, 24, 9, 0, tzinfo=ZoneInfo("UTC"))


def test_entries_written_before_they_expired_are_dated_once_at_the_upgrade(admin):
    from chalicelib import wiring
    from chalicelib.storage.models import AuditModel
    ok(admin.put("/staff/families/1001", {"address": "1 rue Haute"}))
    [item] = list(AuditModel.query("2026-11"))
    item.update(actions=[AuditModel.expires.remove()])   # as stored by an older version
    audit_service = wiring.container().audit
    assert audit_service.date_undated(date(2028, 1, 5)) == 1
    assert audit_service.date_undated(date(2028, 1, 5)) == 0
    [item] = list(AuditModel.query("2026-11"))
    assert item.expires == datetime(2027, 11, 24, 9, 0, tzinfo=ZoneInfo("UTC"))


def test_the_audit_log_is_read_by_date_range_newest_first(admin, clock):
    ok(admin.put("/staff/settings", {"zone": "B"}))
    clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=PARIS))
    sign_in(admin, *ADMIN)
    ok(admin.put("/staff/settings", {"zone": "C"}))
    clock.set(datetime(2026, 11, 30, 9, 5, tzinfo=PARIS))
    ok(admin.put("/staff/families/1001", {"address": "1 rue Haute"}))

    assert [e["action"] for e in audit(admin, "2026-11-30")] == [
        "famille.modification", "paramètres.modification"]
    assert [e["after"]["zone"] for e in audit(admin, "2026-11-23")] == ["B"]
    everything = ok(admin.get("/staff/audit?from=2026-11-01&to=2026-11-30"))["entries"]
    assert [e["at"] for e in everything] == ["2026-11-30T09:05:00+01:00",
                                             "2026-11-30T09:00:00+01:00",
                                             "2026-11-23T10:00:00+01:00"]
    assert [e["at"] for e in ok(admin.get("/staff/audit"))["entries"]] == [
        e["at"] for e in everything]
