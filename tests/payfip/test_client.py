"""The PayFip client against the fake PayFip, over real HTTP on 127.0.0.1."""
from __future__ import annotations

import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from chalicelib import wiring
from chalicelib.clock import FixedClock
from chalicelib.payfip import (
    PAYMENT_PAGE, PRODUCTION_ENDPOINT, PayFipClient, PayFipConfig, PayFipError,
    PaymentDetail, PaymentRequest, make_refdet)
from chalicelib.payfip.wire import SERVICE_NS, SOAP_ENV_NS, parse_xml
from chalicelib.settings import PARIS, load_settings
from scripts.local.fake_payfip import FakePayFip, FakePayFipError

ROOT = Path(__file__).resolve().parents[2]
NUMCLI = "123456"
START = datetime(2026, 11, 23, 10, 0, tzinfo=PARIS)


# -- fixtures ----------------------------------------------------------------------------

class _Recorder(BaseHTTPRequestHandler):
    """The portal's side: records notification POSTs and redirected browser visits."""

    def log_message(self, *_args):
        pass

    def _answer(self, status=200, body=b"ok", content_type="text/plain"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):  # noqa: N802
        length = int(self.headers.get("Content-Length", "0"))
        self.server.hits.append(("POST", self.path, self.headers.get("Content-Type"),
                                 self.rfile.read(length).decode()))
        self._answer()

    def do_GET(self):  # noqa: N802
        self.server.hits.append(("GET", self.path, None, ""))
        self._answer()


class _Canned(BaseHTTPRequestHandler):
    """A stand-in for PayFip that answers one canned response to every POST."""

    def log_message(self, *_args):
        pass

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        status, body, content_type = self.server.canned
        if status is None:  # never answer: the client must time out
            time.sleep(self.server.hang)
            return
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _serve(handler):
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    server.hits = []
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    return server


@pytest.fixture
def clock():
    return FixedClock(START)


@pytest.fixture
def fake(clock):
    with FakePayFip(clock=clock, notify=False) as server:
        yield server


@pytest.fixture
def client(fake):
    return PayFipClient(fake.config(numcli=NUMCLI, mode="T"), timeout=5)


@pytest.fixture
def portal():
    server = _serve(_Recorder)
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def canned():
    server = _serve(_Canned)
    server.hang = 0
    yield server
    server.shutdown()
    server.server_close()


def a_request(refdet=None, **changes):
    values = dict(exer="2026", mel="parent@example.org", montant_cents=4150,
                  objet="Cantine novembre 2026", refdet=refdet or make_refdet("2026-000042", 1),
                  urlnotif="http://127.0.0.1:9/api/payfip/notification",
                  urlredirect="http://127.0.0.1:9/paiement/retour")
    values.update(changes)
    return PaymentRequest(**values)


def canned_client(server, status, body, mode="T"):
    server.canned = (status, body, "text/xml; charset=utf-8")
    endpoint = f"http://127.0.0.1:{server.server_address[1]}/tpa/services/securite"
    return PayFipClient(PayFipConfig(endpoint, PAYMENT_PAGE, NUMCLI, mode), timeout=2)


def detail_envelope(**fields):
    values = {"dattrans": "23112026", "exer": "2026", "heurtrans": "1003",
              "idOp": "cc0cb210-1cd4-11ea-8cca-0213ad91a103", "mel": "parent@example.org",
              "montant": "4150", "numauto": "123456", "numcli": NUMCLI,
              "objet": "Cantine", "refdet": "FAC2026000042T001", "resultrans": "P",
              "saisie": "T"}
    values.update(fields)
    inner = "".join(f"<{k}>{v}</{k}>" for k, v in values.items() if v is not None)
    return (f'<?xml version="1.0" encoding="UTF-8"?><S:Envelope xmlns:S="{SOAP_ENV_NS}">'
            f'<S:Body><ns2:recupererDetailPaiementSecuriseResponse xmlns:ns2="{SERVICE_NS}">'
            f"<return>{inner}</return></ns2:recupererDetailPaiementSecuriseResponse>"
            f"</S:Body></S:Envelope>").encode()


