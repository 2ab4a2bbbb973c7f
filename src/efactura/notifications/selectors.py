"""Reads of the notifications app: the embedded outbox and a company's email log."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from efactura.companies.models import Company
from efactura.notifications.models import Notification, OutboxEmail


def list_outbox_emails() -> QuerySet[OutboxEmail]:
    """Every stored email, newest first."""
    return OutboxEmail.objects.all()


def access_outbox_email_by_id(*, email_id: int) -> OutboxEmail:
    """One stored email; ``Http404`` when there is none with that id."""
    email = OutboxEmail.objects.filter(pk=email_id).first()
    if email is None:
        raise Http404("No such email.")
    return email


def list_notifications(*, company: Company) -> QuerySet[Notification]:
    """The emails sent for or on behalf of ``company``, newest first."""
    return Notification.objects.filter(company=company).select_related("invoice")


def access_notification_by_id(*, company: Company, notification_id: int) -> Notification:
    """One of ``company``'s emails; ``Notification.DoesNotExist`` for anyone else's."""
    return Notification.objects.get(company=company, pk=notification_id)
