"""The monthly AWS bill (scripts/bench/bench_bill.py): what a reader of the bill would notice if
the computation broke — totals that do not add up, costs that do not follow the
families, transactions priced as plain writes, free tiers slipped into the headline,
schedules or memory sizes that are not the application's."""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import replace
from datetime import date

import pytest

from scripts.bench import bench_bill
from scripts.bench.bench_bill import (ACTIONS, DEFAULT_USAGE, EUR_PER_USD, EXAMPLE_REQUESTS,
                                PRICES, PRICES_CHECKED, SCHEDULED_ACTIONS, UnitAssumptions,
                                job_schedule,
                                lambda_memory_mb, monthly_bill, render_markdown,
                                request_units, runs_per_month)

NO_INDEX = UnitAssumptions(gsi_writes_per_item=0.0)


def bill(usage=DEFAULT_USAGE, requests=EXAMPLE_REQUESTS, **kwargs):
    return monthly_bill(requests, usage, **kwargs)


def line(a_bill, key):
    return next(item for item in a_bill["lines"] if item["key"] == key)


# -- the totals ---------------------------------------------------------------------
def test_the_total_is_the_sum_of_the_lines_and_of_the_services():
    b = bill()
    assert math.isclose(b["total_usd"], sum(item["cost_usd"] for item in b["lines"]))
    assert math.isclose(b["total_usd"], sum(b["by_service"].values()))
    assert math.isclose(b["total_eur"], b["total_usd"] * EUR_PER_USD)
    assert math.isclose(b["per_family_eur"], b["total_eur"] / 500)


def test_each_line_is_its_quantity_times_its_unit_price():
    for item in bill()["lines"]:
        price = PRICES[item["key"]]
        assert math.isclose(item["cost_usd"], item["quantity"] * price.usd / price.per,
                            abs_tol=1e-12), item["key"]


def test_the_bill_covers_the_services_the_issue_names():
    services = set(bill()["by_service"])
    assert {"Lambda", "API Gateway", "DynamoDB", "S3", "SES"} <= services
    for key in ("lambda_requests", "lambda_gb_second_x86_64", "apigw_rest_requests",
                "dynamodb_read_request_units", "dynamodb_write_request_units",
                "s3_storage", "ses_outbound"):
        assert line(bill(), key)["cost_usd"] > 0, key


def test_a_dearer_price_makes_a_dearer_line_and_total():
    dear = {**PRICES, "apigw_rest_requests": replace(PRICES["apigw_rest_requests"],
                                                     usd=2 * PRICES["apigw_rest_requests"].usd)}
    cheap, costly = bill(), bill(prices=dear)
    extra = line(cheap, "apigw_rest_requests")["cost_usd"]
    assert math.isclose(line(costly, "apigw_rest_requests")["cost_usd"], 2 * extra)
    assert math.isclose(costly["total_usd"], cheap["total_usd"] + extra)


# -- free tiers -------------------------------------------------------------------
def test_free_tiers_stay_out_of_the_headline_total():
    b = bill()
    assert all(item["cost_usd"] >= item["cost_after_free_tier_usd"] for item in b["lines"])
    assert b["total_with_free_tiers_usd"] < b["total_usd"]
    # Lambda's 1M requests would make it free: the headline still charges it.
    assert line(b, "lambda_requests")["cost_after_free_tier_usd"] == 0
    assert line(b, "lambda_requests")["cost_usd"] > 0


def test_offers_limited_to_new_accounts_are_never_deducted():
    b = bill()
    for key in ("apigw_rest_requests", "ses_outbound", "s3_storage",
                "dynamodb_write_request_units", "dynamodb_read_request_units"):
        item = line(b, key)
        assert item["free_tier"] == 0, key
        assert item["cost_after_free_tier_usd"] == item["cost_usd"], key


