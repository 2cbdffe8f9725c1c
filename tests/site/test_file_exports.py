"""A file of any size from the console: staff ask for it on « Exports », follow it, and
download it through its short-lived link (S3, played by moto on the local stack)."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.demo import ADMIN
from tests.site.helpers import open_page, sign_in


def test_staff_prepare_a_years_bookings_file_and_download_it(page, tmp_path):
    sign_in(page, *ADMIN)
    page.wait_for_url("**/personnel.html")
    open_page(page, "/exports.html")
    section = page.get_by_role("region", name="Fichiers volumineux")
    section.get_by_label("Export").select_option(label="Réservations")
    section.get_by_label("Du").fill("2026-09-01")
    section.get_by_label("Au").fill("2027-07-03")
    section.get_by_role("button", name="Préparer le fichier").click()

    link = section.get_by_role("link", name="Télécharger reservations_2026-09-01_2027-07-03.csv")
    expect(link).to_be_visible()
    expect(section.get_by_role("status")).to_contain_text("Fichier prêt")
    expect(section.get_by_role("status")).to_contain_text("valable 15 minutes")
    with page.expect_download() as download:
        link.click()
    saved = tmp_path / "file.csv"
    download.value.save_as(saved)
    assert download.value.suggested_filename == "reservations_2026-09-01_2027-07-03.csv"
    text = saved.read_bytes().decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Date;N° famille;Famille;Enfant;Classe;Régime")

    # The families' list has no period: the page leaves its dates out of the request.
    section.get_by_label("Export").select_option(label="Familles")
    section.get_by_role("button", name="Préparer le fichier").click()
    expect(section.get_by_role("link", name="Télécharger familles.csv")).to_be_visible()
