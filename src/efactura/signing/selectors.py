"""Reads of the signing app: a company's certificates and policy, expiring certificates, and
template-friendly summaries of signatures.

Everything company-related is scoped to the acting company; nothing here ever returns key
material (the encrypted columns are deferred and never copied into a summary).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from efactura.companies.models import Company
from efactura.signing.choices import EXPIRY_WARNING_DAYS, Policy
from efactura.signing.models import Certificate
from efactura.signing.services import SealInfo, SigningRefused, get_policy, seal_info

_SECRET_FIELDS = ("p12_encrypted", "password_encrypted")


def _certificates() -> QuerySet[Certificate]:
    return Certificate.objects.defer(*_SECRET_FIELDS)


def get_signing_policy(*, company: Company) -> str:
    """The company's :class:`Policy` value (``seal`` when it never chose)."""
    return get_policy(company)


def list_certificates(*, company: Company) -> QuerySet[Certificate]:
    """The company's certificates, the one in use first, then the earlier ones, newest first."""
    return (
        _certificates()
        .filter(company=company)
        .select_related("uploaded_by")
        .order_by("-is_active", "-created")
    )


def access_certificate_by_id(*, company: Company, certificate_id: int) -> Certificate:
    """One of the company's certificates; 404 for another company's (its existence is not
    revealed)."""
    certificate = _certificates().filter(company=company, pk=certificate_id).first()
    if certificate is None:
        raise Http404("No such certificate.")
    return certificate


def active_certificate(*, company: Company) -> Certificate | None:
    return _certificates().filter(company=company, is_active=True).first()


def list_expiring_certificates(
    *, days: int = EXPIRY_WARNING_DAYS, now: dt.datetime | None = None
) -> QuerySet[Certificate]:
    """Certificates in use (any company) that expire within ``days`` and have not expired yet,
    soonest first — for the operator's daily job and the notifications app, which emails each
    company once (``Certificate.expiry_warned``)."""
    moment = now or timezone.now()
    return (
        _certificates()
        .filter(
            is_active=True,
            not_after__gt=moment,
            not_after__lte=moment + dt.timedelta(days=days),
        )
        .select_related("company")
        .order_by("not_after")
    )


# ---------------------------------------------------------------------------------------------
# The certificates page
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class CertificateState:
    """A certificate as the page shows it, with its warnings worked out."""

    certificate: Certificate
    matches_company: bool
    days_left: int
    expired: bool
    expiring_soon: bool

    @property
    def tone(self) -> str:
        """``danger``, ``warning`` or ``ok`` (CSS classes of badges and callouts)."""
        if self.expired:
            return "danger"
        if self.expiring_soon or not self.matches_company or self.certificate.is_test:
            return "warning"
        return "ok"


@dataclass(frozen=True, slots=True, kw_only=True)
class SigningOverview:
    """Everything the certificates page shows for one company."""

    policy: str
    active: CertificateState | None
    history: list[Certificate]
    seal: SealInfo | None
    seal_error: str
    can_issue: bool
    blocked_reason: str
    signs_with: str
    """``own``, ``seal`` or ``""`` (issuing is blocked)."""


def certificate_state(certificate: Certificate, *, company: Company) -> CertificateState:
    days = certificate.days_to_expiry
    expired = certificate.is_expired
    return CertificateState(
        certificate=certificate,
        matches_company=certificate.matches_tax_id(company.tax_id),
        days_left=max(days, 0),
        expired=expired,
        expiring_soon=not expired and days < EXPIRY_WARNING_DAYS,
    )


