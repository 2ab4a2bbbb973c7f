"""The event log of a NO VERI*FACTU system (``RegistroEvento``, EventosSIF.xsd).

Orden HAC/1177/2024 art. 9: a system that keeps its records instead of sending them logs its
own events, chained by a SHA-256 fingerprint (``HuellaEvento``) and signed like the records.
Event types (``TipoEvento``): 01 start of operation as NO VERI*FACTU, 02 end of it, 03–06
anomaly detection, 07 backup restored, 08 export of billing records, 09 export of events,
10 summary of events (due every 6 hours of operation), 90 other.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from lxml import etree

from einvoice.verifactu.records import Software, amount, date_text, fingerprint, timestamp_text

NS_EVT = (
    "https://www2.agenciatributaria.gob.es/static_files/common/internet/dep/aplicaciones/"
    "es/aeat/tike/cont/ws/EventosSIF.xsd"
)
START = "01"
END = "02"
CHECK_RECORDS = "03"
ANOMALY_RECORD = "04"
CHECK_EVENTS = "05"
ANOMALY_EVENT = "06"
BACKUP_RESTORED = "07"
EXPORT_RECORDS = "08"
EXPORT_EVENTS = "09"
SUMMARY = "10"
OTHER = "90"
SUMMARY_EVERY = dt.timedelta(hours=6)


@dataclass(frozen=True, kw_only=True)
class PreviousEvent:
    """``EventoAnterior``: type, generation time (as written) and fingerprint."""

    event_type: str
    generated_at: str
    fingerprint: str


@dataclass(frozen=True, kw_only=True)
class RecordRef:
    """A billing record named by a summary: key and fingerprint."""

    issuer_nif: str
    number: str
    issue_date: dt.date
    fingerprint: str


@dataclass(frozen=True, kw_only=True)
class Summary:
    """``ResumenEventos`` of an event 10: what happened since the previous summary."""

    events: dict[str, int] = field(default_factory=dict)
    first_record: RecordRef | None = None
    last_record: RecordRef | None = None
    altas: int = 0
    tax_total: Decimal = Decimal("0")
    total: Decimal = Decimal("0")
    anulaciones: int = 0


@dataclass(frozen=True, kw_only=True)
class Export:
    """``ExportacionRegFacturacionPeriodo`` of an event 08: which records were exported."""

    start: dt.datetime
    end: dt.datetime
    first_record: RecordRef
    last_record: RecordRef
    altas: int
    tax_total: Decimal
    total: Decimal
    anulaciones: int
    discontinued: bool = False
    """Whether the exported records stop being kept by the system."""


@dataclass(frozen=True, kw_only=True)
class EventRef:
    """An event named by another (``RegEventoType``): type, generation time, fingerprint."""

    event_type: str
    generated_at: str
    fingerprint: str


@dataclass(frozen=True, kw_only=True)
class CheckRun:
    """What an anomaly-detection run (event 03 on records, 05 on events) examined: how many
    items for each of the four checks (fingerprints, signatures, chain, dates); ``None`` when
    that check was not run."""

    fingerprints: int | None = None
    signatures: int | None = None
    chain: int | None = None
    dates: int | None = None


@dataclass(frozen=True, kw_only=True)
class Anomaly:
    """One anomaly found (event 04 on a billing record, 06 on an event): the AEAT's
    ``TipoAnomalia`` code, a short note and the record or event concerned."""

    code: str
    note: str = ""
    record: RecordRef | None = None
    event: EventRef | None = None


@dataclass(frozen=True, kw_only=True)
class EventExport:
    """``ExportacionRegEventoPeriodo`` of an event 09: which events were exported."""

    start: dt.datetime
    end: dt.datetime
    first_event: EventRef
    last_event: EventRef
    count: int
    discontinued: bool = False


@dataclass(frozen=True, kw_only=True)
class Event:
    """One ``RegistroEvento`` (before its signature)."""

    software: Software
    taxpayer_nif: str
    taxpayer_name: str
    event_type: str
    generated_at: dt.datetime
    previous: PreviousEvent | None = None
    other_data: str = ""
    summary: Summary | None = None
    export: Export | None = None
    check: CheckRun | None = None
    anomaly: Anomaly | None = None
    events_export: EventExport | None = None

    def hash_pairs(self) -> list[tuple[str, str]]:
        """Fingerprint fields in the AEAT's order; ``NIF`` appears twice (producer, taxpayer)."""
        return [
            ("NIF", self.software.producer_nif),
            ("ID", ""),
            ("IdSistemaInformatico", self.software.system_id),
            ("Version", self.software.version),
            ("NumeroInstalacion", self.software.installation),
            ("NIF", self.taxpayer_nif),
            ("TipoEvento", self.event_type),
            ("HuellaEvento", self.previous.fingerprint if self.previous else ""),
            ("FechaHoraHusoGenEvento", timestamp_text(self.generated_at)),
        ]

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.hash_pairs())

    def to_element(self) -> etree._Element:
        """The unsigned ``RegistroEvento`` (its ``ds:Signature`` is appended to ``Evento``)."""
        root = etree.Element(_q("RegistroEvento"), nsmap={"sf": NS_EVT})
        _sub(root, "IDVersion", "1.0")
        event = _sub(root, "Evento")
        soft = _sub(event, "SistemaInformatico")
        s = self.software
        _sub(soft, "NombreRazon", s.producer_name[:120])
        _sub(soft, "NIF", s.producer_nif)
        _sub(soft, "NombreSistemaInformatico", s.name[:30])
        _sub(soft, "IdSistemaInformatico", s.system_id[:2])
        _sub(soft, "Version", s.version[:50])
        _sub(soft, "NumeroInstalacion", s.installation[:100])
        _sub(soft, "TipoUsoPosibleSoloVerifactu", "S" if s.only_verifactu else "N")
        _sub(soft, "TipoUsoPosibleMultiOT", "S" if s.multiple_taxpayers else "N")
        _sub(soft, "IndicadorMultiplesOT", "S" if s.several_taxpayers_now else "N")
        obligado = _sub(event, "ObligadoEmision")
        _sub(obligado, "NombreRazon", self.taxpayer_name[:120])
        _sub(obligado, "NIF", self.taxpayer_nif)
        _sub(event, "FechaHoraHusoGenEvento", timestamp_text(self.generated_at))
        _sub(event, "TipoEvento", self.event_type)
        self._own_data(event)
        if self.other_data:
            _sub(event, "OtrosDatosEvento", self.other_data[:100])
        chain = _sub(event, "Encadenamiento")
        if self.previous is None:
            _sub(chain, "PrimerEvento", "S")
        else:
            link = _sub(chain, "EventoAnterior")
            _sub(link, "TipoEvento", self.previous.event_type)
            _sub(link, "FechaHoraHusoGenEvento", self.previous.generated_at)
            _sub(link, "HuellaEvento", self.previous.fingerprint)
        _sub(event, "TipoHuella", "01")
        _sub(event, "HuellaEvento", self.fingerprint)
        return root

    def _own_data(self, event: etree._Element) -> None:
        """``DatosPropiosEvento``: the block that belongs to this event's type, if any."""
        if self.summary is not None:
            _summary(_sub(_sub(event, "DatosPropiosEvento"), "ResumenEventos"), self.summary)
        elif self.export is not None:
            box = _sub(_sub(event, "DatosPropiosEvento"), "ExportacionRegFacturacionPeriodo")
            _export(box, self.export)
        elif self.events_export is not None:
            box = _sub(_sub(event, "DatosPropiosEvento"), "ExportacionRegEventoPeriodo")
            _events_export(box, self.events_export)
        elif self.check is not None and self.event_type in {CHECK_RECORDS, CHECK_EVENTS}:
            on_records = self.event_type == CHECK_RECORDS
            name = "RegFacturacion" if on_records else "RegEvento"
            box = _sub(
                _sub(event, "DatosPropiosEvento"), f"LanzamientoProcesoDeteccionAnomalias{name}"
            )
            _check(box, self.check, on_records=on_records)
        elif self.anomaly is not None and self.event_type in {ANOMALY_RECORD, ANOMALY_EVENT}:
            on_records = self.event_type == ANOMALY_RECORD
            name = "RegFacturacion" if on_records else "RegEvento"
            box = _sub(_sub(event, "DatosPropiosEvento"), f"DeteccionAnomalias{name}")
            _anomaly(box, self.anomaly, on_records=on_records)


