"""Background jobs of the signing app.

``check_signing_certificates`` is the daily check (the ``certificate_check`` job of the
periodic-job registry, ``efactura.housekeeping``; ``efactura manage check_certificates`` runs
it at once with another window): it reports to
the operator's log the companies whose certificate expires soon or has expired while still in
use, and the platform seal's own expiry.  Emails to the companies are sent by the
notifications app (``notifications.services.do_warn_expiring_certificates``), which reads
:func:`efactura.signing.selectors.list_expiring_certificates`.
"""

from __future__ import annotations

import logging

from django.tasks import task
from django.utils import timezone

logger = logging.getLogger("efactura.signing")


@task()
def check_signing_certificates(days: int | None = None) -> dict[str, object]:
    """Log certificates in use that expire within ``days`` (default 30) or have expired, and
    the seal's expiry; returns the ids found (for the caller and tests)."""
    from efactura.signing.choices import EXPIRY_WARNING_DAYS
    from efactura.signing.models import Certificate
    from efactura.signing.selectors import list_expiring_certificates
    from efactura.signing.services import SigningRefused, seal_info

    window = EXPIRY_WARNING_DAYS if days is None else days
    expiring = list(list_expiring_certificates(days=window))
    for certificate in expiring:
        logger.warning(
            "Certificate %s of company %s (%s) expires on %s.",
            certificate.serial,
            certificate.company_id,
            certificate.common_name,
            certificate.not_after.date().isoformat(),
        )
    expired = list(
        Certificate.objects.filter(is_active=True, not_after__lte=timezone.now())
        .only("pk", "company_id", "not_after")
        .order_by("not_after")
    )
    for certificate in expired:
        logger.warning(
            "Certificate %s of company %s expired on %s and is still in use: that company "
            "cannot issue invoices until it uploads a new one.",
            certificate.pk,
            certificate.company_id,
            certificate.not_after.date().isoformat(),
        )
    seal_days: int | None = None
    try:
        seal = seal_info()
    except SigningRefused as exc:
        logger.error("The platform seal cannot be used: %s", " ".join(exc.messages))
    else:
        seal_days = seal.days_to_expiry
        if seal_days < window:
            logger.warning(
                "The platform seal (%s) expires on %s: renew it and update EFACTURA_SEAL_P12.",
                seal.common_name,
                seal.not_after.date().isoformat(),
            )
    return {
        "expiring": [c.pk for c in expiring],
        "expired": [c.pk for c in expired],
        "seal_days_left": seal_days,
    }
