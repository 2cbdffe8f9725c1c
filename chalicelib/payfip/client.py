"""Client of the PayFip Régie web service (DGFiP), the online card payment of the régie.

Two SOAP operations on ``https://www.payfip.gouv.fr/tpa/services/securite``:

- ``creerPaiementSecurise`` registers a payment and returns an ``idOp``; the parent is
  then sent to the payment page ``paiementws.web?idop=<idOp>``;
- ``recupererDetailPaiementSecurise`` tells what became of an ``idOp``. It answers the
  SOAP fault ``P5`` while nothing is known yet (the parent is still on the page, or left
  it without paying: the ``idOp`` lives 15 minutes) and ``P1`` for an unknown ``idOp``
  (also once PayFip's nightly purge removed an unpaid one).

PayFip's notification to ``urlnotif`` only carries ``idop``: it is never trusted, the
detail is always asked here. Amounts are integer cents, as PayFip counts them.

The envelopes follow the shape used by public integrations of the real service (the
``PaiementSecuriseService`` namespace on the operation element, its parameters
unqualified inside ``arg0``; answers in ``<return>``; faults carrying a
``FonctionnelleErreur`` with ``code``/``libelle``/``descriptif``/``severite``).
No SOAP library: envelopes are built with ElementTree, which escapes every value, and
answers are parsed only after a check that refuses any DTD (no entity can be declared).
"""
from __future__ import annotations

import http.client
import re
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from chalicelib.payfip.wire import (
    CREATE_OPERATION,
    DETAIL_OPERATION,
    MAX_DOCUMENT_BYTES,
    build_envelope,
    child,
    local_name,
    parse_xml,
    soap_body,
)

PRODUCTION_ENDPOINT = "https://www.payfip.gouv.fr/tpa/services/securite"
PAYMENT_PAGE = "https://www.payfip.gouv.fr/tpa/paiementws.web?idop={idop}"

MODES = {"T": "test", "X": "activation", "W": "production"}
PAID_RESULTS = ("P", "V")          # P paid by card, V paid by direct debit
FAILED_RESULTS = ("R", "Z", "A")   # R card refused, Z debit refused, A abandoned

MIN_MONTANT_CENTS = 100            # PayFip refuses less than 1 EUR (error M3)
MAX_MONTANT_DIGITS = 11            # the montant field holds at most 11 digits
MAX_URL_LENGTH = 250
MAX_OBJET_LENGTH = 100

# Error codes of PayFipError that do not come from PayFip itself.
NETWORK = "network"                # no answer: refused, reset, timeout, DNS...
HTTP = "http"                      # an HTTP error status without a SOAP fault
INVALID_RESPONSE = "invalid-response"  # an answer that is not what PayFip sends
SOAP_FAULT = "soap-fault"          # a SOAP fault without a PayFip error code
# Error codes PayFip sends that callers act upon.
UNKNOWN_IDOP = "P1"
NOT_PAID_YET = "P5"

_FAULT_KINDS = ("FonctionnelleErreur", "TechDysfonctionnementErreur",
                "TechIndisponibiliteErreur", "TechProtocolaireErreur")
_REFDET_RE = re.compile(r"[A-Za-z0-9]{1,30}")
_IDOP_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,63}")
_NUMCLI_RE = re.compile(r"[0-9]{6}")
_EXER_RE = re.compile(r"[0-9]{4}")
_MEL_RE = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")
_LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


class PayFipError(Exception):
    """PayFip said no, or could not be reached.

    ``code`` is PayFip's error code (``P5`` not paid yet, ``P1`` unknown ``idOp``, ``R3``
    bad refdet...) or one of ``network``, ``http``, ``invalid-response``, ``soap-fault``.
    """

    def __init__(self, code: str, message: str = "") -> None:
        super().__init__(f"{code}: {message}" if message else code)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class PayFipConfig:
    """Where PayFip is and who the régie is. ``mode``: T test, X activation, W production."""

    endpoint: str
    payment_page: str
    numcli: str
    mode: str

    def __post_init__(self) -> None:
        if not isinstance(self.numcli, str) or not _NUMCLI_RE.fullmatch(self.numcli):
            raise ValueError("numcli: PayFip client number of 6 digits expected")
        if self.mode not in MODES:
            raise ValueError("mode: T (test), X (activation) or W (production) expected")
        _check_service_url("endpoint", self.endpoint)
        if self.payment_page.count("{idop}") != 1:
            raise ValueError("payment_page: one {idop} placeholder expected")
        _check_service_url("payment_page", self.payment_page.replace("{idop}", "x"))


