"""The purge of a family that left, in the browser: the secretary archives the demo
family and its page says since when it left and from when it will be anonymised; a year
later the stack's scheduler runs the nightly job as EventBridge would and anonymises
it, its page says so and is read-only, and « Verrouillages » lists the run."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.demo import ADMIN
from tests.localstack import ROOT, Stack
from tests.site.helpers import open_page, sign_in


@pytest.fixture(scope="module")
def purge_stack(tmp_path_factory):
    stack = Stack(Path(tmp_path_factory.mktemp("purge")))
    stack.start("2026-11-23T10:00:00+01:00")
    yield stack
    stack.stop()


def run_purge(stack: Stack, now: str) -> dict:
    """The nightly job's function, in a process of its own on the stack's tables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CANTINE_", "AWS_"))}
    env.update({"CANTINE_STAGE": "local", "CANTINE_TABLE_PREFIX": "cantine-local-",
                "CANTINE_MAIL_FROM": "ne-pas-repondre@example.org",
                "CANTINE_SITE_URL": stack.url, "CANTINE_NOW": now,
                "CANTINE_AWS_ENDPOINT": stack.endpoints()["moto"],
                "AWS_DEFAULT_REGION": "eu-west-3", "AWS_ACCESS_KEY_ID": "local",
                "AWS_SECRET_ACCESS_KEY": "local"})
    done = subprocess.run(
        [sys.executable, "-c", "import json; from chalicelib.jobs.purge import "
         "purge_families; print(json.dumps(purge_families({})))"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def admin_page(browser, stack: Stack):
    context = browser.new_context(base_url=stack.url, locale="fr-FR",
                                  timezone_id="Europe/Paris",
                                  viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, *ADMIN)
    expect(page).to_have_url(re.compile(r"/personnel\.html"))
    return context, page


def test_the_archived_familys_page_says_when_it_left_and_when_it_is_anonymised(
        browser, purge_stack):
    context, page = admin_page(browser, purge_stack)
    open_page(page, "/famille.html?numero=1001")
    state = page.locator("#family-state")
    expect(state).to_be_hidden()
    page.get_by_role("button", name="Archiver la famille").click()
    expect(page.locator("#account-message")).to_contain_text("La famille a été archivée.")
    expect(state).to_contain_text("Dernier enfant parti le lundi 23 novembre 2026.")
    expect(state).to_contain_text(
        "Ses données personnelles seront anonymisées à partir du mardi 23 novembre 2027")
    context.close()


def test_a_year_later_the_family_is_anonymised_and_the_run_is_listed(browser, purge_stack):
    # The night a year after: the stack's scheduler runs the purge as EventBridge does
    # (`make run` too); a later run the same morning finds nothing left to do.
    purge_stack.move_clock("2027-11-24T03:30:00+01:00")
    result = run_purge(purge_stack, "2027-11-24T09:00:00+01:00")
    assert (result["anonymised"], result["skipped"]) == (0, 0)
    context, page = admin_page(browser, purge_stack)
    open_page(page, "/famille.html?numero=1001")
    expect(page.get_by_role("heading", level=1)).to_have_text("Famille anonymisée (n° 1001)")
    expect(page.locator("#family-state")).to_contain_text(
        "Famille anonymisée le 24/11/2027 03:30 : ses données personnelles")
    expect(page.locator("#details-form")).to_be_hidden()
    expect(page.locator("#account-section")).to_be_hidden()
    expect(page.locator("#add-child-section")).to_be_hidden()
    expect(page.locator("#paper-mandate-form")).to_be_hidden()
    expect(page.locator("#children")).to_contain_text("Enfant 1")
    expect(page.locator("#children")).not_to_contain_text("TOTO")
    open_page(page, "/verrouillages.html")
    expect(page.get_by_role("heading", name="Anonymisation des familles parties")) \
        .to_be_visible()
    runs = page.locator("#purge-runs")
    expect(runs.get_by_role("row").filter(has_text="1 famille(s) anonymisée(s)")) \
        .to_have_count(1)
    context.close()
