"""Read UN/EDIFACT INVOIC interchanges into canonical invoices.

The interchange is tokenised by pydifact; the message is then read as a flat sequence of
segments with a small amount of context (which party, line, allowance or tax the segment
belongs to), because the segments this reader needs appear in the same order in every
INVOIC directory from D93A to D16B while their group numbers shift.  Totals the message
does not state (EANCOM totals with ``MOA+77``/``MOA+125`` instead of the EN 16931
``389``/``388``/``9``) are derived from the lines and the tax breakdown the message does
state, never invented.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
import re
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from pydifact.constants import EDI_DEFAULT_DIRECTORY, EDI_DEFAULT_VERSION, Element
from pydifact.exceptions import EDISyntaxError
from pydifact.segments import Segment, SegmentFactory

from einvoice import totals as totals_mod
from einvoice.errors import EInvoiceError, ParseError, UnsupportedDocument
from einvoice.formats.edifact import _codes as c
from einvoice.formats.edifact import _tokens
from einvoice.model import (
    ZERO,
    Address,
    AllowanceCharge,
    Attachment,
    Contact,
    CreditTransfer,
    Delivery,
    Document,
    DocumentKind,
    Identifier,
    Invoice,
    Line,
    Note,
    Party,
    Payment,
    Period,
    PrecedingInvoice,
    TaxType,
    Totals,
    VatBreakdown,
    VatCategory,
    Withholding,
)
from einvoice.xml import DEFAULT_MAX_BYTES

MAX_BYTES = DEFAULT_MAX_BYTES
"""Largest EDIFACT file read: the same 10 MB as an XML document.  pydifact's own tokenizer
reads character by character in Python (about 4 µs a byte), which once forced a 2 MB limit;
segments are now cut by :mod:`einvoice.formats.edifact._tokens` with string splits, and a
10 MB file (some 80,000 lines) reads in the time an XML file of that size takes
(``bench/cases_edifact.py``)."""

__all__ = ["Package", "decode", "message_directory", "read", "segments_of", "tokenise"]


def decode(data: bytes) -> str:
    """Text of an interchange: UTF-8 (syntax UNOW/UNOY, or plain ASCII), else Latin-1
    (UNOA–UNOC, the usual case in Spanish retail)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


@dataclass(frozen=True, slots=True)
class Package:
    """An object package (``UNO…UNP``, ISO 9735-8) cut out of the interchange."""

    reference: str
    object_id: str
    mime_type: str
    content: bytes


_UNO = re.compile(r"UNO\+([^']*)'")


def _package_error(where: str, detail: str, detail_es: str) -> ParseError:
    return ParseError.single(
        "EDI-PACKAGE",
        f"The attached object package (UNO…UNP) of the EDIFACT file{where} is damaged: {detail}.",
        f"El paquete de objeto adjunto (UNO…UNP) del fichero EDIFACT{where} está dañado: "
        f"{detail_es}.",
    )


def _cut_packages(text: str, where: str) -> tuple[str, dict[str, Package]]:
    """Take ``UNO…UNP`` packages out by their declared length before tokenising: their
    content has no segment terminator and would break any EDIFACT tokenizer."""
    packages: dict[str, Package] = {}
    pieces: list[str] = []
    pos = 0
    while (match := _UNO.search(text, pos)) is not None:
        fields = match.group(1).split("+")
        try:
            length = int(fields[-1].split(":")[0])
        except ValueError:
            raise _package_error(
                where, "its length is not a number", "su longitud no es un número"
            ) from None
        start = match.end()
        end = start + length
        if not text.startswith("UNP+", end):
            raise _package_error(
                where,
                f"it declares {length} characters but no UNP follows them",
                f"declara {length} caracteres pero no les sigue un UNP",
            )
        close = text.find("'", end)
        if close < 0:
            raise _package_error(where, "its UNP is not terminated", "su UNP no está terminado")
        object_id = fields[1].split(":")[-1] if len(fields) > 1 else ""
        mime = fields[2].split(":")[-1] if len(fields) > 2 else ""
        raw = text[start:end]
        try:
            content = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            content = raw.encode("utf-8", errors="surrogateescape")
        packages[object_id or fields[0]] = Package(
            reference=fields[0], object_id=object_id, mime_type=mime, content=content
        )
        pieces.append(text[pos : match.start()])
        pos = close + 1
    pieces.append(text[pos:])
    return "".join(pieces), packages


class _PlainSegments(SegmentFactory):
    """pydifact's factory without its per-segment dictionary validation: that checks
    segments against its newest directory (D24A), not the message's own, and costs most
    of the parse; what this reader needs is checked where it is read."""

    @staticmethod
    def create_segment(
        name: str,
        *elements: Element,
        validate: bool = False,
        version: str = EDI_DEFAULT_VERSION,
        directory: str = EDI_DEFAULT_DIRECTORY,
    ) -> Segment:
        return SegmentFactory.create_segment(
            name, *elements, validate=False, version=version, directory=directory
        )


_tokens.register_plain_factory(_PlainSegments)


