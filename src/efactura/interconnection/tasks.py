"""Background tasks of the interconnection app (they take primary keys and reload)."""

from __future__ import annotations

from django.tasks import task


@task()
def send_message(*, message_pk: int) -> str:
    """One attempt to send outbound AS4 message ``message_pk`` (retries re-enqueue)."""
    from efactura.interconnection.services import do_send_message

    return do_send_message(message_pk=message_pk)