def test_a_free_tier_only_covers_its_allowance():
    huge = {**EXAMPLE_REQUESTS, "staff_attendance_tap": {
        **EXAMPLE_REQUESTS["staff_attendance_tap"], "lambda_ms": 100_000}}
    item = line(bill(requests=huge), "lambda_gb_second_x86_64")
    assert item["quantity"] > 400_000
    assert math.isclose(item["cost_after_free_tier_usd"],
                        (item["quantity"] - 400_000) * PRICES["lambda_gb_second_x86_64"].usd)


# -- following the commune's size -------------------------------------------------------
def test_twice_the_families_costs_about_twice_what_families_drive():
    small = bill()
    large = bill(replace(DEFAULT_USAGE, families=1000))
    for name in ("home", "calendar", "save_month", "invoice_pdf", "pay",
                 "invoice_run_per_family", "staff_attendance_tap"):
        assert math.isclose(large["per_action"][name]["variable_cost_usd"],
                            2 * small["per_action"][name]["variable_cost_usd"]), name
    ratio = {key: line(large, key)["cost_usd"] / line(small, key)["cost_usd"]
             for key in ("apigw_rest_requests", "lambda_requests", "ses_outbound",
                         "dynamodb_write_request_units", "dynamodb_read_request_units")}
    for key, value in ratio.items():  # the schedules and the staff's pages do not grow
        assert 1.5 < value <= 2.0, (key, value)
    assert ratio["apigw_rest_requests"] > 1.9
    assert math.isclose(ratio["ses_outbound"], 2.0, rel_tol=0.02)
    assert 1.4 < large["total_usd"] / small["total_usd"] < 2.0
    # What does not depend on the families stays put.
    for name in ("lock_run", "invoice_run", "reconcile_run", "staff_attendance_list"):
        assert large["per_action"][name]["per_month"] == small["per_action"][name]["per_month"]
    assert (line(large, "cloudwatch_alarms")["cost_usd"]
            == line(small, "cloudwatch_alarms")["cost_usd"])


def test_more_requests_or_a_longer_run_cost_more():
    base = bill()
    slower = {**EXAMPLE_REQUESTS, "home": {**EXAMPLE_REQUESTS["home"], "lambda_ms": 900}}
    assert (line(bill(requests=slower), "lambda_gb_second_x86_64")["cost_usd"]
            > line(base, "lambda_gb_second_x86_64")["cost_usd"])
    busier = {**EXAMPLE_REQUESTS, "save_month": {**EXAMPLE_REQUESTS["save_month"],
                                                 "TransactWriteItems.items": 80}}
    assert (line(bill(requests=busier), "dynamodb_write_request_units")["cost_usd"]
            > line(base, "dynamodb_write_request_units")["cost_usd"])


def test_cold_starts_are_billed():
    warm = bill(replace(DEFAULT_USAGE, api_cold_start_share=0, job_cold_start_share=0))
    assert (line(bill(), "lambda_gb_second_x86_64")["quantity"]
            > line(warm, "lambda_gb_second_x86_64")["quantity"])


# -- DynamoDB request units ---------------------------------------------------------------
def test_a_transactional_write_costs_twice_a_plain_one():
    _, plain = request_units({"PutItem": 1}, NO_INDEX)
    _, transactional = request_units({"TransactWriteItems": 1,
                                      "TransactWriteItems.items": 1}, NO_INDEX)
    assert transactional == 2 * plain == 2 * NO_INDEX.write_units_per_item


def test_every_item_of_a_transaction_is_billed():
    _, one = request_units({"TransactWriteItems": 1, "TransactWriteItems.items": 1})
    _, six = request_units({"TransactWriteItems": 1, "TransactWriteItems.items": 6})
    assert math.isclose(six, 6 * one)


def test_index_writes_are_added_once_even_in_a_transaction():
    units = UnitAssumptions(write_units_per_item=1, gsi_writes_per_item=1)
    assert request_units({"PutItem": 1}, units) == (0, 2)
    assert request_units({"TransactWriteItems": 1, "TransactWriteItems.items": 1},
                         units) == (0, 3)


