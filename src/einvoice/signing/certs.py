"""Certificates and keys for signing: PKCS#12 loading, identity extraction, test seals.

Spanish qualified certificates carry the holder's tax ID in the subject:

* natural persons (FNMT "persona física", DNIe): ``serialNumber`` (OID 2.5.4.5) such as
  ``IDCES-12345678Z`` (ETSI EN 319 412-1 semantics identifier) or plain ``12345678Z`` on older
  certificates;
* legal persons, company seals and company representatives: ``organizationIdentifier``
  (OID 2.5.4.97) such as ``VATES-B12345678``.

:func:`certificate_info` reads both, so a verifier can compare the signer with the seller of
the invoice.  :func:`make_test_certificate` builds self-signed certificates with the same
attributes, unmistakably marked as TEST in their subject; the platform uses one as its
*test seal* when it runs with the embedded defaults, and the test-suite uses them everywhere.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Final

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from einvoice.errors import SignatureError

TEST_SEAL_ORGANIZATION: Final = "efactura TEST SEAL — not valid for legal use"
"""Organisation written into every certificate made by :func:`make_test_certificate`."""

TEST_MARK: Final = "TEST CERTIFICATE — not valid for legal use"
"""Organisational unit written into every test certificate, whatever its organisation."""

_ORGANIZATION_IDENTIFIER: Final = x509.ObjectIdentifier("2.5.4.97")

# First letters of Spanish tax IDs (CIF/NIF of legal entities) that identify an
# organisation rather than a natural person (Orden EHA/451/2008, art. 3).
_ENTITY_LETTERS: Final = frozenset("ABCDEFGHJNPQRSUVW")

# Prefixes in front of the tax ID inside certificate attributes: ETSI EN 319 412-1
# semantics identifiers ("IDC" national identity, "VAT", "NTR" trade register, "PAS"
# passport) followed by the country code and a hyphen, e.g. "IDCES-", "VATES-".
_SEMANTIC_PREFIXES: Final = ("IDC", "VAT", "NTR", "PAS", "TIN")

PrivateKey = rsa.RSAPrivateKey


@dataclass(frozen=True, slots=True)
class SigningIdentity:
    """What a PKCS#12 file holds: the private key, its certificate, and the issuing chain."""

    key: rsa.RSAPrivateKey
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class CertificateInfo:
    """A human-readable summary of one X.509 certificate."""

    subject: str
    """Subject distinguished name, RFC 4514 form (most specific attribute first)."""
    issuer: str
    """Issuer distinguished name, RFC 4514 form."""
    serial: int
    """Serial number as issued by the certification authority."""
    not_before: dt.datetime
    """Start of validity (UTC)."""
    not_after: dt.datetime
    """End of validity (UTC)."""
    common_name: str
    """Subject CN: the holder's or the seal's name."""
    tax_ids: tuple[str, ...]
    """Spanish/EU tax IDs found in the subject, normalised (``ES`` prefix removed for Spain)."""
    days_to_expiry: int
    """Whole days from the reference time to ``not_after`` (negative when expired)."""
    sha256: str
    """SHA-256 fingerprint of the DER certificate, hex."""
    is_test: bool
    """True for certificates made by :func:`make_test_certificate` (not valid for legal use)."""

    @property
    def tax_id(self) -> str:
        """The first tax ID found, or '' (the company's when the cert names both)."""
        return self.tax_ids[0] if self.tax_ids else ""

    def valid_at(self, moment: dt.datetime) -> bool:
        """Whether ``moment`` (timezone-aware) lies inside the validity period."""
        return self.not_before <= moment <= self.not_after

    def as_dict(self) -> dict[str, object]:
        return {
            "subject": self.subject,
            "issuer": self.issuer,
            "serial": str(self.serial),
            "not_before": self.not_before.isoformat(),
            "not_after": self.not_after.isoformat(),
            "common_name": self.common_name,
            "tax_id": self.tax_id,
            "tax_ids": list(self.tax_ids),
            "days_to_expiry": self.days_to_expiry,
            "sha256": self.sha256,
            "is_test": self.is_test,
        }


