"""The AEAT's SOAP 1.1 exchange for VERI*FACTU: envelopes, schema checks and answers.

Requests are ``RegFactuSistemaFacturacion`` (SuministroLR.xsd) in a document/literal SOAP 1.1
body; answers are ``RespuestaRegFactuSistemaFacturacion`` (RespuestaSuministro.xsd) with one
``RespuestaLinea`` per record, or a SOAP Fault for schema and header errors (AEAT,
*Sistemas Informáticos de Facturación – remisión voluntaria*, v1.0.1, §3, §5.1, §6.5.2).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from lxml import etree

from einvoice.errors import ParseError, SchemaError
from einvoice.verifactu.records import NS_SUM, NS_SUM1
from einvoice.xml import parse_bytes, safe_parser, to_bytes

NS_SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
NS_RESP = (
    "https://www2.agenciatributaria.gob.es/static_files/common/internet/dep/aplicaciones/"
    "es/aeat/tike/cont/ws/RespuestaSuministro.xsd"
)
SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"

CORRECT = "Correcto"
ACCEPTED_WITH_ERRORS = "AceptadoConErrores"
INCORRECT = "Incorrecto"
PARTIALLY_CORRECT = "ParcialmenteCorrecto"


@cache
def _schema(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA_DIR / name), safe_parser()))


def schema_errors(
    element: etree._Element, *, response: bool = False, schema_name: str = ""
) -> list[str]:
    """The XSD errors of a ``RegFactuSistemaFacturacion`` (or of an answer, or of the
    document ``schema_name`` describes, e.g. ``EventosSIF.xsd``), as ``line: message``
    strings; empty when valid."""
    name = schema_name or ("RespuestaSuministro.xsd" if response else "SuministroLR.xsd")
    schema = _schema(name)
    tree = etree.ElementTree(etree.fromstring(etree.tostring(element)))
    if schema.validate(tree):
        return []
    return [f"{e.line}: {e.message}" for e in list(schema.error_log)]  # type: ignore[call-overload]


def validate_message(element: etree._Element) -> None:
    """Raise :class:`SchemaError` (rule ``VF-XSD``) unless the message is XSD-valid."""
    errors = schema_errors(element)
    if errors:
        raise SchemaError.single(
            "VF-XSD",
            "The VERI*FACTU message does not follow the AEAT schema: " + errors[0],
            "El mensaje VERI*FACTU no sigue el esquema de la AEAT: " + errors[0],
        )


def envelope(body: etree._Element) -> bytes:
    """Wrap a message in a SOAP 1.1 envelope, as UTF-8 bytes."""
    env = etree.Element(f"{{{NS_SOAP}}}Envelope", nsmap={"soapenv": NS_SOAP})
    etree.SubElement(env, f"{{{NS_SOAP}}}Header")
    etree.SubElement(env, f"{{{NS_SOAP}}}Body").append(body)
    return to_bytes(env, pretty=False)


def body_of(data: bytes, *, max_bytes: int = 50_000_000) -> etree._Element:
    """The single child of a SOAP envelope's Body (hardened parse)."""
    root = parse_bytes(data, max_bytes=max_bytes).getroot()
    body = root.find(f"{{{NS_SOAP}}}Body")
    if root.tag != f"{{{NS_SOAP}}}Envelope" or body is None or len(body) != 1:
        raise ParseError.single(
            "VF-SOAP",
            "The message is not a SOAP 1.1 envelope with one element in its Body.",
            "El mensaje no es un sobre SOAP 1.1 con un elemento en su Body.",
        )
    return body[0]


@dataclass(frozen=True, kw_only=True)
class Line:
    """One ``RespuestaLinea``: the AEAT's verdict on one record."""

    issuer_nif: str
    number: str
    issue_date: str
    operation: str
    """``Alta`` or ``Anulacion``."""
    state: str
    """``Correcto``, ``AceptadoConErrores`` or ``Incorrecto``."""
    error_code: str = ""
    error_text: str = ""
    duplicate_state: str = ""
    """For error 3000 (duplicate): the state of the record the AEAT already holds."""
    correction: bool = False


@dataclass(frozen=True, kw_only=True)
class Answer:
    """The AEAT's answer to one submission, or the fault it raised."""

    state: str = ""
    wait_seconds: int = 60
    csv: str = ""
    lines: tuple[Line, ...] = ()
    fault_code: str = ""
    """``soapenv:Server`` (resend later) or ``soapenv:Client`` (the message must change)."""
    fault_text: str = ""
    raw: bytes = field(default=b"", repr=False)

    @property
    def is_fault(self) -> bool:
        return bool(self.fault_code)