def test_reads_are_eventually_consistent_half_units():
    assert request_units({"GetItem": 4}) == (2.0, 0)
    strong = replace(bench_bill.DEFAULT_UNITS, consistent_reads=True)
    assert request_units({"GetItem": 4}, strong) == (4.0, 0)
    assert request_units({"TransactGetItems": 1, "TransactGetItems.items": 1}) == (2.0, 0)


def test_a_query_costs_by_what_it_reads_and_never_nothing():
    units = UnitAssumptions(item_kb=1.0)
    empty, _ = request_units({"Query": 1, "Query.items": 0}, units)
    small, _ = request_units({"Query": 1, "Query.items": 4}, units)
    large, _ = request_units({"Query": 1, "Query.items": 400}, units)
    assert empty == 0.5
    assert small <= 1.0
    assert 50 <= large <= 51  # 400 KB = 100 chunks of 4 KB, half a unit each
    assert request_units({"Query": 3})[0] > request_units({"Query": 1})[0]


def test_counts_by_operation_name_are_accepted_as_they_are_counted():
    calls = Counter({"GetItem": 2, "Query": 1, "DescribeTable": 1})
    assert request_units(calls)[0] > 0
    b = monthly_bill({**EXAMPLE_REQUESTS, "home": {**calls, "lambda_ms": 50}})
    assert b["per_action"]["home"]["measured"]


@pytest.mark.parametrize("counts", [{"GetItems": 1}, {"Querry.items": 3}])
def test_an_unknown_operation_is_refused(counts):
    with pytest.raises(ValueError, match="unknown"):
        request_units(counts)


def test_bad_counts_are_refused():
    for counts in ({"GetItem": -1, "lambda_ms": 10}, {"GetItem": 1},
                   {"GetItem": 1, "lambda_ms": 10, "cost": 3}):
        with pytest.raises(ValueError):
            monthly_bill({**EXAMPLE_REQUESTS, "home": counts})


def test_every_action_needs_counts_unless_examples_are_asked_for():
    partial = {name: EXAMPLE_REQUESTS[name] for name in ("home", "calendar")}
    with pytest.raises(ValueError, match="no counts"):
        monthly_bill(partial)
    b = monthly_bill(partial, missing="example")
    assert set(b["estimated_actions"]) == set(ACTIONS) - {"home", "calendar"}
    assert "not measured" in render_markdown(b)
    with pytest.raises(ValueError, match="unknown action"):
        monthly_bill({**EXAMPLE_REQUESTS, "homepage": EXAMPLE_REQUESTS["home"]})


# -- the application's own figures --------------------------------------------------------
def test_scheduled_runs_come_from_the_jobs_schedules():
    b = bill()
    assert job_schedule("lock") == ("0/15", "*", "*", "*", "?", "*")
    assert b["per_action"]["lock_run"]["per_month"] == 4 * 24 * 31
    assert b["per_action"]["reconcile_run"]["per_month"] == 2 * 24 * 31
    assert b["per_action"]["invoice_run"]["per_month"] == 5
    assert b["per_action"]["reminder_run"]["per_month"] == 24 * 31
    assert b["per_action"]["purge_run"]["per_month"] == 31
    assert line(b, "eventbridge_scheduled_rules")["quantity"] == (
        4 * 24 * 31 + 2 * 24 * 31 + 5 + 24 * 31 + 31)
    assert runs_per_month(("0", "8", "?", "*", "MON-FRI", "*"), 28) == 20


def test_every_scheduled_job_has_its_action_in_the_bill():
    from chalicelib.jobs.schedules import SCHEDULES
    assert set(SCHEDULED_ACTIONS) == set(SCHEDULES)
    assert set(SCHEDULED_ACTIONS.values()) <= set(ACTIONS)


def test_memory_sizes_come_from_the_chalice_config():
    assert lambda_memory_mb("api_handler") == 512
    assert lambda_memory_mb("invoice_month") == 1024
    assert lambda_memory_mb("lock_bookings") == 512


