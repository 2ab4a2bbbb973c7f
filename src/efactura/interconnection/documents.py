"""The business documents around an invoice: the SBDH envelope's content, Peppol Invoice
Response 3 and Message Level Status 1.0 (UBL ApplicationResponse), built and read here.

Reading uses the project's hardened parser; every reader raises :class:`DocumentError` with
a sentence in English and Spanish.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from lxml import etree

from einvoice.xml import parse_bytes

SBDH_NS = "http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader"
AR_NS = "urn:oasis:names:specification:ubl:schema:xsd:ApplicationResponse-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
NS = {"ar": AR_NS, "cac": CAC, "cbc": CBC, "sh": SBDH_NS}

IR_CUSTOMIZATION = "urn:fdc:peppol.eu:poacc:trns:invoice_response:3"
IR_PROFILE = "urn:fdc:peppol.eu:poacc:bis:invoice_response:3"
MLS_CUSTOMIZATION = "urn:peppol:edec:mls:1.0"
MLS_PROFILE = "urn:peppol:edec:mls"


class DocumentError(Exception):
    """A business document that cannot be read (``message`` English, ``message_es`` Spanish)."""

    def __init__(self, message: str, message_es: str) -> None:
        super().__init__(message)
        self.message = message
        self.message_es = message_es


# ---------------------------------------------------------------------------------------------
# SBDH
# ---------------------------------------------------------------------------------------------

_HEADER_END = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?StandardBusinessDocumentHeader\s*>")
_DOCUMENT_END = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?StandardBusinessDocument\s*>\s*$")


def sbd_payload(sbd: bytes) -> bytes:
    """The business document inside a Standard Business Document, as the sender's bytes.

    The document is cut out of the envelope rather than re-serialised, so an enveloped XML
    signature (XAdES of a Facturae) still verifies; an XML declaration is added in front.
    """
    try:
        root = parse_bytes(sbd).getroot()
    except Exception:
        raise DocumentError(
            "The payload is not a well-formed Standard Business Document.",
            "La carga no es un Standard Business Document bien formado.",
        ) from None
    children = [
        c
        for c in root
        if isinstance(c.tag, str) and etree.QName(c).localname != ("StandardBusinessDocumentHeader")
    ]
    header_end = _HEADER_END.search(sbd)
    document_end = _DOCUMENT_END.search(sbd)
    if len(children) != 1 or header_end is None or document_end is None:
        raise DocumentError(
            "The Standard Business Document must carry exactly one business document after "
            "its header.",
            "El Standard Business Document debe llevar exactamente un documento de negocio "
            "después de su cabecera.",
        )
    body = sbd[header_end.end() : document_end.start()].strip()
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body


# ---------------------------------------------------------------------------------------------
# ApplicationResponse (Invoice Response and MLS)
# ---------------------------------------------------------------------------------------------


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    prefix, name = tag.split(":")
    element = etree.SubElement(parent, f"{{{NS[prefix]}}}{name}", attrs)
    if text is not None:
        element.text = text
    return element


def _party(parent: etree._Element, tag: str, participant: str, name: str = "") -> None:
    party = _sub(parent, tag)
    scheme, _sep, value = participant.partition(":")
    _sub(party, "cbc:EndpointID", value, schemeID=scheme)
    if name:
        _sub(_sub(party, "cac:PartyLegalEntity"), "cbc:RegistrationName", name)


def _root(customization: str, profile: str, *, issued: dt.datetime) -> etree._Element:
    root = etree.Element(
        f"{{{AR_NS}}}ApplicationResponse",
        nsmap={None: AR_NS, "cac": CAC, "cbc": CBC},  # type: ignore[dict-item]
    )
    _sub(root, "cbc:CustomizationID", customization)
    _sub(root, "cbc:ProfileID", profile)
    _sub(root, "cbc:ID", str(uuid.uuid4()))
    _sub(root, "cbc:IssueDate", issued.date().isoformat())
    return root


def _bytes(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


@dataclass(frozen=True)
class InvoiceResponse:
    """A Peppol Invoice Response: the buyer's status of one invoice (UNCL4343 subset)."""

    code: str
    """AB, IP, UQ, CA, RE, AP or PD."""
    invoice_number: str
    invoice_issue_date: dt.date | None
    sender: str
    """The buyer's participant id (``9920:ES…``)."""
    receiver: str
    """The seller's participant id."""
    effective: dt.date | None = None
    reason_code: str = ""
    """``OPStatusReason`` code (e.g. ``REF``, ``PPD`` partially paid)."""
    reason: str = ""
    paid_amount: Decimal | None = None
    """Amount paid so far (a ``Condition`` with ``AttributeID`` BT-113), when known."""
    sender_name: str = ""
    receiver_name: str = ""


