"""Emails of the platform: per-company settings, the log of every email, the embedded store."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from efactura.companies.models import Company

from efactura.notifications.choices import Audience, EmailStatus, Kind, setting


class OutboxEmail(models.Model):
    """One email the platform sent while no mail server was configured (``EMAIL_URL`` unset).

    The demo and a local installation keep every message here instead of losing it; the
    "Mail outbox" page shows them, so invitation and password-reset emails can be followed.
    """

    from_email = models.CharField(_("from"), max_length=255)
    to = models.JSONField(_("to"), default=list)
    cc = models.JSONField(_("cc"), default=list, blank=True)
    bcc = models.JSONField(_("bcc"), default=list, blank=True)
    subject = models.CharField(_("subject"), max_length=998)
    text = models.TextField(_("text"), blank=True)
    html = models.TextField(_("HTML"), blank=True)
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    created = models.DateTimeField(_("created"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("outbox email")
        verbose_name_plural = _("outbox emails")
        ordering = ("-created", "-id")

    def __str__(self) -> str:
        return self.subject

    @property
    def recipients_display(self) -> str:
        return ", ".join(self.to)


class NotificationSettings(models.Model):
    """What a company wants emailed (Tools › Set-up › Notifications).

    A company without a row uses :meth:`defaults_for`: its customers are emailed a link to the
    invoice (the PDF attached only where ``EFACTURA_EMAIL_ATTACH_PDF`` says so), and its contact
    address hears about failed deliveries and expiring certificates.
    """

    company = models.OneToOneField(
        "companies.Company",
        on_delete=models.CASCADE,
        related_name="notification_settings",
        verbose_name=_("company"),
    )
    email_customer_on_issue = models.BooleanField(
        _("email my customer when I issue an invoice"), default=True
    )
    attach_pdf = models.BooleanField(_("attach the PDF"), default=False)
    invoice_received_emails = models.JSONField(_("when an invoice arrives"), default=list)
    status_changed_emails = models.JSONField(_("when a status changes"), default=list)
    delivery_failed_emails = models.JSONField(_("when a delivery fails"), default=list)
    certificate_expiring_emails = models.JSONField(
        _("when a certificate is about to expire"), default=list
    )
    deadline_digest_emails = models.JSONField(
        _("daily digest of invoices awaiting an answer"), default=list, blank=True
    )
    updated = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")

    def __str__(self) -> str:
        return str(self.company_id)

    @classmethod
    def defaults_for(cls, company: Company) -> NotificationSettings:
        """The unsaved settings a company has before it saves its own."""
        contact = [company.contact_email] if company.contact_email else []
        return cls(
            company=company,
            attach_pdf=bool(setting("EFACTURA_EMAIL_ATTACH_PDF")),
            delivery_failed_emails=list(contact),
            certificate_expiring_emails=list(contact),
        )


class Notification(models.Model):
    """One email the platform sent or tried to send: to whom, when, what, and the result.

    The content is rendered when the email is queued, in the recipient's language, and kept
    here (an invitation's code A is masked: the clear code exists only in the email).  The
    worker sends it after the transaction that caused it commits and retries with back-off
    on mail-server errors; after ``EFACTURA_EMAIL_MAX_ATTEMPTS`` it is marked failed, which
    the invoice timeline and the notifications page show.  Nothing is lost: a failed email
    can be sent again from the notifications page.
    """

    company = models.ForeignKey(
        "companies.Company",
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("company"),
        help_text=_("The company on whose behalf (customer emails) or for whom it is sent."),
    )
    invoice = models.ForeignKey(
        "invoices.Invoice",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("invoice"),
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    audience = models.CharField(_("audience"), max_length=16, choices=Audience.choices)
    to = models.JSONField(_("to"), default=list)
    language = models.CharField(_("language"), max_length=8, default="es")
    subject = models.CharField(_("subject"), max_length=998)
    text = models.TextField(_("text"))
    html = models.TextField(_("HTML"), blank=True)
    attach_pdf = models.BooleanField(_("PDF attached"), default=False)
    context = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        _("result"), max_length=16, choices=EmailStatus.choices, default=EmailStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    message_id = models.CharField(
        max_length=255,
        blank=True,
        help_text="Fixed before the first attempt; every retry sends the same Message-ID, so "
        "mail programs show a duplicate after a crash as one message.",
    )
    lease_expires_at = models.DateTimeField(
        _("claimed until"),
        null=True,
        blank=True,
        help_text="While sending: when the sending worker's claim lapses if it never reports.",
    )
    created = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    updated = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("email")
        verbose_name_plural = _("emails")
        ordering = ("-created", "-id")
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["company", "-created"], name="notif_company_created"),
            models.Index(fields=["status", "next_attempt_at"], name="notif_status_next"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {', '.join(self.to)} ({self.status})"
