"""Forgery from a sibling site, in a real browser (issue 15, point 1), and the link that
confirms a family's new second address.

The hostile page is served from another port of the same loopback address: for cookies,
a port is not part of the site, so http://127.0.0.1:<other port> is the same site as the
portal — exactly a page on a sibling subdomain of the commune's domain. SameSite=Strict
does not stop its requests from carrying the admin's session cookie: the test checks that
the browser did send it, and that the API refused every forged write all the same.
"""
from __future__ import annotations

import json
import re
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.demo import ADMIN, FAMILY_NUMBER, FAMILY_PASSWORD
from tests.localstack import Stack
from tests.site.helpers import open_page, sign_in

INVOICE = "2026-000001"

HOSTILE_PAGE = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Concours de dessin</title></head>
<body>
<h1>Concours de dessin de l'école</h1>
<iframe name="sink1" hidden></iframe>
<iframe name="sink2" hidden></iframe>
<form id="text-form" method="post" enctype="text/plain" target="sink1"
      action="PORTAL/api/staff/families/1001/invoices/INVOICE/credit-note">
  <input name='{"reason": "annulée", "x": "' value='"}'>
</form>
<form id="url-form" method="post" target="sink2"
      action="PORTAL/api/staff/families/1001/archive"><input name="a" value="b"></form>
<script>
  const portal = "PORTAL";
  // What the issue's attacker sent: empty POSTs, which need no CORS permission.
  const forged = [
    portal + "/api/staff/families/1001/archive",
    portal + "/api/staff/families/1001/credentials",
    portal + "/api/staff/families/1001/invoices/INVOICE/credit-note",
  ];
  Promise.allSettled(forged.map((url) => fetch(url, {
    method: "POST", mode: "no-cors", credentials: "include"})))
    .then(() => {
      document.getElementById("text-form").submit();
      document.getElementById("url-form").submit();
      setTimeout(() => { document.title = "fini"; }, 1500);
    });
