"""Enveloped XAdES-EPES signatures on Facturae, as the Facturae signature policy v3.1 asks.

What :func:`sign` writes, as the last child of the ``Facturae`` root::

    ds:Signature Id=S
      ds:SignedInfo
        CanonicalizationMethod  inclusive C14N 1.0
        SignatureMethod         rsa-sha256 (or rsa-sha512)
        Reference Id=R URI=""   the whole invoice file, enveloped-signature transform
        Reference URI=#S-SignedProperties  Type=…01903#SignedProperties
        Reference URI=#S-KeyInfo           the certificate chain and public key
      ds:SignatureValue
      ds:KeyInfo Id=S-KeyInfo   X509Data (signer first, then its chain) + KeyValue/RSAKeyValue
      ds:Object
        xades:QualifyingProperties Target=#S
          xades:SignedProperties Id=S-SignedProperties
            SigningTime, SigningCertificate (digest + IssuerSerial),
            SignaturePolicyIdentifier (Facturae v3.1 URL + SHA-1 of the policy PDF),
            SignerRole/ClaimedRoles/ClaimedRole ("emisor" …)
            DataObjectFormat ObjectReference=#R (description, MIME type text/xml)

Signing the SignedProperties binds the signing time, certificate, policy and role to the
signature (that is what makes it XAdES-EPES rather than plain XML-DSig); signing the KeyInfo
stops anyone swapping the certificate shown to the reader.  Ids are random per signature so
two signatures never collide when documents are merged or archived together.

The cryptography is libxmlsec1's (python-xmlsec); this module only builds the template.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import threading
import uuid
from collections.abc import Sequence
from functools import lru_cache
from typing import Final, Literal

import xmlsec
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree

from einvoice.errors import SignatureError
from einvoice.signing.certs import issuer_rfc4514, load_certificate, load_private_key
from einvoice.xml import parse_bytes

DS_NS: Final = "http://www.w3.org/2000/09/xmldsig#"
XADES_NS: Final = "http://uri.etsi.org/01903/v1.3.2#"
XADES_122_NS: Final = "http://uri.etsi.org/01903/v1.2.2#"
"""Older XAdES namespace, still found on Facturae files signed before 2010; read, never written."""

C14N: Final = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
ENVELOPED: Final = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
SIGNED_PROPERTIES_TYPE: Final = "http://uri.etsi.org/01903#SignedProperties"
OBJECT_TYPE: Final = "http://www.w3.org/2000/09/xmldsig#Object"

POLICY_IDENTIFIER: Final = (
    "http://www.facturae.es/politica_de_firma_formato_facturae/"
    "politica_de_firma_formato_facturae_v3_1.pdf"
)
"""Facturae signature policy v3.1, the one FACe and the Spanish validators require."""
POLICY_DESCRIPTION: Final = "Política de Firma FacturaE v3.1"
POLICY_DIGEST_SHA1: Final = "Ohixl6upD6av8N7pEvDABhEL6hM="
"""Base64 SHA-1 of the policy PDF, as published with the policy."""

DATA_OBJECT_OID: Final = "urn:oid:1.2.840.10003.5.109.10"
"""Object identifier the Government's signing client writes for an XML invoice."""

ROLES: Final = ("emisor", "receptor", "tercero", "supplier", "customer", "third party")
"""Claimed roles the Facturae policy defines (Spanish and English spellings)."""

Digest = Literal["sha256", "sha512"]

DIGEST_URIS: Final[dict[str, str]] = {
    "sha1": "http://www.w3.org/2000/09/xmldsig#sha1",
    "sha224": "http://www.w3.org/2001/04/xmldsig-more#sha224",
    "sha256": "http://www.w3.org/2001/04/xmlenc#sha256",
    "sha384": "http://www.w3.org/2001/04/xmldsig-more#sha384",
    "sha512": "http://www.w3.org/2001/04/xmlenc#sha512",
}
"""Digest algorithm URIs (XML-DSig, RFC 6931) by hashlib name."""

SIGNATURE_URIS: Final[dict[str, str]] = {
    "sha1": "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
    "sha224": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha224",
    "sha256": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
    "sha384": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384",
    "sha512": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
}
"""RSA PKCS#1 v1.5 signature method URIs by hashlib name of their digest."""


def _ds(tag: str) -> str:
    return f"{{{DS_NS}}}{tag}"