def build_invoice_response(response: InvoiceResponse) -> bytes:
    root = _root(IR_CUSTOMIZATION, IR_PROFILE, issued=dt.datetime.now(dt.UTC))
    _party(root, "cac:SenderParty", response.sender, response.sender_name or response.sender)
    _party(
        root, "cac:ReceiverParty", response.receiver, response.receiver_name or response.receiver
    )
    document_response = _sub(root, "cac:DocumentResponse")
    answer = _sub(document_response, "cac:Response")
    _sub(answer, "cbc:ResponseCode", response.code)
    if response.effective:
        _sub(answer, "cbc:EffectiveDate", response.effective.isoformat())
    if response.reason_code or response.reason or response.paid_amount is not None:
        status = _sub(answer, "cac:Status")
        if response.reason_code:
            _sub(status, "cbc:StatusReasonCode", response.reason_code, listID="OPStatusReason")
        if response.reason:
            _sub(status, "cbc:StatusReason", response.reason)
        if response.paid_amount is not None:
            condition = _sub(status, "cac:Condition")
            _sub(condition, "cbc:AttributeID", "BT-113")
            _sub(condition, "cbc:Description", str(response.paid_amount))
    reference = _sub(document_response, "cac:DocumentReference")
    _sub(reference, "cbc:ID", response.invoice_number)
    if response.invoice_issue_date:
        _sub(reference, "cbc:IssueDate", response.invoice_issue_date.isoformat())
    _sub(reference, "cbc:DocumentTypeCode", "380")
    return _bytes(root)


def _read_root(data: bytes, customization: str) -> etree._Element:
    try:
        root = parse_bytes(data).getroot()
    except Exception:
        raise DocumentError(
            "The response is not well-formed XML.", "La respuesta no es XML bien formado."
        ) from None
    found = root.findtext("cbc:CustomizationID", namespaces=NS) or ""
    if root.tag != f"{{{AR_NS}}}ApplicationResponse" or found.strip() != customization:
        raise DocumentError(
            f"Expected an ApplicationResponse with CustomizationID {customization}.",
            f"Se esperaba un ApplicationResponse con CustomizationID {customization}.",
        )
    return root


def _participant(root: etree._Element, path: str) -> str:
    endpoint = root.find(f"{path}/cbc:EndpointID", namespaces=NS)
    if endpoint is None or not (endpoint.text or "").strip():
        return ""
    return f"{endpoint.get('schemeID', '')}:{(endpoint.text or '').strip()}"


def _date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat((text or "").strip()) if text else None
    except ValueError:
        return None


def parse_invoice_response(data: bytes) -> InvoiceResponse:
    root = _read_root(data, IR_CUSTOMIZATION)
    response = root.find("cac:DocumentResponse/cac:Response", namespaces=NS)
    number = root.findtext("cac:DocumentResponse/cac:DocumentReference/cbc:ID", namespaces=NS)
    code = (
        response.findtext("cbc:ResponseCode", namespaces=NS) if response is not None else ""
    ) or ""
    if not code.strip() or not (number or "").strip():
        raise DocumentError(
            "The Invoice Response has no ResponseCode or no invoice reference.",
            "La respuesta de factura no tiene ResponseCode o no referencia una factura.",
        )
    assert response is not None
    paid: Decimal | None = None
    for condition in response.findall("cac:Status/cac:Condition", namespaces=NS):
        if (condition.findtext("cbc:AttributeID", namespaces=NS) or "").strip() == "BT-113":
            try:
                paid = Decimal((condition.findtext("cbc:Description", namespaces=NS) or "").strip())
            except InvalidOperation:
                paid = None
    return InvoiceResponse(
        code=code.strip(),
        invoice_number=(number or "").strip(),
        invoice_issue_date=_date(
            root.findtext("cac:DocumentResponse/cac:DocumentReference/cbc:IssueDate", namespaces=NS)
        ),
        sender=_participant(root, "cac:SenderParty"),
        receiver=_participant(root, "cac:ReceiverParty"),
        effective=_date(response.findtext("cbc:EffectiveDate", namespaces=NS)),
        reason_code=(
            response.findtext("cac:Status/cbc:StatusReasonCode", namespaces=NS) or ""
        ).strip(),
        reason=" ".join(
            (element.text or "").strip()
            for element in response.findall("cac:Status/cbc:StatusReason", namespaces=NS)
        ).strip(),
        paid_amount=paid,
    )