@dataclass(frozen=True)
class PaymentRequest:
    """One payment attempt. ``refdet`` must be new for every attempt (see make_refdet)."""

    exer: str
    mel: str
    montant_cents: int
    objet: str
    refdet: str
    urlnotif: str
    urlredirect: str


@dataclass(frozen=True)
class PaymentDetail:
    """What PayFip says of an ``idOp``. ``dattrans``/``heurtrans`` are Paris local time."""

    idop: str
    resultrans: str
    montant_cents: int
    numauto: str | None
    dattrans: date | None
    heurtrans: str | None
    refdet: str
    exer: str

    @property
    def paid(self) -> bool:
        """The money is collected (card or direct debit)."""
        return self.resultrans in PAID_RESULTS

    @property
    def failed(self) -> bool:
        """Refused or abandoned: this attempt will never be paid."""
        return self.resultrans in FAILED_RESULTS


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A SOAP POST is never replayed elsewhere: a redirect is an HTTP error."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: D102
        return None


class PayFipClient:
    """Calls PayFip's two operations. Thread-safe; one instance per régie."""

    def __init__(self, config: PayFipConfig, timeout: float = 10.0) -> None:
        if not timeout or timeout <= 0:
            raise ValueError("timeout: a positive number of seconds expected")
        self._config = config
        self._timeout = timeout
        self._opener = urllib.request.build_opener(_NoRedirect)

    @property
    def config(self) -> PayFipConfig:
        return self._config

    def create_payment(self, request: PaymentRequest) -> str:
        """Register a payment (creerPaiementSecurise) and return its ``idOp``.

        Values are checked first (ValueError): at least 1 EUR, refdet of 1 to 30 letters
        and digits, 4-digit exer, a plausible e-mail, http(s) URLs. ``objet`` is reduced
        to ASCII letters, digits and spaces (accents dropped), 100 characters at most.
        """
        fields = _creation_fields(request, self._config)
        answer = self._call(CREATE_OPERATION, fields)
        idop = _text(answer, "idOp")
        if idop is None or not _IDOP_RE.fullmatch(idop):
            raise PayFipError(INVALID_RESPONSE, "no usable idOp in PayFip's answer")
        return idop

    def payment_url(self, idop: str) -> str:
        """Where to send the parent to pay."""
        _check_idop(idop)
        return self._config.payment_page.replace("{idop}", urllib.parse.quote(idop, safe=""))

    def payment_detail(self, idop: str) -> PaymentDetail:
        """What became of ``idop`` (recupererDetailPaiementSecurise).

        Raises PayFipError ``P5`` while the result is not known (not paid yet) and ``P1``
        for an ``idOp`` PayFip does not know (or no longer knows).
        """
        _check_idop(idop)
        answer = self._call(DETAIL_OPERATION, [("idOp", idop)])
        return _detail(answer, idop, self._config)

    # -- transport -------------------------------------------------------------------

    def _call(self, operation: str, fields: Iterable[tuple[str, str]]) -> ET.Element:
        body = build_envelope(operation, fields)
        request = urllib.request.Request(
            self._config.endpoint, data=body, method="POST",
            headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""',
                     "Accept": "text/xml"})
        status = 200
        try:
            try:
                with self._opener.open(request, timeout=self._timeout) as response:
                    data = _read_limited(response)
            except urllib.error.HTTPError as error:  # faults come with a 500 status
                status = error.code
                try:
                    data = _read_limited(error)
                finally:
                    error.close()
        except PayFipError:
            raise
        except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
            reason = getattr(error, "reason", error)
            raise PayFipError(NETWORK, f"PayFip unreachable: {reason}") from error
        return _answer(operation, data, status)


# -- helpers ---------------------------------------------------------------------------