def soap_operations(fake):
    return [op for op in fake.operations if op["operation"] in (
        "creerPaiementSecurise", "recupererDetailPaiementSecurise")]


def http(method, url, data=None):
    """One plain HTTP exchange that does not follow redirects: (status, headers, body)."""
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args):
            return None

    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, method=method)
    try:
        with urllib.request.build_opener(NoRedirect).open(request, timeout=5) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers, error.read().decode()


# -- creating a payment --------------------------------------------------------------------

def test_creating_a_payment_returns_an_idop_and_the_payment_page_url(client, fake):
    idop = client.create_payment(a_request())

    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", idop)
    assert client.payment_url(idop) == f"{fake.url}/tpa/paiementws.web?idop={idop}"
    stored = fake.payment(idop)
    assert stored["montant"] == "4150" and stored["numcli"] == NUMCLI
    assert stored["saisie"] == "T" and stored["refdet"] == "FAC2026000042T001"


def test_the_request_envelope_has_the_shape_of_the_real_service(client, fake):
    client.create_payment(a_request(urlredirect="http://127.0.0.1:9/retour?a=1&b=<2>"))

    raw = soap_operations(fake)[0]["request"]
    assert b"&amp;b=&lt;2&gt;" in raw  # every value is escaped
    root = ET.fromstring(raw)
    assert root.tag == f"{{{SOAP_ENV_NS}}}Envelope"
    operation = root.find(f"{{{SOAP_ENV_NS}}}Body")[0]
    assert operation.tag == f"{{{SERVICE_NS}}}creerPaiementSecurise"
    arg0 = operation.find("arg0")  # unqualified, as in the service's schema
    assert [item.tag for item in arg0] == ["exer", "mel", "montant", "numcli", "objet",
                                           "refdet", "saisie", "urlnotif", "urlredirect"]
    assert arg0.find("urlredirect").text == "http://127.0.0.1:9/retour?a=1&b=<2>"
    assert arg0.find("montant").text == "4150"


def test_a_deployed_stage_points_at_the_real_payfip():
    """The stage's settings (no PayFip endpoint outside the local stage) make the client
    wiring builds talk to PayFip itself."""
    settings = load_settings({"CANTINE_STAGE": "prod", "CANTINE_SIGNING_KEY": "k" * 32,
                              "CANTINE_ORIGIN_SECRET": "o" * 32,
                              "CANTINE_PAYFIP_NUMCLI": "123456", "CANTINE_PAYFIP_MODE": "W"})
    client = wiring._payfip_client_factory(settings)()
    config = client.config

    assert (config.endpoint, config.payment_page) == (PRODUCTION_ENDPOINT, PAYMENT_PAGE)
    assert (config.numcli, config.mode) == ("123456", "W")
    assert client.payment_url("cc0cb210-1cd4-11ea-8cca-0213ad91a103") == (
        "https://www.payfip.gouv.fr/tpa/paiementws.web?idop="
        "cc0cb210-1cd4-11ea-8cca-0213ad91a103")


@pytest.mark.parametrize("changes", [
    dict(numcli="12345"), dict(numcli="12345a"), dict(mode="P"),
    dict(endpoint="http://www.payfip.gouv.fr/tpa/services/securite"),
    dict(endpoint="file:///etc/passwd"), dict(payment_page="https://x.example/?idop=1"),
])
def test_a_bad_configuration_is_refused(changes):
    values = dict(endpoint=PRODUCTION_ENDPOINT, payment_page=PAYMENT_PAGE, numcli="123456",
                  mode="T")
    values.update(changes)
    with pytest.raises(ValueError):
        PayFipConfig(**values)


# -- validation before calling PayFip -------------------------------------------------------

@pytest.mark.parametrize("montant", [99, 0, -100, 41.5, True, 10**12])
def test_amounts_under_one_euro_or_not_in_integer_cents_are_refused(client, fake, montant):
    with pytest.raises(ValueError, match="montant"):
        client.create_payment(a_request(montant_cents=montant))
    assert soap_operations(fake) == []


