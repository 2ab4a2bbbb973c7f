"""Tests for einvoice.signing.xades: the XAdES-EPES signature we write on Facturae files.

Each signature is checked by an independent implementation (Debian's ``xmlsec1`` command),
against the official Facturae and XAdES schemas, and element by element against what the
Facturae signature policy v3.1 asks for.
"""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from lxml import etree
from tests.einvoice.signing.signing_samples import (
    FACTURAE_SAMPLES,
    SIGNING_TIME,
    UNSIGNED_322,
    Identity,
)

import einvoice.formats.facturae as facturae_package
from einvoice.errors import ParseError, SignatureError
from einvoice.formats.base import load_schema
from einvoice.signing import POLICY_DIGEST_SHA1, POLICY_IDENTIFIER, sign
from einvoice.xml import parse_bytes

DS = "http://www.w3.org/2000/09/xmldsig#"
XADES = "http://uri.etsi.org/01903/v1.3.2#"
NS = {"ds": DS, "xades": XADES}
SCHEMAS = Path(facturae_package.__path__[0]) / "schemas"
XMLSEC1 = shutil.which("xmlsec1") or "/usr/bin/xmlsec1"

UNSIGNED = {
    "3.2.2": UNSIGNED_322,
    "3.2.1": FACTURAE_SAMPLES / "omeuid" / "Facturae-3.2.1-valid.xml",
    "3.2": FACTURAE_SAMPLES / "fawno" / "factura-prueba-v1-2-0.xml",
}
XSD = {"3.2.2": "Facturaev3_2_2.xsd", "3.2.1": "Facturaev3_2_1.xsd", "3.2": "Facturaev3_2.xsd"}


def _signature(signed: bytes) -> etree._Element:
    root = parse_bytes(signed).getroot()
    return root[-1]


def _xpath_text(element: etree._Element, path: str) -> str:
    found = element.xpath(path, namespaces=NS)
    assert isinstance(found, list) and len(found) == 1, path
    value = found[0]
    return value if isinstance(value, str) else (value.text or "")  # type: ignore[union-attr]