</script>
</body></html>
"""


def api_call(stack, method, path, body=None, cookie=None):
    request = urllib.request.Request(
        f"{stack.url}/api{path}", method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Content-Type": "application/json", **({"Cookie": cookie} if cookie else {})})
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            cookies = reply.headers.get_all("Set-Cookie") or []
            session = next((c.split(";")[0] for c in cookies
                            if c.startswith("cantine_session=")), None)
            return reply.status, json.loads(reply.read() or b"null"), session
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null"), None


@pytest.fixture(scope="module")
def invoiced(tmp_path_factory):
    """The stack on 1 December 2026; family 1001 had a meal on Monday 30 November, and
    November is invoiced (invoice 2026-000001)."""
    stack = Stack(Path(tmp_path_factory.mktemp("security")))
    stack.start("2026-12-01T08:00:00+01:00")
    client = stack.dynamodb()
    table = next(n for n in client.list_tables()["TableNames"] if n.endswith("-bookings"))
    client.put_item(TableName=table, Item={
        "child_id": {"S": "1001-1"}, "day": {"S": "2026-11-30"}, "family": {"S": "1001"},
        "services": {"SS": ["meal"]}, "updated_at": {"S": "2026-11-23T09:00:00.000000+0000"},
        "version": {"N": "1"}})
    _, _, cookie = api_call(stack, "POST", "/auth/login",
                            {"login": ADMIN[0], "password": ADMIN[1]})
    status, result, _ = api_call(stack, "POST", "/staff/billing/2026-11/draft", {}, cookie)
    assert status == 200, result
    status, result, _ = api_call(stack, "POST", "/staff/billing/2026-11/confirm", {}, cookie)
    assert status == 200 and result["invoiced"] == 1, result
    yield stack
    stack.stop()


@pytest.fixture
def hostile(invoiced):
    """The hostile page, on another port of 127.0.0.1."""
    page = (HOSTILE_PAGE.replace("PORTAL", invoiced.url)
            .replace("INVOICE", INVOICE)).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/concours.html"
    server.shutdown()
    server.server_close()


def state(stack):
    """(archived, invoice status, welcome e-mails sent) of family 1001, read as the admin."""
    _, _, cookie = api_call(stack, "POST", "/auth/login", {"login": ADMIN[0],
                                                          "password": ADMIN[1]})
    _, family, _ = api_call(stack, "GET", "/staff/families/1001", cookie=cookie)
    _, invoices, _ = api_call(stack, "GET", "/staff/families/1001/invoices", cookie=cookie)
    [invoice] = [i for i in invoices["invoices"] if i["number"] == INVOICE]
    welcomes = [m for m in stack.outbox() if "Mot de passe provisoire" in m["text"]]
    return family["archived"], invoice["status"], len(welcomes)


def test_a_sibling_sites_page_cannot_write_with_the_admins_cookie(browser, invoiced, hostile):
    before = state(invoiced)
    assert before == (False, "unpaid", 0)
    context = browser.new_context(base_url=invoiced.url, locale="fr-FR")
    page = context.new_page()
    sign_in(page, *ADMIN)
    expect(page).to_have_url(re.compile(r"/personnel\.html"))

    answers = []
    context.on("response", lambda response: answers.append(response)
               if "/api/staff/" in response.url else None)
    page.goto(hostile)                        # the admin opens a link in a newsletter…
    expect(page).to_have_title("fini", timeout=15000)

    assert len(answers) == 5, [r.url for r in answers]
    for answer in answers:
        request = answer.request
        assert answer.status == 403, (request.url, answer.status)
        if request.resource_type == "document":
            # The browser did attach the admin's session: SameSite=Strict let it through.
            # (Chromium does not show a fetch's cookies to Playwright; before the fix, the
            # three fetches archived, mailed a new password and cancelled the invoice.)
            assert "cantine_session=" in (request.all_headers().get("cookie") or "")
    assert sorted(a.request.resource_type for a in answers) == ["document"] * 2 + ["fetch"] * 3
    # Nothing happened: not archived, no new password mailed, the invoice still due.
    assert state(invoiced) == before
    status, _, _ = api_call(invoiced, "POST", "/auth/login",
                            {"login": FAMILY_NUMBER, "password": FAMILY_PASSWORD})
    assert status == 200
    context.close()


def test_the_portals_own_pages_still_write_deletes_included(browser, invoiced):
    context = browser.new_context(base_url=invoiced.url, locale="fr-FR")
    page = context.new_page()
    sign_in(page, *ADMIN)
    expect(page).to_have_url(re.compile(r"/personnel\.html"))
    results = page.evaluate("""async () => {
        const api = await import('/js/api.js');
        const closure = await api.addClosure({start: '2027-05-07', end: '2027-05-07',
                                              label: 'Pont'});
        await api.deleteClosure(closure.id);           // DELETE: no body, JSON all the same
        const archived = await api.archiveFamily('1001');
        const back = await api.unarchiveFamily('1001');
        return [archived.archived, back.archived];
    }""")
    assert results == [True, False]
    context.close()


def test_a_new_second_address_is_added_once_its_owner_follows_the_link(browser, invoiced):
    context = browser.new_context(base_url=invoiced.url, locale="fr-FR")
    page = context.new_page()
    sign_in(page)
    expect(page.get_by_text("Bienvenue TEST !")).to_be_visible()
    open_page(page, "/informations.html")
    page.get_by_label("Seconde adresse mail").fill("Papa.Test@example.org")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Un lien de confirmation a été envoyé à papa.test@example.org")
           ).to_be_visible()
    expect(page.locator("#info-email2-pending")).to_contain_text("sera ajoutée")

    mail = next(m for m in invoiced.outbox() if m["to"] == ["papa.test@example.org"])
    link = re.search(r"http://\S+confirmer-adresse\.html#token=\S+", mail["text"]).group(0)
    owner = context.browser.new_context(locale="fr-FR").new_page()  # the owner's own mailbox
    owner.goto(link)
    owner.wait_for_selector("html[data-ready='true']", state="attached")
    assert "token" not in owner.url  # out of the address bar and the history
    owner.get_by_role("button", name="Confirmer mon adresse").click()
    expect(owner.get_by_text("L'adresse papa.test@example.org est confirmée")).to_be_visible()
    owner.context.close()

    status, _, _ = api_call(invoiced, "POST", "/auth/login",
                            {"login": "papa.test@example.org",
                             "password": FAMILY_PASSWORD})
    assert status == 200
    context.close()