def _xades(tag: str) -> str:
    return f"{{{XADES_NS}}}{tag}"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _int_b64(value: int) -> str:
    return _b64(value.to_bytes((value.bit_length() + 7) // 8 or 1, "big"))


@lru_cache(maxsize=256)
def _der(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.DER)


def is_facturae(root: etree._Element) -> bool:
    """A Facturae root element (any version: the namespaces all live under facturae.es/.gob.es)."""
    qname = etree.QName(root)
    return qname.localname == "Facturae" and "facturae" in (qname.namespace or "").lower()


def _sub(
    parent: etree._Element, tag: str, text: str | None = None, **attrib: str
) -> etree._Element:
    element = etree.SubElement(parent, tag, attrib)
    if text is not None:
        element.text = text
    return element


def _signed_properties(
    parent: etree._Element,
    *,
    ident: str,
    reference_id: str,
    certificate: x509.Certificate,
    signing_time: dt.datetime,
    role: str,
    digest: str,
) -> None:
    props = _sub(parent, _xades("SignedProperties"), Id=f"{ident}-SignedProperties")
    ssp = _sub(props, _xades("SignedSignatureProperties"))
    _sub(ssp, _xades("SigningTime"), signing_time.isoformat(timespec="seconds"))
    cert = _sub(_sub(ssp, _xades("SigningCertificate")), _xades("Cert"))
    cert_digest = _sub(cert, _xades("CertDigest"))
    _sub(cert_digest, _ds("DigestMethod"), Algorithm=DIGEST_URIS[digest])
    _sub(cert_digest, _ds("DigestValue"), _b64(hashlib.new(digest, _der(certificate)).digest()))
    issuer_serial = _sub(cert, _xades("IssuerSerial"))
    # RFC 4514 (= RFC 2253 order and escaping): what Java's X500Principal, and therefore the
    # Spanish validators built on it, produce and compare against.
    _sub(issuer_serial, _ds("X509IssuerName"), issuer_rfc4514(certificate))
    _sub(issuer_serial, _ds("X509SerialNumber"), str(certificate.serial_number))
    policy = _sub(_sub(ssp, _xades("SignaturePolicyIdentifier")), _xades("SignaturePolicyId"))
    policy_id = _sub(policy, _xades("SigPolicyId"))
    _sub(policy_id, _xades("Identifier"), POLICY_IDENTIFIER)
    _sub(policy_id, _xades("Description"), POLICY_DESCRIPTION)
    policy_hash = _sub(policy, _xades("SigPolicyHash"))
    _sub(policy_hash, _ds("DigestMethod"), Algorithm=DIGEST_URIS["sha1"])
    _sub(policy_hash, _ds("DigestValue"), POLICY_DIGEST_SHA1)
    roles = _sub(_sub(ssp, _xades("SignerRole")), _xades("ClaimedRoles"))
    _sub(roles, _xades("ClaimedRole"), role)
    sdop = _sub(props, _xades("SignedDataObjectProperties"))
    dof = _sub(sdop, _xades("DataObjectFormat"), ObjectReference=f"#{reference_id}")
    _sub(dof, _xades("Description"), "Factura electrónica")
    oid = _sub(dof, _xades("ObjectIdentifier"))
    _sub(oid, _xades("Identifier"), DATA_OBJECT_OID, Qualifier="OIDAsURN")
    _sub(dof, _xades("MimeType"), "text/xml")


def _reference(
    signed_info: etree._Element,
    uri: str,
    digest: str,
    *,
    ident: str | None = None,
    type_: str | None = None,
    enveloped: bool = False,
) -> None:
    attrib = {}
    if ident:
        attrib["Id"] = ident
    if type_:
        attrib["Type"] = type_
    attrib["URI"] = uri
    ref = _sub(signed_info, _ds("Reference"), **attrib)
    if enveloped:
        _sub(_sub(ref, _ds("Transforms")), _ds("Transform"), Algorithm=ENVELOPED)
    _sub(ref, _ds("DigestMethod"), Algorithm=DIGEST_URIS[digest])
    _sub(ref, _ds("DigestValue"), "")


def build_signature(
    *,
    certificate: x509.Certificate,
    chain: Sequence[x509.Certificate],
    signing_time: dt.datetime,
    role: str,
    digest: str,
    ident: str | None = None,
) -> etree._Element:
    """The ``ds:Signature`` template with everything but the digests and signature value."""
    ident = ident or f"Signature-{uuid.uuid4()}"
    reference_id = f"{ident}-Reference-Document"
    signature = etree.Element(_ds("Signature"), {"Id": ident}, nsmap={"ds": DS_NS})
    signed_info = _sub(signature, _ds("SignedInfo"), Id=f"{ident}-SignedInfo")
    _sub(signed_info, _ds("CanonicalizationMethod"), Algorithm=C14N)
    _sub(signed_info, _ds("SignatureMethod"), Algorithm=SIGNATURE_URIS[digest])
    _reference(signed_info, "", digest, ident=reference_id, type_=OBJECT_TYPE, enveloped=True)
    _reference(signed_info, f"#{ident}-SignedProperties", digest, type_=SIGNED_PROPERTIES_TYPE)
    _reference(signed_info, f"#{ident}-KeyInfo", digest)
    _sub(signature, _ds("SignatureValue"), "", Id=f"{ident}-SignatureValue")

    key_info = _sub(signature, _ds("KeyInfo"), Id=f"{ident}-KeyInfo")
    x509_data = _sub(key_info, _ds("X509Data"))
    for cert in (certificate, *chain):
        _sub(x509_data, _ds("X509Certificate"), _b64(_der(cert)))
    public = certificate.public_key()
    assert isinstance(public, rsa.RSAPublicKey)  # checked by sign()
    numbers = public.public_numbers()
    rsa_value = _sub(_sub(key_info, _ds("KeyValue")), _ds("RSAKeyValue"))
    _sub(rsa_value, _ds("Modulus"), _int_b64(numbers.n))
    _sub(rsa_value, _ds("Exponent"), _int_b64(numbers.e))

    obj = _sub(signature, _ds("Object"), Id=f"{ident}-Object")
    qualifying = etree.SubElement(
        obj,
        _xades("QualifyingProperties"),
        {"Id": f"{ident}-QualifyingProperties", "Target": f"#{ident}"},
        nsmap={"xades": XADES_NS},
    )
    _signed_properties(
        qualifying,
        ident=ident,
        reference_id=reference_id,
        certificate=certificate,
        signing_time=signing_time,
        role=role,
        digest=digest,
    )
    return signature


_TEMPLATE_IDENT: Final = "Signature-00000000-0000-0000-0000-000000000000"
_TEMPLATE_TIME: Final = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
_TEMPLATE_TIME_ELEMENT: Final = (
    f">{_TEMPLATE_TIME.isoformat(timespec='seconds')}</xades:SigningTime>"
)


@lru_cache(maxsize=64)
def _template(
    certificate: x509.Certificate,
    chain: tuple[x509.Certificate, ...],
    role: str,
    digest: str,
    policy: tuple[str, str, str],
) -> str | None:
    """:func:`build_signature`'s result for a certificate, chain, role and digest, as text
    with a placeholder id and signing time, made once; ``None`` when the placeholders could
    be mistaken for text of the certificate (then the template is built element by element).

    Building the template element by element took a sixth of a signature; each signature
    now fills in its id and time and lets libxml2 parse the text.  ``policy`` (the policy
    constants :func:`build_signature` writes) is part of the key so that the text always
    matches what :func:`build_signature` would write now.
    """
    del policy  # only part of the cache key
    text = etree.tostring(
        build_signature(
            certificate=certificate,
            chain=chain,
            signing_time=_TEMPLATE_TIME,
            role=role,
            digest=digest,
            ident=_TEMPLATE_IDENT,
        ),
        encoding="unicode",
    )
    # The id placeholder sits in 12 attributes and the time in one element; anything more
    # would be the certificate's own text (an issuer name), which must stay as it is.
    if text.count(_TEMPLATE_IDENT) != 12 or text.count(_TEMPLATE_TIME_ELEMENT) != 1:
        return None
    return text


def prepared_signature(
    *,
    certificate: x509.Certificate,
    chain: Sequence[x509.Certificate],
    signing_time: dt.datetime,
    role: str,
    digest: str,
) -> etree._Element:
    """The same template as :func:`build_signature` with a fresh id, from a prepared text."""
    policy = (POLICY_IDENTIFIER, POLICY_DESCRIPTION, POLICY_DIGEST_SHA1)
    text = _template(certificate, tuple(chain), role, digest, policy)
    if text is None:
        return build_signature(
            certificate=certificate,
            chain=chain,
            signing_time=signing_time,
            role=role,
            digest=digest,
        )
    filled = text.replace(_TEMPLATE_IDENT, f"Signature-{uuid.uuid4()}").replace(
        _TEMPLATE_TIME_ELEMENT,
        f">{signing_time.isoformat(timespec='seconds')}</xades:SigningTime>",
    )
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.fromstring(filled, parser)


_XMLSEC_SIGNATURE: Final = {
    "sha256": xmlsec.constants.TransformRsaSha256,
    "sha512": xmlsec.constants.TransformRsaSha512,
}


_XMLSEC_KEYS_MAX: Final = 64
_xmlsec_keys: dict[int, tuple[rsa.RSAPrivateKey, xmlsec.Key]] = {}
_xmlsec_keys_lock = threading.Lock()


def _xmlsec_key(private_key: rsa.RSAPrivateKey) -> xmlsec.Key:
    """The libxmlsec form of ``private_key``, made once per key object.

    Exporting a key to PEM and importing it into libxmlsec took about a third of a signature.
    The cache holds the key object itself, so its ``id`` cannot be reused by another key
    while the entry lives; ``SignatureContext.key`` takes a copy, so one ``xmlsec.Key`` may
    serve several threads.
    """
    cached = _xmlsec_keys.get(id(private_key))
    if cached is not None and cached[0] is private_key:
        return cached[1]
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    key = xmlsec.Key.from_memory(pem, xmlsec.constants.KeyDataFormatPem)
    with _xmlsec_keys_lock:
        if len(_xmlsec_keys) >= _XMLSEC_KEYS_MAX:
            _xmlsec_keys.clear()
        _xmlsec_keys[id(private_key)] = (private_key, key)
    return key


def compute_signature(
    *, root: etree._Element, signature: etree._Element, private_key: rsa.RSAPrivateKey
) -> None:
    """Compute ``signature`` (a template built by :func:`build_signature`, already placed in
    ``root``) with ``private_key``; the ``Id`` attributes are registered for the references."""
    xmlsec.tree.add_ids(root, ["Id"])
    ctx = xmlsec.SignatureContext()
    ctx.key = _xmlsec_key(private_key)
    try:
        ctx.sign(signature)
    except xmlsec.Error as exc:  # pragma: no cover - libxmlsec failure on a valid template
        raise SignatureError.single(
            "SIG-FAILED",
            f"The signature could not be computed: {exc}.",
            f"No se pudo calcular la firma: {exc}.",
        ) from exc


def sign(
    xml: bytes,
    *,
    key: rsa.RSAPrivateKey | bytes,
    certificate: x509.Certificate | bytes,
    chain: Sequence[x509.Certificate | bytes] = (),
    signing_time: dt.datetime | None = None,
    role: str = "emisor",
    digest: Digest = "sha256",
) -> bytes:
    """Sign an unsigned Facturae file and return the signed bytes.

    The returned bytes are the legal original: archive and send them as they are and never
    re-serialise the signed tree (any change of whitespace or namespace layout breaks the
    signature).  ``key`` is an RSA key object or PEM/DER bytes, ``certificate`` its X.509
    certificate (object, PEM or DER), ``chain`` the issuing CA certificates written after it.
    ``signing_time`` must be timezone-aware (default: now, UTC).

    Raises :class:`SignatureError` when the input is not an unsigned Facturae document or
    the key material is unusable; :class:`~einvoice.errors.ParseError` for unsafe/bad XML.
    """
    if digest not in _XMLSEC_SIGNATURE:
        raise SignatureError.single(
            "SIG-DIGEST",
            f"Unsupported digest {digest!r}; use sha256 or sha512.",
            f"Algoritmo de resumen {digest!r} no admitido; use sha256 o sha512.",
        )
    if role not in ROLES:
        raise SignatureError.single(
            "SIG-ROLE",
            f"Unknown signer role {role!r}; the Facturae policy allows: {', '.join(ROLES)}.",
            f"Rol de firmante {role!r} desconocido; la política Facturae admite: "
            f"{', '.join(ROLES)}.",
        )
    if signing_time is None:
        signing_time = dt.datetime.now(dt.UTC).replace(microsecond=0)
    elif signing_time.tzinfo is None or signing_time.utcoffset() is None:
        raise SignatureError.single(
            "SIG-TIME",
            "The signing time must include a time zone.",
            "La hora de firma debe incluir la zona horaria.",
        )
    private_key = load_private_key(key)
    cert = load_certificate(certificate)
    chain_certs = [load_certificate(c) for c in chain]
    public = cert.public_key()
    if (
        not isinstance(public, rsa.RSAPublicKey)
        or public.public_numbers() != private_key.public_key().public_numbers()
    ):
        raise SignatureError.single(
            "SIG-KEY-MISMATCH",
            "The private key does not belong to the certificate.",
            "La clave privada no corresponde al certificado.",
        )

    tree = parse_bytes(xml)
    root = tree.getroot()
    if not is_facturae(root):
        raise SignatureError.single(
            "SIG-NOT-FACTURAE",
            "Only Facturae documents can be signed here; this file is not Facturae.",
            "Aquí solo se pueden firmar documentos Facturae; este fichero no es Facturae.",
        )
    if next(root.iter(_ds("Signature")), None) is not None:
        raise SignatureError.single(
            "SIG-ALREADY-SIGNED",
            "The invoice is already signed; a signed invoice must not be signed again "
            "(that would change the original the first signature protects).",
            "La factura ya está firmada; no se puede volver a firmar (se alteraría el "
            "original que protege la primera firma).",
        )

    signature = prepared_signature(
        certificate=cert,
        chain=chain_certs,
        signing_time=signing_time,
        role=role,
        digest=digest,
    )
    root.append(signature)
    compute_signature(root=root, signature=signature, private_key=private_key)
    # Keep the document's own encoding (Facturae files in ISO-8859-1 exist); the signed
    # digests are over canonical XML, which does not depend on it.
    encoding = tree.docinfo.encoding or "UTF-8"
    signed = etree.tostring(tree, xml_declaration=True, encoding=encoding)
    assert isinstance(signed, bytes)
    return signed