def _check(parent: etree._Element, run: CheckRun, *, on_records: bool) -> None:
    items = "RegistrosFacturacion" if on_records else "RegistrosEvento"
    suffix = "RegFacturacion" if on_records else "RegEvento"
    limit = 9_999_999 if on_records else 99_999
    for check, count in (
        ("IntegridadHuellas", run.fingerprints),
        ("IntegridadFirmas", run.signatures),
        ("TrazabilidadCadena", run.chain),
        ("TrazabilidadFechas", run.dates),
    ):
        _sub(parent, f"RealizadoProcesoSobre{check}{suffix}", "N" if count is None else "S")
        if count is not None:
            _sub(parent, f"NumeroDe{items}ProcesadosSobre{check}", str(min(count, limit)))


def _anomaly(parent: etree._Element, anomaly: Anomaly, *, on_records: bool) -> None:
    _sub(parent, "TipoAnomalia", anomaly.code)
    if anomaly.note:
        _sub(parent, "OtrosDatosAnomalia", anomaly.note[:100])
    if on_records and anomaly.record is not None:
        box = _sub(parent, "RegistroFacturacionAnomalo")
        _sub(box, "IDEmisorFactura", anomaly.record.issuer_nif)
        _sub(box, "NumSerieFactura", anomaly.record.number)
        _sub(box, "FechaExpedicionFactura", date_text(anomaly.record.issue_date))
    elif not on_records and anomaly.event is not None:
        _event_ref(parent, "RegEventoAnomalo", anomaly.event)


