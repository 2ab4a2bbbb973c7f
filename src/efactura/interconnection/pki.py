"""This platform's AS4 certificate and key, and the trust list partners' certificates must
chain to.

The private key is stored encrypted with the same key-derivation and Fernet scheme as
companies' signing certificates (:mod:`efactura.signing.crypto`).  The trust list is
``EFACTURA_AS4_TRUST_ANCHORS``: ``peppol`` (the OpenPeppol production root and AP CA, the
default), ``peppol-test`` (the Peppol test PKI), or the path of a PEM file of CA certificates
(a private PKI, or the test CA the tests generate).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from efactura.interconnection import revocation, wire
from efactura.interconnection.models import NodeCredential
from efactura.signing import crypto


class UntrustedSignerError(Exception):
    """A certificate that does not chain to the trust list, is expired or revoked."""


@dataclass(frozen=True)
class Credential:
    """The certificate and key this platform signs and decrypts AS4 messages with."""

    pk: int
    certificate: x509.Certificate
    key: rsa.RSAPrivateKey

    @property
    def party_id(self) -> str:
        return common_name(self.certificate)

    @property
    def pem(self) -> str:
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode()


def common_name(certificate: x509.Certificate) -> str:
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else ""


def fingerprint(certificate: x509.Certificate) -> str:
    return certificate.fingerprint(hashes.SHA256()).hex()


def load_certificate(pem: str | bytes) -> x509.Certificate:
    """A PEM certificate, or :class:`ValidationError` with a sentence saying why not."""
    data = pem.encode() if isinstance(pem, str) else pem
    try:
        return x509.load_pem_x509_certificate(data)
    except ValueError:
        raise ValidationError(
            _("The file is not a PEM X.509 certificate (-----BEGIN CERTIFICATE-----)."),
            code="certificate",
        ) from None


@lru_cache(maxsize=256)
def cached_certificate(pem: str) -> x509.Certificate:
    """:func:`load_certificate` for PEMs seen again and again (partners' AP certificates)."""
    return load_certificate(pem)


# ---------------------------------------------------------------------------------------------
# This platform's credential
# ---------------------------------------------------------------------------------------------

_lock = threading.Lock()
_cache: dict[int, Credential] = {}


def _from_row(row: NodeCredential) -> Credential:
    cached = _cache.get(row.pk)
    if cached is None:
        key = serialization.load_pem_private_key(crypto.decrypt(bytes(row.key_encrypted)), None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ImproperlyConfigured("The stored AS4 key is not an RSA key.")
        cached = Credential(pk=row.pk, certificate=load_certificate(row.certificate), key=key)
        _cache[row.pk] = cached
    return cached


def do_install_credential(*, certificate_pem: bytes, key_pem: bytes) -> Credential:
    """Install the platform's AS4 certificate and its RSA key (the newest one is used)."""
    certificate = load_certificate(certificate_pem)
    try:
        key = serialization.load_pem_private_key(key_pem, None)
    except (ValueError, TypeError):
        raise ValidationError(
            _("The key file is not an unencrypted PEM private key."), code="key"
        ) from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValidationError(_("The AS4 key must be an RSA key."), code="key")
    if key.public_key().public_numbers() != certificate.public_key().public_numbers():  # type: ignore[union-attr]
        raise ValidationError(_("The key does not belong to the certificate."), code="key")
    if not common_name(certificate):
        raise ValidationError(
            _("The certificate has no common name (CN): it is the AS4 party id."), code="cn"
        )
    clear = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    row = NodeCredential.objects.create(
        certificate=certificate.public_bytes(serialization.Encoding.PEM).decode(),
        key_encrypted=crypto.encrypt(clear),
    )
    forget_cached_credential()
    return _from_row(row)


def _self_signed() -> tuple[bytes, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, f"EFACTURA-{settings.EFACTURA_NODE_ID}"[:64]),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "efactura (self-signed)"),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    return (
        certificate.public_bytes(serialization.Encoding.PEM),
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )


_NEWEST_FOR_SECONDS = 30.0
_newest: tuple[int, float] | None = None
"""(pk of the newest credential, when it was looked up): saves a query per AS4 message; a
credential installed by another process is picked up within ``_NEWEST_FOR_SECONDS``."""
_identities: dict[int, wire.Identity] = {}


def forget_cached_credential() -> None:
    """Drop the in-process copies of credentials (after installing one; between tests)."""
    global _newest
    _newest = None
    _identities.clear()
    _cache.clear()


def credential() -> Credential:
    """The newest installed credential; a self-signed one is made on first use.

    A self-signed certificate chains to no trust list: partners refuse it until the operator
    installs the certificate its PKI issued (``efactura node --certificate-file``).
    """
    global _newest
    newest = _newest
    if newest is not None and time.monotonic() - newest[1] < _NEWEST_FOR_SECONDS:
        cached = _cache.get(newest[0])
        if cached is not None:
            return cached
    row = NodeCredential.objects.order_by("-id").first()
    if row is None:
        with _lock, transaction.atomic():
            row = NodeCredential.objects.select_for_update().order_by("-id").first()
            if row is None:
                certificate_pem, key_pem = _self_signed()
                return do_install_credential(certificate_pem=certificate_pem, key_pem=key_pem)
    own = _from_row(row)
    _newest = (row.pk, time.monotonic())
    return own


def identity() -> wire.Identity:
    """This platform's key and certificate prepared for :mod:`.wire` (once per credential)."""
    own = credential()
    prepared = _identities.get(own.pk)
    if prepared is None:
        prepared = wire.identity(own.certificate, own.key)
        _identities[own.pk] = prepared
    return prepared


# ---------------------------------------------------------------------------------------------
# Trust list
# ---------------------------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _anchors(spec: str) -> tuple[tuple[x509.Certificate, ...], tuple[x509.Certificate, ...]]:
    from as4.profiles.peppol import pki as peppol_pki

    if spec in ("", "peppol"):
        return (peppol_pki.PEPPOL_ROOT_CA_G3,), (peppol_pki.PEPPOL_AP_CA_G3,)
    if spec == "peppol-test":
        return (peppol_pki.PEPPOL_ROOT_TEST_CA_G3,), (peppol_pki.PEPPOL_AP_TEST_CA_G3,)
    path = Path(spec)
    try:
        certificates = x509.load_pem_x509_certificates(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise ImproperlyConfigured(
            f"EFACTURA_AS4_TRUST_ANCHORS={spec!r}: not a readable PEM file of CA certificates "
            f"({exc})."
        ) from None
    roots = tuple(c for c in certificates if c.issuer == c.subject)
    others = tuple(c for c in certificates if c.issuer != c.subject)
    return roots or tuple(certificates), others


def trust_anchors() -> tuple[tuple[x509.Certificate, ...], tuple[x509.Certificate, ...]]:
    """(anchors, intermediates) of the configured trust list."""
    return _anchors(str(getattr(settings, "EFACTURA_AS4_TRUST_ANCHORS", "peppol")))


def check_trusted(certificate: x509.Certificate) -> None:
    """Raise :class:`UntrustedSignerError` unless ``certificate`` chains to the trust list and
    is inside its validity period."""
    path = _trust_path(certificate, str(getattr(settings, "EFACTURA_AS4_TRUST_ANCHORS", "peppol")))
    now = dt.datetime.now(dt.UTC)
    for link in path:
        if not link.not_valid_before_utc <= now <= link.not_valid_after_utc:
            raise UntrustedSignerError(
                f"{link.subject.rfc4514_string()} is outside its validity period"
            )
    _check_path_not_revoked(path)


@lru_cache(maxsize=1024)
def _trust_path(certificate: x509.Certificate, spec: str) -> tuple[x509.Certificate, ...]:
    """:func:`path_to_anchor` against the trust list ``spec``, remembered per certificate:
    the path depends only on the two (a partner signs every message with the same
    certificate), while validity and revocation are checked on every use.  A certificate
    that does not chain raises and is not remembered."""
    anchors, intermediates = _anchors(spec)
    return tuple(path_to_anchor(certificate, anchors, intermediates))


def check_not_revoked(certificate: x509.Certificate) -> None:
    """Raise :class:`UntrustedSignerError` when ``certificate`` (or a CA between it and the
    trust list) is revoked: :mod:`.revocation` (OCSP, CRL; cached; soft- or hard-fail)."""
    anchors, intermediates = trust_anchors()
    _check_path_not_revoked(path_to_anchor(certificate, anchors, intermediates))


def _check_path_not_revoked(path: Sequence[x509.Certificate]) -> None:
    for link, issuer in itertools.pairwise(path):
        try:
            revocation.check(link, issuer)
        except revocation.CertificateRevoked as exc:
            raise UntrustedSignerError(str(exc)) from None


def _can_issue(certificate: x509.Certificate) -> bool:
    try:
        if not certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca:
            return False
    except x509.ExtensionNotFound:
        return False
    try:
        return certificate.extensions.get_extension_for_class(x509.KeyUsage).value.key_cert_sign
    except x509.ExtensionNotFound:
        return True


def _issuer(
    certificate: x509.Certificate, candidates: tuple[x509.Certificate, ...] | list[x509.Certificate]
) -> x509.Certificate | None:
    for candidate in candidates:
        if candidate.subject != certificate.issuer or not _can_issue(candidate):
            continue
        try:
            certificate.verify_directly_issued_by(candidate)
        except (ValueError, TypeError, InvalidSignature):
            continue
        return candidate
    return None


def path_to_anchor(
    leaf: x509.Certificate,
    anchors: tuple[x509.Certificate, ...],
    intermediates: tuple[x509.Certificate, ...],
    maximum_depth: int = 4,
) -> list[x509.Certificate]:
    """``leaf``, the CAs above it and the trust anchor that issued the last of them."""
    path = [leaf]
    while len(path) < maximum_depth:
        anchor = _issuer(path[-1], anchors)
        if anchor is not None:
            return [*path, anchor]
        issuer = _issuer(path[-1], [c for c in intermediates if c not in path])
        if issuer is None:
            raise UntrustedSignerError(
                f"{leaf.subject.rfc4514_string()} does not chain to the trust list"
            )
        path.append(issuer)
    raise UntrustedSignerError(f"{leaf.subject.rfc4514_string()} exceeds the chain depth")


def short_fingerprint(pem: str) -> str:
    return hashlib.sha256(pem.encode()).hexdigest()[:16]
