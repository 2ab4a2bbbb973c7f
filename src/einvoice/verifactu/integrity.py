"""Anomaly detection over a chain of billing records or of event records.

Orden HAC/1177/2024 art. 9 asks a NO VERI*FACTU system to look for anomalies in the
integrity, inalterability and traceability of its records and to log both the run (events 03
and 05) and every anomaly found (events 04 and 06, ``TipoAnomalia`` of EventosSIF.xsd).
The four checks are the ones the event's ``LanzamientoProcesoDeteccionAnomalias…`` block
names: fingerprints, signatures, the chain and the dates.

The functions here only read the records as they were stored (the bytes made and hashed);
what to do with the findings is the caller's business.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from lxml import etree

from einvoice.errors import EInvoiceError
from einvoice.signing import xades
from einvoice.verifactu import events
from einvoice.verifactu.records import NS_SUM1, fingerprint, hash_pairs_of
from einvoice.verifactu.signing import verify_record
from einvoice.xml import parse_bytes

# TipoAnomalia codes (EventosSIF.xsd, TipoAnomaliaType).
FINGERPRINT = "01"
"""Integridad-huella: the stored fingerprint is not the one of the record's fields."""
SIGNATURE = "02"
"""Integridad-firma: the record's signature does not verify."""
INTEGRITY_OTHER = "03"
"""Integridad - Otros: the record cannot be read at all."""
PREVIOUS_MISSING = "04"
"""The first record kept names a previous record that is not there."""
CHAIN_OTHER = "06"
"""A record other than the first claims to be the first of the chain."""
PREVIOUS_FINGERPRINT = "08"
"""The record's 'previous fingerprint' is not the previous record's fingerprint."""
DATE_BEFORE_PREVIOUS = "11"
"""Generated before the previous record."""
DATE_IN_FUTURE = "13"
"""Generated after the system's current time."""
DATE_OTHER = "14"
"""The generation time cannot be read."""

_SKEW = dt.timedelta(minutes=5)
"""Clock tolerance for 'generated in the future'."""


@dataclass(frozen=True, kw_only=True)
class Finding:
    """One anomaly: the position of the record in the list checked, its code and a note."""

    index: int
    code: str
    note: str


@dataclass(kw_only=True)
class Result:
    """What one run examined (for the event 03/05) and what it found (events 04/06)."""

    run: events.CheckRun
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings


def _text(element: etree._Element, path: str, ns: dict[str, str]) -> str:
    found = element.find(path, ns)
    return (found.text or "").strip() if found is not None else ""


def _moment(text: str) -> dt.datetime | None:
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


@dataclass(frozen=True, kw_only=True)
class _Layout:
    """Where a kind of record keeps what the checks read (namespace prefix ``x``)."""

    ns: str
    fingerprint: str
    first: str
    link: str
    generated: str
    hash_pairs: Callable[[etree._Element], list[tuple[str, str]]]
    always_signed: bool


_RECORDS = _Layout(
    ns=NS_SUM1,
    fingerprint="x:Huella",
    first="x:Encadenamiento/x:PrimerRegistro",
    link="x:Encadenamiento/x:RegistroAnterior/x:Huella",
    generated="x:FechaHoraHusoGenRegistro",
    hash_pairs=hash_pairs_of,
    always_signed=False,
)
_EVENTS = _Layout(
    ns=events.NS_EVT,
    fingerprint="x:Evento/x:HuellaEvento",
    first="x:Evento/x:Encadenamiento/x:PrimerEvento",
    link="x:Evento/x:Encadenamiento/x:EventoAnterior/x:HuellaEvento",
    generated="x:Evento/x:FechaHoraHusoGenEvento",
    hash_pairs=events.hash_pairs_of,
    always_signed=True,
)


def check_records(records: Sequence[bytes], *, now: dt.datetime) -> Result:
    """Check one issuer's billing records (``RegistroAlta``/``RegistroAnulacion`` as stored,
    in chain order).  Signatures are checked on the records that carry one (records made in
    VERI*FACTU mode are sent unsigned)."""
    return _check(records, _RECORDS, now=now)


def check_events(records: Sequence[bytes], *, now: dt.datetime) -> Result:
    """Check one taxpayer's event records (signed ``RegistroEvento`` as stored, in order)."""
    return _check(records, _EVENTS, now=now)


def _check(records: Sequence[bytes], layout: _Layout, *, now: dt.datetime) -> Result:
    ns = {"x": layout.ns}
    findings: list[Finding] = []
    signed = 0
    previous_fingerprint: str | None = None
    previous_time: dt.datetime | None = None
    for index, data in enumerate(records):
        try:
            element = parse_bytes(data).getroot()
        except EInvoiceError:  # an unreadable record is itself the anomaly
            findings.append(Finding(index=index, code=INTEGRITY_OTHER, note="unreadable record"))
            previous_fingerprint, previous_time = None, None
            continue
        own = _text(element, layout.fingerprint, ns)
        if fingerprint(layout.hash_pairs(element)) != own:
            findings.append(Finding(index=index, code=FINGERPRINT, note="fingerprint mismatch"))
        has_signature = next(element.iter(f"{{{xades.DS_NS}}}Signature"), None) is not None
        if has_signature or layout.always_signed:
            signed += 1
            if not verify_record(data):
                findings.append(Finding(index=index, code=SIGNATURE, note="signature invalid"))
        first = element.find(layout.first, ns) is not None
        link = _text(element, layout.link, ns)
        _chain_findings(findings, index, first=first, link=link, previous=previous_fingerprint)
        moment = _moment(_text(element, layout.generated, ns))
        _date_findings(findings, index, moment=moment, previous=previous_time, now=now)
        previous_fingerprint = own
        previous_time = moment or previous_time
    count = len(records)
    return Result(
        run=events.CheckRun(fingerprints=count, signatures=signed, chain=count, dates=count),
        findings=findings,
    )


def _chain_findings(
    findings: list[Finding], index: int, *, first: bool, link: str, previous: str | None
) -> None:
    if index == 0:
        if not first:
            findings.append(
                Finding(index=index, code=PREVIOUS_MISSING, note="previous record missing")
            )
    elif first:
        findings.append(Finding(index=index, code=CHAIN_OTHER, note="second start of the chain"))
    elif previous is not None and link != previous:
        findings.append(
            Finding(index=index, code=PREVIOUS_FINGERPRINT, note="previous fingerprint mismatch")
        )


def _date_findings(
    findings: list[Finding],
    index: int,
    *,
    moment: dt.datetime | None,
    previous: dt.datetime | None,
    now: dt.datetime,
) -> None:
    if moment is None:
        findings.append(Finding(index=index, code=DATE_OTHER, note="generation time unreadable"))
        return
    if previous is not None and moment < previous:
        findings.append(
            Finding(index=index, code=DATE_BEFORE_PREVIOUS, note="generated before the previous")
        )
    if moment > now + _SKEW:
        findings.append(Finding(index=index, code=DATE_IN_FUTURE, note="generated in the future"))
