"""Is a partner's certificate revoked?  OCSP first, then the CRL distribution points.

Checked for every certificate efactura trusts a partner with: the AS4 certificate a message is
signed with (a revoked one is refused with ``EBMS:0101``), the SMP's signing certificate and
the endpoint certificate an SMP publishes, and a partner's certificate when it is registered.

``EFACTURA_AS4_REVOCATION``: ``soft`` (default) refuses a certificate its CA says is revoked
and only logs when no responder could be asked; ``hard`` also refuses when no answer could be
had; ``off`` checks nothing.  Answers are cached in the process until the OCSP response's or
CRL's next update, at most ``EFACTURA_AS4_REVOCATION_TTL`` seconds, so a busy receiver asks
the responder about a partner once an hour, not per message.  A certificate naming neither an
OCSP responder nor a CRL (a private PKI without revocation) has nothing to check.

Network calls never run inside a database transaction: there only a cached answer counts and
an unknown status is treated as "no answer" (soft- or hard-fail as configured).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass

import httpx
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID
from django.db import connection

from efactura.interconnection import config

logger = logging.getLogger(__name__)

GOOD, REVOKED, UNKNOWN = "good", "revoked", "unknown"
RESPONDER_TIMEOUT_SECONDS = 10.0


class CertificateRevoked(Exception):
    """The certificate's CA says it is revoked (or, hard-fail, nobody could say it is not)."""


@dataclass(frozen=True)
class _Status:
    status: str
    expires: float
    source: str


_lock = threading.Lock()
_statuses: dict[tuple[bytes, int], _Status] = {}
_crls: dict[str, tuple[x509.CertificateRevocationList, float]] = {}


def clear_cache() -> None:
    with _lock:
        _statuses.clear()
        _crls.clear()


def _mode() -> str:
    return str(config.setting("REVOCATION"))


def _ttl() -> float:
    return float(config.setting("REVOCATION_TTL_SECONDS"))


def _expiry(next_update: dt.datetime | None) -> float:
    ceiling = time.time() + _ttl()
    if next_update is None:
        return ceiling
    return min(ceiling, next_update.timestamp())


def _signed_by(issuer: x509.Certificate, signature: bytes, data: bytes, algorithm: object) -> bool:
    key = issuer.public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, data, padding.PKCS1v15(), algorithm)  # type: ignore[arg-type]
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, ec.ECDSA(algorithm))  # type: ignore[arg-type]
        else:
            return False
    except InvalidSignature:
        return False
    return True


def _urls(certificate: x509.Certificate) -> tuple[list[str], list[str]]:
    """(OCSP responder URLs, CRL distribution point URLs) named by ``certificate``."""
    ocsp_urls: list[str] = []
    crl_urls: list[str] = []
    try:
        access = certificate.extensions.get_extension_for_class(
            x509.AuthorityInformationAccess
        ).value
        ocsp_urls = [
            str(d.access_location.value)
            for d in access
            if d.access_method == AuthorityInformationAccessOID.OCSP
            and isinstance(d.access_location, x509.UniformResourceIdentifier)
        ]
    except x509.ExtensionNotFound:
        pass
    try:
        points = certificate.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
        crl_urls = [
            str(name.value)
            for point in points
            for name in point.full_name or []
            if isinstance(name, x509.UniformResourceIdentifier)
        ]
    except x509.ExtensionNotFound:
        pass
    return ocsp_urls, crl_urls


def _ask_ocsp(
    client: httpx.Client, url: str, certificate: x509.Certificate, issuer: x509.Certificate
) -> _Status:
    # SHA-1 only names the certificate in the request (CertID): RFC 5019 responders, the
    # usual kind, expect it; the response's signature is checked with its own algorithm.
    request = (
        ocsp.OCSPRequestBuilder()
        .add_certificate(certificate, issuer, hashes.SHA1())  # noqa: S303
        .build()
        .public_bytes(serialization.Encoding.DER)
    )
    answer = client.post(url, content=request, headers={"Content-Type": "application/ocsp-request"})
    answer.raise_for_status()
    response = ocsp.load_der_ocsp_response(answer.content)
    if response.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
        raise ValueError(f"OCSP responder answered {response.response_status.name}")
    if response.serial_number != certificate.serial_number:
        raise ValueError("OCSP response is about another certificate")
    signer = issuer
    if response.certificates:
        # A delegated responder: its certificate must be issued by the same CA.
        delegated = response.certificates[0]
        if delegated.issuer != issuer.subject or not _signed_by(
            issuer,
            delegated.signature,
            delegated.tbs_certificate_bytes,
            delegated.signature_hash_algorithm,
        ):
            raise ValueError("OCSP responder certificate is not issued by the CA")
        signer = delegated
    if not _signed_by(
        signer, response.signature, response.tbs_response_bytes, response.signature_hash_algorithm
    ):
        raise ValueError("OCSP response signature does not verify")
    status = {
        ocsp.OCSPCertStatus.GOOD: GOOD,
        ocsp.OCSPCertStatus.REVOKED: REVOKED,
    }.get(response.certificate_status, UNKNOWN)
    return _Status(status, _expiry(response.next_update_utc), f"OCSP {url}")