def normalise_tax_id(value: str) -> str:
    """Reduce a tax ID as written in certificates or invoices to a comparable form.

    ``IDCES-12345678Z``, ``VATES-B12345678``, ``ESB12345678`` and ``b-1234567-8`` become
    ``12345678Z``, ``B12345678``, ``B12345678`` and ``B12345678``.  Only the semantics
    prefix is removed from foreign IDs (``VATFR-FR12345678901`` becomes ``FR12345678901``).
    """
    text = value.strip().upper()
    for prefix in _SEMANTIC_PREFIXES:
        if text.startswith(prefix) and len(text) > len(prefix) + 3 and text[len(prefix) + 2] == "-":
            text = text[len(prefix) + 3 :]
            break
    text = "".join(ch for ch in text if ch.isalnum())
    # A Spanish NIF/CIF is 9 characters; with an "ES" VAT prefix it is 11.
    if len(text) == 11 and text.startswith("ES"):
        text = text[2:]
    return text


def _subject(cert: x509.Certificate) -> x509.Name:
    with warnings.catch_warnings():
        # Real CA certificates sometimes exceed the X.520 length bounds (a 91-character CN);
        # cryptography warns about it, but the value is still what the CA issued.
        warnings.simplefilter("ignore", UserWarning)
        return cert.subject


def _issuer(cert: x509.Certificate) -> x509.Name:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return cert.issuer


# Attribute types RFC 4514 §3 (and RFC 2253 §2.3) write by keyword; every other type is
# written as its dotted OID followed by "#" and the hex of its encoded value (§2.4).
_RFC4514_KEYWORDS: Final = frozenset(
    {
        NameOID.COMMON_NAME,
        NameOID.LOCALITY_NAME,
        NameOID.STATE_OR_PROVINCE_NAME,
        NameOID.ORGANIZATION_NAME,
        NameOID.ORGANIZATIONAL_UNIT_NAME,
        NameOID.COUNTRY_NAME,
        NameOID.STREET_ADDRESS,
        NameOID.DOMAIN_COMPONENT,
        NameOID.USER_ID,
    }
)


def _der_items(data: bytes) -> list[tuple[int, bytes, bytes]]:
    """Split concatenated DER TLVs into (tag, content, whole encoding)."""
    items: list[tuple[int, bytes, bytes]] = []
    pos = 0
    while pos < len(data):
        start, tag = pos, data[pos]
        length = data[pos + 1]
        pos += 2
        if length & 0x80:
            count = length & 0x7F
            length = int.from_bytes(data[pos : pos + count], "big")
            pos += count
        items.append((tag, data[pos : pos + length], data[start : pos + length]))
        pos += length
    return items


def _encoded_values(name: x509.Name) -> list[list[bytes]]:
    """The DER encoding of each attribute value, per RDN, in certificate order."""
    [(_, rdn_sequence, _)] = _der_items(name.public_bytes())
    out: list[list[bytes]] = []
    for _, rdn_set, _ in _der_items(rdn_sequence):
        values = []
        for _, type_and_value, _ in _der_items(rdn_set):
            _oid, value = _der_items(type_and_value)
            values.append(value[2])
        out.append(values)
    return out


def dn_rfc4514(name: x509.Name) -> str:
    """``name`` as an RFC 4514 string, the way Java's ``X500Principal.getName(RFC2253)`` writes
    it (and so the Spanish validators, which are Java): keywords only for the nine standard
    attribute types, ``OID=#hex`` of the encoded value for the rest (``serialNumber``,
    ``organizationIdentifier``, ``emailAddress`` …).  ``cryptography``'s own
    ``rfc4514_string`` writes those as plain text, which RFC 4514 §2.4 does not allow.
    """
    encoded = _encoded_values(name)
    rdns: list[str] = []
    for rdn, values in zip(name.rdns, encoded, strict=True):
        parts = []
        # A set's members come out of the certificate in DER order, as cryptography keeps them.
        for attribute, value in zip(rdn, values, strict=True):
            if attribute.oid in _RFC4514_KEYWORDS:
                parts.append(attribute.rfc4514_string())
            else:
                parts.append(f"{attribute.oid.dotted_string}=#{value.hex()}")
        rdns.append("+".join(parts))
    return ",".join(reversed(rdns))


@lru_cache(maxsize=256)
def issuer_rfc4514(cert: x509.Certificate) -> str:
    """The issuer name in RFC 4514 form (see :func:`dn_rfc4514`), as XAdES IssuerSerial needs."""
    return dn_rfc4514(_issuer(cert))


def _attribute_values(name: x509.Name, oid: x509.ObjectIdentifier) -> list[str]:
    out: list[str] = []
    for attribute in name.get_attributes_for_oid(oid):
        value = attribute.value
        out.append(value if isinstance(value, str) else value.decode("utf-8", "replace"))
    return out


