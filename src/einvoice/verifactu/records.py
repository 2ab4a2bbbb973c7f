"""VERI*FACTU billing records (registros de facturación): data, fingerprint and XML.

A record is *registration* (``RegistroAlta``) for an issued invoice or *cancellation*
(``RegistroAnulacion``).  Each carries the SHA-256 fingerprint (``Huella``) of a fixed list of
its own fields plus the previous record's fingerprint, so the records of one issuer form one
chain (Orden HAC/1177/2024 art. 7; AEAT, *Detalle de las especificaciones técnicas para
generación de la huella o hash*, v0.1.2, §2–6).

The fingerprint is computed from exactly the text written into the XML (the AEAT hashes the
literal value: ``41.4`` and ``41.40`` give different fingerprints), so amounts and dates are
formatted once, here, and the same strings feed both the hash and the XML.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from lxml import etree

NS_SUM = (
    "https://www2.agenciatributaria.gob.es/static_files/common/internet/dep/aplicaciones/"
    "es/aeat/tike/cont/ws/SuministroLR.xsd"
)
NS_SUM1 = (
    "https://www2.agenciatributaria.gob.es/static_files/common/internet/dep/aplicaciones/"
    "es/aeat/tike/cont/ws/SuministroInformacion.xsd"
)
NSMAP = {"sum": NS_SUM, "sum1": NS_SUM1}
ID_VERSION = "1.0"
MAX_RECORDS_PER_MESSAGE = 1000
"""A ``RegFactuSistemaFacturacion`` carries 1 to 1,000 ``RegistroFactura`` (SuministroLR.xsd)."""


def fingerprint(pairs: list[tuple[str, str]]) -> str:
    """SHA-256 of ``Name1=value1&Name2=value2…`` (values trimmed, UTF-8), as 64 uppercase hex
    characters.  A list of pairs rather than a dict: event records repeat ``NIF``."""
    text = "&".join(f"{name}={value.strip()}" for name, value in pairs)
    return hashlib.sha256(text.encode("utf-8")).hexdigest().upper()


def amount(value: Decimal) -> str:
    """An amount as written in a record: two decimals, a point, no leading zeros."""
    return str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def rate(value: Decimal) -> str:
    """A tax rate as written (``Tipo2.2Type``): ``21``, ``10``, ``5.2``, ``0``."""
    text = format(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP).normalize(), "f")
    return text


def date_text(day: dt.date) -> str:
    """The XSD type ``fecha``: DD-MM-YYYY."""
    return day.strftime("%d-%m-%Y")


def timestamp_text(moment: dt.datetime) -> str:
    """``FechaHoraHusoGenRegistro``: ISO 8601, whole seconds, with the UTC offset (which the
    order requires although the XSD type is a plain ``dateTime``, art. 7.f)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("the generation time of a billing record must be timezone-aware")
    return moment.replace(microsecond=0).isoformat()


def spanish_nif(tax_id: str) -> str:
    """The 9-character NIF of a Spanish VAT identifier (``ESB12345678`` → ``B12345678``)."""
    tax_id = tax_id.strip().upper().replace(" ", "").replace("-", "")
    if len(tax_id) == 11 and tax_id.startswith("ES"):
        return tax_id[2:]
    return tax_id


@dataclass(frozen=True, kw_only=True)
class Software:
    """``SistemaInformatico``: who produced the invoicing software and which installation."""

    producer_name: str
    producer_nif: str
    name: str = "efactura"
    system_id: str = "EF"
    version: str = "1.0"
    installation: str = "1"
    only_verifactu: bool = False
    multiple_taxpayers: bool = True
    several_taxpayers_now: bool = True


@dataclass(frozen=True, kw_only=True)
class ChainLink:
    """``RegistroAnterior``: the key and fingerprint of the record generated just before."""

    issuer_nif: str
    number: str
    issue_date: dt.date
    fingerprint: str


@dataclass(frozen=True, kw_only=True)
class Party:
    """A recipient: a Spanish NIF, or a foreign identifier (``IDOtro``: country, type, id)."""

    name: str
    nif: str = ""
    country: str = ""
    id_type: str = "02"
    """``IDType``: 02 VAT number (NIF-IVA), 03 passport, 04 official ID, 06 other."""
    other_id: str = ""


