"""Background tasks of the SPFE queue (run by the worker after the causing commit)."""

from __future__ import annotations

from django.tasks import task


@task()
def send_invoice_items(*, invoice_id: str) -> str:
    """Deliver one invoice's open SPFE items, in order (see ``do_send_invoice_items``)."""
    from efactura.spfe.services import do_send_invoice_items

    return do_send_invoice_items(invoice_id=invoice_id)
