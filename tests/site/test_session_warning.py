"""Before a session ends for inactivity, the page says so and lets the user stay (RGAA
13.1, WCAG 2.2.1): the server ends a session an hour after its last answered call, which
it records at most every five minutes, so the page warns 50 minutes after its last
answer. The browser's clock is Playwright's: the minutes pass at once."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.site.helpers import open_page, sign_in


def test_the_page_warns_before_the_session_ends_and_one_click_keeps_it(page, stack):
    page.clock.install()
    sign_in(page)
    expect(page).to_have_url(re.compile(r"/index\.html|/$"))
    open_page(page, "/inscriptions.html?enfant=1001-1")
    grid_box = page.locator("input.tick-box:not([disabled])").first
    grid_box.focus()
    page.wait_for_load_state("networkidle")  # the minutes count from the last answer
    warning = page.get_by_role("alertdialog", name="Votre session va se fermer")
    page.clock.run_for("49:00")
    expect(warning).to_be_hidden()
    page.clock.run_for("01:30")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("se fermera dans environ 5 minutes et ce qui n’est pas "
                                    "enregistré serait perdu")
    stay = warning.get_by_role("button", name="Rester connecté")
    expect(stay).to_be_focused()
    with page.expect_response(re.compile(r"/api/auth/me$")) as answer:
        stay.click()
    assert answer.value.status == 200
    expect(warning).to_be_hidden()
    expect(grid_box).to_be_focused()  # back where the parent was
    # A new hour from that answer: no warning before its 50th minute.
    page.clock.run_for("45:00")
    expect(warning).to_be_hidden()


def test_a_page_left_open_an_hour_says_the_session_is_over_and_how_to_come_back(page, stack):
    page.clock.install()
    sign_in(page)
    expect(page).to_have_url(re.compile(r"/index\.html|/$"))
    page.wait_for_load_state("networkidle")
    page.clock.run_for("01:00:30")
    warning = page.get_by_role("alertdialog", name="Votre session va se fermer")
    expect(warning).to_contain_text("Votre session s’est fermée après une heure sans activité")
    back = warning.get_by_role("link", name="Se reconnecter")
    expect(back).to_be_focused()
    expect(back).to_have_attribute("href", "/connexion.html")
    expect(warning.get_by_role("button", name="Rester connecté")).to_be_hidden()


def test_public_pages_never_warn(page, stack):
    page.clock.install()
    open_page(page, "/connexion.html")
    page.clock.run_for("01:00:30")
    expect(page.get_by_role("alertdialog")).to_have_count(0)