def tokenise(data: bytes, *, filename: str = "") -> tuple[list[Segment], dict[str, Package]]:
    """Segments and object packages of an interchange; :class:`ParseError` ``EDI-SYNTAX``
    (or ``EDI-PACKAGE``) when it cannot be read.

    Tokenising is the dominant cost of an inbound EDIFACT file (:mod:`._tokens` keeps it
    linear and in C where it can); the validation pipeline detects, checks and parses the
    same bytes, so the last results are kept (callers never modify the segments).
    """
    if len(data) > MAX_BYTES:
        where = f" ({filename})" if filename else ""
        raise ParseError.single(
            "EDI-SIZE",
            f"The EDIFACT file{where} is {len(data):,} bytes; EDIFACT files are read up to "
            f"{MAX_BYTES:,} bytes (a very large invoice: send it as XML).",
            f"El fichero EDIFACT{where} ocupa {len(data):,} bytes; los ficheros EDIFACT se leen "
            f"hasta {MAX_BYTES:,} bytes (una factura muy grande: envíela en XML).",
        )
    segments, packages = _tokenise(data, filename)
    return list(segments), dict(packages)


@lru_cache(maxsize=2)
def _tokenise(data: bytes, filename: str) -> tuple[tuple[Segment, ...], dict[str, Package]]:
    where = f" ({filename})" if filename else ""
    text, packages = _cut_packages(decode(data).strip(), where)
    try:
        with warnings.catch_warnings():
            # pydifact warns that it has no dictionary for service segments; harmless.
            warnings.simplefilter("ignore")
            return tuple(_tokens.parse(text, _PlainSegments())), packages
    except (EDISyntaxError, ValueError, IndexError, AssertionError) as exc:
        raise ParseError.single(
            "EDI-SYNTAX",
            f"The file{where} looks like EDIFACT but cannot be read: {exc}.",
            f"El fichero{where} parece EDIFACT pero no se puede leer: {exc}.",
        ) from exc


def segments_of(data: bytes, *, filename: str = "") -> list[Segment]:
    """The segments of an interchange (object packages left out)."""
    return tokenise(data, filename=filename)[0]


def _comp(segment: Segment, index: int, component: int = 0) -> str:
    """Component ``component`` of data element ``index`` ('' when absent)."""
    if index >= len(segment.elements):
        return ""
    element = segment.elements[index]
    if isinstance(element, list):
        return element[component].strip() if component < len(element) else ""
    return element.strip() if component == 0 else ""


def _components(segment: Segment, index: int) -> list[str]:
    if index >= len(segment.elements):
        return []
    element = segment.elements[index]
    return list(element) if isinstance(element, list) else [element]


def message_directory(segments: Sequence[Segment]) -> tuple[str, str]:
    """(message type, directory) of the first UNH, e.g. ``("INVOIC", "D96A")``."""
    for segment in segments:
        if segment.tag == "UNH":
            return _comp(segment, 1, 0), f"{_comp(segment, 1, 1)}{_comp(segment, 1, 2)}"
    return "", ""


def _messages(segments: Sequence[Segment]) -> Iterator[list[Segment]]:
    current: list[Segment] | None = None
    for segment in segments:
        if segment.tag == "UNH":
            current = [segment]
        elif segment.tag == "UNT":
            if current is not None:
                yield current
            current = None
        elif current is not None:
            current.append(segment)
    if current is not None:  # an unterminated message is read as far as it goes
        yield current


def _bad(rule: str, en: str, es: str, number: str = "") -> ParseError:
    prefix_en = f"Invoice {number}: " if number else ""
    prefix_es = f"Factura {number}: " if number else ""
    return ParseError.single(rule, prefix_en + en, prefix_es + es)


def _amount(text: str, what: str, number: str) -> Decimal:
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite():
        raise _bad(
            "EDI-NUMBER",
            f"{what} is '{text}', which is not a number.",
            f"{what} es '{text}', que no es un número.",
            number,
        )
    return value


def _date(value: str, fmt: str, what: str, number: str) -> dt.date | None:
    if not value:
        return None
    try:
        if fmt in ("", "102"):
            return dt.datetime.strptime(value[:8], "%Y%m%d").date()
        if fmt in ("203", "204"):
            return dt.datetime.strptime(value[:8], "%Y%m%d").date()
        if fmt == "101":
            return dt.datetime.strptime(value[:6], "%y%m%d").date()
    except ValueError:
        pass
    raise _bad(
        "EDI-DATE",
        f"{what} '{value}' (format {fmt or '102'}) is not a valid date.",
        f"{what} '{value}' (formato {fmt or '102'}) no es una fecha válida.",
        number,
    )


def _period(value: str, fmt: str, number: str) -> Period | None:
    """A DTM with format 718 (CCYYMMDD-CCYYMMDD)."""
    if fmt != "718" or "-" not in value:
        return None
    start, _, end = value.partition("-")
    return Period(
        start=_date(start, "102", "DTM 718", number), end=_date(end, "102", "DTM 718", number)
    )


@dataclass
class _Party:
    role: str
    name: str = ""
    ids: list[Identifier] = field(default_factory=list)
    address: Address = field(default_factory=Address)
    tax_id: str = ""
    legal_id: Identifier | None = None
    registration: str = ""
    contact_name: str = ""
    phone: str = ""
    email: str = ""
    accounts: list[CreditTransfer] = field(default_factory=list)
    endpoint: Identifier | None = None
    legal_form: str = ""

    def build(self) -> Party:
        return Party(
            name=self.name,
            tax_id=self.tax_id,
            tax_registration_id=self.registration,
            legal_id=self.legal_id,
            identifiers=tuple(self.ids),
            endpoint=self.endpoint,
            legal_form=self.legal_form,
            address=self.address,
            contact=Contact(name=self.contact_name, phone=self.phone, email=self.email),
        )


