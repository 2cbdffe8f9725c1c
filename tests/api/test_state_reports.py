"""The State's reports from the console, end to end: the CAF's activity report, the
"cantine à 1 €" claim and the caterer's weekly order, as CSV files for Excel (same
conventions as the other exports), behind their roles; bad parameters are a JSON 400."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.api.test_staff_ops_exports import rows
from tests.client import Api, body, invoice, sign_in, staff_member
from tests.demo import ADMIN, FAMILY, NEW_PASSWORD
from tests.demo import FAMILY_CHILD as CHILD

PARIS = ZoneInfo("Europe/Paris")
AID_PERIOD = "septembre 2026 – décembre 2026"


def ok(response, status=200):
    assert response.status_code == status, response.body
    return body(response)


def csv_of(api, name, query):
    response = api.get(f"/staff/exports/{name}.csv?{query}")
    assert response.status_code == 200, response.body
    assert response.headers["Content-Type"].startswith("text/csv")
    return response


def refusal(api, name, query, status=400):
    response = api.get(f"/staff/exports/{name}.csv?{query}")
    assert response.status_code == status, response.body
    assert response.headers["Content-Type"].startswith("application/json")
    return body(response)["error"]


def book(client, changes):
    parent = sign_in(Api(client), *FAMILY)
    ok(parent.put(f"/children/{CHILD}/bookings", {"changes": [
        {"date": day, "service": service, "booked": True} for day, service in changes]}))
    return parent


def test_the_caf_report_counts_hours_by_age_on_each_day(client, admin):
    # TOTO turns 6 on Tuesday 1 December: Monday's hours are under 6, Tuesday's over.
    ok(admin.put(f"/staff/families/1001/children/{CHILD}", {"birth_date": "2020-12-01"}))
    book(client, [("2026-11-30", "care_evening"), ("2026-11-30", "meal"),
                  ("2026-12-01", "care_morning"), ("2026-12-01", "care_evening")])
    response = csv_of(admin, "caf", "from=2026-11-30&to=2026-12-04")
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="caf-activite_2026-11-30_2026-12-04.csv"')
    assert rows(response) == [
        ["Mois", "N° famille", "Enfant", "Date de naissance", "Prestation", "Jours",
         "Heures moins de 6 ans", "Heures 6 ans et plus", "Heures âge inconnu",
         "Heures total"],
        # Evening care counts 2 hours, morning care 1 (the defaults), lunch none.
        ["novembre 2026", "1001", "TOTO TEST", "01/12/2020", "Garderie soir", "1",
         "2,00", "0,00", "0,00", "2,00"],
        ["novembre 2026", "", "Total du mois", "", "Garderie soir", "1",
         "2,00", "0,00", "0,00", "2,00"],
        ["décembre 2026", "1001", "TOTO TEST", "01/12/2020", "Garderie matin", "1",
         "0,00", "1,00", "0,00", "1,00"],
        ["décembre 2026", "1001", "TOTO TEST", "01/12/2020", "Garderie soir", "1",
         "0,00", "2,00", "0,00", "2,00"],
        ["décembre 2026", "", "Total du mois", "", "Garderie matin", "1",
         "0,00", "1,00", "0,00", "1,00"],
        ["décembre 2026", "", "Total du mois", "", "Garderie soir", "1",
         "0,00", "2,00", "0,00", "2,00"],
    ]
    # The birth date is the family's data too: it is in their export.
    family = ok(admin.get("/staff/families/1001"))
    assert family["children"][0]["birth_date"] == "2020-12-01"


def test_a_child_without_birth_date_is_counted_apart_and_durations_follow_settings(client,
                                                                                   admin):
    settings = ok(admin.get("/staff/settings"))
    services = [dict(s, duration_minutes=90) if s["code"] == "care_evening" else s
                for s in settings["services"]]
    ok(admin.put("/staff/settings", {"services": services, "version": settings["version"]}))
    book(client, [("2026-11-30", "care_evening")])
    table = rows(csv_of(admin, "caf", "month=2026-11"))
    assert table[1] == ["novembre 2026", "1001", "TOTO TEST", "", "Garderie soir", "1",
                        "0,00", "0,00", "1,50", "1,50"]


@pytest.mark.parametrize("query, field", [
    ("month=2026-13", "month"), ("from=2026-11-30", "from"),
    ("from=2026-09-01&to=2026-12-31", "to"), ("from=2026-12-04&to=2026-11-30", "to")])
def test_a_bad_caf_period_is_a_json_400_in_french(admin, query, field):
    error = refusal(admin, "caf", query)
    assert error["code"] in ("invalid_request", "invalid_period")
    assert error["details"]["field"] == field
    assert error["message"]


@pytest.fixture
def billed_november(client, admin, clock):
    """A social meal tariff from November (1 € up to QF 1000), family 1001 at QF 750,
    TOTO's lunches of 30 November and evening care billed; the admin on 1 December."""
    ok(admin.post("/staff/tariffs", {"service": "meal", "effective_from": "2026-11-01",
                                     "prices": [{"max_qf": 1000, "price_cents": 100},
                                                {"max_qf": None, "price_cents": 350}]}), 201)
    ok(admin.put("/staff/families/1001", {"income": {"qf": 750,
                                                     "effective_from": "2026-09-01"}}))
    book(client, [("2026-11-30", "meal"), ("2026-11-30", "care_evening")])
    clock.set(datetime(2026, 12, 1, 8, 0, tzinfo=PARIS))
    admin = sign_in(Api(client), *ADMIN)
    invoice(admin, "2026-11")
    return admin


