"""Companies, memberships (who acts for which company, with what role) and API keys."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from efactura.accounts.choices import Language
from efactura.companies.choices import ApiScope, Role
from efactura.companies.validators import validate_tax_id


class Company(models.Model):
    """A business registered on this platform, identified by its tax ID.

    ``tax_id`` is stored canonical (``ESB12345678``: country prefix, no separators, upper case)
    and unique in the database, so an invoice addressed to a tax ID reaches exactly one inbox.
    The address is the one printed on invoices the company issues (Facturae ``AddressInSpain``
    / EN 16931 BG-5).
    """

    legal_name = models.CharField(_("legal name"), max_length=200)
    tax_id = models.CharField(
        _("tax ID"),
        max_length=20,
        unique=True,
        validators=[validate_tax_id],
        help_text=_("Spanish NIF/CIF/NIE or EU VAT number, e.g. ESB12345678."),
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    city = models.CharField(_("town"), max_length=100, blank=True)
    province = models.CharField(_("province"), max_length=100, blank=True)
    country = models.CharField(
        _("country"), max_length=2, default="ES", help_text=_("ISO 3166-1 alpha-2 code.")
    )
    contact_email = models.EmailField(_("contact email"))
    language = models.CharField(
        _("language"), max_length=8, choices=Language.choices, default=Language.SPANISH
    )
    is_active = models.BooleanField(_("active"), default=True)
    created = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        ordering = ("legal_name",)

    def __str__(self) -> str:
        return f"{self.legal_name} ({self.tax_id})"

    @property
    def display_tax_id(self) -> str:
        """The tax ID as people write it: Spanish numbers without the ``ES`` prefix."""
        return self.tax_id[2:] if self.tax_id.startswith("ES") else self.tax_id


class Membership(models.Model):
    """``user`` acts for ``company`` with ``role``; one membership per user and company."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    company = models.ForeignKey(
        Company, verbose_name=_("company"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    created = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ("company__legal_name", "user__email")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["user", "company"], name="companies_membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.company.legal_name} ({self.get_role_display()})"

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def can_write(self) -> bool:
        """Admins and accountants change invoices; viewers only read."""
        from efactura.companies.acting import WRITE_ROLES

        return self.role in WRITE_ROLES


class ApiKey(models.Model):
    """A secret an ERP presents to act for ``company`` through the API.

    The clear key (``efk_<lookup>_<secret>``) is shown once at creation; only its SHA-256 hash
    is stored.  ``prefix`` is the non-secret lookup part used to find the row before comparing
    hashes in constant time.  A key is never deleted, only revoked, so the audit trail keeps
    pointing at it.
    """

    company = models.ForeignKey(
        Company, verbose_name=_("company"), on_delete=models.CASCADE, related_name="api_keys"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=32, unique=True, editable=False)
    key_hash = models.CharField(_("key hash"), max_length=64, editable=False)
    scopes = models.JSONField(_("scopes"), default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created = models.DateTimeField(_("created"), default=timezone.now)
    last_used = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ("-created",)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked is None

    def scope_labels(self) -> list[str]:
        """Human names of the scopes, in the active language."""
        labels = dict(ApiScope.choices)
        return [str(labels.get(scope, scope)) for scope in self.scopes]


__all__ = ["ApiKey", "ApiScope", "Company", "Membership", "Role"]
