"""Enrolments at the branch and the bank identities that signed in with them.

An :class:`Enrolment` is the branch's decision: the bank customer identified by the provider's
subject and/or a national ID may act for a company with a role.  A :class:`BankIdentity` is
created the first time such a person signs in; it ties the provider's subject to a local user.
The memberships the enrolments (or the provider's company claim) grant are ordinary
:class:`~efactura.companies.models.Membership` rows marked by a :class:`BankMembership`, so the
rest of the platform (acting company, roles, the company switcher) works unchanged, and
disabling an enrolment removes the membership at once: it takes effect at the next request.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from efactura.companies.choices import Role
from efactura.companies.models import Company, Membership


class Enrolment(models.Model):
    """The bank customer ``subject`` / ``national_id`` may act for ``company`` with ``role``.

    At least one of ``subject`` (the provider's ``sub`` claim) and ``national_id`` (DNI/NIE,
    stored canonical) is set.  Enrolments are disabled, never deleted, so the audit trail keeps
    pointing at them.
    """

    company = models.ForeignKey(
        Company, verbose_name=_("company"), on_delete=models.CASCADE, related_name="enrolments"
    )
    subject = models.CharField(
        _("subject"),
        max_length=255,
        blank=True,
        help_text=_("The customer's identifier at the bank's identity provider (sub claim)."),
    )
    national_id = models.CharField(
        _("national ID"),
        max_length=20,
        blank=True,
        help_text=_("The customer's Spanish DNI or NIE, e.g. 12345678Z."),
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    is_active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ("company__legal_name", "-created")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=~Q(subject="") | ~Q(national_id=""), name="sso_enrolment_has_identity"
            ),
            models.UniqueConstraint(
                fields=["company", "subject"],
                condition=~Q(subject=""),
                name="sso_enrolment_unique_subject",
            ),
            models.UniqueConstraint(
                fields=["company", "national_id"],
                condition=~Q(national_id=""),
                name="sso_enrolment_unique_national_id",
            ),
        ]

    def __str__(self) -> str:
        who = self.subject or self.national_id
        return f"{who} @ {self.company.legal_name} ({self.role})"


class BankIdentity(models.Model):
    """A person known to the bank's provider (``issuer`` + ``subject``) and their local user."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="bank_identity",
    )
    issuer = models.CharField(_("issuer"), max_length=255)
    subject = models.CharField(_("subject"), max_length=255)
    national_id = models.CharField(_("national ID"), max_length=20, blank=True)
    claimed_companies = models.JSONField(
        _("companies from the provider"),
        default=list,
        blank=True,
        help_text=_("Tax IDs and roles the provider's company claim gave at the last sign-in."),
    )
    created = models.DateTimeField(_("created"), default=timezone.now)
    last_sign_in = models.DateTimeField(_("last sign-in"), null=True, blank=True)

    class Meta:
        verbose_name = _("bank identity")
        verbose_name_plural = _("bank identities")
        ordering = ("-last_sign_in",)
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="sso_identity_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} ({self.user})"


class BankMembership(models.Model):
    """Marks a membership as granted by the bank (an enrolment or the company claim).

    Only these are changed or removed when enrolments change; memberships an operator added by
    hand are left alone.
    """

    membership = models.OneToOneField(
        Membership, on_delete=models.CASCADE, related_name="bank_grant"
    )
    identity = models.ForeignKey(
        BankIdentity, on_delete=models.CASCADE, related_name="bank_memberships"
    )

    class Meta:
        verbose_name = _("membership from the bank")
        verbose_name_plural = _("memberships from the bank")

    def __str__(self) -> str:
        return str(self.membership)


class BankSession(models.Model):
    """A platform session opened by signing in at the bank, so back-channel logout can end it."""

    identity = models.ForeignKey(BankIdentity, on_delete=models.CASCADE, related_name="sessions")
    session_key = models.CharField(max_length=64, unique=True)
    sid = models.CharField(max_length=255, blank=True, db_index=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("session from the bank")
        verbose_name_plural = _("sessions from the bank")

    def __str__(self) -> str:
        return f"{self.identity.subject} {self.sid}"