@dataclass
class _Tax:
    """A TAX segment with the MOA/FTX that follow it."""

    kind: str
    category: VatCategory | None
    rate: Decimal | None
    code_name: str = ""
    taxable: Decimal | None = None
    amount: Decimal | None = None


@dataclass
class _AC:
    is_charge: bool
    reason_code: str = ""
    reason: str = ""
    amount: Decimal | None = None
    base: Decimal | None = None
    percent: Decimal | None = None
    taxes: list[_Tax] = field(default_factory=list)


@dataclass
class _Line:
    id: str
    name: str = ""
    description: str = ""
    quantity: Decimal = Decimal("1")
    unit: str = "C62"
    quantity_stated: bool = False
    net_amount: Decimal | None = None
    net_price: Decimal | None = None
    gross_price: Decimal | None = None
    price_discount: Decimal | None = None
    base_quantity: Decimal | None = None
    base_unit: str = ""
    seller_item: str = ""
    buyer_item: str = ""
    gtin: str = ""
    gtin_scheme: str = "0160"
    origin: str = ""
    classifications: list[Identifier] = field(default_factory=list)
    attributes: list[tuple[str, str]] = field(default_factory=list)
    note: str = ""
    order_line_ref: str = ""
    accounting_ref: str = ""
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    taxes: list[_Tax] = field(default_factory=list)
    acs: list[_AC] = field(default_factory=list)


_USED_AMOUNTS = frozenset(
    {"509", "2", "8", "9", "23", "25", "77", "79", "113", "124", "125", "150", "176", "203", "204"}
    | {"259", "260", "366", "388", "389"}
)
_CATEGORIES = {str(cat): cat for cat in VatCategory}


def _tax(segment: Segment, number: str) -> _Tax:
    kind = _comp(segment, 1, 0) or c.TAX_VAT
    rate_text = _comp(segment, 4, 3)
    rate = _amount(rate_text, "TAX rate", number) if rate_text else None
    category_code = _comp(segment, 5, 0)
    category = _CATEGORIES.get(category_code)
    if kind == c.TAX_VAT and category is None:
        if category_code:
            raise _bad(
                "EDI-TAX-CATEGORY",
                f"VAT category '{category_code}' is not an EN 16931 category (S, Z, E, AE, K, "
                "G, O, L, M).",
                f"La categoría de IVA '{category_code}' no es una categoría EN 16931 (S, Z, E, "
                "AE, K, G, O, L, M).",
                number,
            )
        category = VatCategory.STANDARD if rate else VatCategory.ZERO_RATED
    return _Tax(kind=kind, category=category, rate=rate, code_name=_comp(segment, 1, 3))