@dataclass(frozen=True, kw_only=True)
class TaxLine:
    """One ``DetalleDesglose``: tax, regime, qualification (or exemption cause) and amounts."""

    base: Decimal
    tax: Decimal = Decimal("0")
    rate: Decimal | None = None
    tax_code: str = "01"
    """``Impuesto``: 01 IVA, 02 IPSI, 03 IGIC, 05 other."""
    regime: str = "01"
    """``ClaveRegimen``: 01 general, 02 export, …"""
    qualification: str = "S1"
    """``CalificacionOperacion`` S1/S2/N1/N2, or empty when :attr:`exemption` is set."""
    exemption: str = ""
    """``OperacionExenta`` E1–E8."""
    surcharge_rate: Decimal | None = None
    surcharge: Decimal | None = None


@dataclass(frozen=True, kw_only=True)
class Registration:
    """A ``RegistroAlta``.  ``previous`` is ``None`` for an issuer's first record."""

    issuer_nif: str
    issuer_name: str
    number: str
    issue_date: dt.date
    invoice_type: str
    """``TipoFactura``: F1 invoice, F2 simplified, R1–R5 corrective, F3 replacing."""
    description: str
    recipients: tuple[Party, ...]
    lines: tuple[TaxLine, ...]
    tax_total: Decimal
    total: Decimal
    generated_at: dt.datetime
    software: Software
    previous: ChainLink | None = None
    corrective_kind: str = ""
    """``TipoRectificativa`` S (by substitution) or I (by differences) for R1–R5."""
    corrected: tuple[tuple[str, str, dt.date], ...] = ()
    """``FacturasRectificadas``: (issuer NIF, number, date) of each corrected invoice."""
    correction: bool = False
    """``Subsanacion=S``: this record corrects an earlier one with the same invoice key."""
    previous_rejection: str = ""
    """``RechazoPrevio``: ``X`` when resending an alta the AEAT rejected (with Subsanacion=S)."""
    external_ref: str = ""
    issued_by: str = ""
    """``EmitidaPorTerceroODestinatario``: T (a third party) or D (the recipient) issued it."""
    issuer_party: Party | None = None
    """``Tercero``: the third party that issued the invoice on the seller's behalf."""

    def hash_pairs(self) -> list[tuple[str, str]]:
        """The fields of the fingerprint, in the AEAT's order (HASH §4.1)."""
        return [
            ("IDEmisorFactura", self.issuer_nif),
            ("NumSerieFactura", self.number),
            ("FechaExpedicionFactura", date_text(self.issue_date)),
            ("TipoFactura", self.invoice_type),
            ("CuotaTotal", amount(self.tax_total)),
            ("ImporteTotal", amount(self.total)),
            ("Huella", self.previous.fingerprint if self.previous else ""),
            ("FechaHoraHusoGenRegistro", timestamp_text(self.generated_at)),
        ]

    @property
    def fingerprint(self) -> str:
        """This record's ``Huella``."""
        return fingerprint(self.hash_pairs())

    def to_element(self) -> etree._Element:
        """The ``sum1:RegistroAlta`` element (SuministroInformacion.xsd)."""
        root = _el("RegistroAlta")
        _sub(root, "IDVersion", ID_VERSION)
        key = _sub(root, "IDFactura")
        _sub(key, "IDEmisorFactura", self.issuer_nif)
        _sub(key, "NumSerieFactura", self.number)
        _sub(key, "FechaExpedicionFactura", date_text(self.issue_date))
        if self.external_ref:
            _sub(root, "RefExterna", self.external_ref[:60])
        _sub(root, "NombreRazonEmisor", self.issuer_name[:120])
        if self.correction:
            _sub(root, "Subsanacion", "S")
        if self.previous_rejection:
            _sub(root, "RechazoPrevio", self.previous_rejection)
        _sub(root, "TipoFactura", self.invoice_type)
        if self.corrective_kind:
            _sub(root, "TipoRectificativa", self.corrective_kind)
        if self.corrected:
            box = _sub(root, "FacturasRectificadas")
            for nif, number, day in self.corrected:
                item = _sub(box, "IDFacturaRectificada")
                _sub(item, "IDEmisorFactura", nif)
                _sub(item, "NumSerieFactura", number)
                _sub(item, "FechaExpedicionFactura", date_text(day))
        _sub(root, "DescripcionOperacion", (self.description or "-")[:500])
        if self.issued_by:
            _sub(root, "EmitidaPorTerceroODestinatario", self.issued_by)
            if self.issued_by == "T" and self.issuer_party is not None:
                _party(_sub(root, "Tercero"), self.issuer_party)
        if self.recipients:
            box = _sub(root, "Destinatarios")
            for party in self.recipients:
                _party(_sub(box, "IDDestinatario"), party)
        breakdown = _sub(root, "Desglose")
        for line in self.lines:
            _tax_line(_sub(breakdown, "DetalleDesglose"), line)
        _sub(root, "CuotaTotal", amount(self.tax_total))
        _sub(root, "ImporteTotal", amount(self.total))
        _chain(_sub(root, "Encadenamiento"), self.previous)
        _software(_sub(root, "SistemaInformatico"), self.software)
        _sub(root, "FechaHoraHusoGenRegistro", timestamp_text(self.generated_at))
        _sub(root, "TipoHuella", "01")
        _sub(root, "Huella", self.fingerprint)
        return root