def parse_answer(data: bytes) -> Answer:
    """Read the AEAT's SOAP answer (an answer or a Fault)."""
    body = body_of(data)
    if body.tag == f"{{{NS_SOAP}}}Fault":
        return Answer(
            fault_code=(body.findtext("faultcode") or "").strip(),
            fault_text=(body.findtext("faultstring") or "").strip(),
            raw=data,
        )
    if body.tag != f"{{{NS_RESP}}}RespuestaRegFactuSistemaFacturacion":
        raise ParseError.single(
            "VF-ANSWER",
            f"Unexpected answer element {etree.QName(body).localname}.",
            f"Elemento de respuesta inesperado {etree.QName(body).localname}.",
        )
    r, s = f"{{{NS_RESP}}}", f"{{{NS_SUM1}}}"
    lines = []
    for item in body.findall(f"{r}RespuestaLinea"):
        key = item.find(f"{r}IDFactura")
        texts = [(c.text or "").strip() for c in key] if key is not None else ["", "", ""]
        lines.append(
            Line(
                issuer_nif=texts[0],
                number=texts[1],
                issue_date=texts[2],
                operation=(item.findtext(f"{r}Operacion/{s}TipoOperacion") or "").strip(),
                correction=(item.findtext(f"{r}Operacion/{s}Subsanacion") or "") == "S",
                state=(item.findtext(f"{r}EstadoRegistro") or "").strip(),
                error_code=(item.findtext(f"{r}CodigoErrorRegistro") or "").strip(),
                error_text=(item.findtext(f"{r}DescripcionErrorRegistro") or "").strip(),
                duplicate_state=(
                    item.findtext(f"{r}RegistroDuplicado/{s}EstadoRegistroDuplicado") or ""
                ).strip(),
            )
        )
    wait = (body.findtext(f"{r}TiempoEsperaEnvio") or "60").strip()
    return Answer(
        state=(body.findtext(f"{r}EstadoEnvio") or "").strip(),
        wait_seconds=int(wait) if wait.isdigit() else 60,
        csv=(body.findtext(f"{r}CSV") or "").strip(),
        lines=tuple(lines),
        raw=data,
    )


def build_answer(
    *,
    header: etree._Element,
    lines: list[Line],
    wait_seconds: int,
    csv: str,
) -> etree._Element:
    """A ``RespuestaRegFactuSistemaFacturacion`` (used by the local AEAT simulator)."""
    r = f"{{{NS_RESP}}}"
    root = etree.Element(
        f"{r}RespuestaRegFactuSistemaFacturacion", nsmap={"tikR": NS_RESP, "tik": NS_SUM1}
    )
    states = {line.state for line in lines}
    if states <= {CORRECT}:
        overall = CORRECT
    elif states == {INCORRECT}:
        overall = INCORRECT
    else:
        overall = PARTIALLY_CORRECT
    if overall != INCORRECT:
        etree.SubElement(root, f"{r}CSV").text = csv
    cabecera = etree.SubElement(root, f"{r}Cabecera")
    for child in header:
        cabecera.append(_copy(child))
    etree.SubElement(root, f"{r}TiempoEsperaEnvio").text = str(wait_seconds)
    etree.SubElement(root, f"{r}EstadoEnvio").text = overall
    for line in lines:
        item = etree.SubElement(root, f"{r}RespuestaLinea")
        key = etree.SubElement(item, f"{r}IDFactura")
        for name, value in (
            ("IDEmisorFactura", line.issuer_nif),
            ("NumSerieFactura", line.number),
            ("FechaExpedicionFactura", line.issue_date),
        ):
            etree.SubElement(key, f"{{{NS_SUM1}}}{name}").text = value
        operation = etree.SubElement(item, f"{r}Operacion")
        etree.SubElement(operation, f"{{{NS_SUM1}}}TipoOperacion").text = line.operation
        if line.correction:
            etree.SubElement(operation, f"{{{NS_SUM1}}}Subsanacion").text = "S"
        etree.SubElement(item, f"{r}EstadoRegistro").text = line.state
        if line.error_code:
            etree.SubElement(item, f"{r}CodigoErrorRegistro").text = line.error_code
            etree.SubElement(item, f"{r}DescripcionErrorRegistro").text = line.error_text
        if line.duplicate_state:
            dup = etree.SubElement(item, f"{r}RegistroDuplicado")
            etree.SubElement(dup, f"{{{NS_SUM1}}}IdPeticionRegistroDuplicado").text = "1"
            etree.SubElement(
                dup, f"{{{NS_SUM1}}}EstadoRegistroDuplicado"
            ).text = line.duplicate_state
    return root


def fault(code: str, text: str) -> bytes:
    """A SOAP 1.1 Fault envelope."""
    element = etree.Element(f"{{{NS_SOAP}}}Fault")
    etree.SubElement(element, "faultcode").text = code
    etree.SubElement(element, "faultstring").text = text
    return envelope(element)


def _copy(element: etree._Element) -> etree._Element:
    return etree.fromstring(etree.tostring(element))


__all__ = [
    "ACCEPTED_WITH_ERRORS",
    "CORRECT",
    "INCORRECT",
    "NS_SUM",
    "PARTIALLY_CORRECT",
    "Answer",
    "Line",
    "body_of",
    "build_answer",
    "envelope",
    "fault",
    "parse_answer",
    "schema_errors",
    "validate_message",
]
