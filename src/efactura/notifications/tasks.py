"""Background tasks of the notifications app.

Emails are sent after the transaction that caused them commits, by the worker, so a slow or
failing mail server never slows down or breaks a page (STYLE.md habit 4).
"""

from __future__ import annotations

from django.core.mail import EmailMultiAlternatives
from django.tasks import task


@task()
def send_email(
    *,
    to: list[str],
    subject: str,
    text: str,
    html: str = "",
    cc: list[str] | None = None,
    reply_to: list[str] | None = None,
) -> int:
    """Send one email through the configured backend; returns the number sent (0 or 1)."""
    message = EmailMultiAlternatives(
        subject=subject, body=text, to=to, cc=cc or [], reply_to=reply_to or []
    )
    if html:
        message.attach_alternative(html, "text/html")
    return message.send()


@task()
def deliver_notification(*, notification_id: int) -> str:
    """Send the recorded email ``notification_id`` (one attempt; retries re-enqueue)."""
    from efactura.notifications.services import do_send_notification

    return do_send_notification(notification_id=notification_id)
