"""Company certificates (PKCS#12, encrypted at rest) and each company's signing policy."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from efactura.signing.choices import Policy


class Certificate(models.Model):
    """A company's signing certificate.

    The PKCS#12 file and its password are stored encrypted (``services.encrypt``, a key derived
    from ``EFACTURA_ENCRYPTION_KEY``); the private key is decrypted in memory only while
    signing and never leaves the server.  The descriptive fields are copied from the
    certificate at upload so the page can list them without decrypting anything.
    """

    company = models.ForeignKey(
        "companies.Company",
        on_delete=models.CASCADE,
        related_name="certificates",
        verbose_name=_("company"),
    )
    p12_encrypted = models.BinaryField(editable=False, verbose_name=_("p12 encrypted"))
    password_encrypted = models.BinaryField(editable=False, verbose_name=_("password encrypted"))
    subject = models.CharField(_("subject"), max_length=500)
    issuer = models.CharField(_("issuer"), max_length=500)
    serial = models.CharField(_("serial number"), max_length=100)
    common_name = models.CharField(_("name"), max_length=200)
    tax_ids = models.JSONField(_("tax IDs"), default=list)
    fingerprint = models.CharField(_("SHA-256 fingerprint"), max_length=64, blank=True)
    not_before = models.DateTimeField(_("valid from"))
    not_after = models.DateTimeField(_("valid until"))
    is_test = models.BooleanField(_("test certificate"), default=False)
    is_active = models.BooleanField(_("in use"), default=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    created = models.DateTimeField(_("uploaded"), default=timezone.now)
    retired = models.DateTimeField(_("no longer in use since"), null=True, blank=True)
    expiry_warned = models.DateTimeField(null=True, blank=True, verbose_name=_("expiry warned"))

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ("-created",)
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["company"],
                condition=models.Q(is_active=True),
                name="signing_one_active_certificate_per_company",
            )
        ]

    def __str__(self) -> str:
        return f"{self.common_name} ({self.not_after:%Y-%m-%d})"

    @property
    def days_to_expiry(self) -> int:
        return (self.not_after - timezone.now()).days

    @property
    def is_expired(self) -> bool:
        return self.not_after <= timezone.now()

    def matches_tax_id(self, tax_id: str) -> bool:
        """Whether the certificate names ``tax_id`` (any form: ``ESB12345678``, ``B12345678``)."""
        from einvoice.signing.certs import normalise_tax_id

        wanted = normalise_tax_id(tax_id)
        return bool(wanted) and wanted in {normalise_tax_id(t) for t in self.tax_ids}


class SigningSettings(models.Model):
    """A company's choice: sign with its own certificate, the platform seal, or refuse."""

    company = models.OneToOneField(
        "companies.Company",
        on_delete=models.CASCADE,
        related_name="signing_settings",
        verbose_name=_("company"),
    )
    policy = models.CharField(
        _("signing policy"), max_length=8, choices=Policy.choices, default=Policy.SEAL
    )
    updated = models.DateTimeField(default=timezone.now, verbose_name=_("updated"))

    class Meta:
        verbose_name = _("signing settings")
        verbose_name_plural = _("signing settings")
        constraints: ClassVar[list[models.BaseConstraint]] = []

    def __str__(self) -> str:
        return f"{self.company_id}: {self.policy}"
