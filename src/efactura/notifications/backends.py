"""Django email backend writing every message into the embedded outbox (``OutboxEmail``)."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend


class OutboxBackend(BaseEmailBackend):
    """Stores messages instead of sending them; the default when ``EMAIL_URL`` is unset."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        from efactura.notifications.services import do_store_outbox_email

        sent = 0
        for message in email_messages:
            if not message.recipients():
                continue
            do_store_outbox_email(message=message)
            sent += 1
        return sent