class _Message:
    """State of one INVOIC message while its segments are read in order."""

    def __init__(self, segments: Sequence[Segment], packages: dict[str, Package]) -> None:
        self.segments = segments
        self.packages = packages
        self.attachments: list[dict[str, str]] = []
        self.number = ""
        self.type_code = "380"
        self.fields: dict[str, object] = {}
        self.notes: list[Note] = []
        self.exemptions: list[tuple[str, str]] = []
        self.parties: dict[str, _Party] = {}
        self.preceding: list[PrecedingInvoice] = []
        self.means_code = ""
        self.remittance = ""
        self.payment_terms: list[str] = []
        self.acs: list[_AC] = []
        self.lines: list[_Line] = []
        self.summary: dict[str, Decimal] = {}
        self.breakdown: list[_Tax] = []
        self.period_start: dt.date | None = None
        self.period_end: dt.date | None = None
        self.legal_form = ""

    # -- the walk -------------------------------------------------------------------------

    def read(self) -> Invoice:
        section = "header"
        party: _Party | None = None
        line: _Line | None = None
        ac: _AC | None = None
        tax: _Tax | None = None
        last_ref = ""
        for seg in self.segments:
            tag = seg.tag
            if tag == "UNS":
                section, line, ac, tax, party = "summary", None, None, None, None
            elif tag == "BGM":
                self.type_code = _comp(seg, 0, 0) or "380"
                self.number = _comp(seg, 1, 0)
            elif tag == "DTM":
                self._dtm(seg, section, line, last_ref)
            elif tag == "FTX":
                self._ftx(seg, line)
            elif tag == "RFF":
                last_ref = self._rff(seg, section, party, line)
            elif tag == "NAD" and section == "header" and line is None:
                role = _comp(seg, 0)
                party = self._nad(seg)
                self.parties.setdefault(role, party)
            elif tag == "EFI":
                party, ac, tax, line = None, None, None, None
                self.attachments.append(
                    {"filename": _comp(seg, 0, 0), "description": _comp(seg, 0, 1)}
                )
            elif tag == "COM" and self.attachments and party is None and line is None:
                if _comp(seg, 0, 1) == "AO":
                    self.attachments[-1]["uri"] = _comp(seg, 0, 0)
            elif tag == "FII" and party is not None:
                transfer = CreditTransfer(
                    account=_comp(seg, 1, 0), account_name=_comp(seg, 1, 1), bic=_comp(seg, 2, 0)
                )
                if transfer.account and transfer not in party.accounts:
                    party.accounts.append(transfer)
            elif tag == "CTA" and party is not None:
                party.contact_name = _comp(seg, 1, 1) or _comp(seg, 1, 0)
            elif tag == "COM" and party is not None:
                value, channel = _comp(seg, 0, 0), _comp(seg, 0, 1)
                if channel == c.COM_ENDPOINT:
                    scheme, _, ident = value.rpartition(":")
                    party.endpoint = Identifier(value=ident, scheme=scheme)
                elif channel == "EM":
                    party.email = value
                elif channel in ("TE", "AL"):
                    party.phone = value
            elif tag == "CUX":
                self.fields["currency"] = _comp(seg, 0, 1) or "EUR"
                if _comp(seg, 1, 1):
                    self.fields["tax_currency"] = _comp(seg, 1, 1)
                if _comp(seg, 2, 0):
                    self.fields["exchange_rate"] = _amount(
                        _comp(seg, 2, 0), "CUX rate", self.number
                    )
            elif tag == "PAI":
                self.means_code = _comp(seg, 0, 2) or _comp(seg, 0, 0)
            elif tag == "ALC":
                # EN 16931 binding: C552 "reason:code"; EANCOM: C214 "code:::text".
                ac = _AC(
                    is_charge=_comp(seg, 0) == "C",
                    reason_code=_comp(seg, 4, 0) or _comp(seg, 1, 1),
                    reason=_comp(seg, 4, 3) or _comp(seg, 1, 0),
                )
                tax = None
                (line.acs if line is not None else self.acs).append(ac)
            elif tag == "PCD" and ac is not None:
                ac.percent = _amount(_comp(seg, 0, 1), "PCD", self.number)
            elif tag == "LIN":
                party, ac, tax = None, None, None
                line = _Line(id=_comp(seg, 0) or str(len(self.lines) + 1))
                if _comp(seg, 2, 1) in c.ITEM_GTIN:
                    line.gtin, line.gtin_scheme = _comp(seg, 2, 0), _comp(seg, 2, 2) or "0160"
                self.lines.append(line)
            elif tag == "PIA" and line is not None:
                self._pia(seg, line)
            elif tag == "ALI" and line is not None:
                line.origin = _comp(seg, 0)
            elif tag == "IMD" and line is not None:
                text = _comp(seg, 2, 3) + _comp(seg, 2, 4)
                if not line.name:
                    line.name = text
                elif text:
                    line.description = f"{line.description} {text}".strip()
            elif tag == "QTY" and line is not None and _comp(seg, 0, 0) in ("47", "12", "46"):
                # 47 invoiced quantity; despatched (12) / delivered (46) only without it.
                if _comp(seg, 0, 0) == "47" or not line.quantity_stated:
                    line.quantity = _amount(_comp(seg, 0, 1), "QTY 47", self.number)
                    line.unit = c.UNIT_ALIASES.get(_comp(seg, 0, 2), _comp(seg, 0, 2))
                    line.quantity_stated = _comp(seg, 0, 0) == "47"
            elif tag == "PRI" and line is not None:
                self._pri(seg, line)
            elif tag == "TAX":
                tax = _tax(seg, self.number)
                if section == "summary":
                    self.breakdown.append(tax)
                elif ac is not None:
                    ac.taxes.append(tax)
                elif line is not None:
                    line.taxes.append(tax)
            elif tag == "MOA":
                self._moa(seg, section, line, ac, tax)
        return self.build()

    def _dtm(self, seg: Segment, section: str, line: _Line | None, last_ref: str) -> None:
        qualifier, value, fmt = _comp(seg, 0, 0), _comp(seg, 0, 1), _comp(seg, 0, 2)
        what = f"DTM {qualifier}"
        if last_ref in c.PRECEDING_INVOICE_REFS and self.preceding and qualifier in ("171", "3"):
            last = self.preceding[-1]
            self.preceding[-1] = dataclasses.replace(
                last, issue_date=_date(value, fmt, what, self.number)
            )
            return
        if fmt == "718":
            period = _period(value, fmt, self.number)
            if period is not None and line is not None:
                line.period_start, line.period_end = period.start, period.end
            elif period is not None:
                self.period_start, self.period_end = period.start, period.end
            return
        date = _date(value, fmt, what, self.number)
        if line is not None:
            if qualifier == "167":
                line.period_start = date
            elif qualifier == "168":
                line.period_end = date
            return
        if qualifier == "137":
            self.fields["issue_date"] = date
        elif qualifier == "131":
            self.fields["tax_point_date"] = date
        elif qualifier == "35":
            self.fields["delivery_date"] = date
        elif qualifier == "13":
            self.fields["due_date"] = date
        elif qualifier == "167":
            self.period_start = date
        elif qualifier == "168":
            self.period_end = date

    def _ftx(self, seg: Segment, line: _Line | None) -> None:
        qualifier = _comp(seg, 0)
        text = "".join(_components(seg, 3)).strip()
        if qualifier == "DOC":
            self.fields["specification_id"] = text
        elif qualifier == "AGM":
            self.exemptions.append((_comp(seg, 2, 0), text))
        elif line is not None and qualifier == "ACF":
            components = [*_components(seg, 3), ""]
            line.attributes.append((components[0].strip(), "".join(components[1:]).strip()))
        elif line is not None:
            line.note = f"{line.note} {text}".strip()
        elif qualifier == c.FTX_LEGAL_FORM and _comp(seg, 2, 0) == c.FTX_LEGAL_FORM_CODE:
            self.legal_form = text
        elif qualifier == "AAB":
            self.payment_terms.append(text)
        elif text:
            self.notes.append(
                Note(text=text, subject="" if qualifier == c.FTX_NO_SUBJECT else qualifier)
            )

    def _rff(self, seg: Segment, section: str, party: _Party | None, line: _Line | None) -> str:
        qualifier, value = _comp(seg, 0, 0), _comp(seg, 0, 1)
        if qualifier == "ATS" and self.attachments and line is None and party is None:
            self.attachments[-1]["id"] = value
            return qualifier
        if line is not None:
            if qualifier in ("ON", "LI"):
                line.order_line_ref = _comp(seg, 0, 2) or value
            elif qualifier in ("AWQ", "AWE"):
                line.accounting_ref = value
            return qualifier
        if party is not None:
            if qualifier == "VA":
                party.tax_id = value
            elif qualifier in ("GN", "XA"):
                party.legal_id = Identifier(value=value, scheme=_comp(seg, 0, 3))
            elif qualifier == "FC":
                party.registration = value
            return qualifier
        if qualifier in c.PRECEDING_INVOICE_REFS:
            self.preceding.append(PrecedingInvoice(number=value))
        elif qualifier == "PQ":
            self.remittance = value
        elif qualifier in c.HEADER_REFERENCES:
            self.fields.setdefault(c.HEADER_REFERENCES[qualifier], value)
        return qualifier

    def _nad(self, seg: Segment) -> _Party:
        party = _Party(role=_comp(seg, 0))
        party_id = _comp(seg, 1, 0)
        if party_id:
            scheme = _comp(seg, 1, 1)
            scheme = c.AGENCY_SCHEMES.get(_comp(seg, 1, 2), scheme)
            party.ids.append(Identifier(value=party_id, scheme=scheme))
        names = "".join(_components(seg, 3)).strip() or " ".join(_components(seg, 2)).strip()
        party.name = names
        streets = [s.strip() for s in _components(seg, 4)] + ["", "", ""]
        party.address = Address(
            line1=streets[0],
            line2=streets[1],
            line3=" ".join(x for x in streets[2:] if x),
            city=_comp(seg, 5),
            subdivision=_comp(seg, 6),
            postal_code=_comp(seg, 7),
            country=_comp(seg, 8),
        )
        return party

    def _pia(self, seg: Segment, line: _Line) -> None:
        for index in range(1, len(seg.elements)):
            value, kind = _comp(seg, index, 0), _comp(seg, index, 1)
            if not value:
                continue
            if _comp(seg, 0) == c.PIA_CLASSIFICATION:
                line.classifications.append(Identifier(value=value, scheme=kind))
            elif kind == c.ITEM_SELLER:
                line.seller_item = line.seller_item or value
            elif kind in (c.ITEM_BUYER, "BP"):
                line.buyer_item = line.buyer_item or value
            elif kind in c.ITEM_GTIN and not line.gtin:
                line.gtin, line.gtin_scheme = value, _comp(seg, index, 2) or "0160"

    def _pri(self, seg: Segment, line: _Line) -> None:
        qualifier, value = _comp(seg, 0, 0), _comp(seg, 0, 1)
        if not value:
            return
        price = _amount(value, f"PRI {qualifier}", self.number)
        if qualifier in ("AAA", "INV", "NTP"):
            line.net_price = price
            base = _comp(seg, 0, 4)
            if base:
                line.base_quantity = _amount(base, "PRI base quantity", self.number)
                unit = _comp(seg, 0, 5)
                line.base_unit = c.UNIT_ALIASES.get(unit, unit) if unit else ""
        elif qualifier in ("AAB", "GRP"):
            line.gross_price = price

    def _moa(
        self, seg: Segment, section: str, line: _Line | None, ac: _AC | None, tax: _Tax | None
    ) -> None:
        qualifier = _comp(seg, 0, 0)
        if qualifier not in _USED_AMOUNTS:
            return  # amounts this reader does not map are not even parsed
        value = _amount(_comp(seg, 0, 1), f"MOA {qualifier}", self.number)
        if tax is not None and (section == "summary" or ac is None):
            if qualifier == c.MOA_TAXABLE:
                tax.taxable = value
                return
            if qualifier in c.MOA_TAX:
                tax.amount = value
                return
        if section == "summary":
            self.summary.setdefault(qualifier, value)
            return
        if qualifier == c.MOA_PRICE_DISCOUNT and line is not None:
            # "ALC+A / MOA+509" is the item price discount (BT-147), not a line allowance.
            line.price_discount = value
            if ac is not None and ac.amount is None and ac in line.acs:
                line.acs.remove(ac)
            return
        if ac is not None:
            if qualifier == c.MOA_BASE:
                ac.base = value
            elif qualifier in (*c.MOA_ALLOWANCE, *c.MOA_CHARGE):
                ac.amount = value
            return
        if line is not None and qualifier == c.MOA_LINE_NET:
            line.net_amount = value

    # -- building the canonical invoice ---------------------------------------------------

    def _party(self, roles: Sequence[str]) -> _Party | None:
        for role in roles:
            if role in self.parties:
                return self.parties[role]
        return None

    def _build_line(self, line: _Line) -> Line:
        vat = next((t for t in line.taxes if t.kind == c.TAX_VAT), None)
        surcharge = next((t for t in line.taxes if t.kind == c.TAX_SURCHARGE), None)
        category = vat.category if vat and vat.category else VatCategory.STANDARD
        net_price = line.net_price
        if net_price is None:
            net_price = (
                (line.net_amount / line.quantity).quantize(Decimal("0.0001"))
                if line.net_amount is not None and line.quantity
                else ZERO
            )
        net_amount = line.net_amount
        if net_amount is None:
            per = line.base_quantity or Decimal("1")
            net_amount = (line.quantity * net_price / per).quantize(Decimal("0.01"))
        withholdings = tuple(
            Withholding(
                tax_type=_withholding_type(t),
                rate=t.rate or ZERO,
                base=t.taxable if t.taxable is not None else net_amount,
                amount=t.amount
                if t.amount is not None
                else (net_amount * (t.rate or ZERO) / 100).quantize(Decimal("0.01")),
            )
            for t in line.taxes
            if t.kind in (c.TAX_WITHHOLDING, c.TAX_WITHHOLDING_OTHER)
        )
        period = None
        if line.period_start or line.period_end:
            period = Period(start=line.period_start, end=line.period_end)
        return Line(
            id=line.id,
            name=line.name,
            description=line.description,
            quantity=line.quantity,
            unit_code=line.unit or "C62",
            net_price=net_price,
            gross_price=line.gross_price,
            price_discount=line.price_discount,
            base_quantity=line.base_quantity,
            base_quantity_unit=line.base_unit,
            net_amount=net_amount,
            allowances_charges=tuple(_build_ac(a, self.number, line=True) for a in line.acs),
            vat_category=category,
            vat_rate=None if category is VatCategory.NOT_SUBJECT else (vat.rate if vat else None),
            tax_type=c.CATEGORY_TAX_TYPE.get(category, TaxType.IVA),
            surcharge_rate=surcharge.rate if surcharge else None,
            withholdings=withholdings,
            note=line.note,
            period=period,
            order_line_ref=line.order_line_ref,
            accounting_ref=line.accounting_ref,
            seller_item_id=line.seller_item,
            buyer_item_id=line.buyer_item,
            standard_item_id=(
                Identifier(value=line.gtin, scheme=line.gtin_scheme) if line.gtin else None
            ),
            classifications=tuple(line.classifications),
            origin_country=line.origin,
            attributes=tuple(line.attributes),
        )

    def _build_breakdown(self) -> tuple[tuple[VatBreakdown, ...], tuple[Withholding, ...]]:
        rows: list[VatBreakdown] = []
        withholdings: list[Withholding] = []
        exemptions = list(self.exemptions)
        for tax in self.breakdown:
            if tax.kind == c.TAX_SURCHARGE and rows:
                rows[-1] = dataclasses.replace(
                    rows[-1], surcharge_rate=tax.rate, surcharge_amount=tax.amount
                )
                continue
            if tax.kind in (c.TAX_WITHHOLDING, c.TAX_WITHHOLDING_OTHER):
                withholdings.append(
                    Withholding(
                        tax_type=_withholding_type(tax),
                        rate=tax.rate or ZERO,
                        base=tax.taxable or ZERO,
                        amount=tax.amount or ZERO,
                    )
                )
                continue
            if tax.kind != c.TAX_VAT or tax.category is None:
                continue
            if tax.taxable is None and tax.amount is None and tax.rate is None:
                continue  # an empty "TAX+7+VAT" placeholder states nothing
            code = reason = ""
            if tax.category in c.EXEMPT_CATEGORIES and exemptions:
                code, reason = exemptions.pop(0)
            rows.append(
                VatBreakdown(
                    category=tax.category,
                    rate=None if tax.category is VatCategory.NOT_SUBJECT else tax.rate,
                    taxable_amount=tax.taxable if tax.taxable is not None else ZERO,
                    tax_amount=tax.amount if tax.amount is not None else ZERO,
                    exemption_code=code,
                    exemption_reason=reason,
                    tax_type=c.CATEGORY_TAX_TYPE.get(tax.category, TaxType.IVA),
                )
            )
        return tuple(rows), tuple(withholdings)

    def _attachment(self, found: dict[str, str]) -> Attachment:
        ident = found.get("id", "") or found.get("filename", "")
        package = self.packages.get(ident)
        return Attachment(
            id=ident,
            description=found.get("description", ""),
            uri=found.get("uri", ""),
            content=package.content if package else b"",
            mime_type=package.mime_type if package else "",
            filename=found.get("filename", "") if package else "",
        )

    def _payment(self) -> Payment | None:
        payee = self.parties.get(c.PAYEE_ROLE)
        seller = self._party(c.SELLER_ROLES)
        accounts = (payee.accounts if payee else []) or (seller.accounts if seller else [])
        if not (self.means_code or accounts or self.remittance):
            return None
        return Payment(
            means_code=self.means_code or "30",
            remittance_info=self.remittance,
            credit_transfers=tuple(accounts),
        )

    def build(self) -> Invoice:
        number = self.number
        if not number:
            raise _bad(
                "EDI-BGM",
                "The message has no invoice number (BGM segment, BT-1).",
                "El mensaje no tiene número de factura (segmento BGM, BT-1).",
            )
        issue_date = self.fields.get("issue_date")
        if not isinstance(issue_date, dt.date):
            raise _bad(
                "EDI-DATE",
                "The invoice has no issue date (DTM+137, BT-2).",
                "La factura no tiene fecha de expedición (DTM+137, BT-2).",
                number,
            )
        seller = self._party(c.SELLER_ROLES)
        buyer = self._party(c.BUYER_ROLES)
        if seller is None or buyer is None:
            missing = "seller (NAD+SE/SU)" if seller is None else "buyer (NAD+BY/IV)"
            missing_es = "el vendedor (NAD+SE/SU)" if seller is None else "el comprador (NAD+BY/IV)"
            raise _bad(
                "EDI-PARTY",
                f"The invoice does not name the {missing}.",
                f"La factura no identifica a {missing_es}.",
                number,
            )
        payee = self.parties.get(c.PAYEE_ROLE)
        representative = self._party(c.TAX_REPRESENTATIVE_ROLES)
        delivery_party = self._party(c.DELIVERY_ROLES)
        delivery_date = self.fields.pop("delivery_date", None)
        delivery = None
        if delivery_party is not None or isinstance(delivery_date, dt.date):
            delivery = Delivery(
                name=delivery_party.name if delivery_party else "",
                location_id=delivery_party.ids[0]
                if delivery_party and delivery_party.ids
                else None,
                date=delivery_date if isinstance(delivery_date, dt.date) else None,
                address=(
                    delivery_party.address
                    if delivery_party and delivery_party.address != Address()
                    else None
                ),
            )
        lines = tuple(self._build_line(line) for line in self.lines)
        breakdown, withholdings = self._build_breakdown()
        kind = (
            DocumentKind.CREDIT_NOTE if self.type_code in ("381", "83") else (DocumentKind.INVOICE)
        )
        period = None
        if self.period_start or self.period_end:
            period = Period(start=self.period_start, end=self.period_end)
        invoice = Invoice(
            number=number,
            issue_date=issue_date,
            kind=kind,
            type_code=self.type_code,
            currency=str(self.fields.get("currency", "EUR")),
            tax_currency=str(self.fields.get("tax_currency", "")),
            exchange_rate=_decimal_or_none(self.fields.get("exchange_rate")),
            tax_point_date=_date_or_none(self.fields.get("tax_point_date")),
            due_date=_date_or_none(self.fields.get("due_date")),
            buyer_reference=str(self.fields.get("buyer_reference", "")),
            project_ref=str(self.fields.get("project_ref", "")),
            contract_ref=str(self.fields.get("contract_ref", "")),
            order_ref=str(self.fields.get("order_ref", "")),
            sales_order_ref=str(self.fields.get("sales_order_ref", "")),
            receiving_advice_ref=str(self.fields.get("receiving_advice_ref", "")),
            despatch_advice_ref=str(self.fields.get("despatch_advice_ref", "")),
            tender_ref=str(self.fields.get("tender_ref", "")),
            accounting_ref=str(self.fields.get("accounting_ref", "")),
            payment_terms=" ".join(self.payment_terms),
            notes=tuple(self.notes),
            specification_id=str(self.fields.get("specification_id", "")),
            preceding=tuple(self.preceding),
            seller=dataclasses.replace(
                seller.build(), legal_form=seller.legal_form or self.legal_form
            ),
            buyer=buyer.build(),
            payee=payee.build() if payee is not None else None,
            tax_representative=representative.build() if representative is not None else None,
            delivery=delivery,
            period=period,
            payment=self._payment(),
            allowances_charges=tuple(_build_ac(a, number, line=False) for a in self.acs),
            totals=Totals(
                line_net_total=ZERO,
                tax_exclusive=ZERO,
                vat_total=ZERO,
                tax_inclusive=ZERO,
                payable=ZERO,
            ),
            vat_breakdown=breakdown,
            withholdings=withholdings,
            lines=lines,
            attachments=tuple(self._attachment(a) for a in self.attachments),
            document_type="AF" if self.type_code == "389" else "FC",
        )
        return self._with_totals(invoice)

    def _with_totals(self, invoice: Invoice) -> Invoice:
        """Stated totals win; what the message leaves out is derived from what it states."""
        s = self.summary
        invoice = dataclasses.replace(
            invoice,
            totals=dataclasses.replace(
                invoice.totals, prepaid=s.get("113", ZERO), rounding=s.get("366", ZERO)
            ),
        )
        derived, derived_breakdown = _derived(invoice)
        tax_exclusive = s.get("389", s.get(c.MOA_TAXABLE, derived.tax_exclusive))
        surcharges = sum((r.surcharge_amount or ZERO for r in invoice.vat_breakdown), ZERO)
        vat_total = s["176"] + surcharges if "176" in s else derived.vat_total
        tax_inclusive = s.get("388", s.get("77", derived.tax_inclusive))
        stated = Totals(
            line_net_total=s.get("79", derived.line_net_total),
            allowance_total=s.get("260", derived.allowance_total),
            charge_total=s.get("259", derived.charge_total),
            tax_exclusive=tax_exclusive,
            vat_total=vat_total,
            # BT-111 only means something beside a VAT accounting currency (BT-6).
            vat_total_tax_currency=s.get("2") if invoice.tax_currency else None,
            tax_inclusive=tax_inclusive,
            prepaid=s.get("113", ZERO),
            rounding=s.get("366", ZERO),
            payable=s.get("9", derived.payable + tax_inclusive - derived.tax_inclusive),
            withheld_total=(
                sum((w.amount for w in invoice.withholdings), ZERO)
                if invoice.withholdings
                else derived.withheld_total
            ),
            surcharge_total=(
                sum((r.surcharge_amount or ZERO for r in invoice.vat_breakdown), ZERO)
                if invoice.vat_breakdown
                else derived.surcharge_total
            ),
        )
        return dataclasses.replace(
            invoice,
            totals=stated,
            vat_breakdown=invoice.vat_breakdown or derived_breakdown,
        )


