"""Signing invoices for companies: certificates, the platform seal, the per-company policy.

A company signs with its own certificate (uploaded as PKCS#12 with its password), with the
platform's seal, or refuses to issue unsigned.  The seal is configured by the operator
(``EFACTURA_SEAL_P12`` + ``EFACTURA_SEAL_PASSWORD``); on the embedded default a self-signed
*test* seal is generated on first use into the data folder, clearly labelled as a test seal
wherever it shows — production refuses to start with it (system check ``efactura.E001``).

Secrets at rest (PKCS#12 files and their passwords) are encrypted with Fernet (AES-128-CBC +
HMAC-SHA256, from ``cryptography``) under a key derived with HKDF from
``EFACTURA_ENCRYPTION_KEY`` (default: the secret key).
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import threading
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from efactura.accounts.models import User
from efactura.audit.choices import Source
from efactura.audit.services import record
from efactura.companies.models import Company
from efactura.signing.choices import Policy
from efactura.signing.models import Certificate, SigningSettings
from einvoice.errors import SignatureError
from einvoice.signing import certs, xades
from einvoice.signing.verify import verify


class SigningRefused(ValidationError):
    """The company's policy does not allow signing now (no usable certificate, or refuse)."""


# ---------------------------------------------------------------------------------------------
# Encryption at rest
# ---------------------------------------------------------------------------------------------