def test_the_invoice_run_is_priced_at_its_own_memory_size():
    b = bill()
    row = b["per_action"]["invoice_run_per_family"]
    assert math.isclose(row["gb_seconds"], 500 * EXAMPLE_REQUESTS[
        "invoice_run_per_family"]["lambda_ms"] / 1000 * 1024 / 1024)


# -- the prices ---------------------------------------------------------------------------
def test_every_price_names_its_aws_page_and_says_whether_it_was_verified():
    assert date.fromisoformat(PRICES_CHECKED) <= date.today()
    for key, price in PRICES.items():
        assert re.fullmatch(r"https://aws\.amazon\.com/[a-z0-9-]+/pricing/([a-z-]+/)?",
                            price.source), key
        assert isinstance(price.verified, bool), key
        assert price.evidence if price.verified else price.note, key
        assert price.usd >= 0 and price.per > 0, key
    assert set(bill()["unverified_prices"]) == {
        item["key"] for item in bill()["lines"] if not PRICES[item["key"]].verified}


def test_dynamodb_on_demand_prices_are_the_halved_ones():
    # Before 1 November 2024, Paris was about $1.48 per million WRU and $0.30 per
    # million RRU; a table of prices still carrying them would double the line.
    assert PRICES["dynamodb_write_request_units"].usd < 1.0
    assert PRICES["dynamodb_read_request_units"].usd < 0.2


# -- the rendering --------------------------------------------------------------------------
def test_the_markdown_shows_every_line_and_the_totals():
    b = bill()
    text = render_markdown(b)
    for item in b["lines"]:
        assert f"| {item['service']} | {item['item']} |" in text
    assert f"**{b['total_usd']:,.2f}**" in text
    assert f"**{b['total_eur']:,.2f} €**" in text
    assert "free tiers" in text


def test_the_standalone_run_says_it_is_an_example(capsys):
    assert bench_bill.main([]) == 0
    out = capsys.readouterr().out
    assert out.startswith("## EXAMPLE")
    assert "not measured" in out


# -- the bill at every size ---------------------------------------------------------------
def test_the_bill_is_given_at_fifty_to_fifty_thousand_families():
    rows = bench_bill.bills_by_size(EXAMPLE_REQUESTS)
    assert [r["families"] for r in rows] == [50, 500, 5_000, 50_000]
    # Each size is a bill of its own: its total matches the one computed alone.
    alone = monthly_bill(EXAMPLE_REQUESTS, bench_bill.usage_for(5_000))
    assert math.isclose(rows[2]["total_eur"], alone["total_eur"])
    assert all(math.isclose(r["per_family_eur"], r["total_eur"] / r["families"]) for r in rows)
    # The fixed costs (alarms, storage of the site) weigh on a village, not on a city: a
    # family costs less as the commune grows, and the bill grows less than the families.
    per_family = [r["per_family_eur"] for r in rows]
    assert per_family == sorted(per_family, reverse=True)
    assert rows[-1]["total_eur"] < 1_000 * rows[0]["total_eur"]


def test_each_size_names_the_lines_that_dominate_its_bill():
    rows = bench_bill.bills_by_size(EXAMPLE_REQUESTS)
    for row in rows:
        shares = [t["share"] for t in row["top"]]
        assert len(row["top"]) == 3 and shares == sorted(shares, reverse=True)
        assert 0 < sum(shares) <= 1
    # A village pays mostly for what does not depend on its size: the alarms.
    assert "alarms" in rows[0]["top"][0]["item"]
    text = bench_bill.render_sizes(rows)
    assert "| 50,000 |" in text and "alarms" in text


def test_a_city_keeps_most_lambda_environments_warm_and_a_village_none():
    assert bench_bill.usage_for(50).api_cold_start_share == \
        DEFAULT_USAGE.api_cold_start_share
    assert bench_bill.usage_for(50_000).api_cold_start_share < 0.05
    # Staff work never falls below a village's, and grows with a city.
    assert bench_bill.usage_for(50).staff_pages_per_school_day > 0
    assert bench_bill.usage_for(50_000).staff_exports_per_month == \
        100 * DEFAULT_USAGE.staff_exports_per_month
