"""Reminders before a deadline, in the browser: `make run` started on the Wednesday evening
before the Thursday 17:00 deadline plays the reminders at start, the demo family's e-mail
is in the local outbox, and its link opens the week to book. The family opts out and in
again in « Vos informations »."""
from __future__ import annotations

import re
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.demo import ADMIN
from tests.localstack import Stack
from tests.site.helpers import open_page, sign_in


@pytest.fixture(scope="module")
def wednesday_stack(tmp_path_factory):
    stack = Stack(Path(tmp_path_factory.mktemp("reminders")))
    stack.start("2026-11-25T20:00:00+01:00")
    yield stack
    stack.stop()


@pytest.fixture
def family_page(browser, wednesday_stack):
    context = browser.new_context(base_url=wednesday_stack.url, locale="fr-FR",
                                  timezone_id="Europe/Paris")
    page = context.new_page()
    sign_in(page)
    expect(page.get_by_text("Bienvenue TEST !")).to_be_visible()
    yield page
    context.close()


def reminder(stack: Stack) -> dict:
    """The demo family's reminder, once the stack's scheduler has sent it."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = [m for m in stack.outbox() if m["subject"].startswith("Rappel : inscriptions")]
        if found:
            return found[0]
        time.sleep(0.5)
    raise AssertionError("no reminder in the outbox:\n" + stack.log.read_text()[-3000:])


def test_the_reminder_in_the_outbox_opens_the_week_to_book(family_page, wednesday_stack):
    mail = reminder(wednesday_stack)
    assert "jeudi 26/11 17:00" in mail["subject"]
    link = re.search(r"https?://\S+/inscriptions\.html\?\S+", mail["text"]).group(0)
    parts = urlsplit(link)
    open_page(family_page, f"{parts.path}?{parts.query}")
    expect(family_page.locator("#period-title")).to_contain_text("du lundi 30 novembre 2026")
    box = family_page.get_by_role("checkbox", name="Repas lundi 30 novembre 2026", exact=True)
    expect(box).to_be_enabled()
    # The week view, not the month: the week after is not on the page.
    expect(family_page.get_by_role("checkbox", name="Repas lundi 7 décembre 2026",
                                   exact=True)).to_have_count(0)


def test_the_family_opts_out_of_reminders_and_in_again(family_page):
    open_page(family_page, "/informations.html")
    reminders = family_page.get_by_label("Me rappeler la date limite", exact=False)
    receipts = family_page.get_by_label("Recevoir un récapitulatif", exact=False)
    expect(reminders).to_be_checked()
    expect(receipts).not_to_be_checked()
    reminders.uncheck()
    receipts.check()
    family_page.get_by_role("button", name="Enregistrer").click()
    expect(family_page.get_by_text("Vos informations ont été enregistrées.")).to_be_visible()
    open_page(family_page, "/informations.html")
    expect(family_page.get_by_label("Me rappeler la date limite", exact=False)).not_to_be_checked()
    expect(family_page.get_by_label("Recevoir un récapitulatif", exact=False)).to_be_checked()
    family_page.get_by_label("Me rappeler la date limite", exact=False).check()
    family_page.get_by_role("button", name="Enregistrer").click()
    expect(family_page.get_by_text("Vos informations ont été enregistrées.")).to_be_visible()
    open_page(family_page, "/informations.html")
    expect(family_page.get_by_label("Me rappeler la date limite", exact=False)).to_be_checked()


def test_the_secretary_reads_the_reminder_runs_on_the_locks_page(browser, wednesday_stack):
    reminder(wednesday_stack)  # the run at start has sent it
    context = browser.new_context(base_url=wednesday_stack.url, locale="fr-FR",
                                  viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, *ADMIN)
    expect(page).to_have_url(re.compile(r"/personnel\.html"))
    open_page(page, "/verrouillages.html")
    runs = page.locator("#reminder-runs")
    expect(page.get_by_role("heading", name="Rappels envoyés aux familles")).to_be_visible()
    expect(runs.get_by_role("row").filter(has_text="1 rappel(s) envoyé(s)")).to_have_count(1)
    context.close()


def test_the_secretary_sets_how_long_before_the_reminder_goes(browser, wednesday_stack):
    context = browser.new_context(base_url=wednesday_stack.url, locale="fr-FR",
                                  viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, *ADMIN)
    expect(page).to_have_url(re.compile(r"/personnel\.html"))
    open_page(page, "/parametres.html")
    enabled = page.get_by_label("Rappeler la date limite aux familles", exact=False)
    hours = page.get_by_label("Envoyer le rappel (heures avant la date limite)")
    expect(enabled).to_be_checked()
    expect(hours).to_have_value("24")
    hours.fill("200")
    page.get_by_role("button", name="Enregistrer les paramètres").click()
    expect(page.locator("#settings-message")).to_contain_text("entre 1 et 168")
    expect(hours).to_have_attribute("aria-invalid", "true")
    hours.fill("48")
    enabled.uncheck()
    page.get_by_role("button", name="Enregistrer les paramètres").click()
    expect(page.get_by_text("Paramètres enregistrés.")).to_be_visible()
    page.reload()
    expect(page.get_by_label("Rappeler la date limite aux familles", exact=False)).not_to_be_checked()
    expect(page.get_by_label("Envoyer le rappel (heures avant la date limite)")).to_have_value("48")
    context.close()
