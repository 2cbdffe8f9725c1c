"""A fake PayFip Régie for the tests and the local demo, on 127.0.0.1 only.

It answers the two SOAP operations of ``/tpa/services/securite`` with the envelopes of
the real service and shows a payment page at ``/tpa/paiementws.web?idop=...`` whose
buttons Payer / Refuser / Abandonner post to ``/tpa/pay``. Like PayFip, a result is then
(a) notified to ``urlnotif`` by a background POST of the form ``idop=<idOp>`` (best
effort; ``notify = False`` simulates a lost notification) and (b) the browser is sent
back to ``urlredirect`` with ``?idop=<idOp>``.

Behaviour copied from the real service: an ``idOp`` can be paid for 15 minutes; until a
result exists ``recupererDetailPaiementSecurise`` answers fault P5, and once the nightly
purge has run (here: one day after creation) an unpaid ``idOp`` answers P1, as does an
unknown one. Creation errors use PayFip's codes where they are known (S1, T1, M1, M3,
M5, A1, A2, N1, D1, R3, seen in public integrations); ``X1``-``X3`` are the fake's own
codes for checks whose real code is not known (exer, reused refdet, objet). The fake is
stricter than needed where it helps: a refdet can be used only once per client and year.

Standalone: ``python -m scripts.local.fake_payfip --port 8900`` (real time).
"""
from __future__ import annotations

import argparse
import html
import secrets
import signal
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.payfip.client import PayFipConfig
from chalicelib.payfip.wire import (
    CREATE_OPERATION,
    DETAIL_OPERATION,
    SERVICE_NS,
    SOAP_ENV_NS,
    child,
    local_name,
    namespace,
    parse_xml,
    soap_body,
)

PARIS = ZoneInfo("Europe/Paris")
HOST = "127.0.0.1"
SOAP_PATH = "/tpa/services/securite"
PAGE_PATH = "/tpa/paiementws.web"
PAY_PATH = "/tpa/pay"
IDOP_LIFETIME = timedelta(minutes=15)
PURGE_AFTER = timedelta(days=1)
MAX_MONTANT_CENTS = 10_000_000  # the fake's ceiling (100 000 EUR) for error M5
MAX_BODY = 64 * 1024
RESULTS = ("P", "V", "R", "Z", "A")
PAGE_RESULTS = {"P": "Payer", "R": "Refuser", "A": "Abandonner"}
FONCTIONNELLE = "fr.gouv.finances.cp.tpa.webservice.exceptions.FonctionnelleErreur"
LOOPBACK = ("127.0.0.1", "localhost", "::1")

# code -> (libelle, descriptif)
ERRORS = {
    "P1": ("IdOp incorrect", "IdOp incorrect."),
    "P5": ("Résultat de la transaction non connu",
           "Résultat de la transaction non connu (paiement en cours)."),
    "S1": ("Mode de saisie invalide", "Le paramètre SAISIE doit valoir T, X ou W."),
    "T1": ("Numéro client invalide", "Le paramètre NUMCLI doit comporter 6 chiffres."),
    "T2": ("Numéro client inconnu",
           "Le N° du client doit être pré-existant dans la base PayFiP."),
    "M1": ("Montant incorrect", "Le format du montant n'est pas correct."),
    "M3": ("Montant trop faible", "Le montant doit être d'au moins 1 euro."),
    "M5": ("Montant trop élevé", "Le montant dépasse la limite autorisée."),
    "A1": ("Adresse mel absente", "L'adresse mel n'est pas renseignée."),
    "A2": ("Adresse mel incorrecte", "L'adresse mel est incorrecte."),
    "N1": ("URL de notification incorrecte", "Le paramètre URLNOTIF n'est pas valide."),
    "D1": ("URL de redirection incorrecte", "Le paramètre URLREDIRECT n'est pas valide."),
    "R3": ("REFDET non conforme", "Le format du paramètre REFDET n'est pas conforme."),
    "X1": ("Exercice incorrect", "Le paramètre EXER doit comporter 4 chiffres (faux PayFip)."),
    "X2": ("REFDET déjà utilisé",
           "Ce REFDET a déjà servi pour ce client et cet exercice (faux PayFip)."),
    "X3": ("Objet incorrect",
           "L'objet doit tenir en 100 caractères ASCII imprimables (faux PayFip)."),
}


class FakePayFipError(Exception):
    """A test asked the fake something PayFip would refuse (unknown, expired, done)."""


@dataclass
class _Payment:
    idop: str
    created: datetime
    exer: str
    mel: str
    montant: str
    numcli: str
    objet: str
    refdet: str
    saisie: str
    urlnotif: str
    urlredirect: str
    resultrans: str | None = None
    numauto: str | None = None
    dattrans: str | None = None
    heurtrans: str | None = None


