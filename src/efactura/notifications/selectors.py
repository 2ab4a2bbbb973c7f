"""Reads of the notifications app: the embedded outbox and a company's email log."""

from __future__ import annotations

from email.utils import parseaddr

from django.db.models import QuerySet
from django.http import Http404

from efactura.accounts.models import User, normalise_email
from efactura.companies.models import Company
from efactura.notifications.models import Notification, OutboxEmail


def list_outbox_emails(*, user: User | None = None) -> QuerySet[OutboxEmail]:
    """The stored emails ``user`` may read, newest first.

    Operators (staff) read the whole outbox; anyone else only the messages addressed to their
    own email address (``to``, ``cc`` or ``bcc``): the outbox holds password-reset links and
    registration codes, so reading someone else's message would take over their account.
    ``user=None`` means every email (internal use: the command line, tests).
    """
    emails = OutboxEmail.objects.all()
    if user is None or user.is_staff:
        return emails
    address = normalise_email(user.email)
    ids = [
        email_id
        for email_id, to, cc, bcc in emails.values_list("pk", "to", "cc", "bcc")
        if address in _addresses([*(to or []), *(cc or []), *(bcc or [])])
    ]
    return emails.filter(pk__in=ids)


def _addresses(recipients: list[object]) -> set[str]:
    """Bare, normalised addresses of ``"Name <a@b.es>"`` or ``"a@b.es"`` recipients."""
    return {normalise_email(parseaddr(str(recipient))[1]) for recipient in recipients}


def access_outbox_email_by_id(*, email_id: int, user: User | None = None) -> OutboxEmail:
    """One stored email ``user`` may read; ``Http404`` when there is none, or not theirs."""
    email = list_outbox_emails(user=user).filter(pk=email_id).first()
    if email is None:
        raise Http404("No such email.")
    return email


def list_notifications(*, company: Company) -> QuerySet[Notification]:
    """The emails sent for or on behalf of ``company``, newest first."""
    return Notification.objects.filter(company=company).select_related("invoice")


def access_notification_by_id(*, company: Company, notification_id: int) -> Notification:
    """One of ``company``'s emails; ``Notification.DoesNotExist`` for anyone else's."""
    return Notification.objects.get(company=company, pk=notification_id)