def _derived(invoice: Invoice) -> tuple[Totals, tuple[VatBreakdown, ...]]:
    """Totals and breakdown implied by the message's lines, allowances and stated taxes.

    When the tax effect of an allowance cannot be computed (no tax category on an invoice
    with several rates), plain sums of what the message states are used instead: the
    business rules then judge the stated figures, the reader does not refuse them.
    """
    try:
        return totals_mod.expected(invoice, recompute_lines=False)
    except EInvoiceError:
        pass
    lines = sum((line.net_amount for line in invoice.lines), ZERO)
    allowances = sum((a.amount for a in invoice.allowances_charges if not a.is_charge), ZERO)
    charges = sum((a.amount for a in invoice.allowances_charges if a.is_charge), ZERO)
    vat = sum((r.tax_amount + (r.surcharge_amount or ZERO) for r in invoice.vat_breakdown), ZERO)
    withheld = sum((w.amount for w in invoice.withholdings), ZERO)
    exclusive = lines - allowances + charges
    inclusive = exclusive + vat
    totals = Totals(
        line_net_total=lines,
        allowance_total=allowances,
        charge_total=charges,
        tax_exclusive=exclusive,
        vat_total=vat,
        tax_inclusive=inclusive,
        prepaid=invoice.totals.prepaid,
        rounding=invoice.totals.rounding,
        payable=inclusive - invoice.totals.prepaid + invoice.totals.rounding - withheld,
        withheld_total=withheld,
        surcharge_total=sum((r.surcharge_amount or ZERO for r in invoice.vat_breakdown), ZERO),
    )
    return totals, invoice.vat_breakdown