class _Soap(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class FakePayFip:
    """PayFip on 127.0.0.1. ``clock``: an object with ``now()`` or a callable; real time
    by default. ``numcli``: the only client number accepted (any 6 digits if None)."""

    def __init__(self, port: int = 0, *, clock: Any = None, notify: bool = True,
                 numcli: str | None = None, verbose: bool = False) -> None:
        self._port = port
        self._now = _now_function(clock)
        self.notify = notify
        self.numcli = numcli
        self.verbose = verbose
        self.notifications: list[dict[str, Any]] = []
        self.operations: list[dict[str, Any]] = []
        self._payments: dict[str, _Payment] = {}
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._threads: list[threading.Thread] = []
        self._server: ThreadingHTTPServer | None = None
        self._serving: threading.Thread | None = None

    # -- life cycle ------------------------------------------------------------------

    def start(self) -> FakePayFip:
        """Listen on 127.0.0.1 (a free port when 0) and serve in a background thread."""
        if self._server is not None:
            return self
        server = ThreadingHTTPServer((HOST, self._port), _handler_class(self))
        server.daemon_threads = True
        self._server = server
        self._serving = threading.Thread(target=server.serve_forever, args=(0.05,),
                                         name="fake-payfip", daemon=True)
        self._serving.start()
        return self

    def stop(self) -> None:
        """Stop serving; waits a little for notifications under way."""
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._serving is not None:
            self._serving.join(timeout=5)
            self._serving = None
        for thread in list(self._threads):
            thread.join(timeout=2)

    def __enter__(self) -> FakePayFip:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>`` once started."""
        if self._server is None:
            raise RuntimeError("the fake PayFip is not started")
        return f"http://{HOST}:{self._server.server_address[1]}"

    @property
    def endpoint(self) -> str:
        return self.url + SOAP_PATH

    @property
    def payment_page(self) -> str:
        return self.url + PAGE_PATH + "?idop={idop}"

    def config(self, numcli: str = "123456", mode: str = "T") -> PayFipConfig:
        """A client configuration that points at this fake."""
        return PayFipConfig(self.endpoint, self.payment_page, numcli, mode)

    # -- test helpers ----------------------------------------------------------------

    def settle(self, idop: str, resultrans: str) -> dict[str, str]:
        """Give ``idop`` its result as the payment page would (P, V, R, Z or A), then
        notify ``urlnotif`` unless ``notify`` is off. Returns the stored detail."""
        payment = self._settle(idop, resultrans, via="settle")
        return self._detail_fields(payment)

    def payment(self, idop: str) -> dict[str, str] | None:
        """What the fake holds for ``idop`` (None if unknown)."""
        with self._lock:
            payment = self._payments.get(idop)
            return None if payment is None else self._detail_fields(payment)

    def wait_for_notifications(self, count: int = 1, timeout: float = 5.0) -> list[dict]:
        """Block until ``count`` notifications were attempted; returns them all."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self.notifications) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{len(self.notifications)} notification(s) of {count}")
                self._changed.wait(left)
            return list(self.notifications)

    # -- the service ---------------------------------------------------------------------

    def _log(self, **entry: Any) -> None:
        entry.setdefault("at", self._now().isoformat())
        with self._lock:
            self.operations.append(entry)

    def soap(self, data: bytes) -> tuple[int, bytes]:
        """Answer one SOAP request: (HTTP status, envelope)."""
        try:
            body = soap_body(parse_xml(data))
        except ValueError as error:
            self._log(operation="soap", error="client", request=data)
            return 500, _client_fault(str(error))
        operation = body[0]
        name = local_name(operation.tag)
        arg0 = child(operation, "arg0")
        if namespace(operation.tag) != SERVICE_NS or arg0 is None or name not in (
                CREATE_OPERATION, DETAIL_OPERATION):
            self._log(operation=name or "soap", error="client", request=data)
            return 500, _client_fault(f"opération inconnue : {name}")
        fields = {local_name(item.tag): (item.text or "").strip() for item in arg0}
        try:
            if name == CREATE_OPERATION:
                payment = self._create(fields)
                self._log(operation=name, idop=payment.idop, refdet=payment.refdet,
                          montant=payment.montant, error=None, request=data)
                return 200, _response(name, [("idOp", payment.idop)])
            payment = self._find_result(fields.get("idOp", ""))
            self._log(operation=name, idop=payment.idop, error=None, request=data)
            return 200, _response(name, list(self._detail_fields(payment).items()))
        except _Soap as fault:
            self._log(operation=name, idop=fields.get("idOp"), refdet=fields.get("refdet"),
                      error=fault.code, request=data)
            return 500, _functional_fault(fault.code)

    def _create(self, f: dict[str, str]) -> _Payment:
        numcli = f.get("numcli", "")
        if not (len(numcli) == 6 and numcli.isdigit() and numcli.isascii()):
            raise _Soap("T1")
        if self.numcli is not None and numcli != self.numcli:
            raise _Soap("T2")
        if f.get("saisie") not in ("T", "X", "W"):
            raise _Soap("S1")
        exer = f.get("exer", "")
        if not (len(exer) == 4 and exer.isdigit() and exer.isascii()):
            raise _Soap("X1")
        montant = f.get("montant", "")
        if not (montant.isascii() and montant.isdigit() and len(montant) <= 11):
            raise _Soap("M1")
        if int(montant) < 100:
            raise _Soap("M3")
        if int(montant) > MAX_MONTANT_CENTS:
            raise _Soap("M5")
        mel = f.get("mel", "")
        if not mel:
            raise _Soap("A1")
        local, _, domain = mel.partition("@")
        if not (6 <= len(mel) <= 80 and local and "." in domain and mel.isascii()
                and " " not in mel and "@" not in domain):
            raise _Soap("A2")
        refdet = f.get("refdet", "")
        if not (6 <= len(refdet) <= 30 and refdet.isascii() and refdet.isalnum()):
            raise _Soap("R3")  # the real service refused 'ABCD' with R3
        objet = f.get("objet", "")
        if len(objet) > 100 or not all(32 <= ord(c) < 127 for c in objet):
            raise _Soap("X3")
        for name, code in (("urlnotif", "N1"), ("urlredirect", "D1")):
            parts = urllib.parse.urlsplit(f.get(name, ""))
            if (parts.scheme not in ("http", "https") or not parts.hostname
                    or len(f.get(name, "")) > 250):
                raise _Soap(code)
        with self._lock:
            if any(p.numcli == numcli and p.exer == exer and p.refdet == refdet
                   for p in self._payments.values()):
                raise _Soap("X2")
            payment = _Payment(
                idop=str(uuid.uuid1()), created=self._now(), exer=exer, mel=mel,
                montant=montant, numcli=numcli, objet=objet, refdet=refdet,
                saisie=f["saisie"], urlnotif=f["urlnotif"], urlredirect=f["urlredirect"])
            self._payments[payment.idop] = payment
            return payment

    def _find_result(self, idop: str) -> _Payment:
        with self._lock:
            payment = self._payments.get(idop)
            if payment is None:
                raise _Soap("P1")
            if payment.resultrans is None:
                if self._now() - payment.created >= PURGE_AFTER:
                    raise _Soap("P1")
                raise _Soap("P5")
            return payment

    def _settle(self, idop: str, resultrans: str, via: str) -> _Payment:
        if resultrans not in RESULTS:
            raise ValueError(f"resultrans: one of {', '.join(RESULTS)} expected")
        with self._lock:
            payment = self._payments.get(idop)
            if payment is None:
                raise FakePayFipError("unknown")
            if payment.resultrans is not None:
                raise FakePayFipError("done")
            now = self._now()
            if now - payment.created >= IDOP_LIFETIME:
                raise FakePayFipError("expired")
            paris = now.astimezone(PARIS)
            payment.resultrans = resultrans
            payment.dattrans = paris.strftime("%d%m%Y")
            payment.heurtrans = paris.strftime("%H%M")
            if resultrans in ("P", "V"):
                digits = "".join(secrets.choice("0123456789") for _ in range(12))
                payment.numauto = f"{digits}-tip" if payment.saisie == "T" else digits[:6]
            self.operations.append({"operation": via, "idop": idop,
                                    "resultrans": resultrans, "at": now.isoformat()})
        if self.notify:
            self._notify_later(payment)
        return payment

    def _notify_later(self, payment: _Payment) -> None:
        thread = threading.Thread(target=self._notify, args=(payment.idop, payment.urlnotif,
                                                            payment.resultrans),
                                  name=f"payfip-notif-{payment.idop[:8]}", daemon=True)
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def _notify(self, idop: str, url: str, resultrans: str | None) -> None:
        entry: dict[str, Any] = {"url": url, "idop": idop, "resultrans": resultrans,
                                 "status": None, "error": None}
        host = urllib.parse.urlsplit(url).hostname
        if host not in LOOPBACK:
            entry["error"] = "not sent: the fake only notifies 127.0.0.1"
        else:
            request = urllib.request.Request(
                url, data=urllib.parse.urlencode({"idop": idop}).encode("ascii"),
                method="POST",
                headers={"Content-Type": "application/x-www-form-urlencoded"})
            try:
                with urllib.request.build_opener(_NoRedirect).open(request,
                                                                   timeout=5) as response:
                    entry["status"] = response.status
            except urllib.error.HTTPError as error:
                entry["status"] = error.code
                error.close()
            except Exception as error:  # best effort, like PayFip
                entry["error"] = str(error)
        with self._changed:
            self.notifications.append(entry)
            self._changed.notify_all()

    def _detail_fields(self, payment: _Payment) -> dict[str, str]:
        fields = {"dattrans": payment.dattrans or "", "exer": payment.exer,
                  "heurtrans": payment.heurtrans or "", "idOp": payment.idop,
                  "mel": payment.mel, "montant": payment.montant,
                  "numauto": payment.numauto or "", "numcli": payment.numcli,
                  "objet": payment.objet, "refdet": payment.refdet,
                  "resultrans": payment.resultrans or "", "saisie": payment.saisie}
        return {name: value for name, value in fields.items() if value}

    # -- the payment page ----------------------------------------------------------------

    def page(self, idop: str) -> tuple[int, str]:
        with self._lock:
            payment = self._payments.get(idop)
            state = self._state(payment)
            self.operations.append({"operation": "page", "idop": idop, "state": state,
                                    "at": self._now().isoformat()})
        if payment is None or state != "open":
            return _problem_page(state)
        amount = f"{int(payment.montant) // 100},{int(payment.montant) % 100:02d} €"
        buttons = "\n".join(
            f'<button type="submit" name="resultrans" value="{code}">{label}</button>'
            for code, label in PAGE_RESULTS.items())
        return 200, _html("Paiement sécurisé (simulation PayFiP)", f"""
<p>Ceci est une simulation locale de PayFiP : aucune carte n'est demandée.</p>
<dl>
<dt>Objet</dt><dd>{html.escape(payment.objet)}</dd>
<dt>Référence</dt><dd>{html.escape(payment.refdet)}</dd>
<dt>Montant</dt><dd id="montant">{html.escape(amount)}</dd>
</dl>
<form method="post" action="{PAY_PATH}">
<input type="hidden" name="idop" value="{html.escape(payment.idop)}">
{buttons}
</form>""")

    def pay(self, idop: str, resultrans: str) -> tuple[int, str, str | None]:
        """The page's buttons: (status, HTML, Location)."""
        if resultrans not in RESULTS:
            return (*_html_status(400, "Demande incorrecte", "Choix inconnu."), None)
        try:
            payment = self._settle(idop, resultrans, via="pay")
        except FakePayFipError as error:
            return (*_problem_page(str(error)), None)
        return 303, _html("Retour vers le portail", "<p>Redirection…</p>"), \
            _with_idop(payment.urlredirect, idop)

    def _state(self, payment: _Payment | None) -> str:
        if payment is None:
            return "unknown"
        if payment.resultrans is not None:
            return "done"
        if self._now() - payment.created >= IDOP_LIFETIME:
            return "expired"
        return "open"


