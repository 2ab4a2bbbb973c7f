"""Tests for einvoice.signing.certs: PKCS#12, identity extraction, test certificates."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID
from tests.einvoice.signing.signing_samples import FACTURAE_SAMPLES, Identity, read_index

from einvoice.errors import SignatureError
from einvoice.signing.certs import (
    TEST_MARK,
    TEST_SEAL_ORGANIZATION,
    certificate_info,
    dn_rfc4514,
    is_test_certificate,
    issuer_rfc4514,
    load_pkcs12,
    make_test_certificate,
    normalise_tax_id,
    tax_ids_from_certificate,
    to_pkcs12,
)
from einvoice.xml import parse_bytes

ORG_ID = x509.ObjectIdentifier("2.5.4.97")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("IDCES-12345678Z", "12345678Z"),
        ("VATES-B12345678", "B12345678"),
        ("ESB12345678", "B12345678"),
        ("b-1234567-8", "B12345678"),
        ("12345678Z", "12345678Z"),
        (" es 12345678z ", "12345678Z"),
        ("VATFR-FR12345678901", "FR12345678901"),
    ],
)
def test_normalise_tax_id(raw: str, expected: str) -> None:
    assert normalise_tax_id(raw) == expected


def test_company_test_certificate_uses_organization_identifier(seller: Identity) -> None:
    subject = seller.cert.subject
    assert [a.value for a in subject.get_attributes_for_oid(ORG_ID)] == ["VATES-B28015865"]
    assert subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER) == []
    assert tax_ids_from_certificate(seller.cert) == ("B28015865",)


def test_person_test_certificate_uses_serial_number(stranger: Identity) -> None:
    subject = stranger.cert.subject
    assert [a.value for a in subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)] == [
        "IDCES-12345678Z"
    ]
    assert subject.get_attributes_for_oid(ORG_ID) == []
    assert certificate_info(stranger.cert).tax_id == "12345678Z"


def test_test_certificates_are_unmistakably_marked() -> None:
    _, cert = make_test_certificate("ACME", "B12345678", organization="ACME SL")
    ous = [a.value for a in cert.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)]
    assert TEST_MARK in ous
    assert is_test_certificate(cert)
    _, default = make_test_certificate("ACME", "B12345678")
    orgs = [a.value for a in default.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)]
    assert orgs == [TEST_SEAL_ORGANIZATION]
    assert "TEST" in default.subject.rfc4514_string()


def test_test_certificate_key_sizes_and_validity() -> None:
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    key, cert = make_test_certificate("X", "B12345678", days=30, key_size=3072, not_before=start)
    assert key.key_size == 3072
    assert cert.not_valid_before_utc == start
    assert cert.not_valid_after_utc == start + dt.timedelta(days=30)
    assert cert.issuer == cert.subject  # self-signed
    with pytest.raises(ValueError):
        make_test_certificate("X", "B12345678", key_size=1024)


def test_certificate_info_fields(seller: Identity) -> None:
    moment = seller.cert.not_valid_before_utc + dt.timedelta(days=10)
    info = certificate_info(seller.cert, at=moment)
    assert info.common_name == "EMPRESA EJEMPLO SA"
    assert info.serial == seller.cert.serial_number
    assert info.subject == seller.cert.subject.rfc4514_string()
    assert info.issuer == info.subject
    assert info.days_to_expiry == (seller.cert.not_valid_after_utc - moment).days
    assert info.is_test
    assert info.valid_at(moment)
    assert not info.valid_at(seller.cert.not_valid_after_utc + dt.timedelta(seconds=1))
    assert info.as_dict()["serial"] == str(seller.cert.serial_number)


def test_pkcs12_round_trip_with_chain(seller: Identity, stranger: Identity) -> None:
    data = to_pkcs12(seller.key, seller.cert, "s3cret", chain=[stranger.cert])
    identity = load_pkcs12(data, "s3cret")
    assert identity.certificate == seller.cert
    assert identity.key.public_key().public_numbers() == seller.key.public_key().public_numbers()
    assert identity.chain == (stranger.cert,)


def test_pkcs12_wrong_password_is_a_clear_error(seller: Identity) -> None:
    data = to_pkcs12(seller.key, seller.cert, "right")
    with pytest.raises(SignatureError) as info:
        load_pkcs12(data, "wrong")
    violation = info.value.violations[0]
    assert violation.rule == "SIG-P12-PASSWORD"
    assert "password" in violation.message
    assert "contraseña" in violation.message_es


@pytest.mark.parametrize(
    "data",
    [b"hello world, not a certificate at all", b"-----BEGIN CERTIFICATE-----\nMIIB\n", b""],
)
def test_not_a_pkcs12_file_is_a_clear_error(data: bytes) -> None:
    with pytest.raises(SignatureError) as info:
        load_pkcs12(data, "x")
    assert info.value.violations[0].rule == "SIG-P12-FORMAT"
    assert info.value.violations[0].message_es


def test_empty_pkcs12_password_is_refused(seller: Identity) -> None:
    with pytest.raises(ValueError):
        to_pkcs12(seller.key, seller.cert, "")


SIGNED_ROWS = [row for row in read_index() if row["signed"] == "yes"]


@pytest.mark.parametrize("row", SIGNED_ROWS, ids=[row["file"] for row in SIGNED_ROWS])
def test_certificate_info_reads_every_corpus_signer(row: dict[str, str]) -> None:
    """Real CA certificates (FNMT, DNIe, Camerfirma …) are summarised without error."""
    tree = parse_bytes((FACTURAE_SAMPLES / row["file"]).read_bytes())
    node = tree.find(".//{http://www.w3.org/2000/09/xmldsig#}X509Certificate")
    assert node is not None and node.text
    cert = x509.load_der_x509_certificate(base64.b64decode("".join(node.text.split())))
    info = certificate_info(cert)
    assert info.subject and info.issuer and info.serial == cert.serial_number
    assert not info.is_test
    for tax_id in info.tax_ids:
        assert tax_id == normalise_tax_id(tax_id)


def test_dn_rfc4514_matches_the_government_client() -> None:
    """The Spanish Government's signing client wrote this IssuerName for a DNIe certificate."""
    path = FACTURAE_SAMPLES / "omeuid" / "Facturae-3.1-firmada-real.xsig.xml"
    tree = parse_bytes(path.read_bytes())
    ds = "{http://www.w3.org/2000/09/xmldsig#}"
    node = tree.find(f".//{ds}X509Certificate")
    assert node is not None and node.text
    cert = x509.load_der_x509_certificate(base64.b64decode("".join(node.text.split())))
    assert issuer_rfc4514(cert) == tree.findtext(f".//{ds}X509IssuerName")


def test_dn_rfc4514_escapes_and_hex_encodes() -> None:
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "ES"),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, "A82743287"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Pérez, Hijos + Cía"),
            x509.NameAttribute(NameOID.EMAIL_ADDRESS, "a@b.es"),
        ]
    )
    assert dn_rfc4514(name) == (
        f"1.2.840.113549.1.9.1=#1606{b'a@b.es'.hex()},"
        "O=Pérez\\, Hijos \\+ Cía,"
        f"2.5.4.5=#1309{b'A82743287'.hex()},"
        "C=ES"
    )
