"""Signing invoices for companies: certificates, the platform seal, the per-company policy.

A company signs with its own certificate (uploaded as PKCS#12 with its password), with the
platform's seal, or refuses to issue unsigned (:class:`~efactura.signing.choices.Policy`; new
companies use the seal).  The seal is configured by the operator (``EFACTURA_SEAL_P12`` +
``EFACTURA_SEAL_PASSWORD``); on the embedded default a self-signed *test* seal is generated
once into ``<data dir>/seal/``, clearly labelled as a test seal wherever it shows — production
refuses to start with it (system checks in :mod:`efactura.signing.checks`).

Secrets at rest (PKCS#12 files and their passwords) are encrypted by :mod:`.crypto`.  The
private key is decrypted in memory only while signing; it is never logged, never written to
audit data, never rendered and never downloadable.  When a certificate is replaced or
removed, its encrypted key material is erased; the descriptive data stays for the record.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from efactura.accounts.models import User
from efactura.audit.choices import Source
from efactura.audit.services import record
from efactura.companies.models import Company
from efactura.signing.choices import MAX_P12_BYTES, Policy
from efactura.signing.crypto import SecretUnreadable, decrypt, encrypt, reencrypt
from efactura.signing.models import Certificate, SigningSettings
from einvoice import model as em
from einvoice.errors import SignatureError
from einvoice.signing import certs, xades
from einvoice.signing.verify import verify

__all__ = [
    "SigningRefused",
    "decrypt",
    "do_reencrypt_certificates",
    "do_remove_certificate",
    "do_set_policy",
    "do_upload_certificate",
    "encrypt",
    "ensure_platform_seal",
    "platform_seal",
    "seal_info",
    "seal_is_test",
    "sign_for_company",
]

logger = logging.getLogger(__name__)


class SigningRefused(ValidationError):
    """Issuing cannot be signed now: the company's policy, its certificate, or the seal.

    The message says, for a bookkeeper, what to do (upload a certificate, choose the seal, ask
    the platform operator).
    """


# ---------------------------------------------------------------------------------------------
# Platform seal
# ---------------------------------------------------------------------------------------------

_seal_lock = threading.Lock()
_seal_cache: dict[tuple[str, int, int], certs.SigningIdentity] = {}

TEST_SEAL_PASSWORD = "efactura-test-seal"  # noqa: S105 - a test seal, labelled as such
TEST_SEAL_NAME = "Sello de PRUEBA de la plataforma efactura"
TEST_SEAL_TAX_ID = "Q0000000J"


@dataclass(frozen=True, slots=True, kw_only=True)
class SealInfo:
    """What the pages and checks show about the platform seal (never the key)."""

    configured: bool
    """True when the operator configured ``EFACTURA_SEAL_P12``."""
    is_test: bool
    """A TEST seal: self-signed, not valid for legal use."""
    common_name: str
    subject: str
    issuer: str
    serial: str
    tax_ids: tuple[str, ...]
    not_before: dt.datetime
    not_after: dt.datetime
    sha256: str

    @property
    def days_to_expiry(self) -> int:
        return (self.not_after - timezone.now()).days

    @property
    def is_expired(self) -> bool:
        return self.not_after <= timezone.now()


def generated_seal_path() -> Path:
    return Path(settings.DATA_DIR) / "seal" / "test-seal.p12"


def _configured_seal() -> tuple[str, str]:
    return (
        str(getattr(settings, "EFACTURA_SEAL_P12", "") or ""),
        str(getattr(settings, "EFACTURA_SEAL_PASSWORD", "") or ""),
    )


def seal_is_test() -> bool:
    """True when no operator seal is configured (the generated test seal is used)."""
    return not _configured_seal()[0]


def _seal_unavailable(detail: str) -> SigningRefused:
    return SigningRefused(
        _(
            "The platform seal cannot be used (%(detail)s). Ask the platform operator to fix "
            "it, or upload your company's own certificate."
        )
        % {"detail": detail},
        code="seal_unavailable",
    )


@sensitive_variables("password")
def platform_seal() -> certs.SigningIdentity:
    """The operator's seal, or the embedded default's generated TEST seal.

    Cached per process and per file version (path, modification time, size), so an operator
    who replaces the seal file is picked up without a restart.  Raises
    :class:`SigningRefused` when the configured file cannot be opened.
    """
    path, password = _configured_seal()
    if not path:
        ensure_test_seal()
        path, password = str(generated_seal_path()), TEST_SEAL_PASSWORD
    try:
        stat = os.stat(path)
    except OSError as exc:
        raise _seal_unavailable(_("the seal file cannot be read: %s") % exc.strerror) from exc
    cache_key = (path, stat.st_mtime_ns, stat.st_size)
    identity = _seal_cache.get(cache_key)
    if identity is not None:
        return identity
    with _seal_lock:
        identity = _seal_cache.get(cache_key)
        if identity is None:
            try:
                identity = certs.load_pkcs12(Path(path).read_bytes(), password)
            except SignatureError as exc:
                raise _seal_unavailable(exc.violations[0].text(_lang())) from exc
            except OSError as exc:
                raise _seal_unavailable(
                    _("the seal file cannot be read: %s") % exc.strerror
                ) from exc
            _seal_cache.clear()
            _seal_cache[cache_key] = identity
        return identity


def ensure_test_seal() -> Path:
    """Generate the embedded default's TEST seal once, safely across processes.

    The web server and the worker may start together: each writes a candidate to a private
    temporary file and *links* it into place, which fails if the other got there first — so
    every process ends up using the same seal.
    """
    path = generated_seal_path()
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    key, cert = certs.make_test_certificate(TEST_SEAL_NAME, TEST_SEAL_TAX_ID, days=3650)
    data = certs.to_pkcs12(key, cert, TEST_SEAL_PASSWORD, friendly_name="efactura TEST seal")
    candidate = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        try:
            os.link(candidate, path)
        except FileExistsError:
            pass
        else:
            logger.warning(
                "Generated a TEST platform seal at %s: invoices it signs are not legally valid. "
                "Configure EFACTURA_SEAL_P12 and EFACTURA_SEAL_PASSWORD for production.",
                path,
            )
    finally:
        candidate.unlink(missing_ok=True)
    return path


def ensure_platform_seal() -> SealInfo:
    """Load (and on the embedded default, create) the seal now; called by ``efactura serve``
    so the first invoice is signed at once and a broken seal is reported at start-up."""
    return seal_info()


def seal_info() -> SealInfo:
    """Subject, validity and whether the seal is a test seal."""
    identity = platform_seal()
    info = certs.certificate_info(identity.certificate)
    return SealInfo(
        configured=not seal_is_test(),
        is_test=info.is_test or seal_is_test(),
        common_name=info.common_name,
        subject=info.subject,
        issuer=info.issuer,
        serial=str(info.serial),
        tax_ids=info.tax_ids,
        not_before=info.not_before,
        not_after=info.not_after,
        sha256=info.sha256,
    )


def sealing_party() -> em.Party:
    """The platform operator as the Facturae *third party* that issues on behalf of companies
    signing with the platform seal (InvoiceIssuerType TE), so the signer named in the seal
    matches a party of the invoice.  Name and tax ID come from the seal certificate unless
    ``EFACTURA_OPERATOR_NAME`` says otherwise; the address from ``EFACTURA_OPERATOR_ADDRESS``,
    ``EFACTURA_OPERATOR_POSTAL_CODE``, ``EFACTURA_OPERATOR_TOWN`` and
    ``EFACTURA_OPERATOR_PROVINCE`` (the test seal uses a placeholder address in Madrid)."""
    info = seal_info()
    tax_id = info.tax_ids[0] if info.tax_ids else TEST_SEAL_TAX_ID
    tax_id = tax_id if tax_id[:2].isalpha() and len(tax_id) > 9 else f"ES{tax_id}"
    return em.Party(
        name=str(getattr(settings, "EFACTURA_OPERATOR_NAME", "") or info.common_name)[:80],
        tax_id=tax_id,
        address=em.Address(
            line1=str(getattr(settings, "EFACTURA_OPERATOR_ADDRESS", "") or "Plataforma efactura"),
            postal_code=str(getattr(settings, "EFACTURA_OPERATOR_POSTAL_CODE", "") or "28001"),
            city=str(getattr(settings, "EFACTURA_OPERATOR_TOWN", "") or "Madrid"),
            subdivision=str(getattr(settings, "EFACTURA_OPERATOR_PROVINCE", "") or "Madrid"),
            country="ES",
        ),
    )


def issuing_as_third_party(company: Company) -> bool:
    """True when ``company``'s invoices are signed by the platform seal on its behalf."""
    return get_policy(company) == Policy.SEAL