def _crl(
    client: httpx.Client, url: str, issuer: x509.Certificate
) -> x509.CertificateRevocationList:
    with _lock:
        hit = _crls.get(url)
    if hit is not None and hit[1] > time.time():
        return hit[0]
    answer = client.get(url)
    answer.raise_for_status()
    data = answer.content
    crl = (
        x509.load_pem_x509_crl(data)
        if data.lstrip().startswith(b"-----")
        else x509.load_der_x509_crl(data)
    )
    if crl.issuer != issuer.subject or not crl.is_signature_valid(issuer.public_key()):  # type: ignore[arg-type]
        raise ValueError("the CRL is not signed by the certificate's CA")
    with _lock:
        _crls[url] = (crl, _expiry(crl.next_update_utc))
    return crl


def _ask_crl(
    client: httpx.Client, url: str, certificate: x509.Certificate, issuer: x509.Certificate
) -> _Status:
    crl = _crl(client, url, issuer)
    revoked = crl.get_revoked_certificate_by_serial_number(certificate.serial_number)
    return _Status(
        REVOKED if revoked is not None else GOOD, _expiry(crl.next_update_utc), f"CRL {url}"
    )


def status(certificate: x509.Certificate, issuer: x509.Certificate) -> _Status:
    """The revocation status of ``certificate`` (``unknown`` when nobody could be asked)."""
    key = (certificate.fingerprint(hashes.SHA256()), certificate.serial_number)
    with _lock:
        hit = _statuses.get(key)
    if hit is not None and hit.expires > time.time():
        return hit
    ocsp_urls, crl_urls = _urls(certificate)
    if not ocsp_urls and not crl_urls:
        return _Status(GOOD, time.time() + _ttl(), "no revocation information")
    if connection.in_atomic_block:
        return _Status(UNKNOWN, 0.0, "not asked inside a database transaction")
    problems: list[str] = []
    found: _Status | None = None
    with httpx.Client(timeout=RESPONDER_TIMEOUT_SECONDS) as client:
        for url, ask in [(u, _ask_ocsp) for u in ocsp_urls] + [(u, _ask_crl) for u in crl_urls]:
            try:
                answer = ask(client, url, certificate, issuer)
            except (httpx.HTTPError, ValueError) as exc:
                problems.append(f"{url}: {exc}")
                continue
            if answer.status != UNKNOWN:
                found = answer
                break
    if found is None:
        return _Status(UNKNOWN, 0.0, "; ".join(problems) or "no answer")
    with _lock:
        _statuses[key] = found
    return found


def check(certificate: x509.Certificate, issuer: x509.Certificate | None) -> None:
    """Raise :class:`CertificateRevoked` when ``certificate`` is revoked (or, with
    ``EFACTURA_AS4_REVOCATION=hard``, when its status could not be learnt)."""
    mode = _mode()
    if mode == "off" or issuer is None:
        return
    subject = certificate.subject.rfc4514_string()
    answer = status(certificate, issuer)
    if answer.status == REVOKED:
        logger.warning("Certificate %s is revoked (%s)", subject, answer.source)
        raise CertificateRevoked(f"{subject} is revoked ({answer.source})")
    if answer.status == UNKNOWN:
        if mode == "hard":
            logger.warning("Revocation status of %s unknown: %s", subject, answer.source)
            raise CertificateRevoked(
                f"the revocation status of {subject} could not be checked ({answer.source})"
            )
        logger.info("Revocation status of %s unknown (soft-fail): %s", subject, answer.source)