def test_one_euro_exactly_is_accepted(client):
    assert client.create_payment(a_request(montant_cents=100))


@pytest.mark.parametrize("refdet", ["", "FAC-2026-42", "x" * 31, "FAC2026é42", "FAC 42",
                                    "FAC42\n"])
def test_bad_refdets_are_refused(client, fake, refdet):
    with pytest.raises(ValueError, match="refdet"):
        client.create_payment(a_request(refdet=refdet or "-"))
    assert soap_operations(fake) == []


@pytest.mark.parametrize("changes", [
    dict(exer="26"), dict(exer="2O26"), dict(mel="parent.example.org"), dict(mel="a@b"),
    dict(mel="parent@exa mple.org"), dict(mel="x" * 80 + "@example.org"),
    dict(objet="—…"), dict(urlnotif="javascript:alert(1)"),
    dict(urlredirect="http://127.0.0.1:9/retour page"), dict(urlnotif="/relative"),
])
def test_other_bad_values_are_refused_before_calling_payfip(client, fake, changes):
    with pytest.raises(ValueError):
        client.create_payment(a_request(**changes))
    assert soap_operations(fake) == []


def test_a_non_ascii_objet_is_transliterated_to_ascii(client, fake):
    idop = client.create_payment(a_request(objet="Cantine & garderie – décembre : Zoé, Noël"))

    assert fake.payment(idop)["objet"] == "Cantine garderie decembre Zoe Noel"


def test_a_long_objet_is_cut_to_one_hundred_characters(client, fake):
    idop = client.create_payment(a_request(objet="Repas " * 40))

    objet = fake.payment(idop)["objet"]
    assert len(objet) <= 100 and objet.startswith("Repas Repas") and objet.isascii()


def test_make_refdet_is_unique_per_attempt_and_fits_payfip():
    refdets = {make_refdet(f"2026-{n:06d}", attempt)
               for n in range(1, 60) for attempt in range(1, 30)}

    assert len(refdets) == 59 * 29
    assert all(re.fullmatch(r"[A-Za-z0-9]{6,30}", r) for r in refdets)
    assert make_refdet("2026-000042", 1) == "FAC2026000042T001"
    assert make_refdet("2026-000042", 1234) == "FAC2026000042T1234"
    assert make_refdet("1", 1) != make_refdet("11", 1)


@pytest.mark.parametrize("invoice, attempt", [
    ("2026-000042", 0), ("2026-000042", -1), ("2026-000042", True), ("---", 1),
    ("9" * 30, 1),
])
def test_make_refdet_refuses_what_cannot_give_a_valid_refdet(invoice, attempt):
    with pytest.raises(ValueError):
        make_refdet(invoice, attempt)


# -- what the fake refuses, like PayFip ---------------------------------------------------

def test_the_service_refuses_a_short_refdet_with_r3(client):
    with pytest.raises(PayFipError) as error:
        client.create_payment(a_request(refdet="ABCD"))

    assert error.value.code == "R3"
    assert "REFDET" in error.value.message


def test_the_fake_refuses_a_refdet_used_twice(client):
    client.create_payment(a_request())

    with pytest.raises(PayFipError) as error:
        client.create_payment(a_request())
    assert error.value.code == "X2"
    assert client.create_payment(a_request(refdet=make_refdet("2026-000042", 2)))


def test_a_fake_bound_to_one_client_number_refuses_the_others(clock):
    with FakePayFip(clock=clock, notify=False, numcli="654321") as fake:
        with pytest.raises(PayFipError) as error:
            PayFipClient(fake.config(numcli="123456")).create_payment(a_request())
    assert error.value.code == "T2"


# -- the result of a payment -----------------------------------------------------------------

def test_the_detail_before_paying_raises_p5_not_paid_yet(client):
    idop = client.create_payment(a_request())

    with pytest.raises(PayFipError) as error:
        client.payment_detail(idop)
    assert error.value.code == "P5"
    assert "non connu" in error.value.message