def signing_overview(*, company: Company) -> SigningOverview:
    """The company's policy, its certificate with warnings, its history, the platform seal,
    and whether invoices can be issued right now (with the reason when not)."""
    policy = get_policy(company)
    certificates = list(list_certificates(company=company))
    active = next((c for c in certificates if c.is_active), None)
    state = certificate_state(active, company=company) if active else None
    seal: SealInfo | None = None
    seal_error = ""
    try:
        seal = seal_info()
    except SigningRefused as exc:
        seal_error = " ".join(exc.messages)
    blocked = ""
    signs_with = ""
    if policy == Policy.OWN:
        if state is None:
            blocked = _("No certificate is uploaded, so invoices cannot be signed.")
        elif state.expired:
            blocked = _("Your certificate has expired, so invoices cannot be signed.")
        else:
            signs_with = "own"
    elif policy == Policy.SEAL:
        if seal is None:
            blocked = seal_error
        elif seal.is_expired:
            blocked = _("The platform seal has expired, so invoices cannot be signed.")
        else:
            signs_with = "seal"
    else:
        blocked = _(
            "You chose not to use the platform seal and no certificate of yours is in use, so "
            "invoices cannot be issued."
        )
    return SigningOverview(
        policy=policy,
        active=state,
        history=[c for c in certificates if not c.is_active],
        seal=seal,
        seal_error=seal_error,
        can_issue=not blocked,
        blocked_reason=blocked,
        signs_with=signs_with,
    )


# ---------------------------------------------------------------------------------------------
# Signatures of invoices (for the invoice pages)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class SignatureSummary:
    """An invoice's stored signature report (``Invoice.signature``) in template terms."""

    status: str
    """``valid``, ``invalid`` or ``unsigned``."""
    is_valid: bool
    signer: str
    """Holder of the signing certificate (its common name, else its subject)."""
    signer_tax_id: str
    issuer: str
    signing_time: dt.datetime | None
    role: str
    is_test: bool
    """Signed with a TEST certificate or TEST seal: not valid for legal use."""
    platform_seal: bool
    """Signed on the company's behalf with this platform's seal."""
    reason: str
    """One sentence in the active language: the verdict or the first problem."""
    warnings: list[str]
    """Other findings in the active language (signer differs from the seller, …)."""
    tone: str
    """``ok``, ``warning`` (valid but a TEST signature) or ``danger`` (invalid)."""

    @property
    def label(self) -> str:
        """A short badge text: "Signed", "Signed — TEST seal", "Invalid signature", "Unsigned"."""
        if self.status == "unsigned":
            return _("Unsigned")
        if not self.is_valid:
            return _("Invalid signature")
        if self.is_test and self.platform_seal:
            return _("Signed — TEST seal, not legally valid")
        if self.is_test:
            return _("Signed — TEST certificate, not legally valid")
        if self.platform_seal:
            return _("Signed with the platform seal")
        return _("Signed")


def signature_summary(signature: dict[str, Any] | None) -> SignatureSummary | None:
    """Summarise ``Invoice.signature`` (the verification report stored at issue or import);
    ``None`` when nothing is recorded.  Usable from templates through
    ``{% load signatures %}{% signature_summary invoice.signature as sig %}``."""
    if not signature:
        return None
    spanish = (get_language() or "es").startswith("es")
    signer: dict[str, Any] = signature.get("signer") or {}
    signed_with: dict[str, Any] = signature.get("signed_with") or {}
    signing_time = None
    if signature.get("signing_time"):
        try:
            signing_time = dt.datetime.fromisoformat(str(signature["signing_time"]))
        except ValueError:
            signing_time = None
    status = str(signature.get("status", ""))
    is_test = bool(signer.get("is_test")) or bool(signed_with.get("test_seal"))
    reason = str(signature.get("reason_es" if spanish else "reason") or "")
    warnings = []
    for finding in signature.get("findings") or []:
        if finding.get("severity") == "warning":
            text = finding.get("message_es" if spanish else "message") or ""
            if text:
                warnings.append(str(text))
    if status != "valid":
        tone = "danger"
    elif is_test:
        tone = "warning"
    else:
        tone = "ok"
    return SignatureSummary(
        status=status,
        is_valid=status == "valid",
        signer=str(signer.get("common_name") or signer.get("subject") or ""),
        signer_tax_id=str(signer.get("tax_id") or ""),
        issuer=str(signer.get("issuer") or ""),
        signing_time=signing_time,
        role=str(signature.get("signer_role") or ""),
        is_test=is_test,
        platform_seal=signed_with.get("kind") == "seal",
        reason=reason,
        warnings=warnings,
        tone=tone,
    )