# ---------------------------------------------------------------------------------------------
# Company certificates and policy
# ---------------------------------------------------------------------------------------------


def get_policy(company: Company) -> str:
    """The company's signing policy; companies that never chose use the platform seal."""
    row = SigningSettings.objects.filter(company=company).only("policy").first()
    return row.policy if row else Policy.SEAL


def active_certificate(company: Company) -> Certificate | None:
    return Certificate.objects.filter(company=company, is_active=True).first()


def _date(value: dt.datetime) -> str:
    return formats.date_format(timezone.localtime(value), "SHORT_DATE_FORMAT")


def _retire(certificate: Certificate) -> None:
    """Stop using ``certificate`` and erase its encrypted key material."""
    certificate.is_active = False
    certificate.p12_encrypted = b""
    certificate.password_encrypted = b""
    certificate.retired = timezone.now()
    certificate.save(update_fields=["is_active", "p12_encrypted", "password_encrypted", "retired"])


def _set_policy_row(company: Company, policy: str) -> bool:
    """Store ``policy``; True when it changed."""
    row, created = SigningSettings.objects.select_for_update().get_or_create(
        company=company, defaults={"policy": policy, "updated": timezone.now()}
    )
    if created:
        return policy != Policy.SEAL
    if row.policy == policy:
        return False
    row.policy = policy
    row.updated = timezone.now()
    row.save(update_fields=["policy", "updated"])
    return True