@dataclass(frozen=True, kw_only=True)
class Cancellation:
    """A ``RegistroAnulacion`` of an invoice registered earlier."""

    issuer_nif: str
    number: str
    issue_date: dt.date
    generated_at: dt.datetime
    software: Software
    previous: ChainLink | None = None
    previous_rejection: str = ""
    """``RechazoPrevio=S`` when resending a cancellation the AEAT rejected."""
    without_prior_record: bool = False
    """``SinRegistroPrevio=S``: the AEAT never received the cancelled invoice's record."""
    external_ref: str = ""

    def hash_pairs(self) -> list[tuple[str, str]]:
        """The fields of the fingerprint, in the AEAT's order (HASH §4.2)."""
        return [
            ("IDEmisorFacturaAnulada", self.issuer_nif),
            ("NumSerieFacturaAnulada", self.number),
            ("FechaExpedicionFacturaAnulada", date_text(self.issue_date)),
            ("Huella", self.previous.fingerprint if self.previous else ""),
            ("FechaHoraHusoGenRegistro", timestamp_text(self.generated_at)),
        ]

    @property
    def fingerprint(self) -> str:
        """This record's ``Huella``."""
        return fingerprint(self.hash_pairs())

    def to_element(self) -> etree._Element:
        """The ``sum1:RegistroAnulacion`` element."""
        root = _el("RegistroAnulacion")
        _sub(root, "IDVersion", ID_VERSION)
        key = _sub(root, "IDFactura")
        _sub(key, "IDEmisorFacturaAnulada", self.issuer_nif)
        _sub(key, "NumSerieFacturaAnulada", self.number)
        _sub(key, "FechaExpedicionFacturaAnulada", date_text(self.issue_date))
        if self.external_ref:
            _sub(root, "RefExterna", self.external_ref[:60])
        if self.without_prior_record:
            _sub(root, "SinRegistroPrevio", "S")
        if self.previous_rejection:
            _sub(root, "RechazoPrevio", self.previous_rejection)
        _chain(_sub(root, "Encadenamiento"), self.previous)
        _software(_sub(root, "SistemaInformatico"), self.software)
        _sub(root, "FechaHoraHusoGenRegistro", timestamp_text(self.generated_at))
        _sub(root, "TipoHuella", "01")
        _sub(root, "Huella", self.fingerprint)
        return root


Record = Registration | Cancellation


@dataclass(frozen=True, kw_only=True)
class Taxpayer:
    """``ObligadoEmision`` of the message header."""

    nif: str
    name: str
    incident: bool = False
    """``RemisionVoluntaria/Incidencia=S``: records sent late after an incident (art. 16.4)."""


def message(taxpayer: Taxpayer, records: list[etree._Element]) -> etree._Element:
    """A ``sum:RegFactuSistemaFacturacion`` with the header and 1–1,000 record elements."""
    if not 1 <= len(records) <= MAX_RECORDS_PER_MESSAGE:
        raise ValueError(f"a submission carries 1 to 1000 records, not {len(records)}")
    root = etree.Element(f"{{{NS_SUM}}}RegFactuSistemaFacturacion", nsmap=NSMAP)
    header = etree.SubElement(root, f"{{{NS_SUM}}}Cabecera")
    obligado = _sub(header, "ObligadoEmision")
    _sub(obligado, "NombreRazon", taxpayer.name[:120])
    _sub(obligado, "NIF", taxpayer.nif)
    if taxpayer.incident:
        remision = _sub(header, "RemisionVoluntaria")
        _sub(remision, "Incidencia", "S")
    for record in records:
        holder = etree.SubElement(root, f"{{{NS_SUM}}}RegistroFactura")
        holder.append(record)
    return root


def record_key(element: etree._Element) -> tuple[str, str, str]:
    """(issuer NIF, number, date) of a RegistroAlta or RegistroAnulacion element."""
    key = element.find(f"{{{NS_SUM1}}}IDFactura")
    if key is None:
        raise ValueError("the record has no IDFactura")
    texts = [(child.text or "").strip() for child in key]
    if len(texts) != 3:
        raise ValueError("IDFactura must have issuer, number and date")
    return texts[0], texts[1], texts[2]