def test_a_settled_card_payment_is_paid_with_amount_authorisation_date_and_time(
        client, fake, clock):
    idop = client.create_payment(a_request())
    clock.set(START + timedelta(minutes=3, seconds=20))
    fake.settle(idop, "P")

    detail = client.payment_detail(idop)

    assert detail == PaymentDetail(
        idop=idop, resultrans="P", montant_cents=4150, numauto=detail.numauto,
        dattrans=date(2026, 11, 23), heurtrans="1003", refdet="FAC2026000042T001",
        exer="2026")
    assert detail.paid and not detail.failed
    assert re.fullmatch(r"[0-9]{12}-tip", detail.numauto)


def test_a_direct_debit_payment_is_paid(client, fake):
    idop = client.create_payment(a_request())
    fake.settle(idop, "V")

    assert client.payment_detail(idop).paid


@pytest.mark.parametrize("resultrans", ["R", "Z", "A"])
def test_a_refused_or_abandoned_payment_is_failed_and_not_paid(client, fake, resultrans):
    idop = client.create_payment(a_request())
    fake.settle(idop, resultrans)

    detail = client.payment_detail(idop)

    assert detail.failed and not detail.paid
    assert detail.resultrans == resultrans and detail.numauto is None
    assert detail.montant_cents == 4150


def test_an_unknown_idop_raises_p1(client):
    with pytest.raises(PayFipError) as error:
        client.payment_detail("cc0cb210-1cd4-11ea-8cca-0213ad91a103")
    assert error.value.code == "P1"


def test_an_idop_cannot_be_paid_after_fifteen_minutes(client, fake, clock):
    idop = client.create_payment(a_request())
    clock.set(START + timedelta(minutes=15))

    with pytest.raises(FakePayFipError, match="expired"):
        fake.settle(idop, "P")
    status, _, page = http("GET", client.payment_url(idop))
    assert status == 410 and "expirée" in page
    with pytest.raises(PayFipError) as error:
        client.payment_detail(idop)
    assert error.value.code == "P5"


def test_an_unpaid_idop_is_unknown_once_the_nightly_purge_has_run(client, clock):
    idop = client.create_payment(a_request())
    clock.set(START + timedelta(days=1))

    with pytest.raises(PayFipError) as error:
        client.payment_detail(idop)
    assert error.value.code == "P1"


def test_an_idop_is_settled_only_once(client, fake):
    idop = client.create_payment(a_request())
    fake.settle(idop, "P")

    with pytest.raises(FakePayFipError, match="done"):
        fake.settle(idop, "R")
    assert client.payment_detail(idop).paid


def test_payment_detail_refuses_a_malformed_idop(client):
    with pytest.raises(ValueError):
        client.payment_detail("../../etc")
    with pytest.raises(ValueError):
        client.payment_url("a b")


# -- the payment page, the redirect and the notification -----------------------------------

def test_the_payment_page_is_french_with_three_buttons_and_no_script(client, fake):
    idop = client.create_payment(a_request(objet="Cantine <b>novembre</b>"))

    status, headers, page = http("GET", client.payment_url(idop))

    assert status == 200
    assert '<html lang="fr">' in page and "41,50 €" in page
    assert [label for label in ("Payer", "Refuser", "Abandonner") if label in page] == [
        "Payer", "Refuser", "Abandonner"]
    assert 'action="/tpa/pay"' in page and f'value="{idop}"' in page
    assert "<script" not in page.lower() and not re.search(r"\son[a-z]+\s*=", page, re.I)
    assert "style" not in page.lower()
    assert "<b>" not in page
    assert "default-src 'none'" in headers["Content-Security-Policy"]


