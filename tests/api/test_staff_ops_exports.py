"""CSV exports for Excel: head counts, bookings, attendance and the families file.

The files are read back as a spreadsheet would: UTF-8 with a BOM, ``;`` between cells,
dates as dd/mm/yyyy, and no cell a spreadsheet would run as a formula.
"""
from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.client import Api, body, sign_in
from tests.demo import ADMIN, FAMILY

PARIS = ZoneInfo("Europe/Paris")
BOM = b"\xef\xbb\xbf"
WEEK = "from=2026-11-30&to=2026-12-04"
HEADCOUNT_HEADER = ["Date", "Prestation", "Total", "Standard", "Sans porc", "Végétarien",
                    "Panier repas (PAI)", "Malades", "À préparer", "Statut"]


def ok(response, status=200):
    assert response.status_code == status, response.body
    return body(response)


def export(api, name, query=WEEK):
    response = api.get(f"/staff/exports/{name}.csv?{query}")
    assert response.status_code == 200, response.body
    return response


def rows(response) -> list[list[str]]:
    raw = response.body
    assert raw.startswith(BOM)
    text = raw[len(BOM):].decode("utf-8")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


@pytest.fixture
def week(client, admin):
    """TOTO eats on Monday 30 and stays for the evening; LILI (sans porc) eats on Tuesday."""
    parent = sign_in(Api(client), *FAMILY)
    lili = ok(admin.post("/staff/families/1001/children", {
        "first_name": "LILI", "last_name": "TEST", "meal_type": "sans_porc",
        "class_name": "CP"}), 201)["id"]
    ok(admin.put("/staff/families/1001/children/1001-1", {"class_name": "CE2"}))
    ok(parent.put("/children/1001-1/bookings", {"changes": [
        {"date": "2026-11-30", "service": "meal", "booked": True},
        {"date": "2026-11-30", "service": "care_evening", "booked": True}]}))
    ok(parent.put(f"/children/{lili}/bookings", {"changes": [
        {"date": "2026-12-01", "service": "meal", "booked": True}]}))
    return lili


def test_the_headcounts_file_has_one_line_per_school_day_and_service(admin, week):
    response = export(admin, "headcounts")
    assert response.headers["Content-Type"].startswith("text/csv")
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="effectifs_2026-11-30_2026-12-04.csv"')
    table = rows(response)
    assert table[0] == HEADCOUNT_HEADER
    assert table[1:] == [
        ["30/11/2026", "Repas", "1", "1", "0", "0", "0", "0", "1", "Provisoire"],
        ["30/11/2026", "Garderie matin", "0", "", "", "", "", "0", "0", "Provisoire"],
        ["30/11/2026", "Garderie soir", "1", "", "", "", "", "0", "1", "Provisoire"],
        ["01/12/2026", "Repas", "1", "0", "1", "0", "0", "0", "1", "Provisoire"],
        ["01/12/2026", "Garderie matin", "0", "", "", "", "", "0", "0", "Provisoire"],
        ["01/12/2026", "Garderie soir", "0", "", "", "", "", "0", "0", "Provisoire"],
    ] + [[day, label, "0", *(["0"] * 4 if label == "Repas" else [""] * 4), "0", "0", "Provisoire"]
         for day in ("03/12/2026", "04/12/2026")
         for label in ("Repas", "Garderie matin", "Garderie soir")]


def test_once_the_week_is_locked_the_headcounts_file_says_so(admin, week, clock):
    clock.set(datetime(2026, 11, 26, 17, 1, tzinfo=PARIS))
    sign_in(admin, *ADMIN)
    ok(admin.post("/staff/jobs/lock"))
    table = rows(export(admin, "headcounts"))
    assert {row[-1] for row in table[1:]} == {"Verrouillé"}
    assert table[1] == ["30/11/2026", "Repas", "1", "1", "0", "0", "0", "0", "1", "Verrouillé"]


def test_the_bookings_file_lists_each_booked_child_per_day_with_a_column_per_service(
        admin, week):
    response = export(admin, "bookings")
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="reservations_2026-11-30_2026-12-04.csv"')
    assert rows(response) == [
        ["Date", "N° famille", "Famille", "Enfant", "Classe", "Régime", "Repas",
         "Garderie matin", "Garderie soir"],
        ["30/11/2026", "1001", "TEST", "TOTO TEST", "CE2", "Standard", "oui", "non", "oui"],
        ["01/12/2026", "1001", "TEST", "LILI TEST", "CP", "Sans porc", "oui", "non", "non"],
    ]


