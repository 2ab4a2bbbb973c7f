"""The SPFE outbound queue: what is queued, and how the worker delivers it.

* :func:`do_queue_copy` — the faithful UBL copy of an invoice issued on this platform, built
  from its canonical model (the archived original bytes are never touched), queued when the
  invoice is routed;
* :func:`do_queue_status` — one status message per status event that this platform's user
  made (statuses that came from a partner platform are that platform's to report);
* :func:`do_send_invoice_items` — the worker's job: the invoice's open items, strictly in
  order (copy first, then statuses as they happened); network calls run outside any
  transaction; an unreachable SPFE leaves the item waiting with growing back-off (never given
  up), a rejection is final and visible on the operator page.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from efactura.audit.choices import Source
from efactura.audit.services import record
from efactura.invoices.codes import spfe_code
from efactura.invoices.mapping import canonical_of
from efactura.invoices.models import Event, Invoice
from efactura.spfe import adapter
from efactura.spfe.choices import LEASE_SECONDS, MAX_RETRY_SECONDS, OPEN_STATES, ItemKind, ItemState
from efactura.spfe.models import Item
from einvoice.formats import ubl

log = logging.getLogger(__name__)


def build_copy(invoice: Invoice) -> bytes:
    """The UBL 2.1 (EN 16931) copy of ``invoice``, rendered from its canonical model."""
    return ubl.render([canonical_of(invoice)])


def status_message(*, invoice: Invoice, event: Event, code: str) -> dict[str, Any]:
    """The JSON status message for one event (the SPFE draft's fields, by meaning)."""
    data = event.data or {}
    message: dict[str, Any] = {
        "message": code,
        "invoice": {
            "issuer": invoice.seller_tax_id,
            "number": invoice.full_number,
            "issue_date": invoice.issue_date.isoformat(),
            "recipient": invoice.buyer_tax_id,
        },
        "reported_by": event.company.tax_id if event.company else "",
        "occurred_at": event.at.isoformat(),
        "event": event.pk,
    }
    for name in ("amount", "date", "reason_code", "reason", "paid_total"):
        if data.get(name):
            message[name] = data[name]
    if code == "CANCELREJECTION":
        message["reason_code"] = (data.get("cancelled") or {}).get("reason_code", "")
    return message


def _schedule(invoice_id: Any) -> None:
    from efactura.invoices.effects import follow_up
    from efactura.spfe.tasks import send_invoice_items

    transaction.on_commit(
        lambda: follow_up(send_invoice_items, invoice_id=str(invoice_id)), robust=True
    )


def do_queue_copy(*, invoice: Invoice) -> Item | None:
    """Queue the copy of an invoice issued on this platform (once per invoice)."""
    if not adapter.enabled() or invoice.issuer_id is None:
        return None
    # By id, not the model's default order (by invoice, which joins the invoice table).
    existing = Item.objects.filter(invoice=invoice, kind=ItemKind.COPY).order_by("pk").first()
    if existing is not None:
        return existing
    item = Item.objects.create(
        invoice=invoice,
        kind=ItemKind.COPY,
        code="INVOICE",
        payload=build_copy(invoice).decode("utf-8"),
        next_attempt=timezone.now(),
    )
    _schedule(invoice.pk)
    return item


def do_queue_status(*, invoice: Invoice, event: Event, source: str = "") -> Item | None:
    """Queue the status message of ``event`` when the SPFE has one for it (once per event).

    Statuses that came from a partner platform (source ``peer``) are reported by that
    platform, not again by this one."""
    code = spfe_code(event.kind)
    if not code or not adapter.enabled() or source == Source.PEER:
        return None
    item, created = Item.objects.get_or_create(
        event=event,
        defaults={
            "invoice": invoice,
            "kind": ItemKind.STATUS,
            "code": code,
            "payload": _json(status_message(invoice=invoice, event=event, code=code)),
            "next_attempt": timezone.now(),
        },
    )
    if created:
        _schedule(invoice.pk)
    return item


def _json(value: dict[str, Any]) -> str:
    import json

    return json.dumps(value, sort_keys=True)


def retry_delay(attempts: int) -> float:
    """Seconds before the next attempt: doubling from the configured base, capped hourly."""
    base = float(settings.EFACTURA_SPFE_RETRY_SECONDS)
    return float(min(base * (2 ** max(attempts - 1, 0)), MAX_RETRY_SECONDS))


def _claim(item_pk: int, now: dt.datetime) -> Item | None:
    """Take one item for an attempt: a short lease instead of a lock held while sending."""
    claimed = Item.objects.filter(
        Q(next_attempt__lte=now) | Q(next_attempt__isnull=True) | Q(state=ItemState.SENDING),
        pk=item_pk,
        state__in=list(OPEN_STATES),
    ).exclude(state=ItemState.SENDING, next_attempt__gt=now)
    if not claimed.update(
        state=ItemState.SENDING, next_attempt=now + dt.timedelta(seconds=LEASE_SECONDS)
    ):
        return None
    # With the invoice and its issuer: the answer's audit entry names them.
    return Item.objects.select_related("invoice__issuer").get(pk=item_pk)


def _send(item: Item) -> adapter.Receipt:
    import json

    if item.kind == ItemKind.COPY:
        return adapter.send_copy(key=str(item.key), ubl=item.payload.encode("utf-8"))
    return adapter.send_status(key=str(item.key), message=json.loads(item.payload))


def do_send_invoice_items(*, invoice_id: str, now: dt.datetime | None = None) -> str:
    """Deliver the invoice's open items in order; stops at the first one that cannot go now.

    Runs outside any transaction (the HTTP call holds no lock)."""
    now = now or timezone.now()
    results: list[str] = []
    items = Item.objects.filter(invoice_id=invoice_id).order_by("pk").values_list("pk", "state")
    for item_pk, state in items:
        if state == ItemState.ACCEPTED:
            continue
        if state == ItemState.REJECTED:
            results.append("blocked by a rejected item")
            break  # later statuses of an invoice the SPFE refused wait for the operator
        item = _claim(item_pk, now)
        if item is None:
            results.append("waiting")
            break
        try:
            receipt = _send(item)
        except adapter.TransportError as exc:
            _retry_later(item, error=str(exc), now=now)
            results.append("retrying")
            break
        _answered(item, receipt)
        results.append(ItemState.ACCEPTED if receipt.accepted else ItemState.REJECTED)
        if not receipt.accepted:
            break
    return ", ".join(results) or "nothing to send"


def _retry_later(item: Item, *, error: str, now: dt.datetime) -> None:
    attempts = item.attempts + 1
    at = now + dt.timedelta(seconds=retry_delay(attempts))
    Item.objects.filter(pk=item.pk).update(
        state=ItemState.RETRYING, attempts=attempts, next_attempt=at, error=error[:4000]
    )
    log.warning("SPFE item %s not delivered (attempt %s): %s", item.pk, attempts, error)
    from efactura.spfe.tasks import send_invoice_items

    if send_invoice_items.get_backend().supports_defer:
        send_invoice_items.using(run_after=at).enqueue(invoice_id=str(item.invoice_id))


def _answered(item: Item, receipt: adapter.Receipt) -> None:
    import json

    now = timezone.now()
    with transaction.atomic():
        Item.objects.filter(pk=item.pk).update(
            state=ItemState.ACCEPTED if receipt.accepted else ItemState.REJECTED,
            attempts=item.attempts + 1,
            next_attempt=None,
            verification_code=receipt.verification_code[:80],
            error="" if receipt.accepted else json.dumps(receipt.errors)[:4000],
            sent_at=now if receipt.accepted else None,
        )
        invoice = item.invoice
        record(
            action="spfe.item.accepted" if receipt.accepted else "spfe.item.rejected",
            company=invoice.issuer if item.kind == ItemKind.COPY else None,
            obj=invoice,
            source=Source.SYSTEM,
            data={
                "code": item.code,
                "verification_code": receipt.verification_code,
                "errors": receipt.errors[:5],
            },
        )


def do_retry_item(*, item: Item) -> None:
    """The operator sends a rejected or waiting item again (after fixing the cause)."""
    Item.objects.filter(pk=item.pk).exclude(state=ItemState.ACCEPTED).update(
        state=ItemState.PENDING, next_attempt=timezone.now()
    )
    with transaction.atomic():
        _schedule(item.invoice_id)


def do_send_due(*, now: dt.datetime | None = None) -> int:
    """Housekeeping: run the queue of every invoice with items due (lost tasks, ended
    back-offs, workers killed mid-send); returns how many invoices."""
    now = now or timezone.now()
    invoices = list(
        Item.objects.filter(state__in=list(OPEN_STATES), next_attempt__lte=now)
        .order_by()
        .values_list("invoice_id", flat=True)
        .distinct()[:1000]
    )
    for invoice_id in invoices:
        do_send_invoice_items(invoice_id=str(invoice_id), now=now)
    return len(invoices)
