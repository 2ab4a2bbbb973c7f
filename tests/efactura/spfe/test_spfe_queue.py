"""The copy to the SPFE, end to end on the local simulator (over HTTP): one UBL copy that
passes the official EN 16931 rules, every status message in order, nothing twice, nothing
lost while the SPFE is down."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from tests.efactura.invoices import helpers as h

from efactura.invoices import services
from efactura.invoices.choices import Status
from efactura.invoices.models import Invoice
from efactura.invoices.services import statuses
from efactura.invoices.storage import read
from efactura.spfe import services as spfe_services
from efactura.spfe.choices import ItemState
from efactura.spfe.models import Item
from efactura.spfe.simulator import LABEL, check_ubl

pytestmark = pytest.mark.django_db


def _issue(p: dict[str, Any]) -> Invoice:
    return services.do_issue_invoice(
        company=p["seller"], actor=p["seller_user"], draft=h.draft(), series_code="A"
    )


def _buyer(p: dict[str, Any]) -> dict[str, Any]:
    return {"company": p["buyer"], "actor": p["buyer_user"]}


def _original_sha(invoice: Invoice) -> str:
    document = invoice.documents.get(role="original")
    return hashlib.sha256(read(document)).hexdigest()


def _lifecycle(p: dict[str, Any]) -> Invoice:
    """issue → receive → reject → cancel the rejection → accept → pay in two parts."""
    invoice = _issue(p)
    assert invoice.recipient == p["buyer"] and invoice.status == Status.RECEIVED
    invoice = services.do_reject_invoice(
        invoice=invoice, **_buyer(p), reason="Precio distinto del pedido", code="PRI"
    )
    invoice = statuses.do_cancel_rejection(invoice=invoice, **_buyer(p))
    invoice = services.do_accept_invoice(invoice=invoice, **_buyer(p))
    half = (invoice.payable / 2).quantize(Decimal("0.01"))
    today = timezone.localdate()
    invoice = statuses.record_payment(invoice, half, today, p["buyer_user"])
    assert invoice.status == Status.PARTIALLY_PAID
    invoice = statuses.record_payment(invoice, invoice.payable - half, today, p["buyer_user"])
    assert invoice.status == Status.PAID and invoice.paid_amount == invoice.payable
    return invoice


def test_end_to_end_copy_and_statuses_in_order(spfe: Any, parties: dict[str, Any]) -> None:
    invoice = _lifecycle(parties)
    before = _original_sha(invoice)
    assert spfe.log() == []  # queued only: nothing is sent inside the services' transactions
    assert spfe_rounds() == 1
    log = spfe.log()
    assert [entry["type"] for entry in log] == [
        "INVOICE",
        "REJECTION",
        "CANCELREJECTION",
        "PAYMENT",
        "PAYMENT",
    ]
    copy = log[0]
    assert copy["number"] == invoice.full_number and copy["issuer"] == invoice.seller_tax_id
    problems, document = check_ubl(copy["ubl"].encode())
    assert problems == [] and document is not None
    assert document.invoices[0].totals.payable == invoice.payable
    assert log[1]["reason_code"] == "PRI" and log[1]["reason"] == "Precio distinto del pedido"
    assert [Decimal(e["amount"]) for e in log[3:]] == [
        (invoice.payable / 2).quantize(Decimal("0.01")),
        invoice.payable - (invoice.payable / 2).quantize(Decimal("0.01")),
    ]
    items = list(Item.objects.filter(invoice=invoice).order_by("id"))
    assert {i.state for i in items} == {ItemState.ACCEPTED}
    assert [i.verification_code for i in items] == [e["verification_code"] for e in log]
    assert all(i.verification_code.startswith("SIM-") for i in items)
    assert _original_sha(invoice) == before  # the archived original is untouched


def spfe_rounds(*, now: dt.datetime | None = None) -> int:
    return spfe_services.do_send_due(now=now)


def test_spfe_down_then_back_everything_arrives_once(spfe: Any, parties: dict[str, Any]) -> None:
    spfe.down = True
    invoice = _lifecycle(parties)
    assert spfe_rounds() == 1
    items = list(Item.objects.filter(invoice=invoice).order_by("id"))
    # The first item waits with a back-off; the later ones wait behind it, in order.
    assert items[0].state == ItemState.RETRYING and items[0].attempts == 1
    assert "503" in items[0].error
    assert all(i.state == ItemState.PENDING for i in items[1:])
    first_retry = items[0].next_attempt
    assert first_retry is not None and first_retry > timezone.now()
    # Still down at the next attempt: the back-off grows.
    later = first_retry + dt.timedelta(seconds=1)
    spfe_rounds(now=later)
    items[0].refresh_from_db()
    assert items[0].attempts == 2
    assert items[0].next_attempt - later > first_retry - timezone.now()
    assert spfe.log() == []
    # The SPFE comes back: everything arrives, in order, once.
    spfe.down = False
    spfe_rounds(now=items[0].next_attempt + dt.timedelta(seconds=1))
    log = spfe.log()
    assert [e["type"] for e in log] == [
        "INVOICE",
        "REJECTION",
        "CANCELREJECTION",
        "PAYMENT",
        "PAYMENT",
    ]
    assert set(Item.objects.values_list("state", flat=True)) == {ItemState.ACCEPTED}
    # Nothing twice: another round sends nothing; an item re-sent with its key (a worker
    # killed after sending) is registered once and keeps its verification code.
    assert spfe_rounds(now=timezone.now() + dt.timedelta(days=1)) == 0
    item = Item.objects.order_by("id").first()
    assert item is not None
    code = item.verification_code
    Item.objects.filter(pk=item.pk).update(state=ItemState.PENDING, next_attempt=timezone.now())
    spfe_rounds(now=timezone.now() + dt.timedelta(seconds=1))
    item.refresh_from_db()
    assert item.state == ItemState.ACCEPTED and item.verification_code == code
    assert len(spfe.log()) == 5


def test_rejected_copy_is_visible_and_blocks_later_statuses(
    spfe: Any, parties: dict[str, Any]
) -> None:
    invoice = _issue(parties)
    services.do_accept_invoice(invoice=invoice, **_buyer(parties))
    statuses.record_payment(invoice, Decimal("1.00"), timezone.localdate(), parties["buyer_user"])
    Item.objects.filter(invoice=invoice, kind="copy").update(payload="<Invoice/>")
    spfe_rounds()
    copy, payment = Item.objects.filter(invoice=invoice).order_by("id")
    assert copy.state == ItemState.REJECTED and copy.error
    assert payment.state == ItemState.PENDING
    assert spfe.log() == []


def test_statuses_from_a_partner_platform_are_not_reported_again(
    spfe: Any, parties: dict[str, Any]
) -> None:
    from efactura.invoices.choices import EventKind

    invoice = _issue(parties)
    event = services.do_apply_peer_status(
        invoice=invoice,
        peer_id="partner",
        kind=EventKind.REJECTED,
        status=Status.REJECTED,
        reason="x",
        reason_code="OTH",
    )
    assert spfe_services.do_queue_status(invoice=invoice, event=event, source="peer") is None


def test_simulator_labels_itself_and_validates(spfe: Any, settings: Any) -> None:
    import httpx

    base = settings.EFACTURA_SPFE_ENDPOINT
    page = httpx.get(base.rsplit("/spfe", 1)[0] + "/")
    assert LABEL in page.text and page.headers["X-Simulator"] == LABEL
    bad = httpx.post(base + "/invoices", content=b"<x/>", headers={"Idempotency-Key": "k"})
    assert bad.status_code == 422 and bad.json()["simulator"] is True
    assert bad.json()["errors"]
    unknown = httpx.post(
        base + "/statuses", json={"message": "NOPE"}, headers={"Idempotency-Key": "k2"}
    )
    assert unknown.status_code == 422
    assert {e["rule"] for e in unknown.json()["errors"]} >= {"SPFE-MESSAGE", "SPFE-INVOICE"}


def test_production_with_the_simulator_is_a_deploy_warning(settings: Any) -> None:
    from efactura.spfe import checks

    settings.PRODUCTION = True
    settings.EFACTURA_SPFE_ENDPOINT = "simulator"
    assert [m.id for m in checks.check_endpoint()] == ["spfe.W001"]
    settings.EFACTURA_SPFE_ENDPOINT = "off"
    assert checks.check_endpoint() == []
    settings.PRODUCTION = False
    settings.EFACTURA_SPFE_ENDPOINT = "simulator"
    assert checks.check_endpoint() == []