@sensitive_variables("p12", "password", "identity")
def do_upload_certificate(
    *,
    company: Company,
    actor: User | None,
    p12: bytes,
    password: str,
    filename: str = "",
    source: str = Source.WEB,
) -> Certificate:
    """Store a company's PKCS#12 certificate (encrypted) and sign its invoices with it.

    Raises ``ValidationError`` — and stores nothing — for a file that is too large or not
    PKCS#12, a wrong password, a key that is not RSA, a certificate that is expired or not yet
    valid, and, in production, a TEST certificate.  The new certificate replaces the one in
    use (whose key material is erased) and the policy becomes "own certificate".
    """
    name = filename or _("The file")
    if len(p12) > MAX_P12_BYTES:
        raise ValidationError(
            _(
                "%(file)s is %(size)d KB: a certificate file (.p12/.pfx) is normally under "
                "%(limit)d KB. Choose the certificate exported from your browser or card."
            )
            % {"file": name, "size": len(p12) // 1024, "limit": MAX_P12_BYTES // 1024},
            code="too_large",
        )
    try:
        identity = certs.load_pkcs12(p12, password)
    except SignatureError as exc:
        violation = exc.violations[0]
        raise ValidationError(
            f"{name}: {violation.text(_lang())}", code=violation.rule.lower()
        ) from exc
    info = certs.certificate_info(identity.certificate)
    now = timezone.now()
    if info.not_after <= now:
        raise ValidationError(
            _("%(file)s: this certificate expired on %(date)s; upload a valid one.")
            % {"file": name, "date": _date(info.not_after)},
            code="expired",
        )
    if info.not_before > now:
        raise ValidationError(
            _("%(file)s: this certificate is valid only from %(date)s; upload it then.")
            % {"file": name, "date": _date(info.not_before)},
            code="not_yet_valid",
        )
    if info.is_test and getattr(settings, "PRODUCTION", False):
        raise ValidationError(
            _(
                "%(file)s is a TEST certificate, not valid for legal use; upload the "
                "certificate issued to your company by a certification authority."
            )
            % {"file": name},
            code="test_certificate",
        )
    try:
        with transaction.atomic():
            for previous in Certificate.objects.select_for_update().filter(
                company=company, is_active=True
            ):
                _retire(previous)
            certificate = Certificate.objects.create(
                company=company,
                p12_encrypted=encrypt(p12),
                password_encrypted=encrypt(password.encode("utf-8")),
                subject=info.subject[:500],
                issuer=info.issuer[:500],
                serial=str(info.serial)[:100],
                common_name=info.common_name[:200],
                tax_ids=list(info.tax_ids),
                fingerprint=info.sha256,
                not_before=info.not_before,
                not_after=info.not_after,
                is_test=info.is_test,
                uploaded_by=actor,
            )
            _set_policy_row(company, Policy.OWN)
            record(
                action="signing.certificate.uploaded",
                actor=actor,
                company=company,
                obj=certificate,
                source=Source(source),
                data={
                    "common_name": info.common_name,
                    "subject": info.subject,
                    "issuer": info.issuer,
                    "serial": str(info.serial),
                    "sha256": info.sha256,
                    "not_after": info.not_after.isoformat(),
                    "policy": Policy.OWN.value,
                },
            )
    except IntegrityError as exc:
        # Two uploads at the same moment: the database keeps one active certificate.
        raise ValidationError(
            _(
                "Another certificate was uploaded for your company at the same moment; reload "
                "the page and check which one is in use."
            ),
            code="concurrent",
        ) from exc
    return certificate


def do_remove_certificate(
    *, company: Company, actor: User | None, certificate_id: int, source: str = Source.WEB
) -> Certificate:
    """Stop using a certificate and erase its key material (its description stays).

    A company whose policy was "own certificate" goes back to the platform seal.
    """
    with transaction.atomic():
        try:
            certificate = Certificate.objects.select_for_update().get(
                company=company, pk=certificate_id, is_active=True
            )
        except Certificate.DoesNotExist:
            raise ValidationError(
                _("This certificate is no longer in use."), code="not_active"
            ) from None
        _retire(certificate)
        policy_changed = get_policy(company) == Policy.OWN and _set_policy_row(company, Policy.SEAL)
        record(
            action="signing.certificate.removed",
            actor=actor,
            company=company,
            obj=certificate,
            source=Source(source),
            data={
                "serial": certificate.serial,
                "common_name": certificate.common_name,
                "policy": Policy.SEAL.value if policy_changed else get_policy(company),
            },
        )
    return certificate


def do_set_policy(
    *, company: Company, actor: User | None, policy: str, source: str = Source.WEB
) -> bool:
    """Choose how the company's invoices are signed; returns whether anything changed.

    "Own certificate" needs a valid certificate in use.
    """
    if policy not in Policy.values:
        raise ValidationError(_("Unknown signing policy."), code="policy")
    if policy == Policy.OWN:
        certificate = active_certificate(company)
        if certificate is None:
            raise ValidationError(
                _("Upload your company's certificate before choosing to sign with it."),
                code="no_certificate",
            )
        if certificate.is_expired:
            raise ValidationError(
                _("Your certificate expired on %(date)s; upload a valid one first.")
                % {"date": _date(certificate.not_after)},
                code="expired",
            )
    with transaction.atomic():
        previous = get_policy(company)
        if not _set_policy_row(company, policy):
            return False
        record(
            action="signing.policy.changed",
            actor=actor,
            company=company,
            source=Source(source),
            data={"policy": policy, "previous": previous},
        )
    return True


# Opening a PKCS#12 runs its password-based key derivation (~0.1 s); the opened key is kept
# in this process for a few minutes so a run of invoices does not pay it each time.  The
# cache is keyed by certificate id *and* fingerprint, and only consulted after the database
# said the certificate is still the company's active one, so a replaced or removed
# certificate is never used from it.
_OPEN_TTL_SECONDS = 300.0
_OPEN_MAX = 256
_open_lock = threading.Lock()
_open_cache: dict[tuple[int, str], tuple[float, certs.SigningIdentity]] = {}


@sensitive_variables("p12", "password", "identity")
def _open_certificate(certificate: Certificate) -> certs.SigningIdentity:
    cache_key = (certificate.pk, certificate.fingerprint)
    now = time.monotonic()
    with _open_lock:
        cached = _open_cache.get(cache_key)
        if cached is not None and now - cached[0] < _OPEN_TTL_SECONDS:
            return cached[1]
    try:
        p12 = decrypt(bytes(certificate.p12_encrypted))
        password = decrypt(bytes(certificate.password_encrypted)).decode("utf-8")
    except SecretUnreadable as exc:
        raise SigningRefused(
            _(
                "Your company's certificate cannot be read with the platform's current "
                "encryption key. Upload it again under Tools › Set-up › Certificates."
            ),
            code="decrypt",
        ) from exc
    identity = certs.load_pkcs12(p12, password)
    with _open_lock:
        if len(_open_cache) >= _OPEN_MAX:
            _open_cache.clear()
        _open_cache[cache_key] = (now, identity)
    return identity


@sensitive_variables("identity")
def _identity_for(company: Company) -> tuple[certs.SigningIdentity, str, dict[str, Any]]:
    """The key to sign with, the Facturae signer role, and what to remember about it."""
    policy = get_policy(company)
    if policy == Policy.OWN:
        certificate = active_certificate(company)
        if certificate is None:
            raise SigningRefused(
                _(
                    "Your company signs its invoices with its own certificate, but none is "
                    "uploaded. Upload it under Tools › Set-up › Certificates, or choose the "
                    "platform seal there."
                ),
                code="no_certificate",
            )
        if certificate.is_expired:
            raise SigningRefused(
                _(
                    "Your company's certificate “%(name)s” expired on %(date)s, so the invoice "
                    "cannot be signed. Upload the renewed certificate under Tools › Set-up › "
                    "Certificates, or choose the platform seal there."
                )
                % {"name": certificate.common_name, "date": _date(certificate.not_after)},
                code="expired",
            )
        identity = _open_certificate(certificate)
        return identity, "emisor", {"kind": "own", "certificate_id": certificate.pk}
    if policy == Policy.SEAL:
        identity = platform_seal()
        if identity.certificate.not_valid_after_utc <= timezone.now():
            raise _seal_unavailable(
                _("it expired on %s") % _date(identity.certificate.not_valid_after_utc)
            )
        test = seal_is_test() or certs.is_test_certificate(identity.certificate)
        return identity, "tercero", {"kind": "seal", "test_seal": test}
    raise SigningRefused(
        _(
            "Your company has chosen not to issue invoices without its own certificate, and "
            "none is in use. Upload your certificate under Tools › Set-up › Certificates, or "
            "allow the platform seal there."
        ),
        code="refused",
    )


def sign_for_company(*, company: Company, xml: bytes) -> tuple[bytes, dict[str, Any]]:
    """Sign a rendered, unsigned Facturae for ``company`` following its policy.

    Returns the signed bytes (the legal original, to archive unchanged) and the verification
    report of the result plus ``signed_with`` (``{"kind": "own"|"seal", …}``).  Raises
    :class:`SigningRefused` when the policy or the certificates do not allow signing.
    """
    identity, role, signed_with = _identity_for(company)
    signed = xades.sign(
        xml,
        key=identity.key,
        certificate=identity.certificate,
        chain=identity.chain,
        role=role,
        signing_time=dt.datetime.now(dt.UTC).replace(microsecond=0),
    )
    report = verify(signed).as_dict()
    if report.get("status") != "valid":
        # Our own fresh signature must verify; if not, issuing stops rather than archiving
        # an invoice whose signature a recipient would reject.
        logger.error("A fresh signature for company %s does not verify: %s", company.pk, report)
        raise SigningRefused(
            _("The invoice could not be signed correctly: %(reason)s")
            % {"reason": report.get("reason_es" if _lang() == "es" else "reason")},
            code="invalid_signature",
        )
    report["signed_with"] = signed_with
    return signed, report


def do_reencrypt_certificates() -> int:
    """Re-encrypt every stored certificate with the current encryption key (key rotation);
    returns how many were rewritten."""
    count = 0
    with transaction.atomic():
        for certificate in Certificate.objects.select_for_update().filter(is_active=True):
            certificate.p12_encrypted = reencrypt(bytes(certificate.p12_encrypted))
            certificate.password_encrypted = reencrypt(bytes(certificate.password_encrypted))
            certificate.save(update_fields=["p12_encrypted", "password_encrypted"])
            count += 1
        if count:
            record(
                action="signing.certificates.reencrypted",
                source=Source.SYSTEM,
                data={"count": count},
            )
    return count


def _lang() -> str:
    return get_language() or "es"