def _fernet() -> Fernet:
    secret = str(getattr(settings, "EFACTURA_ENCRYPTION_KEY", "") or settings.SECRET_KEY)
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"efactura-signing", info=b"secrets-at-rest"
    ).derive(secret.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(data: bytes) -> bytes:
    return _fernet().encrypt(data)


def decrypt(token: bytes) -> bytes:
    try:
        return _fernet().decrypt(bytes(token))
    except InvalidToken as exc:
        raise SigningRefused(
            _("The stored certificate cannot be decrypted with the current encryption key."),
            code="decrypt",
        ) from exc


# ---------------------------------------------------------------------------------------------
# Platform seal
# ---------------------------------------------------------------------------------------------

_seal_lock = threading.Lock()
_seal_cache: dict[str, certs.SigningIdentity] = {}

TEST_SEAL_PASSWORD = "efactura-test-seal"  # noqa: S105 - a test seal, labelled as such


def test_seal_path() -> Path:
    return Path(settings.DATA_DIR) / "seal" / "test-seal.p12"


def platform_seal() -> certs.SigningIdentity:
    """The operator's seal, or the embedded default's generated test seal."""
    configured = str(getattr(settings, "EFACTURA_SEAL_P12", "") or "")
    cache_key = configured or str(test_seal_path())
    identity = _seal_cache.get(cache_key)
    if identity is not None:
        return identity
    with _seal_lock:
        identity = _seal_cache.get(cache_key)
        if identity is not None:
            return identity
        if configured:
            password = str(getattr(settings, "EFACTURA_SEAL_PASSWORD", ""))
            identity = certs.load_pkcs12(Path(configured).read_bytes(), password)
        else:
            identity = _load_or_make_test_seal(test_seal_path())
        _seal_cache[cache_key] = identity
        return identity


def _load_or_make_test_seal(path: Path) -> certs.SigningIdentity:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        key, cert = certs.make_test_certificate(
            "efactura platform TEST seal", "Q0000000J", days=3650
        )
        data = certs.to_pkcs12(key, cert, TEST_SEAL_PASSWORD)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(data)
        os.chmod(tmp, 0o600)
        tmp.replace(path)
    return certs.load_pkcs12(path.read_bytes(), TEST_SEAL_PASSWORD)


def seal_info() -> dict[str, Any]:
    """Subject, validity and whether the seal is a test seal (for pages and checks)."""
    identity = platform_seal()
    info = certs.certificate_info(identity.certificate)
    return {**info.as_dict(), "is_test": certs.is_test_certificate(identity.certificate)}


def seal_is_test() -> bool:
    """True when no operator seal is configured (the generated test seal would be used)."""
    return not getattr(settings, "EFACTURA_SEAL_P12", "")


# ---------------------------------------------------------------------------------------------
# Company certificates and policy
# ---------------------------------------------------------------------------------------------


def get_policy(company: Company) -> str:
    settings_row = SigningSettings.objects.filter(company=company).first()
    return settings_row.policy if settings_row else Policy.SEAL


def active_certificate(company: Company) -> Certificate | None:
    return Certificate.objects.filter(company=company, is_active=True).order_by("-created").first()


def do_upload_certificate(
    *,
    company: Company,
    actor: User | None,
    p12: bytes,
    password: str,
    source: str = Source.WEB,
) -> Certificate:
    """Store a company's PKCS#12 certificate (encrypted) and make it the one in use.

    Raises ``ValidationError`` for a wrong password, a file that is not PKCS#12, a key that is
    not RSA, or an expired certificate.  The policy switches to "own certificate".
    """
    try:
        identity = certs.load_pkcs12(p12, password)
    except SignatureError as exc:
        raise ValidationError(exc.violations[0].text(_lang()), code="p12") from exc
    info = certs.certificate_info(identity.certificate)
    now = timezone.now()
    if info.not_after <= now:
        raise ValidationError(
            _("This certificate expired on %(date)s; upload a valid one.")
            % {"date": info.not_after.date().isoformat()},
            code="expired",
        )
    with transaction.atomic():
        Certificate.objects.filter(company=company, is_active=True).update(is_active=False)
        cert = Certificate.objects.create(
            company=company,
            p12_encrypted=encrypt(p12),
            password_encrypted=encrypt(password.encode()),
            subject=info.subject[:500],
            issuer=info.issuer[:500],
            serial=str(info.serial)[:100],
            common_name=info.common_name[:200],
            tax_ids=list(info.tax_ids),
            not_before=info.not_before,
            not_after=info.not_after,
            is_test=certs.is_test_certificate(identity.certificate),
            uploaded_by=actor,
        )
        SigningSettings.objects.update_or_create(
            company=company, defaults={"policy": Policy.OWN, "updated": now}
        )
        record(
            action="signing.certificate.uploaded",
            actor=actor,
            company=company,
            obj=cert,
            source=Source(source),
            data={
                "subject": info.subject,
                "serial": str(info.serial),
                "not_after": info.not_after.isoformat(),
            },
        )
    return cert


def do_remove_certificate(
    *, company: Company, actor: User | None, certificate_id: int, source: str = Source.WEB
) -> None:
    """Stop using a certificate (kept for the audit trail, never deleted)."""
    with transaction.atomic():
        cert = Certificate.objects.select_for_update().get(company=company, pk=certificate_id)
        cert.is_active = False
        cert.save(update_fields=["is_active"])
        if get_policy(company) == Policy.OWN and active_certificate(company) is None:
            SigningSettings.objects.update_or_create(
                company=company, defaults={"policy": Policy.SEAL, "updated": timezone.now()}
            )
        record(
            action="signing.certificate.removed",
            actor=actor,
            company=company,
            obj=cert,
            source=Source(source),
            data={"serial": cert.serial},
        )


def do_set_policy(
    *, company: Company, actor: User | None, policy: str, source: str = Source.WEB
) -> None:
    if policy not in Policy.values:
        raise ValidationError(_("Unknown signing policy."), code="policy")
    if policy == Policy.OWN and active_certificate(company) is None:
        raise ValidationError(
            _("Upload a certificate before choosing to sign with your own."), code="policy"
        )
    with transaction.atomic():
        SigningSettings.objects.update_or_create(
            company=company, defaults={"policy": policy, "updated": timezone.now()}
        )
        record(
            action="signing.policy.changed",
            actor=actor,
            company=company,
            source=Source(source),
            data={"policy": policy},
        )


def _identity_for(company: Company) -> tuple[certs.SigningIdentity, str]:
    policy = get_policy(company)
    if policy == Policy.OWN:
        cert = active_certificate(company)
        if cert is None or cert.is_expired:
            raise SigningRefused(
                _(
                    "Your company signs with its own certificate, but none valid is uploaded "
                    "(Tools › Set-up › Certificates)."
                ),
                code="no_certificate",
            )
        identity = certs.load_pkcs12(
            decrypt(cert.p12_encrypted), decrypt(cert.password_encrypted).decode()
        )
        return identity, "emisor"
    if policy == Policy.SEAL:
        return platform_seal(), "tercero"
    raise SigningRefused(
        _(
            "Your company's policy is to refuse issuing unsigned invoices and no certificate "
            "is in use (Tools › Set-up › Certificates)."
        ),
        code="refused",
    )


def sign_for_company(*, company: Company, xml: bytes) -> tuple[bytes, dict[str, Any]]:
    """Sign a rendered, unsigned Facturae for ``company``; return the signed bytes (the legal
    original, archived as is) and the verification report of the result."""
    identity, role = _identity_for(company)
    signed = xades.sign(
        xml,
        key=identity.key,
        certificate=identity.certificate,
        chain=identity.chain,
        role=role,
        signing_time=dt.datetime.now(dt.UTC).replace(microsecond=0),
    )
    report = verify(signed).as_dict()
    return signed, report


def _lang() -> str:
    from django.utils.translation import get_language

    return get_language() or "es"