def normalize_objet(objet: str) -> str:
    """ASCII letters, digits and single spaces, at most 100 characters.

    Accents are dropped (``é`` -> ``e``), other signs become spaces: PayFip only takes
    plain ASCII in ``objet``.
    """
    ascii_text = unicodedata.normalize("NFKD", objet).encode("ascii", "ignore").decode()
    cleaned = re.sub(r"[^A-Za-z0-9]+", " ", ascii_text).strip()
    return cleaned[:MAX_OBJET_LENGTH].rstrip()


def make_refdet(invoice_number: str, attempt: int) -> str:
    """A PayFip ``refdet`` for one payment attempt of an invoice, e.g. ``FAC2026000042T001``.

    ``FAC`` + the invoice number's letters and digits + ``T`` + the attempt on 3 digits
    or more: different attempts, or different invoices of one numbering scheme, never
    share a refdet. Always 8 to 30 characters of ``[A-Za-z0-9]`` (the real service
    refuses very short ones with R3). ValueError if the invoice number is too long.
    """
    if not isinstance(attempt, int) or isinstance(attempt, bool) or attempt < 1:
        raise ValueError("attempt: a positive integer expected")
    ascii_number = unicodedata.normalize("NFKD", str(invoice_number)).encode(
        "ascii", "ignore").decode()
    base = re.sub(r"[^A-Za-z0-9]", "", ascii_number)
    if not base:
        raise ValueError("invoice_number: no letter or digit to build a refdet from")
    refdet = f"FAC{base}T{attempt:03d}"
    if len(refdet) > 30:
        raise ValueError("invoice_number too long for a 30-character refdet")
    return refdet


def _creation_fields(request: PaymentRequest, config: PayFipConfig) -> list[tuple[str, str]]:
    montant = request.montant_cents
    if not isinstance(montant, int) or isinstance(montant, bool):
        raise ValueError("montant_cents: an integer number of cents expected")
    if montant < MIN_MONTANT_CENTS:
        raise ValueError("montant_cents: PayFip takes 1 EUR (100 cents) at least")
    if len(str(montant)) > MAX_MONTANT_DIGITS:
        raise ValueError("montant_cents: too large for PayFip")
    if not isinstance(request.exer, str) or not _EXER_RE.fullmatch(request.exer):
        raise ValueError("exer: a 4-digit year expected")
    if not isinstance(request.refdet, str) or not _REFDET_RE.fullmatch(request.refdet):
        raise ValueError("refdet: 1 to 30 ASCII letters or digits expected")
    mel = request.mel
    if (not isinstance(mel, str) or not 6 <= len(mel) <= 80
            or not _MEL_RE.fullmatch(mel)):
        raise ValueError("mel: a valid e-mail address of 6 to 80 characters expected")
    if not isinstance(request.objet, str):
        raise ValueError("objet: text expected")
    objet = normalize_objet(request.objet)
    if not objet:
        raise ValueError("objet: no letter or digit left once reduced to ASCII")
    _check_callback_url("urlnotif", request.urlnotif)
    _check_callback_url("urlredirect", request.urlredirect)
    # Order of the fields as in the service's schema (alphabetical, as PayFip lists them).
    return [("exer", request.exer), ("mel", mel), ("montant", str(montant)),
            ("numcli", config.numcli), ("objet", objet), ("refdet", request.refdet),
            ("saisie", config.mode), ("urlnotif", request.urlnotif),
            ("urlredirect", request.urlredirect)]


def _check_service_url(name: str, url: str) -> None:
    """https, or http on this machine only (the local fake)."""
    if not isinstance(url, str):
        raise ValueError(f"{name}: URL expected")
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname in _LOOPBACK_HOSTS:
        return
    raise ValueError(f"{name}: https URL expected (http only on 127.0.0.1)")


def _check_callback_url(name: str, url: str) -> None:
    if not isinstance(url, str) or not url or len(url) > MAX_URL_LENGTH:
        raise ValueError(f"{name}: URL of at most {MAX_URL_LENGTH} characters expected")
    if any(ord(c) <= 0x20 or ord(c) >= 0x7F for c in url):
        raise ValueError(f"{name}: spaces, control and non-ASCII characters refused")
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{name}: http(s) URL expected")


def _check_idop(idop: str) -> None:
    if not isinstance(idop, str) or not _IDOP_RE.fullmatch(idop):
        raise ValueError("idop: PayFip operation identifier expected")