def test_paying_on_the_page_redirects_to_the_portal_and_notifies_it(client, fake, portal):
    fake.notify = True
    base = f"http://127.0.0.1:{portal.server_address[1]}"
    idop = client.create_payment(a_request(urlnotif=f"{base}/api/payfip/notification",
                                           urlredirect=f"{base}/paiement/retour?famille=1001"))
    http("GET", client.payment_url(idop))

    status, headers, _ = http("POST", f"{fake.url}/tpa/pay",
                              {"idop": idop, "resultrans": "P"})

    assert status == 303
    assert headers["Location"] == f"{base}/paiement/retour?famille=1001&idop={idop}"
    notification = fake.wait_for_notifications(1)[0]
    assert notification["status"] == 200 and notification["idop"] == idop
    assert ("POST", "/api/payfip/notification", "application/x-www-form-urlencoded",
            f"idop={idop}") in portal.hits
    detail = client.payment_detail(idop)
    assert detail.paid and detail.montant_cents == 4150


@pytest.mark.parametrize("button, resultrans", [("Refuser", "R"), ("Abandonner", "A")])
def test_refusing_or_abandoning_on_the_page_also_redirects(client, fake, button, resultrans):
    idop = client.create_payment(a_request())

    status, headers, _ = http("POST", f"{fake.url}/tpa/pay",
                              {"idop": idop, "resultrans": resultrans})

    assert status == 303
    assert headers["Location"] == f"http://127.0.0.1:9/paiement/retour?idop={idop}"
    assert client.payment_detail(idop).failed


def test_a_lost_notification_leaves_the_result_to_reconciliation(client, fake, portal):
    base = f"http://127.0.0.1:{portal.server_address[1]}"
    idop = client.create_payment(a_request(urlnotif=f"{base}/api/payfip/notification"))

    http("POST", f"{fake.url}/tpa/pay", {"idop": idop, "resultrans": "P"})
    time.sleep(0.2)

    assert fake.notifications == [] and portal.hits == []
    assert client.payment_detail(idop).paid


def test_an_unreachable_notification_url_does_not_break_the_payment(client, fake):
    fake.notify = True
    idop = client.create_payment(a_request(urlnotif=f"http://127.0.0.1:{_closed_port()}/n"))

    fake.settle(idop, "P")

    assert fake.wait_for_notifications(1)[0]["error"]
    assert client.payment_detail(idop).paid


def test_the_page_refuses_a_second_payment_and_unknown_operations(client, fake):
    idop = client.create_payment(a_request())
    http("POST", f"{fake.url}/tpa/pay", {"idop": idop, "resultrans": "P"})

    assert http("POST", f"{fake.url}/tpa/pay", {"idop": idop, "resultrans": "P"})[0] == 409
    assert http("GET", client.payment_url(idop))[0] == 409
    assert http("GET", f"{fake.url}/tpa/paiementws.web?idop=inconnu")[0] == 404
    assert http("POST", f"{fake.url}/tpa/pay", {"idop": idop, "resultrans": "X"})[0] == 400


# -- hostile or broken answers -------------------------------------------------------------

def test_xml_with_a_doctype_is_refused(canned):
    evil = (b'<?xml version="1.0"?><!DOCTYPE S [<!ENTITY x "P">]>'
            b'<S:Envelope xmlns:S="' + SOAP_ENV_NS.encode() + b'"><S:Body/></S:Envelope>')
    client = canned_client(canned, 200, evil)

    with pytest.raises(PayFipError) as error:
        client.payment_detail("cc0cb210-1cd4-11ea-8cca-0213ad91a103")
    assert error.value.code == "invalid-response"
    assert "DOCTYPE" in error.value.message
    with pytest.raises(ValueError):
        parse_xml('<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE a><a/>'.encode("utf-16"))


def test_the_fake_refuses_a_request_with_a_doctype(fake):
    body = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
            b'<soapenv:Envelope xmlns:soapenv="' + SOAP_ENV_NS.encode() + b'"/>')
    request = urllib.request.Request(fake.endpoint, data=body, method="POST",
                                     headers={"Content-Type": "text/xml"})
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(request, timeout=5)
    with error.value:
        answer = error.value.read()
    assert error.value.code == 500 and b"S:Client" in answer and b"root:" not in answer


