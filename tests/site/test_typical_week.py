"""The typical week through the site: a parent defines one for the demo child, applies it
on odd weeks to December, and sees it in the grid and in "Inscriptions en cours"."""
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.localstack import Stack
from tests.site.helpers import open_page, sign_in


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """A stack of its own: the typical week books a whole month, which the browser tests
    sharing the session's stack must not find there."""
    running = Stack(Path(tmp_path_factory.mktemp("typical-week")))
    running.start("2026-11-23T10:00:00+01:00")
    yield running
    running.stop()


def test_a_parent_applies_a_typical_week_on_odd_weeks(page):
    sign_in(page)
    expect(page.get_by_text("Bienvenue TEST !")).to_be_visible()
    page.get_by_role("link", name="Semaine type").first.click()
    expect(page.get_by_role("heading", name="Semaine type", exact=True)).to_be_visible()
    page.get_by_role("checkbox", name="Repas lundi", exact=True).check()
    page.get_by_role("checkbox", name="Garderie soir lundi", exact=True).check()
    page.get_by_role("checkbox", name="Repas jeudi", exact=True).check()
    page.get_by_role("button", name="Enregistrer la semaine type de TOTO").click()
    expect(page.get_by_text("Semaine type de TOTO enregistrée.")).to_be_visible()

    apply = page.locator("#apply-form")
    expect(apply.get_by_role("checkbox", name="TOTO")).to_be_checked()
    apply.get_by_label("Du", exact=True).fill("2026-12-01")
    apply.get_by_label("Au", exact=True).fill("2026-12-31")
    apply.get_by_label("Semaines impaires").check()
    apply.get_by_role("button", name="Appliquer la semaine type").click()
    message = page.locator("#apply-message")
    expect(message).to_contain_text("TOTO :")
    expect(message).to_contain_text("jour(s) modifié(s)")
    # Week 53 (28–31 December) is odd, and in the Christmas holidays.
    expect(message).to_contain_text("3 jours ignorés : Vacances de Noël")

    open_page(page, "/inscriptions.html?enfant=1001-1&mois=2026-12")
    def box(name):
        return page.get_by_role("checkbox", name=name, exact=True)
    # Week 51 (odd): the typical week exactly; Tuesday has nothing.
    expect(box("Repas lundi 14 décembre 2026")).to_be_checked()
    expect(box("Garderie soir lundi 14 décembre 2026")).to_be_checked()
    expect(box("Garderie matin lundi 14 décembre 2026")).not_to_be_checked()
    expect(box("Repas mardi 15 décembre 2026")).not_to_be_checked()
    expect(box("Repas jeudi 17 décembre 2026")).to_be_checked()
    expect(box("Repas jeudi 3 décembre 2026")).to_be_checked()   # week 49, odd

    page.get_by_role("link", name="Retour au relevé de situation").click()
    current = page.locator("section", has_text="Inscriptions en cours")
    expect(current.get_by_role("listitem").filter(has_text="Décembre 2026")).to_contain_text(
        "repas")