def _event_ref(parent: etree._Element, name: str, ref: EventRef) -> None:
    box = _sub(parent, name)
    _sub(box, "TipoEvento", ref.event_type)
    _sub(box, "FechaHoraHusoEvento", ref.generated_at)
    _sub(box, "HuellaEvento", ref.fingerprint)


def _events_export(parent: etree._Element, export: EventExport) -> None:
    _sub(parent, "FechaHoraHusoInicioPeriodoExport", timestamp_text(export.start))
    _sub(parent, "FechaHoraHusoFinPeriodoExport", timestamp_text(export.end))
    _event_ref(parent, "RegistroEventoInicialPeriodo", export.first_event)
    _event_ref(parent, "RegistroEventoFinalPeriodo", export.last_event)
    _sub(parent, "NumeroDeRegEventoExportados", str(min(export.count, 9_999_999)))
    _sub(parent, "RegEventoExportadosDejanDeConservarse", "S" if export.discontinued else "N")


def hash_pairs_of(element: etree._Element) -> list[tuple[str, str]]:
    """Recompute an event's fingerprint fields from its ``RegistroEvento`` as stored."""

    def text(path: str) -> str:
        found = element.find(path, {"sf": NS_EVT})
        return (found.text or "").strip() if found is not None else ""

    return [
        ("NIF", text("sf:Evento/sf:SistemaInformatico/sf:NIF")),
        ("ID", text("sf:Evento/sf:SistemaInformatico/sf:IDOtro/sf:ID")),
        ("IdSistemaInformatico", text("sf:Evento/sf:SistemaInformatico/sf:IdSistemaInformatico")),
        ("Version", text("sf:Evento/sf:SistemaInformatico/sf:Version")),
        ("NumeroInstalacion", text("sf:Evento/sf:SistemaInformatico/sf:NumeroInstalacion")),
        ("NIF", text("sf:Evento/sf:ObligadoEmision/sf:NIF")),
        ("TipoEvento", text("sf:Evento/sf:TipoEvento")),
        ("HuellaEvento", text("sf:Evento/sf:Encadenamiento/sf:EventoAnterior/sf:HuellaEvento")),
        ("FechaHoraHusoGenEvento", text("sf:Evento/sf:FechaHoraHusoGenEvento")),
    ]


def _ref(parent: etree._Element, name: str, ref: RecordRef) -> None:
    box = _sub(parent, name)
    _sub(box, "IDEmisorFactura", ref.issuer_nif)
    _sub(box, "NumSerieFactura", ref.number)
    _sub(box, "FechaExpedicionFactura", date_text(ref.issue_date))
    _sub(box, "Huella", ref.fingerprint)


def _export(parent: etree._Element, export: Export) -> None:
    _sub(parent, "FechaHoraHusoInicioPeriodoExport", timestamp_text(export.start))
    _sub(parent, "FechaHoraHusoFinPeriodoExport", timestamp_text(export.end))
    _ref(parent, "RegistroFacturacionInicialPeriodo", export.first_record)
    _ref(parent, "RegistroFacturacionFinalPeriodo", export.last_record)
    _sub(parent, "NumeroDeRegistrosFacturacionAltaExportados", str(export.altas))
    _sub(parent, "SumaCuotaTotalAlta", amount(export.tax_total))
    _sub(parent, "SumaImporteTotalAlta", amount(export.total))
    _sub(parent, "NumeroDeRegistrosFacturacionAnulacionExportados", str(export.anulaciones))
    _sub(
        parent,
        "RegistrosFacturacionExportadosDejanDeConservarse",
        "S" if export.discontinued else "N",
    )


def _summary(parent: etree._Element, summary: Summary) -> None:
    for event_type, count in sorted(summary.events.items())[:20]:
        item = _sub(parent, "TipoEvento")
        _sub(item, "TipoEvento", event_type)
        _sub(item, "NumeroDeEventos", str(min(count, 9999)))
    for name, ref in (
        ("RegistroFacturacionInicialPeriodo", summary.first_record),
        ("RegistroFacturacionFinalPeriodo", summary.last_record),
    ):
        if ref is not None:
            _ref(parent, name, ref)
    _sub(parent, "NumeroDeRegistrosFacturacionAltaGenerados", str(summary.altas))
    _sub(parent, "SumaCuotaTotalAlta", amount(summary.tax_total))
    _sub(parent, "SumaImporteTotalAlta", amount(summary.total))
    _sub(parent, "NumeroDeRegistrosFacturacionAnulacionGenerados", str(summary.anulaciones))


def _q(name: str) -> str:
    return f"{{{NS_EVT}}}{name}"


def _sub(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    child = etree.SubElement(parent, _q(name))
    if text is not None:
        child.text = text
    return child