def xmlsec1_verify(path: Path, cert_pem: Path) -> subprocess.CompletedProcess[str]:
    """Run Debian's xmlsec1 with only ``cert_pem`` trusted.

    ``--enabled-key-data x509`` makes xmlsec1 take the key only from the X509Data
    certificate, which must chain to ``cert_pem`` (otherwise it would happily use the
    RSAKeyValue and accept any signer).  ``--id-attr`` registers the ``Id`` attributes of
    the two signed same-document targets (XAdES SignedProperties and ds:KeyInfo), which
    xmlsec1 cannot know as IDs without a DTD.
    """
    return subprocess.run(
        [
            XMLSEC1,
            "--verify",
            "--enabled-key-data",
            "x509",
            "--trusted-pem",
            str(cert_pem),
            "--id-attr:Id",
            f"{XADES}:SignedProperties",
            "--id-attr:Id",
            f"{DS}:KeyInfo",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize("digest", ["sha256", "sha512"])
@pytest.mark.parametrize("version", sorted(UNSIGNED))
def test_xmlsec1_accepts_our_signature(
    version: str,
    digest: str,
    seller: Identity,
    write: Callable[[str, bytes], Path],
) -> None:
    signed = sign(
        UNSIGNED[version].read_bytes(),
        key=seller.key,
        certificate=seller.cert,
        digest=digest,  # type: ignore[arg-type]
    )
    pem = write("cert.pem", seller.cert.public_bytes(serialization.Encoding.PEM))
    result = xmlsec1_verify(write("signed.xml", signed), pem)
    assert result.returncode == 0, result.stderr
    assert "SignedInfo References (ok/all): 3/3" in result.stderr


def test_xmlsec1_rejects_an_untrusted_signer(
    signed_xml: bytes, stranger: Identity, write: Callable[[str, bytes], Path]
) -> None:
    """The flags above really check trust: another certificate does not make it pass."""
    pem = write("other.pem", stranger.cert.public_bytes(serialization.Encoding.PEM))
    assert xmlsec1_verify(write("signed.xml", signed_xml), pem).returncode != 0


def test_xmlsec1_rejects_a_tampered_amount(
    signed_xml: bytes, seller: Identity, write: Callable[[str, bytes], Path]
) -> None:
    tampered = signed_xml.replace(b"<InvoiceTotal>", b"<InvoiceTotal>1", 1)
    assert tampered != signed_xml
    pem = write("cert.pem", seller.cert.public_bytes(serialization.Encoding.PEM))
    assert xmlsec1_verify(write("tampered.xml", tampered), pem).returncode != 0


@pytest.mark.parametrize("version", sorted(UNSIGNED))
def test_signed_file_validates_against_the_facturae_xsd(version: str, seller: Identity) -> None:
    signed = sign(UNSIGNED[version].read_bytes(), key=seller.key, certificate=seller.cert)
    schema = load_schema(SCHEMAS / XSD[version])
    tree = parse_bytes(signed)
    assert schema.validate(tree), schema.error_log


def test_qualifying_properties_validate_against_the_xades_xsd(signed_xml: bytes) -> None:
    schema = load_schema(SCHEMAS / "XAdES_v1_3_2.xsd")
    qualifying = _signature(signed_xml).find(f"{{{DS}}}Object/{{{XADES}}}QualifyingProperties")
    assert qualifying is not None
    assert schema.validate(etree.ElementTree(qualifying)), schema.error_log


def test_signature_is_the_last_child_of_the_root(signed_xml: bytes, unsigned_xml: bytes) -> None:
    root = parse_bytes(signed_xml).getroot()
    original = parse_bytes(unsigned_xml).getroot()
    assert root[-1].tag == f"{{{DS}}}Signature"
    assert len(root) == len(original) + 1
    assert [c.tag for c in root[:-1]] == [c.tag for c in original]


@pytest.mark.parametrize(("digest", "bits"), [("sha256", 256), ("sha512", 512)])
def test_signed_info_layout(digest: str, bits: int, seller: Identity, unsigned_xml: bytes) -> None:
    signed = sign(unsigned_xml, key=seller.key, certificate=seller.cert, digest=digest)  # type: ignore[arg-type]
    sig = _signature(signed)
    ident = sig.get("Id")
    assert ident
    assert (
        _xpath_text(sig, "ds:SignedInfo/ds:CanonicalizationMethod/@Algorithm")
        == "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
    )
    assert (
        _xpath_text(sig, "ds:SignedInfo/ds:SignatureMethod/@Algorithm")
        == f"http://www.w3.org/2001/04/xmldsig-more#rsa-{digest}"
    )
    refs = sig.findall(f"{{{DS}}}SignedInfo/{{{DS}}}Reference")
    assert [r.get("URI") for r in refs] == ["", f"#{ident}-SignedProperties", f"#{ident}-KeyInfo"]
    assert refs[1].get("Type") == "http://uri.etsi.org/01903#SignedProperties"
    transforms = [t.get("Algorithm") for t in refs[0].iter(f"{{{DS}}}Transform")]
    assert transforms == ["http://www.w3.org/2000/09/xmldsig#enveloped-signature"]
    for ref in refs:
        method = ref.find(f"{{{DS}}}DigestMethod")
        assert method is not None
        assert method.get("Algorithm") == f"http://www.w3.org/2001/04/xmlenc#{digest}"
        value = ref.findtext(f"{{{DS}}}DigestValue") or ""
        assert len(base64.b64decode(value)) * 8 == bits
    key_info = sig.find(f"{{{DS}}}KeyInfo")
    assert key_info is not None and key_info.get("Id") == f"{ident}-KeyInfo"
    modulus = _xpath_text(sig, "ds:KeyInfo/ds:KeyValue/ds:RSAKeyValue/ds:Modulus")
    numbers = seller.key.public_key().public_numbers()
    assert int.from_bytes(base64.b64decode(modulus), "big") == numbers.n


def test_signed_properties_follow_the_facturae_policy(signed_xml: bytes, seller: Identity) -> None:
    sig = _signature(signed_xml)
    ident = sig.get("Id")
    props = f"ds:Object/xades:QualifyingProperties[@Target='#{ident}']/xades:SignedProperties"
    ssp = f"{props}/xades:SignedSignatureProperties"
    assert _xpath_text(sig, f"{props}/@Id") == f"{ident}-SignedProperties"
    assert _xpath_text(sig, f"{ssp}/xades:SigningTime") == "2026-03-02T10:30:00+01:00"
    cert = f"{ssp}/xades:SigningCertificate/xades:Cert"
    der = seller.cert.public_bytes(serialization.Encoding.DER)
    assert (
        _xpath_text(sig, f"{cert}/xades:CertDigest/ds:DigestValue")
        == base64.b64encode(hashlib.sha256(der).digest()).decode()
    )
    # RFC 4514 §2.4: organizationIdentifier has no keyword, so OID=#hex of its DER value.
    assert _xpath_text(sig, f"{cert}/xades:IssuerSerial/ds:X509IssuerName") == (
        "CN=EMPRESA EJEMPLO SA,"
        f"2.5.4.97=#0c0f{b'VATES-B28015865'.hex()},"
        "OU=TEST CERTIFICATE — not valid for legal use,"
        "O=efactura TEST SEAL — not valid for legal use,"
        "C=ES"
    )
    assert _xpath_text(sig, f"{cert}/xades:IssuerSerial/ds:X509SerialNumber") == str(
        seller.cert.serial_number
    )
    policy = f"{ssp}/xades:SignaturePolicyIdentifier/xades:SignaturePolicyId"
    assert _xpath_text(sig, f"{policy}/xades:SigPolicyId/xades:Identifier") == POLICY_IDENTIFIER
    assert POLICY_IDENTIFIER == (
        "http://www.facturae.es/politica_de_firma_formato_facturae/"
        "politica_de_firma_formato_facturae_v3_1.pdf"
    )
    assert (
        _xpath_text(sig, f"{policy}/xades:SigPolicyHash/ds:DigestMethod/@Algorithm")
        == "http://www.w3.org/2000/09/xmldsig#sha1"
    )
    assert _xpath_text(sig, f"{policy}/xades:SigPolicyHash/ds:DigestValue") == POLICY_DIGEST_SHA1
    assert POLICY_DIGEST_SHA1 == "Ohixl6upD6av8N7pEvDABhEL6hM="
    role = f"{ssp}/xades:SignerRole/xades:ClaimedRoles/xades:ClaimedRole"
    assert _xpath_text(sig, role) == "emisor"
    dof = f"{props}/xades:SignedDataObjectProperties/xades:DataObjectFormat"
    document_ref = sig.find(f"{{{DS}}}SignedInfo/{{{DS}}}Reference[@URI='']")
    assert document_ref is not None
    assert _xpath_text(sig, f"{dof}/@ObjectReference") == f"#{document_ref.get('Id')}"
    assert _xpath_text(sig, f"{dof}/xades:MimeType") == "text/xml"
    assert _xpath_text(sig, f"{dof}/xades:Description")


def test_certificate_chain_is_written_signer_first(
    seller: Identity, stranger: Identity, unsigned_xml: bytes
) -> None:
    signed = sign(unsigned_xml, key=seller.key, certificate=seller.cert, chain=[stranger.cert])
    certs = _signature(signed).findall(f"{{{DS}}}KeyInfo/{{{DS}}}X509Data/{{{DS}}}X509Certificate")
    ders = [base64.b64decode(c.text or "") for c in certs]
    assert ders == [
        seller.cert.public_bytes(serialization.Encoding.DER),
        stranger.cert.public_bytes(serialization.Encoding.DER),
    ]


@pytest.mark.parametrize("role", ["supplier", "third party"])
def test_configured_role_is_claimed(role: str, seller: Identity, unsigned_xml: bytes) -> None:
    signed = sign(unsigned_xml, key=seller.key, certificate=seller.cert, role=role)
    claimed = _signature(signed).find(f".//{{{XADES}}}ClaimedRole")
    assert claimed is not None and claimed.text == role


def test_ids_are_unique_per_signature(seller: Identity, unsigned_xml: bytes) -> None:
    first = _signature(sign(unsigned_xml, key=seller.key, certificate=seller.cert))
    second = _signature(sign(unsigned_xml, key=seller.key, certificate=seller.cert))
    ids_first = {e.get("Id") for e in first.iter() if e.get("Id")}
    ids_second = {e.get("Id") for e in second.iter() if e.get("Id")}
    assert len(ids_first) >= 5
    assert not ids_first & ids_second


def test_signing_twice_is_refused(signed_xml: bytes, seller: Identity) -> None:
    with pytest.raises(SignatureError) as info:
        sign(signed_xml, key=seller.key, certificate=seller.cert)
    assert info.value.violations[0].rule == "SIG-ALREADY-SIGNED"
    assert "already signed" in info.value.violations[0].message
    assert "ya está firmada" in info.value.violations[0].message_es


@pytest.mark.parametrize(
    "row", ["oca-l10n-spain/facturae_01.xsig", "fawno/factura-prueba-v1-2-0.xsig"]
)
def test_signing_a_corpus_signed_file_is_refused(row: str, seller: Identity) -> None:
    with pytest.raises(SignatureError):
        sign((FACTURAE_SAMPLES / row).read_bytes(), key=seller.key, certificate=seller.cert)


def test_non_facturae_is_refused(seller: Identity) -> None:
    with pytest.raises(SignatureError) as info:
        sign(b"<Invoice xmlns='urn:x'/>", key=seller.key, certificate=seller.cert)
    assert info.value.violations[0].rule == "SIG-NOT-FACTURAE"


def test_hostile_xml_is_refused_by_the_hardened_parser(seller: Identity) -> None:
    hostile = b'<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>'
    with pytest.raises(ParseError):
        sign(hostile, key=seller.key, certificate=seller.cert)


def test_key_must_match_certificate(
    seller: Identity, stranger: Identity, unsigned_xml: bytes
) -> None:
    with pytest.raises(SignatureError) as info:
        sign(unsigned_xml, key=stranger.key, certificate=seller.cert)
    assert info.value.violations[0].rule == "SIG-KEY-MISMATCH"


def test_pem_key_and_certificate_are_accepted(seller: Identity, unsigned_xml: bytes) -> None:
    pem_key = seller.key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    pem_cert = seller.cert.public_bytes(serialization.Encoding.PEM)
    signed = sign(unsigned_xml, key=pem_key, certificate=pem_cert)
    assert _signature(signed).tag == f"{{{DS}}}Signature"


def test_naive_signing_time_unknown_role_and_digest_are_refused(
    seller: Identity, unsigned_xml: bytes
) -> None:
    naive = SIGNING_TIME.replace(tzinfo=None)
    cases = [
        ({"signing_time": naive}, "SIG-TIME"),
        ({"role": "boss"}, "SIG-ROLE"),
        ({"digest": "md5"}, "SIG-DIGEST"),
    ]
    for kwargs, rule in cases:
        with pytest.raises(SignatureError) as info:
            sign(unsigned_xml, key=seller.key, certificate=seller.cert, **kwargs)  # type: ignore[arg-type]
        assert info.value.violations[0].rule == rule


def test_original_encoding_and_content_are_kept(seller: Identity) -> None:
    """Signing adds the signature and nothing else: the invoice text is unchanged."""
    latin1 = UNSIGNED_322.read_bytes().replace(b'encoding="UTF-8"', b'encoding="ISO-8859-1"', 1)
    latin1_tree = parse_bytes(latin1)
    signed = sign(latin1, key=seller.key, certificate=seller.cert)
    assert signed.startswith(b"<?xml version='1.0' encoding='ISO-8859-1'?>")
    tree = parse_bytes(signed)
    tree.getroot().remove(tree.getroot()[-1])
    assert etree.tostring(tree, method="c14n") == etree.tostring(latin1_tree, method="c14n")


def test_keys_are_loaded_into_libxmlsec_once_and_kept_apart(
    unsigned_xml: bytes, seller: Identity, stranger: Identity
) -> None:
    """The libxmlsec key is made once per key object; two keys never share an entry."""
    from einvoice.signing import verify, xades

    xades._xmlsec_keys.clear()
    for _ in range(3):
        assert verify(sign(unsigned_xml, key=seller.key, certificate=seller.cert)).is_valid
    [(key, loaded)] = xades._xmlsec_keys.values()
    assert key is seller.key
    assert xades._xmlsec_key(seller.key) is loaded
    report = verify(sign(unsigned_xml, key=stranger.key, certificate=stranger.cert))
    assert report.is_valid and report.signer is not None
    assert report.signer.common_name.startswith("PEREZ GOMEZ JUAN")
    assert len(xades._xmlsec_keys) == 2
    assert xades._xmlsec_key(stranger.key) is not loaded
