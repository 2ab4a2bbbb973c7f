"""Background tasks of the API app (run by the worker after the causing transaction commits)."""

from __future__ import annotations

from django.tasks import task


@task()
def deliver_webhook(*, delivery_id: int) -> str:
    """Attempt one webhook delivery; returns its status afterwards."""
    from efactura.api.services import do_attempt_webhook_delivery

    delivery = do_attempt_webhook_delivery(delivery_id=delivery_id)
    return delivery.status if delivery is not None else "missing"