def test_the_attendance_file_lists_what_was_recorded_with_late_minutes(admin, week, clock):
    clock.set(datetime(2026, 11, 30, 18, 50, tzinfo=PARIS))
    sign_in(admin, *ADMIN)
    base = {"date": "2026-11-30", "child_id": "1001-1", "status": "present"}
    ok(admin.put("/staff/attendance", {**base, "service": "meal"}))
    ok(admin.put("/staff/attendance", {**base, "service": "care_evening",
                                       "arrival": "16:30", "departure": "18:42"}))
    ok(admin.put("/staff/attendance", {**base, "service": "meal", "child_id": week,
                                       "status": "absent", "justified": True,
                                       "reason": "Malade"}))
    response = export(admin, "attendance")
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="pointage_2026-11-30_2026-12-04.csv"')
    assert rows(response) == [
        ["Date", "Prestation", "N° famille", "Famille", "Enfant", "Statut", "Arrivée",
         "Départ", "Retard (min)", "Absence justifiée", "Motif"],
        ["30/11/2026", "Repas", "1001", "TEST", "TOTO TEST", "Présent", "", "", "0", "", ""],
        ["30/11/2026", "Repas", "1001", "TEST", "LILI TEST", "Absent", "", "", "0", "oui",
         "Malade"],
        ["30/11/2026", "Garderie soir", "1001", "TEST", "TOTO TEST", "Présent", "16:30",
         "18:42", "12", "", ""],
    ]


def test_the_families_file_neutralises_cells_a_spreadsheet_would_run(admin, week):
    ok(admin.post("/staff/families", {
        "name": '=HYPERLINK("http://x")', "emails": ["x@example.org", "-x@example.org"],
        "phones": ["+33 6 12 34 56 78"], "address": "-1+2 rue du Piège",
        "income": {"qf": 850, "effective_from": "2026-09-01"}}), 201)
    response = export(admin, "families", "")
    assert response.headers["Content-Disposition"] == 'attachment; filename="familles.csv"'
    table = rows(response)
    assert table[0] == ["N° famille", "Nom", "Adresse mail", "Seconde adresse mail",
                        "Téléphones", "Adresse", "Quotient familial",
                        "Date d'effet du quotient", "Enfants", "Archivée"]
    by_number = {row[0]: row for row in table[1:]}
    assert by_number["1001"] == ["1001", "TEST", "famille.test@example.org", "", "", "", "",
                                 "", "TOTO TEST, LILI TEST", "non"]
    [created] = [row for number, row in by_number.items() if number != "1001"]
    assert created[1:] == ['\'=HYPERLINK("http://x")', "x@example.org",
                           "'-x@example.org", "'+33 6 12 34 56 78", "'-1+2 rue du Piège",
                           "850", "01/09/2026", "", "non"]


@pytest.mark.parametrize("query, status", [
    ("from=2026-09-01&to=2026-12-02", 200),     # 93 days, both ends included
    ("from=2026-09-01&to=2026-12-03", 400),     # 94 days
])
@pytest.mark.parametrize("name", ["headcounts", "bookings", "attendance"])
def test_an_export_covers_at_most_93_days(admin, name, query, status):
    response = admin.get(f"/staff/exports/{name}.csv?{query}")
    assert response.status_code == status, response.body
    if status == 400:
        assert body(response)["error"]["details"] == {"field": "to"}


@pytest.mark.parametrize("query, field", [
    ("from=2026-12-04&to=2026-11-30", "to"),
    ("from=30/11/2026&to=2026-12-04", "from"),
    ("from=2026-11-30&to=2026-13-01", "to"),
])
def test_an_export_range_is_two_real_dates_in_order(admin, query, field):
    response = admin.get(f"/staff/exports/bookings.csv?{query}")
    assert response.status_code == 400
    assert body(response)["error"]["details"] == {"field": field}


@pytest.mark.parametrize("path", [
    "/staff/exports/payments.csv", "/staff/exports/headcounts",
    "/staff/exports/headcounts.xlsx", "/staff/exports/.csv", "/staff/exports/Families.csv",
])
def test_an_unknown_export_is_not_found(admin, path):
    response = admin.get(f"{path}?{WEEK}")
    assert response.status_code == 404
    assert body(response)["error"]["code"] == "not_found"