def test_the_meal_aid_claim_counts_meals_at_one_euro_or_less_per_bracket(billed_november):
    response = csv_of(billed_november, "meal_aid", "from=2026-09&to=2026-12")
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="cantine-1-euro_2026-09_2026-12.csv"')
    assert rows(response) == [
        ["Période", "Tranche de quotient familial", "QF de", "QF à",
         "Repas facturés à 1 € ou moins", "Enfants", "Familles", "Aide demandée"],
        [AID_PERIOD, "QF de 0 à 1000", "0", "1000", "1", "1", "1", "3,00"],
        [AID_PERIOD, "Total", "", "", "1", "1", "1", "3,00"],
    ]


def test_a_cancelled_invoice_gives_no_right_to_the_aid(billed_november):
    ok(billed_november.post("/staff/families/1001/invoices/2026-000001/credit-note", {}), 201)
    table = rows(csv_of(billed_november, "meal_aid", "from=2026-09"))
    assert table[1:] == [[AID_PERIOD, "Total", "", "", "0", "0", "0", "0,00"]]


@pytest.mark.parametrize("query", ["from=2026-09&to=2026-11", "to=2026-12",
                                   "from=2026-9", "from=2026-09&to=2027-09"])
def test_a_claim_not_over_four_calendar_months_is_a_json_400(admin, query):
    error = refusal(admin, "meal_aid", query)
    assert error["code"] in ("invalid_request", "invalid_period")
    assert "mois" in error["message"].lower()


def test_the_weekly_order_is_locked_days_less_the_sick_then_provisional(client, clock,
                                                                        outbox, admin):
    book(client, [(day, "meal") for day in ("2026-11-30", "2026-12-01", "2026-12-03",
                                            "2026-12-07")])
    kitchen = staff_member(client, admin, outbox, "cuisine@example.org", "Cuisine",
                           "kitchen")
    clock.set(datetime(2026, 12, 1, 7, 0, tzinfo=PARIS))
    admin = sign_in(Api(client), *ADMIN)
    ok(admin.post("/staff/jobs/lock"))       # freezes the week of 30 November
    parent = sign_in(Api(client), *FAMILY)
    ok(parent.post(f"/children/{CHILD}/sick-days", {"date": "2026-12-01"}), 201)
    kitchen = sign_in(Api(client), "cuisine@example.org", NEW_PASSWORD)
    response = csv_of(kitchen, "meal_order", "week=2026-11-30")
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="commande-repas_2026-11-30.csv"')
    header = ["Date", "Jour", "Statut", "Standard", "Sans porc", "Végétarien",
              "Panier repas (PAI)", "Total", "Malades déduits"]
    assert rows(response) == [
        header,
        ["30/11/2026", "lundi", "Verrouillé", "1", "0", "0", "0", "1", "0"],
        ["01/12/2026", "mardi", "Verrouillé", "0", "0", "0", "0", "0", "1"],
        ["03/12/2026", "jeudi", "Verrouillé", "1", "0", "0", "0", "1", "0"],
        ["04/12/2026", "vendredi", "Verrouillé", "0", "0", "0", "0", "0", "0"],
        ["", "Total semaine", "", "2", "0", "0", "0", "2", "1"],
    ]
    assert rows(csv_of(kitchen, "meal_order", "week=2026-12-07"))[1:] == [
        ["07/12/2026", "lundi", "Prévisionnel", "1", "0", "0", "0", "1", "0"],
        ["08/12/2026", "mardi", "Prévisionnel", "0", "0", "0", "0", "0", "0"],
        ["10/12/2026", "jeudi", "Prévisionnel", "0", "0", "0", "0", "0", "0"],
        ["11/12/2026", "vendredi", "Prévisionnel", "0", "0", "0", "0", "0", "0"],
        ["", "Total semaine", "", "1", "0", "0", "0", "1", "0"],
    ]
    error = refusal(kitchen, "meal_order", "week=2026-12-01")
    assert (error["code"], error["details"]["field"]) == ("invalid_week", "week")
    assert "lundi" in error["message"]
    # The kitchen reads neither the CAF's report nor the claim (money, income brackets).
    assert refusal(kitchen, "caf", "month=2026-11", 403)["code"] == "forbidden"
    assert refusal(kitchen, "meal_aid", "from=2026-09", 403)["code"] == "forbidden"
