"""A secretary's and a parent's first week, in the browser: credentials re-sent on purpose
only, a lock-out that says how long and where to go, addresses that keep their lines."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.demo import ADMIN, FAMILY
from tests.localstack import Stack
from tests.site.helpers import open_page, sign_in


@pytest.fixture(scope="module")
def own_stack(tmp_path_factory):
    """A stack of this file's own: locking a login out must not disturb other tests."""
    stack = Stack(Path(tmp_path_factory.mktemp("first-week")))
    stack.start("2026-11-23T10:00:00+01:00")
    yield stack
    stack.stop()


@pytest.fixture
def context(browser, own_stack):
    context = browser.new_context(base_url=own_stack.url, locale="fr-FR",
                                  timezone_id="Europe/Paris",
                                  viewport={"width": 1280, "height": 900})
    yield context
    context.close()


def resends(stack):
    return [m for m in stack.outbox() if m["subject"].startswith("Rappel de vos identifiants")]


def test_credentials_are_re_sent_only_once_confirmed_and_the_password_keeps_working(
        context, own_stack):
    page = context.new_page()
    sign_in(page, *ADMIN)
    expect(page).to_have_url(re.compile(r"/personnel\.html"))
    open_page(page, "/famille.html?numero=1001")
    questions = []

    def dismiss(dialog):
        questions.append(dialog.message)
        dialog.dismiss()
    page.once("dialog", dismiss)
    page.get_by_role("button", name="Renvoyer les identifiants").click()
    expect(page.get_by_role("button", name="Renvoyer les identifiants")).to_be_enabled()
    assert "famille.test@example.org" in questions[0]
    assert "mot de passe actuel reste valable" in questions[0]
    assert resends(own_stack) == []

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Renvoyer les identifiants").click()
    expect(page.get_by_text(re.compile("Identifiants renvoyés à famille.test@example.org"))
           ).to_be_visible()
    assert len(resends(own_stack)) == 1

    parent = context.browser.new_context(base_url=own_stack.url, locale="fr-FR").new_page()
    sign_in(parent, *FAMILY)
    expect(parent).to_have_url(re.compile(r"/index\.html"))
    parent.context.close()


def test_a_parent_types_an_address_on_three_lines_and_reads_it_back_on_three_lines(
        context):
    page = context.new_page()
    sign_in(page, "famille.test@example.org", FAMILY[1])
    expect(page).to_have_url(re.compile(r"/index\.html"))
    open_page(page, "/informations.html")
    page.get_by_label("Adresse", exact=True).fill("Résidence Les Tilleuls\n12 rue des Écoles\n69000 Lyon")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Vos informations ont été enregistrées.")).to_be_visible()
    page.reload()
    expect(page.get_by_label("Adresse", exact=True)).to_have_value(
        "Résidence Les Tilleuls\n12 rue des Écoles\n69000 Lyon")


def test_a_locked_out_parent_reads_how_long_to_wait_and_finds_the_reset_page(context):
    # Last in this file: family 1001 stays throttled for the rest of the module.
    page = context.new_page()
    open_page(page, "/connexion.html")
    for _ in range(6):
        page.get_by_label("N° de famille ou Adresse mail").fill("1001")
        page.get_by_label("Mot de passe", exact=True).fill("pas le bon mot de passe")
        page.get_by_role("button", name="Connexion").click()
        alert = page.locator("#login-message")
        expect(alert).to_be_visible()
        if "réessayez dans" in alert.inner_text():
            break
        expect(page.get_by_role("button", name="Connexion")).to_be_enabled()
    expect(alert).to_contain_text(re.compile(r"réessayez dans \d+ secondes"))
    expect(page.get_by_role("button", name="Connexion")).to_be_disabled()
    alert.get_by_role("link", name="Choisir un nouveau mot de passe").click()
    expect(page).to_have_url(re.compile(r"/mot-de-passe-oublie\.html"))
