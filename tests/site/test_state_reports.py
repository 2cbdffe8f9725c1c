"""The State's reports on « Exports »: each its own parameter, a link only while it is
valid, and the caterer's order downloaded as the kitchen's CSV."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.demo import ADMIN
from tests.site.helpers import open_page, sign_in


def test_staff_download_the_caterers_order_and_see_the_state_reports(page, tmp_path):
    sign_in(page, *ADMIN)
    page.wait_for_url("**/personnel.html")
    open_page(page, "/exports.html")
    section = page.get_by_role("region", name="Rapports pour l'État et la CAF")
    # Defaults on 23 November 2026: October to declare, May–August to claim, next week.
    expect(section.get_by_role("link", name="Rapport d'activité CAF")).to_have_attribute(
        "href", "/api/staff/exports/caf.csv?month=2026-10")
    expect(section.get_by_role("link", name="Cantine à 1 € (4 mois)")).to_have_attribute(
        "href", "/api/staff/exports/meal_aid.csv?from=2026-05&to=2026-08")
    week = section.get_by_label("Semaine du (lundi)")
    week.fill("2026-12-01")
    expect(section.get_by_role("alert")).to_contain_text("la semaine commence un lundi")
    assert section.locator('[data-export="meal_order"]').get_attribute("href") is None
    week.fill("2026-11-30")
    link = section.get_by_role("link", name="Commande de repas")
    expect(link).to_have_attribute("href", "/api/staff/exports/meal_order.csv?week=2026-11-30")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "commande-repas_2026-11-30.csv"
    saved = tmp_path / "order.csv"
    download.value.save_as(saved)
    lines = saved.read_bytes().decode("utf-8-sig").splitlines()
    assert lines[0] == ("Date;Jour;Statut;Standard;Sans porc;Végétarien;Panier repas (PAI);"
                        "Total;Malades déduits")
    assert lines[1].startswith("30/11/2026;lundi;")
    assert lines[-1].startswith(";Total semaine;")
