"""RD 238/2026 statuses across platforms: the recipient's rejection and its cancellation,
partial payments and a payment's cancellation travel as Invoice Responses over AS4 and land
on the issued invoice with the same meaning."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from tests.efactura.interconnection.sender import PartnerAP, is_receipt
from tests.efactura.interconnection.test_as4_receive import _send, issued  # noqa: F401
from tests.efactura.interconnection.testpki import Issued

from efactura.interconnection import documents, statuses
from efactura.interconnection.choices import INVOICE_RESPONSE, INVOICE_RESPONSE_PROCESS
from efactura.invoices.choices import EventKind, Status

pytestmark = pytest.mark.django_db

BUYER = "9920:ESA39123450"
SELLER = "9920:ESB98765431"


class _Row:
    full_number = "F26-7"
    issue_date = dt.date(2026, 11, 2)
    buyer_name = "Hostelería Cantábrica, S.A."
    seller_name = "Suministros Levante, S.L."
    paid_date = dt.date(2026, 11, 20)

    def __init__(self, status: str, paid: str, rejection_code: str = "") -> None:
        self.status, self.paid_amount = status, Decimal(paid)
        self.payable = Decimal("121.00")
        self.rejection_code = rejection_code


def _response(kind: str, row: _Row, reason: str = "") -> documents.InvoiceResponse:
    built = statuses.response_for_event(
        invoice=row, event_kind=kind, reason=reason, sender=BUYER, receiver=SELLER
    )
    assert built is not None
    return documents.parse_invoice_response(documents.build_invoice_response(built))


def test_outbound_codes_of_the_new_statuses() -> None:
    rejected = _response(EventKind.REJECTED, _Row(Status.REJECTED, "0", "PRI"), "Precio")
    assert (rejected.code, rejected.reason_code, rejected.reason) == ("RE", "PRI", "Precio")
    reopened = _response(EventKind.REJECTION_CANCELLED, _Row(Status.READ, "0"))
    assert reopened.code == "IP"
    presumed = _response(EventKind.ACCEPTED_PRESUMED, _Row(Status.ACCEPTED, "0"))
    assert presumed.code == "AP"
    partial = _response(EventKind.PAYMENT, _Row(Status.PARTIALLY_PAID, "50.00"))
    assert (partial.code, partial.reason_code, partial.paid_amount) == (
        "PD",
        "PPD",
        Decimal("50.00"),
    )
    lower = _response(EventKind.PAYMENT_CANCELLED, _Row(Status.PARTIALLY_PAID, "20.00"))
    assert (lower.code, lower.reason_code, lower.paid_amount) == ("PD", "PPD", Decimal("20.00"))
    nothing = _response(EventKind.PAYMENT_CANCELLED, _Row(Status.ACCEPTED, "0"))
    assert nothing.code == "AP" and nothing.paid_amount is None
    # The issuer's own reports never travel as Invoice Responses.
    for kind in (EventKind.SETTLED, EventKind.DEFAULTED, EventKind.DEFAULT_CANCELLED):
        assert (
            statuses.response_for_event(
                invoice=_Row(Status.PAID, "121.00"),
                event_kind=kind,
                reason="",
                sender=BUYER,
                receiver=SELLER,
            )
            is None
        )


def _deliver(client: Any, as4_node: Any, partner_issued: Issued, response: Any) -> None:
    answer = _send(
        client,
        PartnerAP(partner_issued),
        as4_node,
        documents.build_invoice_response(response),
        sender=BUYER,
        recipient=SELLER,
        document_type=INVOICE_RESPONSE,
        process=INVOICE_RESPONSE_PROCESS,
    )[1]
    assert is_receipt(answer.content) and answer["X-AS4-Outcome"] == "applied"


def test_the_issuer_follows_the_recipients_statuses_over_as4(
    client: Any,
    as4_node: Any,
    partner: Any,
    partner_issued: Issued,
    issued: Any,  # noqa: F811
    settings: Any,
) -> None:
    settings.EFACTURA_SPFE_ENDPOINT = "off"
    payable = issued.payable
    base = {
        "invoice_number": "F26-7",
        "invoice_issue_date": issued.issue_date,
        "sender": BUYER,
        "receiver": SELLER,
    }
    steps: list[tuple[dict[str, Any], str, str, Decimal]] = [
        ({"code": "RE", "reason_code": "PRI", "reason": "Precio"}, "rejected", "rejected", 0),
        ({"code": "IP"}, "rejection_cancelled", "read", 0),
        ({"code": "AP"}, "accepted", "accepted", 0),
        (
            {"code": "PD", "reason_code": "PPD", "paid_amount": Decimal("50.00")},
            "payment",
            "partially_paid",
            Decimal("50.00"),
        ),
        ({"code": "PD", "paid_amount": payable}, "payment", "paid", payable),
        (
            {"code": "PD", "reason_code": "PPD", "paid_amount": Decimal("50.00")},
            "payment_cancelled",
            "partially_paid",
            Decimal("50.00"),
        ),
        ({"code": "AP"}, "payment_cancelled", "accepted", Decimal(0)),
    ]
    for fields, kind, status, paid in steps:
        _deliver(client, as4_node, partner_issued, documents.InvoiceResponse(**base, **fields))
        issued.refresh_from_db()
        last = issued.events.order_by("-id").first()
        assert last is not None and (last.kind, last.source) == (kind, "peer"), fields
        assert issued.status == status and issued.paid_amount == paid, fields
        if kind == "rejected":
            assert issued.rejection_code == "PRI" and issued.rejection_reason == "Precio"
        if kind == "rejection_cancelled":
            assert issued.rejection_code == "" and issued.rejection_reason == ""