def _withholding_type(tax: _Tax) -> TaxType:
    if tax.kind == c.TAX_WITHHOLDING:
        return TaxType.IRPF
    try:
        return TaxType(tax.code_name)
    except ValueError:
        return TaxType.OTHER


def _decimal_or_none(value: object) -> Decimal | None:
    return value if isinstance(value, Decimal) else None


def _date_or_none(value: object) -> dt.date | None:
    return value if isinstance(value, dt.date) else None


def _build_ac(ac: _AC, number: str, *, line: bool) -> AllowanceCharge:
    vat = next((t for t in ac.taxes if t.kind == c.TAX_VAT), None)
    amount = ac.amount
    if amount is None and ac.percent is not None and ac.base is not None:
        amount = (ac.base * ac.percent / 100).quantize(Decimal("0.01"))
    if amount is None:
        raise _bad(
            "EDI-ALC",
            "An allowance or charge (ALC) has no amount (MOA 204/23/8).",
            "Un descuento o cargo (ALC) no tiene importe (MOA 204/23/8).",
            number,
        )
    category = None if line or vat is None else vat.category
    return AllowanceCharge(
        is_charge=ac.is_charge,
        amount=amount,
        base_amount=ac.base,
        percent=ac.percent,
        reason=ac.reason,
        reason_code=ac.reason_code,
        vat_category=category,
        vat_rate=None if line or vat is None else vat.rate,
        tax_type=c.CATEGORY_TAX_TYPE.get(category, TaxType.IVA) if category else TaxType.IVA,
    )


def read(data: bytes, *, filename: str = "") -> Document:
    """Every INVOIC message of the interchange as one canonical invoice each."""
    segments, packages = tokenise(data, filename=filename)
    message_type, directory = message_directory(segments)
    where = f" ({filename})" if filename else ""
    if message_type != "INVOIC":
        raise UnsupportedDocument.single(
            "EDI-MESSAGE",
            f"The EDIFACT file{where} holds a '{message_type or 'unknown'}' message, not an "
            "INVOIC invoice.",
            f"El fichero EDIFACT{where} contiene un mensaje '{message_type or 'desconocido'}', "
            "no una factura INVOIC.",
        )
    invoices = tuple(_Message(m, packages).read() for m in _messages(segments))
    if not invoices:
        raise ParseError.single(
            "EDI-SYNTAX",
            f"The EDIFACT file{where} holds no message (UNH…UNT).",
            f"El fichero EDIFACT{where} no contiene ningún mensaje (UNH…UNT).",
        )
    return Document(invoices=invoices, format="edifact", version=directory)
