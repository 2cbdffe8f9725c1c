"""A full garderie in the browser: the parent's booking goes on the waiting list and the
grid, the save's message and "Inscriptions en cours" say "liste d'attente, 3e"; the
console's "Listes d'attente" page shows the line in order."""
from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from tests.demo import ADMIN
from tests.site.helpers import open_page, sign_in

DAY = "2026-12-07"
SERVICE = "care_evening"


def api(context, stack, method, path, data=None):
    reply = context.request.fetch(stack.url + "/api" + path, method=method, data=data,
                                  headers={"Origin": stack.url,
                                           "Content-Type": "application/json"})
    assert reply.ok, reply.text()
    return reply.json()


def set_places(context, stack, places):
    settings = api(context, stack, "GET", "/staff/settings")
    services = [{**s, "places": places if s["code"] == SERVICE else s["places"]}
                for s in settings["services"]]
    api(context, stack, "PUT", "/staff/settings", {"services": services})


def table(client, suffix):
    return next(n for n in client.list_tables()["TableNames"] if n.endswith(suffix))


def fill_the_day(stack):
    """One child holds the only place, two others wait (tickets 1 and 2): written as the
    storage layer writes them, for families that need no account here."""
    client = stack.dynamodb()
    bookings = table(client, "bookings")
    now = "2026-11-23T09:00:00.000000+0000"
    for child, confirmed, ticket in (("9001-1", True, None), ("9002-1", False, 1),
                                     ("9003-1", False, 2)):
        item = {"child_id": {"S": child}, "day": {"S": DAY}, "family": {"S": child[:4]},
                "updated_at": {"S": now}, "version": {"N": "1"}}
        if confirmed:
            item["services"] = {"SS": [SERVICE]}
        else:
            item["waiting"] = {"S": json.dumps({SERVICE: ticket})}
        client.put_item(TableName=bookings, Item=item)
    client.put_item(TableName=table(client, "places"), Item={
        "service": {"S": SERVICE}, "day": {"S": DAY}, "confirmed": {"N": "1"},
        "waiting": {"N": "2"}, "tickets": {"N": "2"}})


@pytest.fixture
def admin_context(browser, stack):
    context = browser.new_context(base_url=stack.url, locale="fr-FR",
                                  timezone_id="Europe/Paris")
    reply = context.request.post("/api/auth/login",
                                 data={"login": ADMIN[0], "password": ADMIN[1]})
    assert reply.ok, reply.text()
    yield context
    context.close()


def test_a_full_day_puts_the_booking_on_the_waiting_list_third_in_line(page, stack,
                                                                       admin_context):
    set_places(admin_context, stack, 1)
    try:
        fill_the_day(stack)
        sign_in(page)
        expect(page.get_by_text("Bienvenue TEST !")).to_be_visible()
        open_page(page, "/inscriptions.html?enfant=1001-1&mois=2026-12")
        box = page.get_by_role("checkbox", name="Garderie soir lundi 7 décembre 2026",
                               exact=True)
        box.check()
        page.get_by_role("button", name="Enregistrer", exact=True).click()
        expect(page.get_by_text(re.compile(
            r"Complet, inscrit en liste d'attente : Garderie soir le lundi 7 décembre 2026 "
            r"\(liste d'attente, 3e\)"))).to_be_visible()
        expect(box).to_be_checked()
        cell = page.locator("td.service", has=box)
        expect(cell).to_contain_text("liste d'attente, 3e")

        open_page(page, "/index.html")
        current = page.locator("section", has_text="Inscriptions en cours")
        expect(current.get_by_role("listitem").filter(has_text="Décembre 2026")).to_contain_text(
            "En liste d'attente : Garderie soir le 07.12.2026 (liste d'attente, 3e)")

        staff = admin_context.new_page()
        open_page(staff, f"/attente.html?jour={DAY}")
        rows = staff.locator("table tbody tr")
        expect(rows).to_have_count(3)
        expect(rows.nth(2)).to_contain_text("TOTO")
        expect(staff.get_by_text("1 inscription(s) confirmée(s) sur 1 place(s) ; complet."))\
            .to_be_visible()

        # « Paramètres »: one place more, and the first in line gets it.
        staff.on("dialog", lambda dialog: dialog.accept())
        open_page(staff, "/parametres.html")
        care = staff.locator("fieldset.service-box[data-code='care_evening']")
        care.get_by_label("Places par jour").fill("2")
        staff.get_by_role("button", name="Enregistrer les paramètres").click()
        expect(staff.locator("#settings-message")).to_contain_text(
            "1 place donnée au premier de la liste d'attente")
        open_page(staff, f"/attente.html?jour={DAY}")
        expect(staff.locator("table tbody tr")).to_have_count(2)
        expect(staff.get_by_text("2 inscription(s) confirmée(s) sur 2 place(s) ; complet."))\
            .to_be_visible()
    finally:
        # The stack is shared by the session's browser tests: leave the day as found.
        api(page.context, stack, "PUT", "/children/1001-1/bookings", {"changes": [
            {"date": DAY, "service": SERVICE, "booked": False}]})
        set_places(admin_context, stack, None)
        client = stack.dynamodb()
        for child in ("9001-1", "9002-1", "9003-1"):
            client.delete_item(TableName=table(client, "bookings"),
                               Key={"child_id": {"S": child}, "day": {"S": DAY}})
        client.delete_item(TableName=table(client, "places"),
                           Key={"service": {"S": SERVICE}, "day": {"S": DAY}})