def _read_limited(response: object) -> bytes:
    data = response.read(MAX_DOCUMENT_BYTES + 1)  # type: ignore[attr-defined]
    if len(data) > MAX_DOCUMENT_BYTES:
        raise PayFipError(INVALID_RESPONSE, "PayFip's answer is too large")
    return data


def _answer(operation: str, data: bytes, status: int) -> ET.Element:
    """The ``<return>`` element of a successful answer; PayFipError for anything else."""
    try:
        body = soap_body(parse_xml(data))
    except ValueError as error:
        if status != 200:
            raise PayFipError(HTTP, f"HTTP {status} from PayFip") from None
        raise PayFipError(INVALID_RESPONSE, str(error)) from None
    content = body[0]
    if local_name(content.tag) == "Fault":
        raise _fault(content)
    if status != 200:
        raise PayFipError(HTTP, f"HTTP {status} from PayFip")
    if local_name(content.tag) != f"{operation}Response":
        raise PayFipError(INVALID_RESPONSE, f"unexpected {local_name(content.tag)!r}")
    answer = child(content, "return")
    if answer is None:
        raise PayFipError(INVALID_RESPONSE, f"{operation}Response without <return>")
    return answer


def _fault(fault: ET.Element) -> PayFipError:
    faultstring = _text(fault, "faultstring") or ""
    detail = child(fault, "detail")
    if detail is not None:
        for item in detail:
            if local_name(item.tag) in _FAULT_KINDS:
                code = _text(item, "code")
                if code:
                    message = (_text(item, "descriptif") or _text(item, "libelle")
                               or faultstring)
                    return PayFipError(code, message)
    return PayFipError(SOAP_FAULT, faultstring or "SOAP fault without detail")


def _text(element: ET.Element, name: str) -> str | None:
    item = child(element, name)
    if item is None or item.text is None:
        return None
    value = item.text.strip()
    return value or None


def _detail(answer: ET.Element, idop: str, config: PayFipConfig) -> PaymentDetail:
    returned_idop = _text(answer, "idOp")
    if returned_idop is not None and returned_idop != idop:
        raise PayFipError(INVALID_RESPONSE, "PayFip answered about another idOp")
    numcli = _text(answer, "numcli")
    if numcli is not None and numcli != config.numcli:
        raise PayFipError(INVALID_RESPONSE, "PayFip answered for another client number")
    saisie = _text(answer, "saisie")
    if config.mode == "W" and saisie is not None and saisie != "W":
        raise PayFipError(INVALID_RESPONSE, f"a {saisie!r} payment is not a production one")
    resultrans = _text(answer, "resultrans")
    if resultrans is None or not re.fullmatch(r"[A-Z]", resultrans):
        raise PayFipError(INVALID_RESPONSE, "no resultrans in PayFip's detail")
    montant = _text(answer, "montant")
    if montant is None or not re.fullmatch(r"[0-9]{1,11}", montant):
        raise PayFipError(INVALID_RESPONSE, "no montant in PayFip's detail")
    refdet = _text(answer, "refdet")
    if refdet is None:
        raise PayFipError(INVALID_RESPONSE, "no refdet in PayFip's detail")
    return PaymentDetail(
        idop=idop, resultrans=resultrans, montant_cents=int(montant),
        numauto=_text(answer, "numauto"), dattrans=_dattrans(_text(answer, "dattrans")),
        heurtrans=_heurtrans(_text(answer, "heurtrans")), refdet=refdet,
        exer=_text(answer, "exer") or "")


def _dattrans(value: str | None) -> date | None:
    """DDMMYYYY -> date."""
    if value is None:
        return None
    if not re.fullmatch(r"[0-9]{8}", value):
        raise PayFipError(INVALID_RESPONSE, f"dattrans {value!r} is not DDMMYYYY")
    try:
        return date(int(value[4:]), int(value[2:4]), int(value[:2]))
    except ValueError:
        raise PayFipError(INVALID_RESPONSE, f"dattrans {value!r} is not a date") from None


def _heurtrans(value: str | None) -> str | None:
    """HHMM, kept as PayFip gives it."""
    if value is None:
        return None
    if not re.fullmatch(r"([01][0-9]|2[0-3])[0-5][0-9]", value):
        raise PayFipError(INVALID_RESPONSE, f"heurtrans {value!r} is not HHMM")
    return value