def tax_ids_from_certificate(cert: x509.Certificate) -> tuple[str, ...]:
    """Tax IDs in the subject: ``organizationIdentifier`` first, then ``serialNumber``.

    The organisation comes first because a company representative's certificate names
    both the company (the party that issues invoices) and the person.
    """
    found: list[str] = []
    for oid in (_ORGANIZATION_IDENTIFIER, NameOID.SERIAL_NUMBER):
        for raw in _attribute_values(_subject(cert), oid):
            normalised = normalise_tax_id(raw)
            if normalised and normalised not in found:
                found.append(normalised)
    return tuple(found)


def is_test_certificate(cert: x509.Certificate) -> bool:
    """True when the subject carries the TEST marks written by :func:`make_test_certificate`."""
    subject = _subject(cert)
    values = _attribute_values(subject, NameOID.ORGANIZATION_NAME) + _attribute_values(
        subject, NameOID.ORGANIZATIONAL_UNIT_NAME
    )
    return any(v in (TEST_SEAL_ORGANIZATION, TEST_MARK) for v in values)


def certificate_info(cert: x509.Certificate, *, at: dt.datetime | None = None) -> CertificateInfo:
    """Summarise ``cert``; ``days_to_expiry`` is counted from ``at`` (default: now)."""
    info = _static_info(cert)
    not_after = info.not_after
    return replace(info, days_to_expiry=(not_after - (at or dt.datetime.now(dt.UTC))).days)


@lru_cache(maxsize=256)
def _static_info(cert: x509.Certificate) -> CertificateInfo:
    """Everything but ``days_to_expiry`` (computed per call), kept per certificate: reading
    names out of a certificate is most of a signature check's Python time, and a platform
    sees the same few certificates again and again (certificates hash and compare by DER)."""
    with warnings.catch_warnings():
        # Real CA certificates may bend RFC 5280 (negative serials, over-long names);
        # cryptography warns but reads them, and a verifier must still show them.
        warnings.simplefilter("ignore")
        return _certificate_info(cert, cert.not_valid_after_utc)


def _certificate_info(cert: x509.Certificate, moment: dt.datetime) -> CertificateInfo:
    not_after = cert.not_valid_after_utc
    common_names = _attribute_values(_subject(cert), NameOID.COMMON_NAME)
    return CertificateInfo(
        subject=_subject(cert).rfc4514_string(),
        issuer=_issuer(cert).rfc4514_string(),
        serial=cert.serial_number,
        not_before=cert.not_valid_before_utc,
        not_after=not_after,
        common_name=common_names[0] if common_names else "",
        tax_ids=tax_ids_from_certificate(cert),
        days_to_expiry=(not_after - moment).days,
        sha256=hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest(),
        is_test=is_test_certificate(cert),
    )


def _looks_like_pkcs12(data: bytes) -> bool:
    """Cheap DER sniff: ``SEQUENCE { INTEGER 3, SEQUENCE { OID pkcs7-data|signedData … } }``.

    PKCS#12 (RFC 7292) ``PFX`` starts with version 3 followed by a PKCS#7 ContentInfo.  This
    tells "wrong password" apart from "this is not a PKCS#12 file at all", which
    ``cryptography`` reports with the same exception.
    """
    if len(data) < 24 or data[0] != 0x30:
        return False
    pos = 1
    first = data[pos]
    pos += 1 + (first & 0x7F if first & 0x80 else 0)
    if data[pos : pos + 3] != b"\x02\x01\x03":
        return False
    return b"\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07" in data[pos + 3 : pos + 24]


def load_pkcs12(data: bytes, password: str | bytes | None) -> SigningIdentity:
    """Open a PKCS#12 (.p12/.pfx) file and return its key, certificate and chain.

    Raises :class:`SignatureError` with rule ``SIG-P12-FORMAT`` (not a PKCS#12 file),
    ``SIG-P12-PASSWORD`` (wrong password), ``SIG-P12-CONTENT`` (no key or certificate) or
    ``SIG-P12-KEY`` (not an RSA key: the Facturae policy requires RSA).
    """
    if not _looks_like_pkcs12(data):
        hint = " It looks like a PEM text file." if data.lstrip().startswith(b"-----BEGIN") else ""
        hint_es = (
            " Parece un fichero de texto PEM." if data.lstrip().startswith(b"-----BEGIN") else ""
        )
        raise SignatureError.single(
            "SIG-P12-FORMAT",
            "The certificate file is not a PKCS#12 (.p12/.pfx) file." + hint,
            "El fichero del certificado no es un fichero PKCS#12 (.p12/.pfx)." + hint_es,
        )
    secret = password.encode("utf-8") if isinstance(password, str) else password
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(data, secret or None)
    except ValueError as exc:
        raise SignatureError.single(
            "SIG-P12-PASSWORD",
            "The certificate file could not be opened: the password is wrong.",
            "No se pudo abrir el fichero del certificado: la contraseña no es correcta.",
        ) from exc
    if key is None or cert is None:
        raise SignatureError.single(
            "SIG-P12-CONTENT",
            "The certificate file holds no private key or no certificate.",
            "El fichero del certificado no contiene clave privada o certificado.",
        )
    if not isinstance(key, rsa.RSAPrivateKey):
        raise SignatureError.single(
            "SIG-P12-KEY",
            "The certificate's key is not RSA; the Facturae signature policy requires RSA.",
            "La clave del certificado no es RSA; la política de firma Facturae exige RSA.",
        )
    return SigningIdentity(key=key, certificate=cert, chain=tuple(extra))