# -- HTTP ----------------------------------------------------------------------------------

SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'none'; base-uri 'none'; "
                                "frame-ancestors 'none'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: D102
        return None


def _handler_class(fake: FakePayFip) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "FakePayFip/1.0"
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt: str, *args: Any) -> None:
            if fake.verbose:
                super().log_message(fmt, *args)

        def _send(self, status: int, body: bytes, content_type: str,
                  headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def _send_html(self, status: int, text: str, location: str | None = None) -> None:
            headers = dict(SECURITY_HEADERS)
            if location:
                headers["Location"] = location
            self._send(status, text.encode("utf-8"), "text/html; charset=utf-8", headers)

        def _body(self) -> bytes | None:
            try:
                length = int(self.headers.get("Content-Length", ""))
            except ValueError:
                length = -1
            if length < 0 or length > MAX_BODY:
                self._send_html(*_html_status(413, "Requête refusée",
                                              "Corps absent ou trop grand."))
                self.close_connection = True
                return None
            return self.rfile.read(length)

        def do_GET(self) -> None:  # noqa: N802
            parts = urllib.parse.urlsplit(self.path)
            if parts.path != PAGE_PATH:
                self._send_html(*_html_status(404, "Page introuvable", "Adresse inconnue."))
                return
            query = urllib.parse.parse_qs(parts.query)
            idop = (query.get("idop") or query.get("idOp") or [""])[0]
            self._send_html(*fake.page(idop))

        def do_POST(self) -> None:  # noqa: N802
            path = urllib.parse.urlsplit(self.path).path
            if path not in (SOAP_PATH, PAY_PATH):
                self._body()
                self._send_html(*_html_status(404, "Page introuvable", "Adresse inconnue."))
                return
            data = self._body()
            if data is None:
                return
            if path == SOAP_PATH:
                status, envelope = fake.soap(data)
                self._send(status, envelope, "text/xml; charset=utf-8")
                return
            form = urllib.parse.parse_qs(data.decode("utf-8", "replace"))
            status, text, location = fake.pay((form.get("idop") or [""])[0],
                                              (form.get("resultrans") or [""])[0])
            self._send_html(status, text, location)

    return Handler


# -- envelopes -----------------------------------------------------------------------------

def _envelope() -> tuple[ET.Element, ET.Element]:
    envelope = ET.Element("S:Envelope", {"xmlns:S": SOAP_ENV_NS})
    return envelope, ET.SubElement(envelope, "S:Body")


def _response(operation: str, fields: list[tuple[str, str]]) -> bytes:
    envelope, body = _envelope()
    answer = ET.SubElement(body, f"ns2:{operation}Response", {"xmlns:ns2": SERVICE_NS})
    returned = ET.SubElement(answer, "return")
    for name, value in fields:
        ET.SubElement(returned, name).text = value
    return ET.tostring(envelope, encoding="utf-8", xml_declaration=True)


def _functional_fault(code: str) -> bytes:
    libelle, descriptif = ERRORS[code]
    envelope, body = _envelope()
    fault = ET.SubElement(body, "S:Fault")
    ET.SubElement(fault, "faultcode").text = "S:Server"
    ET.SubElement(fault, "faultstring").text = FONCTIONNELLE
    error = ET.SubElement(ET.SubElement(fault, "detail"), "ns2:FonctionnelleErreur",
                          {"xmlns:ns2": SERVICE_NS})
    for name, value in (("code", code), ("descriptif", descriptif), ("libelle", libelle),
                        ("severite", "2")):
        ET.SubElement(error, name).text = value
    return ET.tostring(envelope, encoding="utf-8", xml_declaration=True)


def _client_fault(message: str) -> bytes:
    envelope, body = _envelope()
    fault = ET.SubElement(body, "S:Fault")
    ET.SubElement(fault, "faultcode").text = "S:Client"
    ET.SubElement(fault, "faultstring").text = message
    return ET.tostring(envelope, encoding="utf-8", xml_declaration=True)


# -- pages -----------------------------------------------------------------------------------

def _html(title: str, content: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="fr">
<head><meta charset="utf-8"><title>{html.escape(title)}</title></head>
<body>
<h1>{html.escape(title)}</h1>
{content}
</body>
</html>
"""


def _html_status(status: int, title: str, text: str) -> tuple[int, str]:
    return status, _html(title, f"<p>{html.escape(text)}</p>")


PROBLEMS = {
    "unknown": (404, "Opération inconnue", "Cette opération de paiement n'existe pas."),
    "expired": (410, "Opération expirée",
                "Le délai de 15 minutes pour payer est dépassé. Recommencez depuis le portail."),
    "done": (409, "Opération déjà traitée", "Cette opération de paiement est terminée."),
}


def _problem_page(state: str) -> tuple[int, str]:
    return _html_status(*PROBLEMS.get(state, (400, "Demande incorrecte", "Demande incorrecte.")))


def _with_idop(url: str, idop: str) -> str:
    parts = urllib.parse.urlsplit(url)
    query = parts.query + ("&" if parts.query else "") + urllib.parse.urlencode({"idop": idop})
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def _now_function(clock: Any) -> Callable[[], datetime]:
    if clock is None:
        return lambda: datetime.now(PARIS)
    now = clock.now if hasattr(clock, "now") else clock

    def aware_now() -> datetime:
        moment = now()
        return moment if moment.tzinfo else moment.replace(tzinfo=PARIS)

    return aware_now


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Fake PayFip Régie on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=8900, help="0 for a free port")
    parser.add_argument("--numcli", default=None, help="the only client number accepted")
    parser.add_argument("--no-notify", action="store_true",
                        help="never call urlnotif (a lost notification)")
    args = parser.parse_args(argv)
    fake = FakePayFip(args.port, notify=not args.no_notify, numcli=args.numcli,
                      verbose=True).start()
    print(f"Fake PayFip on {fake.url}", flush=True)
    print(f"  endpoint     {fake.endpoint}", flush=True)
    print(f"  payment page {fake.payment_page}", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()


if __name__ == "__main__":
    main()
