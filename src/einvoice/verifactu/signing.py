"""XAdES signature of a billing or event record in NO VERI*FACTU mode (Orden HAC/1177/2024
art. 14).

Each ``RegistroAlta`` / ``RegistroAnulacion`` is signed on its own: XAdES Enveloped, EPES
class, RSA with SHA-256, under the AGE signature policy ``urn:oid:2.16.724.1.3.1.1.2.1.9``
(AEAT, *Especificaciones técnicas para generación de la firma electrónica*, v0.1.5, §3–6).
The ``ds:Signature`` becomes the record's last child, where SuministroInformacion.xsd puts it;
the signed node is the record itself, never a whole ``RegFactuSistemaFacturacion``.

The signature template is the one of :mod:`einvoice.signing.xades` with the policy, role and
data-object description of the record instead of Facturae's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Final

import xmlsec
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree

from einvoice.errors import SignatureError
from einvoice.signing import xades
from einvoice.xml import parse_bytes

AGE_POLICY: Final = "urn:oid:2.16.724.1.3.1.1.2.1.9"
AGE_POLICY_DESCRIPTION: Final = "Política de firma electrónica de la AGE"
AGE_POLICY_DIGEST_SHA1: Final = "G7roucf600+f03r/o0bAOQ6WAs0="
"""Base64 SHA-1 of the AGE policy document, as the AEAT's signature specification gives it."""


def sign_record(
    record: bytes,
    *,
    key: rsa.RSAPrivateKey,
    certificate: x509.Certificate,
    chain: Sequence[x509.Certificate] = (),
    signing_time: dt.datetime | None = None,
) -> bytes:
    """Sign one serialised record; returns the signed record, UTF-8 without an XML
    declaration so it can be embedded as it is (keep these bytes unchanged)."""
    root = parse_bytes(record).getroot()
    kind = etree.QName(root).localname
    if kind not in {"RegistroAlta", "RegistroAnulacion", "RegistroEvento"}:
        raise SignatureError.single(
            "VF-SIG-RECORD",
            "Only a RegistroAlta, RegistroAnulacion or RegistroEvento can be signed here.",
            "Aquí solo se puede firmar un RegistroAlta, RegistroAnulacion o RegistroEvento.",
        )
    # An event's signature closes its ``Evento`` element (EventosSIF.xsd).
    holder = root if kind != "RegistroEvento" else root[-1]
    public = certificate.public_key()
    if (
        not isinstance(public, rsa.RSAPublicKey)
        or public.public_numbers() != key.public_key().public_numbers()
    ):
        raise SignatureError.single(
            "SIG-KEY-MISMATCH",
            "The private key does not belong to the certificate.",
            "La clave privada no corresponde al certificado.",
        )
    when = signing_time or dt.datetime.now(dt.UTC).replace(microsecond=0)
    signature = xades.build_signature(
        certificate=certificate, chain=chain, signing_time=when, role="emisor", digest="sha256"
    )
    _use_age_policy(signature)
    holder.append(signature)
    xades.compute_signature(root=root, signature=signature, private_key=key)
    signed = etree.tostring(root, xml_declaration=False, encoding="UTF-8")
    assert isinstance(signed, bytes)
    return signed


def _use_age_policy(signature: etree._Element) -> None:
    """Swap the Facturae policy, role and description of the template for the record's."""
    ns = {"xades": xades.XADES_NS, "ds": xades.DS_NS}
    policy = signature.find(".//xades:SignaturePolicyId", ns)
    assert policy is not None
    identifier = policy.find("xades:SigPolicyId/xades:Identifier", ns)
    description = policy.find("xades:SigPolicyId/xades:Description", ns)
    digest = policy.find("xades:SigPolicyHash/ds:DigestValue", ns)
    assert identifier is not None and description is not None and digest is not None
    identifier.text = AGE_POLICY
    identifier.set("Qualifier", "OIDAsURN")
    description.text = AGE_POLICY_DESCRIPTION
    digest.text = AGE_POLICY_DIGEST_SHA1
    role = signature.find(".//xades:SignerRole", ns)
    if role is not None:
        parent = role.getparent()
        assert parent is not None
        parent.remove(role)
    data_format = signature.find(".//xades:DataObjectFormat", ns)
    if data_format is not None:
        text = data_format.find("xades:Description", ns)
        if text is not None:
            text.text = "Registro de facturación"
        oid = data_format.find("xades:ObjectIdentifier", ns)
        if oid is not None:
            data_format.remove(oid)


def verify_record(signed: bytes) -> bool:
    """Whether the record's enveloped signature is intact (the digests and the RSA value;
    the certificate's trust is not judged here)."""
    root = parse_bytes(signed).getroot()
    signature = next(root.iter(f"{{{xades.DS_NS}}}Signature"), None)
    if signature is None:
        return False
    xmlsec.tree.add_ids(root, ["Id"])
    certificate_text = signature.findtext(f".//{{{xades.DS_NS}}}X509Certificate") or ""
    from base64 import b64decode

    cert = x509.load_der_x509_certificate(b64decode(certificate_text))
    context = xmlsec.SignatureContext()
    context.key = xmlsec.Key.from_memory(
        cert.public_bytes(serialization.Encoding.PEM), xmlsec.constants.KeyDataFormatCertPem
    )
    try:
        context.verify(signature)
    except xmlsec.Error:
        return False
    return True