def test_a_network_failure_raises_a_network_error():
    endpoint = f"http://127.0.0.1:{_closed_port()}/tpa/services/securite"
    client = PayFipClient(PayFipConfig(endpoint, PAYMENT_PAGE, NUMCLI, "T"), timeout=2)

    with pytest.raises(PayFipError) as error:
        client.create_payment(a_request())
    assert error.value.code == "network"


def test_a_silent_server_raises_a_network_error_after_the_timeout(canned):
    canned.hang = 3
    client = canned_client(canned, None, b"")
    client = PayFipClient(client.config, timeout=0.5)

    started = time.monotonic()
    with pytest.raises(PayFipError) as error:
        client.payment_detail("cc0cb210-1cd4-11ea-8cca-0213ad91a103")
    assert error.value.code == "network"
    assert time.monotonic() - started < 2.5


def test_an_http_error_without_a_soap_fault_is_reported(canned):
    client = canned_client(canned, 502, b"<html><body>Bad gateway</body></html>")

    with pytest.raises(PayFipError) as error:
        client.payment_detail("cc0cb210-1cd4-11ea-8cca-0213ad91a103")
    assert error.value.code == "http"


def test_a_real_service_detail_is_read_as_recorded_by_public_integrations(canned):
    # Values as recorded from PayFip's test mode by eopayment (exer came back as '20').
    client = canned_client(canned, 200, detail_envelope(
        dattrans="12122019", heurtrans="1311", exer="20", numauto="112233445566-tip",
        resultrans="V", montant="1000"))

    detail = client.payment_detail("cc0cb210-1cd4-11ea-8cca-0213ad91a103")

    assert detail.paid and detail.montant_cents == 1000 and detail.exer == "20"
    assert (detail.dattrans, detail.heurtrans) == (date(2019, 12, 12), "1311")


@pytest.mark.parametrize("fields, mode", [
    (dict(idOp="00000000-1cd4-11ea-8cca-0213ad91a103"), "T"),
    (dict(numcli="999999"), "T"),
    (dict(saisie="T"), "W"),
    (dict(resultrans=None), "T"),
    (dict(montant="41,50"), "T"),
    (dict(dattrans="2026-11-23"), "T"),
    (dict(dattrans="31022026"), "T"),
    (dict(heurtrans="2460"), "T"),
])
def test_a_detail_that_does_not_add_up_is_refused(canned, fields, mode):
    client = canned_client(canned, 200, detail_envelope(**fields), mode=mode)

    with pytest.raises(PayFipError) as error:
        client.payment_detail("cc0cb210-1cd4-11ea-8cca-0213ad91a103")
    assert error.value.code == "invalid-response"


def test_a_technical_fault_keeps_its_code(canned):
    fault = (f'<S:Envelope xmlns:S="{SOAP_ENV_NS}"><S:Body><S:Fault>'
             f"<faultcode>S:Server</faultcode><faultstring>indisponible</faultstring>"
             f'<detail><ns2:TechIndisponibiliteErreur xmlns:ns2="{SERVICE_NS}">'
             f"<code>999</code><libelle>Service indisponible</libelle>"
             f"</ns2:TechIndisponibiliteErreur></detail></S:Fault></S:Body></S:Envelope>")
    client = canned_client(canned, 500, fault.encode())

    with pytest.raises(PayFipError) as error:
        client.create_payment(a_request())
    assert (error.value.code, error.value.message) == ("999", "Service indisponible")


# -- standalone ------------------------------------------------------------------------------

def test_the_fake_runs_standalone_with_python_dash_m():
    port = _closed_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "scripts.local.fake_payfip", "--port", str(port)], cwd=ROOT,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 15
        config = PayFipConfig(f"http://127.0.0.1:{port}/tpa/services/securite",
                              f"http://127.0.0.1:{port}/tpa/paiementws.web?idop={{idop}}",
                              NUMCLI, "T")
        while True:
            try:
                idop = PayFipClient(config, timeout=2).create_payment(a_request())
                break
            except PayFipError as error:
                if error.code != "network" or time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        assert http("GET", PayFipClient(config).payment_url(idop))[0] == 200
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()


def _closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