@dataclass(frozen=True)
class MessageLevelStatus:
    """A Peppol MLS: did the receiving access point deliver the document (AP/AB) or not (RE)?"""

    code: str
    """AP, AB or RE."""
    reference: str
    """SBDH InstanceIdentifier of the message it answers."""
    sender: str
    receiver: str
    description: str = ""
    lines: list[tuple[str, str, str]] = field(default_factory=list)
    """(line id or XPath, reason code SV/BV/BW/FD, description)."""


def build_mls(status: MessageLevelStatus) -> bytes:
    root = _root(MLS_CUSTOMIZATION, MLS_PROFILE, issued=dt.datetime.now(dt.UTC))
    _sub(root, "cbc:IssueTime", dt.datetime.now(dt.UTC).strftime("%H:%M:%SZ"))
    _party(root, "cac:SenderParty", status.sender)
    _party(root, "cac:ReceiverParty", status.receiver)
    document_response = _sub(root, "cac:DocumentResponse")
    answer = _sub(document_response, "cac:Response")
    _sub(answer, "cbc:ResponseCode", status.code)
    if status.description:
        _sub(answer, "cbc:Description", status.description)
    _sub(_sub(document_response, "cac:DocumentReference"), "cbc:ID", status.reference)
    for line_id, reason_code, description in status.lines:
        line = _sub(document_response, "cac:LineResponse")
        _sub(_sub(line, "cac:LineReference"), "cbc:LineID", line_id or "NA")
        line_answer = _sub(line, "cac:Response")
        _sub(line_answer, "cbc:Description", description)
        _sub(_sub(line_answer, "cac:Status"), "cbc:StatusReasonCode", reason_code)
    return _bytes(root)


def parse_mls(data: bytes) -> MessageLevelStatus:
    root = _read_root(data, MLS_CUSTOMIZATION)
    code = (
        root.findtext("cac:DocumentResponse/cac:Response/cbc:ResponseCode", namespaces=NS) or ""
    ).strip()
    reference = (
        root.findtext("cac:DocumentResponse/cac:DocumentReference/cbc:ID", namespaces=NS) or ""
    ).strip()
    if code not in {"AP", "AB", "RE"} or not reference:
        raise DocumentError(
            "The Message Level Status has no valid ResponseCode (AP, AB, RE) or no reference.",
            "El Message Level Status no tiene un ResponseCode válido (AP, AB, RE) o no tiene "
            "referencia.",
        )
    lines = [
        (
            (line.findtext("cac:LineReference/cbc:LineID", namespaces=NS) or "").strip(),
            (
                line.findtext("cac:Response/cac:Status/cbc:StatusReasonCode", namespaces=NS) or ""
            ).strip(),
            (line.findtext("cac:Response/cbc:Description", namespaces=NS) or "").strip(),
        )
        for line in root.findall("cac:DocumentResponse/cac:LineResponse", namespaces=NS)
    ]
    return MessageLevelStatus(
        code=code,
        reference=reference,
        sender=_participant(root, "cac:SenderParty"),
        receiver=_participant(root, "cac:ReceiverParty"),
        description=(
            root.findtext("cac:DocumentResponse/cac:Response/cbc:Description", namespaces=NS) or ""
        ).strip(),
        lines=lines,
    )


def sbd_header(sbd: bytes) -> dict[str, str]:
    """Sender, receiver and InstanceIdentifier of a Standard Business Document's header."""
    try:
        root = parse_bytes(sbd).getroot()
    except Exception:
        return {}
    header = root.find("sh:StandardBusinessDocumentHeader", namespaces=NS)
    if header is None:
        return {}
    return {
        "sender": (header.findtext("sh:Sender/sh:Identifier", namespaces=NS) or "").strip(),
        "receiver": (header.findtext("sh:Receiver/sh:Identifier", namespaces=NS) or "").strip(),
        "instance_id": (
            header.findtext("sh:DocumentIdentification/sh:InstanceIdentifier", namespaces=NS) or ""
        ).strip(),
    }
