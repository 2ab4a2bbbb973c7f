"""Request and response shapes of the API, as they appear in the OpenAPI document."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from ninja import Field, Schema

from efactura.api.choices import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE

InvoiceStatus = Literal[
    "received",
    "read",
    "accepted",
    "rejected",
    "partially_paid",
    "paid",
    "cancellation_requested",
    "cancelled",
]
Sort = Literal["-issue_date", "issue_date", "-total", "total", "-due_date", "due_date"]


class Violation(Schema):
    rule: str = Field(..., description="Rule id, e.g. BR-CO-10, XSD, ES-TAXID-02, JSON-FIELD")
    severity: str = Field(..., description="fatal, warning or info")
    layer: str | None = None
    location: str = Field("", description="XPath, business-term path or JSON path")
    line: int | None = None
    invoice: int | None = Field(None, description="0-based index of the invoice in a batch")
    message: str
    message_es: str
    detail: str = Field("", description="The validator's own words (libxml2's for XSD errors)")


class Problem(Schema):
    """RFC 9457 problem details."""

    type: str = Field(..., description="urn:efactura:problem:<kind>")
    title: str
    status: int
    detail: str
    violations: list[Violation] | None = None
    duplicate_of: str | None = None


class InvoiceSummary(Schema):
    id: str
    direction: Literal["issued", "received"]
    number: str
    series: str
    issue_date: dt.date
    due_date: dt.date | None
    kind: str
    seller_tax_id: str
    seller_name: str
    buyer_tax_id: str
    buyer_name: str
    currency: str
    net_total: str = Field(..., description="Decimal amount as a string")
    tax_total: str
    total: str = Field(..., description="Invoice total (net + taxes − withholdings)")
    payable: str
    status: str
    transport: str
    route: str
    acknowledged: bool
    updated: dt.datetime


class SubmitResult(InvoiceSummary):
    invoices: list[InvoiceSummary] = Field(..., description="Every invoice of a batch file")
    warnings: list[Violation] = []
    rejected: list[dict[str, Any]] = []


class InvoiceList(Schema):
    items: list[InvoiceSummary]
    next_cursor: str | None = Field(
        ..., description="Pass as ?cursor= for the next page; with changes=true always set"
    )
    has_more: bool


class TimelineEvent(Schema):
    id: int
    invoice_id: str
    kind: str
    label: str
    at: dt.datetime
    source: str
    by: str | None = Field(None, description="Tax ID of the company that acted")
    data: dict[str, Any]


class DocumentInfo(Schema):
    role: str
    filename: str
    format: str
    version: str
    signed: bool
    size: int
    sha256: str


class VerifactuRecordInfo(Schema):
    kind: Literal["alta", "anulacion"]
    sequence: int = Field(..., description="Position in the issuer's record chain, from 1")
    fingerprint: str
    generated_at: str
    state: str
    correction: bool
    error_code: str
    error: str


class VerifactuInfo(Schema):
    state: str = Field(
        ...,
        description="pending, sending, correct, accepted_with_errors, rejected, kept "
        "(NO VERI*FACTU), external (uploaded: the issuer's own software registered it) or "
        "not_applicable",
    )
    fingerprint: str | None = Field(..., description="Huella (SHA-256) of the latest alta")
    qr_url: str | None = Field(..., description="The AEAT verification URL in the QR code")
    records: list[VerifactuRecordInfo] = Field(
        default_factory=list, description="The invoice's billing records (issuer only)"
    )


class InvoiceDetail(InvoiceSummary):
    rejection_reason: str
    rejection_code: str = Field("", description="Rejection reason code (OPStatusReason)")
    collection: str = Field(
        "", description="The issuer's report: '' (none), settled (cobro) or defaulted (impago)"
    )
    paid_amount: str
    paid_date: dt.date | None
    received_at: dt.datetime | None
    read_at: dt.datetime | None
    response_due: dt.date | None
    signature_status: str
    timeline: list[TimelineEvent]
    documents: list[DocumentInfo]
    invoice: dict[str, Any] = Field(..., description="The invoice in the canonical model")
    verifactu: VerifactuInfo


class EventList(Schema):
    items: list[TimelineEvent]
    next_cursor: str = Field(..., description="Store it; ask ?cursor= for what happened since")
    has_more: bool


class StatusChange(Schema):
    """One status step.  The buyer: ``read``, ``accepted``, ``rejected`` (``reason`` and
    ``reason_code``), ``rejection_cancelled``, ``paid`` (``amount``, ``date``; partial
    payments add up, the invoice is paid when they reach the amount due),
    ``payment_cancelled`` (``payment_id``: the payment's timeline event id, default the last
    one), ``cancellation_accepted`` / ``cancellation_refused``.  The seller: ``settled``
    (collection, *cobro*), ``defaulted`` (*impago*), their ``…_cancelled`` forms (``date``
    defaults to today), ``cancellation_requested`` (``reason``).  docs/statuses.md lists the
    SPFE, FACe and Peppol codes of each."""

    status: Literal[
        "read",
        "accepted",
        "rejected",
        "rejection_cancelled",
        "paid",
        "payment_cancelled",
        "settled",
        "settlement_cancelled",
        "defaulted",
        "default_cancelled",
        "cancellation_requested",
        "cancellation_accepted",
        "cancellation_refused",
    ]
    reason: str = Field("", max_length=2000)
    reason_code: Literal[
        "REF", "LEG", "REC", "QUA", "DEL", "PRI", "QTY", "ITM", "PAY", "UNR", "FIN", "OTH"
    ] = Field("OTH", description="Rejection reason (Peppol OPStatusReason code list)")
    date: dt.date | None = Field(
        None, description="Payment date (paid), or date of collection/default; default today"
    )
    amount: Decimal | None = Field(
        None, description="Amount paid (paid); default what is outstanding", gt=0
    )
    payment_id: int | None = Field(
        None, description="payment_cancelled: the timeline event id of the payment"
    )


class AckRequest(Schema):
    ids: list[str] = Field(..., min_length=1, max_length=MAX_PAGE_SIZE)


class AckResult(Schema):
    acknowledged: list[str]
    not_found: list[str]


class Me(Schema):
    company_tax_id: str
    company_name: str
    scopes: list[str]


class ListParams(Schema):
    q: str = Field("", max_length=100, description="Number, or the other party's tax ID/name")
    party: str = Field("", max_length=100, description="The other party's exact tax ID or name")
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    status: InvoiceStatus | None = None
    transport: Literal["created", "delivered", "awaiting_registration", "failed"] | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    sort: Sort = "-issue_date"
    page_size: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)
    cursor: str = Field("", max_length=500)
    changes: bool = Field(
        False, description="Change feed: oldest change first, next_cursor always returned"
    )


class ReceivedListParams(ListParams):
    unacknowledged: bool = Field(False, description="Only invoices not acknowledged yet")


class EventParams(Schema):
    cursor: int = Field(0, ge=0, description="Last event id you have (0 = from the start)")
    page_size: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


class DocumentParams(Schema):
    format: Literal["original", "facturae", "ubl", "cii", "edifact", "facturx", "pdf"] = "original"
    language: Literal["es", "en"] = "es"
