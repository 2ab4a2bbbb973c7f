"""Tests for einvoice.signing.verify: verdicts on the corpus, on our own signatures, and on
tampered or odd signatures."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.einvoice.signing.signing_samples import (
    FACTURAE_SAMPLES,
    SELLER_322,
    SIGNING_TIME,
    Identity,
    read_index,
)

from einvoice.errors import ParseError, Severity
from einvoice.signing import (
    POLICY_IDENTIFIER,
    ReferenceTarget,
    SignatureStatus,
    sign,
    verify,
)

INDEX = read_index()
SIGNED_ROWS = [row for row in INDEX if row["signed"] == "yes"]
UNSIGNED_ROWS = [row for row in INDEX if row["signed"] == "no"]


def _assert_bilingual(report_findings: tuple[object, ...]) -> None:
    for finding in report_findings:
        assert finding.message, finding  # type: ignore[attr-defined]
        assert finding.message_es, finding  # type: ignore[attr-defined]
        assert finding.message != finding.message_es  # type: ignore[attr-defined]


@pytest.mark.parametrize("row", SIGNED_ROWS, ids=[row["file"] for row in SIGNED_ROWS])
def test_corpus_signed_samples_agree_with_index(row: dict[str, str]) -> None:
    report = verify((FACTURAE_SAMPLES / row["file"]).read_bytes())
    _assert_bilingual(report.findings)
    assert report.signer is not None
    assert report.policy_identifier == POLICY_IDENTIFIER
    if row["signature_crypto"] == "VALID":
        assert report.status is SignatureStatus.VALID, report.findings
        assert report.signature_value_ok is True
        assert all(ref.ok for ref in report.references)
        assert report.policy_ok and report.policy_digest_ok
        assert {r.target for r in report.references} >= {
            ReferenceTarget.DOCUMENT,
            ReferenceTarget.SIGNED_PROPERTIES,
        }
    else:
        assert row["signature_crypto"] == "INVALID"
        assert report.status is SignatureStatus.INVALID
        failed = report.failed_references
        assert failed or report.signature_value_ok is False
        # The report names each failing reference by its URI.
        named = {f.location for f in report.errors if f.rule == "SIG-REF-DIGEST"}
        assert named == {r.uri if r.uri is not None else "(no URI)" for r in failed}


@pytest.mark.parametrize(
    "row",
    [r for r in SIGNED_ROWS if r["signature_crypto"] == "VALID"],
    ids=[r["file"] for r in SIGNED_ROWS if r["signature_crypto"] == "VALID"],
)
def test_independent_recomputation_agrees_with_libxmlsec(row: dict[str, str]) -> None:
    """Our own C14N + digest + RSA check reaches the same verdict as libxmlsec1."""
    report = verify((FACTURAE_SAMPLES / row["file"]).read_bytes(), independent=True)
    assert report.status is SignatureStatus.VALID, report.findings
    assert all(ref.ok is True for ref in report.references)
    assert report.signature_value_ok is True


@pytest.mark.parametrize("row", UNSIGNED_ROWS, ids=[row["file"] for row in UNSIGNED_ROWS])
def test_corpus_unsigned_samples_are_unsigned(row: dict[str, str]) -> None:
    report = verify((FACTURAE_SAMPLES / row["file"]).read_bytes())
    assert report.status is SignatureStatus.UNSIGNED
    assert not report.is_valid
    assert report.reason("es") == "El fichero no está firmado."


def test_our_signature_verifies_with_full_details(signed_xml: bytes, seller: Identity) -> None:
    report = verify(signed_xml, independent=True)
    assert report.status is SignatureStatus.VALID, report.findings
    assert [r.target for r in report.references] == [
        ReferenceTarget.DOCUMENT,
        ReferenceTarget.SIGNED_PROPERTIES,
        ReferenceTarget.KEY_INFO,
    ]
    assert report.signing_time == SIGNING_TIME
    assert report.certificate_valid_at_signing is False  # cert made "now", signed in March
    assert report.signer is not None
    assert report.signer.serial == seller.cert.serial_number
    assert report.signer.tax_id == SELLER_322
    assert report.expected_tax_ids == (SELLER_322,)
    assert report.signer_matches_invoice is True
    assert report.policy_ok and report.policy_digest_ok
    assert report.signer_role == "emisor"
    rules = {f.rule for f in report.findings}
    assert "SIG-TEST-CERT" in rules
    assert "SIG-SIGNER-ID" not in rules
    assert all(f.severity is not Severity.FATAL for f in report.findings)


def test_as_dict_is_json_ready(signed_xml: bytes) -> None:
    data = verify(signed_xml).as_dict()
    round_trip = json.loads(json.dumps(data))
    assert round_trip["status"] == "valid"
    assert round_trip["signing_time"] == SIGNING_TIME.isoformat()
    assert round_trip["signer"]["tax_id"] == SELLER_322
    assert [r["ok"] for r in round_trip["references"]] == [True, True, True]
    assert round_trip["reason_es"].startswith("Firma válida")


def test_signer_other_than_seller_is_a_warning(stranger: Identity, unsigned_xml: bytes) -> None:
    signed = sign(unsigned_xml, key=stranger.key, certificate=stranger.cert)
    report = verify(signed)
    assert report.status is SignatureStatus.VALID
    assert report.signer_matches_invoice is False
    warning = next(f for f in report.findings if f.rule == "SIG-SIGNER-ID")
    assert warning.severity is Severity.WARNING
    assert "12345678Z" in warning.message and SELLER_322 in warning.message
    assert "12345678Z" in warning.message_es


@pytest.mark.parametrize("digest", ["sha256", "sha512"])
def test_both_digests_verify(digest: str, seller: Identity, unsigned_xml: bytes) -> None:
    signed = sign(unsigned_xml, key=seller.key, certificate=seller.cert, digest=digest)  # type: ignore[arg-type]
    report = verify(signed)
    assert report.is_valid
    assert report.signature_method.endswith(f"rsa-{digest}")


# --- tampering --------------------------------------------------------------------------


def _flip(data: bytes, index: int) -> bytes:
    """Replace the alphanumeric byte at ``index`` by another alphanumeric byte."""
    old = data[index : index + 1]
    new = b"7" if old != b"7" else b"3"
    if old.isalpha():
        new = b"Q" if old != b"Q" else b"R"
    return data[:index] + new + data[index + 1 :]


def _inside(data: bytes, start: bytes, end: bytes, offset: int = 0) -> int:
    """Index of an alphanumeric byte inside the first ``start``…``end`` span."""
    begin = data.index(start) + len(start)
    stop = data.index(end, begin)
    for index in range(begin + offset, stop):
        if data[index : index + 1].isalnum():
            return index
    raise AssertionError("no alphanumeric byte in span")


TAMPER_SPOTS = {
    "amount": (b"<InvoiceTotal>", b"</InvoiceTotal>", 0),
    "seller-name": (b"<CorporateName>", b"</CorporateName>", 2),
    "signing-time": (b"<xades:SigningTime>", b"</xades:SigningTime>", 3),
    "claimed-role": (b"<xades:ClaimedRole>", b"</xades:ClaimedRole>", 0),
    "certificate": (b"<ds:X509Certificate>", b"</ds:X509Certificate>", 400),
    "modulus": (b"<ds:Modulus>", b"</ds:Modulus>", 20),
    "signature-value": (b"<ds:SignatureValue", b"</ds:SignatureValue>", 120),
    "signed-info-digest": (b"<ds:DigestValue>", b"</ds:DigestValue>", 3),
}
EXPECTED_TARGET = {
    "amount": ReferenceTarget.DOCUMENT,
    "seller-name": ReferenceTarget.DOCUMENT,
    "signing-time": ReferenceTarget.SIGNED_PROPERTIES,
    "claimed-role": ReferenceTarget.SIGNED_PROPERTIES,
    "modulus": ReferenceTarget.KEY_INFO,
}


@pytest.mark.parametrize("spot", sorted(TAMPER_SPOTS))
def test_one_byte_change_is_detected(spot: str, signed_xml: bytes) -> None:
    start, end, offset = TAMPER_SPOTS[spot]
    tampered = _flip(signed_xml, _inside(signed_xml, start, end, offset))
    assert tampered != signed_xml
    report = verify(tampered)
    assert report.status is SignatureStatus.INVALID
    _assert_bilingual(report.findings)
    if spot in EXPECTED_TARGET:
        assert [r.target for r in report.failed_references] == [EXPECTED_TARGET[spot]]
        assert report.signature_value_ok is True
    if spot in ("signature-value", "signed-info-digest"):
        assert report.signature_value_ok is False
        assert "SIG-VALUE" in {f.rule for f in report.errors}


_SIGNATURE_TEXT = re.compile(rb"<ds:SignatureValue[^>]*>([^<]*)<")


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.data())
def test_random_one_byte_changes_are_never_valid(signed_xml: bytes, data: st.DataObject) -> None:
    """Any alphanumeric byte of the invoice or of a signed part of the signature."""
    sig_start = signed_xml.index(b"<ds:Signature ")
    spans = [
        (signed_xml.index(b"<fe:Facturae"), sig_start),
        (signed_xml.index(b"<ds:SignedInfo"), signed_xml.index(b"</ds:SignedInfo>")),
        (signed_xml.index(b"<ds:KeyInfo"), signed_xml.index(b"</ds:KeyInfo>")),
        (signed_xml.index(b"<xades:SignedProperties"), signed_xml.index(b"</xades:SignedProp")),
    ]
    begin, stop = data.draw(st.sampled_from(spans))
    index = data.draw(st.integers(min_value=begin, max_value=stop - 1))
    if not signed_xml[index : index + 1].isalnum():
        return
    try:
        report = verify(_flip(signed_xml, index))
    except ParseError:
        return
    assert report.status is not SignatureStatus.VALID


# --- odd and hostile signatures --------------------------------------------------------


def _replace_once(data: bytes, old: bytes, new: bytes) -> bytes:
    assert old in data
    return data.replace(old, new, 1)


def test_missing_certificate_is_invalid_not_a_crash(signed_xml: bytes) -> None:
    odd = re.sub(rb"<ds:X509Data>.*?</ds:X509Data>", b"", signed_xml, flags=re.S)
    report = verify(odd)
    assert report.status is SignatureStatus.INVALID
    assert "SIG-NO-CERT" in {f.rule for f in report.errors}


def test_unknown_signature_algorithm_is_invalid(signed_xml: bytes) -> None:
    odd = _replace_once(
        signed_xml,
        b"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
        b"http://example.org/rot13",
    )
    report = verify(odd)
    assert report.status is SignatureStatus.INVALID
    assert report.errors[0].rule == "SIG-ALGORITHM"
    assert "rot13" in report.reason("en")


def test_external_reference_is_refused_before_dereferencing(signed_xml: bytes) -> None:
    odd = _replace_once(signed_xml, b'URI=""', b'URI="file:///etc/passwd"')
    report = verify(odd)
    assert report.status is SignatureStatus.INVALID
    assert "SIG-REF-EXTERNAL" in {f.rule for f in report.errors}


def test_duplicate_ids_are_refused(signed_xml: bytes) -> None:
    ident = re.search(rb'<ds:KeyInfo Id="([^"]+)"', signed_xml)
    assert ident
    odd = _replace_once(signed_xml, b"<FileHeader>", b'<FileHeader Id="' + ident.group(1) + b'">')
    report = verify(odd)
    assert report.status is SignatureStatus.INVALID
    assert "SIG-DUPLICATE-ID" in {f.rule for f in report.errors}


def test_wrong_policy_is_invalid(seller: Identity, unsigned_xml: bytes) -> None:
    """Re-signed with a different policy digest: crypto is fine, the policy is not."""
    import einvoice.signing.xades as xades

    original = xades.POLICY_DIGEST_SHA1
    try:
        xades.POLICY_DIGEST_SHA1 = "AAAAAAAAAAAAAAAAAAAAAAAAAAA="  # type: ignore[misc]
        signed = sign(unsigned_xml, key=seller.key, certificate=seller.cert)
    finally:
        xades.POLICY_DIGEST_SHA1 = original  # type: ignore[misc]
    report = verify(signed)
    assert report.status is SignatureStatus.INVALID
    assert report.policy_ok is True and report.policy_digest_ok is False
    assert report.signature_value_ok is True
    assert report.errors[0].rule == "SIG-POLICY-DIGEST"


def test_malformed_xml_raises_parse_error() -> None:
    with pytest.raises(ParseError):
        verify(b"<fe:Facturae><unclosed></fe:Facturae>")