def make_test_certificate(
    common_name: str,
    tax_id: str,
    *,
    days: int = 365,
    organization: str = TEST_SEAL_ORGANIZATION,
    key_size: int = 2048,
    not_before: dt.datetime | None = None,
) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    """Generate a self-signed RSA certificate shaped like a Spanish qualified certificate.

    The tax ID goes where Spanish CAs put it: ``organizationIdentifier = VATES-<id>`` for
    legal entities (IDs starting with a CIF letter) and ``serialNumber = IDCES-<id>`` for
    natural persons.  Every such certificate carries ``OU = TEST CERTIFICATE — not valid
    for legal use`` (and by default the organisation :data:`TEST_SEAL_ORGANIZATION`), so
    neither a person nor a verifier can mistake it for a real one.
    """
    if key_size not in (2048, 3072, 4096):
        raise ValueError("key_size must be 2048, 3072 or 4096")
    key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    normalised = normalise_tax_id(tax_id)
    attributes = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "ES"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, TEST_MARK),
    ]
    if normalised[:1] in _ENTITY_LETTERS:
        attributes.append(x509.NameAttribute(_ORGANIZATION_IDENTIFIER, f"VATES-{normalised}"))
    else:
        attributes.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, f"IDCES-{normalised}"))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    name = x509.Name(attributes)
    start = not_before or dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def to_pkcs12(
    key: rsa.RSAPrivateKey,
    cert: x509.Certificate,
    password: str | bytes,
    *,
    chain: Sequence[x509.Certificate] = (),
    friendly_name: str = "efactura",
) -> bytes:
    """Bundle key, certificate and chain into a password-protected PKCS#12 file."""
    secret = password.encode("utf-8") if isinstance(password, str) else password
    if not secret:
        raise ValueError("a PKCS#12 file needs a non-empty password")
    return pkcs12.serialize_key_and_certificates(
        friendly_name.encode("utf-8"),
        key,
        cert,
        list(chain) or None,
        serialization.BestAvailableEncryption(secret),
    )


def load_certificate(data: bytes | x509.Certificate) -> x509.Certificate:
    """Accept a certificate object, PEM or DER bytes."""
    if isinstance(data, x509.Certificate):
        return data
    try:
        if data.lstrip().startswith(b"-----BEGIN"):
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except ValueError as exc:
        raise SignatureError.single(
            "SIG-CERT-FORMAT",
            "The certificate could not be read (expected PEM or DER X.509).",
            "No se pudo leer el certificado (se esperaba X.509 en PEM o DER).",
        ) from exc


def load_private_key(data: bytes | rsa.RSAPrivateKey, password: bytes | None = None) -> PrivateKey:
    """Accept an RSA key object or PEM/DER (PKCS#1 or PKCS#8) bytes."""
    if isinstance(data, rsa.RSAPrivateKey):
        return data
    try:
        if data.lstrip().startswith(b"-----BEGIN"):
            key = serialization.load_pem_private_key(data, password)
        else:
            key = serialization.load_der_private_key(data, password)
    except (ValueError, TypeError) as exc:
        raise SignatureError.single(
            "SIG-KEY-FORMAT",
            "The private key could not be read (expected an RSA key in PEM or DER).",
            "No se pudo leer la clave privada (se esperaba una clave RSA en PEM o DER).",
        ) from exc
    if not isinstance(key, rsa.RSAPrivateKey):
        raise SignatureError.single(
            "SIG-P12-KEY",
            "The key is not RSA; the Facturae signature policy requires RSA.",
            "La clave no es RSA; la política de firma Facturae exige RSA.",
        )
    return key