def hash_pairs_of(element: etree._Element) -> list[tuple[str, str]]:
    """Recompute the fingerprint fields from a record element as received (for checkers)."""

    def text(path: str) -> str:
        found = element.find(path, NSMAP)
        return (found.text or "").strip() if found is not None else ""

    previous = text("sum1:Encadenamiento/sum1:RegistroAnterior/sum1:Huella")
    generated = text("sum1:FechaHoraHusoGenRegistro")
    if etree.QName(element).localname == "RegistroAlta":
        return [
            ("IDEmisorFactura", text("sum1:IDFactura/sum1:IDEmisorFactura")),
            ("NumSerieFactura", text("sum1:IDFactura/sum1:NumSerieFactura")),
            ("FechaExpedicionFactura", text("sum1:IDFactura/sum1:FechaExpedicionFactura")),
            ("TipoFactura", text("sum1:TipoFactura")),
            ("CuotaTotal", text("sum1:CuotaTotal")),
            ("ImporteTotal", text("sum1:ImporteTotal")),
            ("Huella", previous),
            ("FechaHoraHusoGenRegistro", generated),
        ]
    return [
        ("IDEmisorFacturaAnulada", text("sum1:IDFactura/sum1:IDEmisorFacturaAnulada")),
        ("NumSerieFacturaAnulada", text("sum1:IDFactura/sum1:NumSerieFacturaAnulada")),
        (
            "FechaExpedicionFacturaAnulada",
            text("sum1:IDFactura/sum1:FechaExpedicionFacturaAnulada"),
        ),
        ("Huella", previous),
        ("FechaHoraHusoGenRegistro", generated),
    ]


def _el(name: str) -> etree._Element:
    return etree.Element(f"{{{NS_SUM1}}}{name}", nsmap={"sum1": NS_SUM1})


def _sub(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    child = etree.SubElement(parent, f"{{{NS_SUM1}}}{name}")
    if text is not None:
        child.text = text
    return child


def _party(parent: etree._Element, party: Party) -> None:
    _sub(parent, "NombreRazon", (party.name or "-")[:120])
    if party.nif:
        _sub(parent, "NIF", party.nif)
        return
    other = _sub(parent, "IDOtro")
    if party.country:
        _sub(other, "CodigoPais", party.country)
    _sub(other, "IDType", party.id_type)
    _sub(other, "ID", party.other_id[:20])


def _tax_line(parent: etree._Element, line: TaxLine) -> None:
    _sub(parent, "Impuesto", line.tax_code)
    _sub(parent, "ClaveRegimen", line.regime)
    if line.exemption:
        _sub(parent, "OperacionExenta", line.exemption)
    else:
        _sub(parent, "CalificacionOperacion", line.qualification)
    taxed = not line.exemption and line.qualification in {"S1", "S2"}
    if taxed and line.rate is not None:
        _sub(parent, "TipoImpositivo", rate(line.rate))
    _sub(parent, "BaseImponibleOimporteNoSujeto", amount(line.base))
    if taxed:
        _sub(parent, "CuotaRepercutida", amount(line.tax))
        if line.surcharge_rate is not None and line.surcharge is not None:
            _sub(parent, "TipoRecargoEquivalencia", rate(line.surcharge_rate))
            _sub(parent, "CuotaRecargoEquivalencia", amount(line.surcharge))


def _chain(parent: etree._Element, previous: ChainLink | None) -> None:
    if previous is None:
        _sub(parent, "PrimerRegistro", "S")
        return
    link = _sub(parent, "RegistroAnterior")
    _sub(link, "IDEmisorFactura", previous.issuer_nif)
    _sub(link, "NumSerieFactura", previous.number)
    _sub(link, "FechaExpedicionFactura", date_text(previous.issue_date))
    _sub(link, "Huella", previous.fingerprint)


def _software(parent: etree._Element, software: Software) -> None:
    _sub(parent, "NombreRazon", software.producer_name[:120])
    _sub(parent, "NIF", software.producer_nif)
    _sub(parent, "NombreSistemaInformatico", software.name[:30])
    _sub(parent, "IdSistemaInformatico", software.system_id[:2])
    _sub(parent, "Version", software.version[:50])
    _sub(parent, "NumeroInstalacion", software.installation[:100])
    _sub(parent, "TipoUsoPosibleSoloVerifactu", "S" if software.only_verifactu else "N")
    _sub(parent, "TipoUsoPosibleMultiOT", "S" if software.multiple_taxpayers else "N")
    _sub(parent, "IndicadorMultiplesOT", "S" if software.several_taxpayers_now else "N")
