"""The PayFip Régie SOAP wire: namespaces, operations, envelopes, and a parser that
refuses any DTD. One module for the client (chalicelib/payfip/client.py) and the local
stack's fake PayFip (scripts/local/fake_payfip.py), so that both speak the same shape.

No SOAP library: envelopes are built with ElementTree, which escapes every value, and
answers are parsed only after a check that refuses any DTD (no entity can be declared).
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
import xml.parsers.expat
from collections.abc import Iterable
from typing import NoReturn

try:  # pinned in requirements.txt; the DTD check below does not depend on it
    import defusedxml.ElementTree as _defused_et
except ImportError:  # pragma: no cover - depends on the environment
    _defused_et = None


SOAP_ENV_NS = "http://schemas.xmlsoap.org/soap/envelope/"
SERVICE_NS = ("http://securite.service.tpa.cp.finances.gouv.fr/services/mas_securite/"
              "contrat_paiement_securise/PaiementSecuriseService")
CREATE_OPERATION = "creerPaiementSecurise"
DETAIL_OPERATION = "recupererDetailPaiementSecurise"
MAX_DOCUMENT_BYTES = 1_000_000


def build_envelope(operation: str, fields: Iterable[tuple[str, str]]) -> bytes:
    """A request envelope: ``<pai:operation><arg0><name>value</name>...``, all escaped."""
    envelope = ET.Element("soapenv:Envelope",
                          {"xmlns:soapenv": SOAP_ENV_NS, "xmlns:pai": SERVICE_NS})
    ET.SubElement(envelope, "soapenv:Header")
    body = ET.SubElement(envelope, "soapenv:Body")
    arg0 = ET.SubElement(ET.SubElement(body, f"pai:{operation}"), "arg0")
    for name, value in fields:
        check_xml_text(name, value)
        ET.SubElement(arg0, name).text = value
    return ET.tostring(envelope, encoding="utf-8", xml_declaration=True)


def parse_xml(data: bytes) -> ET.Element:
    """Parse an XML document that declares no DTD; ValueError otherwise.

    A DOCTYPE (hence any entity declaration) is refused before parsing, whatever the
    document's encoding; defusedxml, when installed, adds its own checks on top.
    """
    if not isinstance(data, bytes):
        raise ValueError("XML must be given as bytes")
    if len(data) > MAX_DOCUMENT_BYTES:
        raise ValueError("XML document too large")

    def refuse(*_args: object) -> NoReturn:
        raise _DtdRefused()

    scanner = xml.parsers.expat.ParserCreate()
    scanner.StartDoctypeDeclHandler = refuse
    scanner.EntityDeclHandler = refuse
    scanner.UnparsedEntityDeclHandler = refuse
    scanner.ExternalEntityRefHandler = refuse
    try:
        scanner.Parse(data, True)
    except _DtdRefused:
        raise ValueError("XML with a DOCTYPE is refused") from None
    except xml.parsers.expat.ExpatError as error:
        raise ValueError(f"malformed XML: {error}") from None
    try:
        if _defused_et is not None:
            return _defused_et.fromstring(data, forbid_dtd=True, forbid_entities=True,
                                          forbid_external=True)
        return ET.fromstring(data)
    except Exception as error:  # defusedxml's own refusals, or ParseError
        raise ValueError(f"XML refused: {error}") from None


def local_name(tag: object) -> str:
    """``{namespace}name`` -> ``name`` (comments and other nodes give '')."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def namespace(tag: object) -> str:
    """``{namespace}name`` -> ``namespace`` ('' when unqualified)."""
    if isinstance(tag, str) and tag.startswith("{"):
        return tag[1:].split("}", 1)[0]
    return ""


def child(element: ET.Element, name: str) -> ET.Element | None:
    """First child element with that local name, whatever its namespace."""
    for item in element:
        if local_name(item.tag) == name:
            return item
    return None


def soap_body(root: ET.Element) -> ET.Element:
    """The Body of a SOAP 1.1 envelope; ValueError if ``root`` is not one."""
    if root.tag != f"{{{SOAP_ENV_NS}}}Envelope":
        raise ValueError("not a SOAP 1.1 envelope")
    body = root.find(f"{{{SOAP_ENV_NS}}}Body")
    if body is None or len(body) == 0:
        raise ValueError("SOAP envelope without a body")
    return body


class _DtdRefused(Exception):
    pass


def check_xml_text(name: str, value: str) -> None:
    if not isinstance(value, str):
        raise ValueError(f"{name}: text expected")
    for c in value:
        if (ord(c) < 0x20 and c not in "\t\n\r") or 0xD800 <= ord(c) <= 0xDFFF \
                or c in "\ufffe\uffff":
            raise ValueError(f"{name}: character not allowed in XML")
