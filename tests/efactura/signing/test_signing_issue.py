"""Issuing signs the Facturae following the company's policy; the signatures pass xmlsec1;
an imported signed file is archived and served byte for byte."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from tests.efactura.signing.conftest import (
    P12_PASSWORD,
    UNSIGNED_322,
    cert_pem,
    certificate_pem,
    xmlsec1_verify,
)

from efactura.audit.models import AuditEntry
from efactura.invoices import selectors as invoice_selectors
from efactura.invoices import storage
from efactura.invoices.models import Invoice
from efactura.signing.choices import Policy
from efactura.signing.selectors import signature_summary
from efactura.signing.services import (
    SigningRefused,
    do_set_policy,
    do_upload_certificate,
    generated_seal_path,
    platform_seal,
)
from einvoice import formats, totals
from einvoice.signing import certs, make_test_certificate, sign
from einvoice.signing.verify import verify

MakeP12 = Callable[..., bytes]


def original_bytes(invoice: Invoice) -> bytes:
    document = invoice_selectors.original_document(invoice=invoice)
    assert document is not None
    return storage.read(document)


def test_first_start_signs_with_a_generated_test_seal(
    issue: Callable[..., Invoice], tmp_path: Path
) -> None:
    assert not generated_seal_path().exists()
    invoice = issue()
    assert generated_seal_path().exists()  # made on first use, in the data folder
    assert oct(generated_seal_path().stat().st_mode & 0o777) == "0o600"
    signed = original_bytes(invoice)
    report = verify(signed)
    assert report.is_valid and report.signer_role == "tercero"
    seal = platform_seal()
    assert report.signer is not None and report.signer.is_test
    assert report.signer.sha256 == certs.certificate_info(seal.certificate).sha256
    result = xmlsec1_verify(signed, cert_pem(seal.certificate, tmp_path), tmp_path)
    assert result.returncode == 0, result.stderr
    assert "OK" in result.stdout + result.stderr
    # The invoice remembers it was sealed by the platform with a TEST seal.
    summary = signature_summary(invoice.signature)
    assert summary is not None and summary.is_valid and summary.platform_seal and summary.is_test
    with translation.override("en"):
        assert summary.label == "Signed — TEST seal, not legally valid"
        assert summary.tone == "warning"


def test_the_seal_is_generated_once_and_reused(issue: Callable[..., Invoice]) -> None:
    first = verify(original_bytes(issue()))
    second = verify(original_bytes(issue()))
    assert first.signer and second.signer and first.signer.sha256 == second.signer.sha256


def test_issuing_with_the_companys_own_certificate_passes_xmlsec1(
    supplier: Any,
    supplier_user: Any,
    issue: Callable[..., Invoice],
    make_p12: MakeP12,
    tmp_path: Path,
) -> None:
    p12 = make_p12("SUMINISTROS LEVANTE SL", "B98765431")
    do_upload_certificate(company=supplier, actor=supplier_user, p12=p12, password=P12_PASSWORD)
    invoice = issue()
    signed = original_bytes(invoice)
    result = xmlsec1_verify(signed, certificate_pem(p12, P12_PASSWORD, tmp_path), tmp_path)
    assert result.returncode == 0, result.stderr
    report = verify(signed)
    assert report.is_valid and report.signer_role == "emisor"
    assert report.signer_matches_invoice is True  # the certificate names the seller
    assert invoice.signature["signed_with"]["kind"] == "own"
    # Trusting a different certificate, xmlsec1 refuses: the check is real.
    other = tmp_path / "other"
    other.mkdir()
    _key, stranger = make_test_certificate("OTRA EMPRESA SL", "B12345674")
    refused = xmlsec1_verify(signed, cert_pem(stranger, other), other)
    assert refused.returncode != 0
    # One changed byte in the amounts breaks it.
    tampered = signed.replace(b"<InvoiceTotal>", b"<InvoiceTotal>1", 1)
    assert tampered != signed
    assert (
        xmlsec1_verify(tampered, certificate_pem(p12, P12_PASSWORD, tmp_path), tmp_path).returncode
        != 0
    )


def test_refuse_policy_blocks_issuing_with_a_clear_message(
    supplier: Any, supplier_user: Any, issue: Callable[..., Invoice]
) -> None:
    do_set_policy(company=supplier, actor=supplier_user, policy=Policy.REFUSE)
    with translation.override("en"), pytest.raises(SigningRefused) as caught:
        issue()
    message = caught.value.messages[0]
    assert "not to issue invoices without its own certificate" in message
    assert "Tools › Set-up › Certificates" in message
    assert not Invoice.objects.exists()
    assert not AuditEntry.objects.filter(action="invoices.invoice.issued").exists()


def test_own_policy_with_an_expired_certificate_blocks_issuing(
    supplier: Any, supplier_user: Any, issue: Callable[..., Invoice], make_p12: MakeP12
) -> None:
    certificate = do_upload_certificate(
        company=supplier, actor=supplier_user, p12=make_p12(), password=P12_PASSWORD
    )
    from django.utils import timezone

    type(certificate).objects.filter(pk=certificate.pk).update(
        not_after=timezone.now() - timezone.timedelta(days=2)
    )
    with translation.override("en"), pytest.raises(SigningRefused) as caught:
        issue()
    assert caught.value.code == "expired"
    assert "SUMINISTROS LEVANTE SL" in caught.value.messages[0]
    assert "expired on" in caught.value.messages[0]
    assert not Invoice.objects.exists()


def test_policy_switching(
    supplier: Any, supplier_user: Any, issue: Callable[..., Invoice], make_p12: MakeP12
) -> None:
    with pytest.raises(ValidationError) as caught:
        do_set_policy(company=supplier, actor=supplier_user, policy=Policy.OWN)
    assert caught.value.code == "no_certificate"
    with pytest.raises(ValidationError):
        do_set_policy(company=supplier, actor=supplier_user, policy="anything")

    do_upload_certificate(
        company=supplier, actor=supplier_user, p12=make_p12(), password=P12_PASSWORD
    )
    assert verify(original_bytes(issue())).signer_role == "emisor"

    assert do_set_policy(company=supplier, actor=supplier_user, policy=Policy.SEAL) is True
    assert do_set_policy(company=supplier, actor=supplier_user, policy=Policy.SEAL) is False
    assert verify(original_bytes(issue())).signer_role == "tercero"

    assert do_set_policy(company=supplier, actor=supplier_user, policy=Policy.OWN) is True
    assert verify(original_bytes(issue())).signer_role == "emisor"
    changes = AuditEntry.objects.filter(action="signing.policy.changed").order_by("pk")
    assert [e.data["policy"] for e in changes] == ["seal", "own"]


def test_an_imported_signed_file_is_kept_and_served_byte_for_byte(
    make_company: Any, make_user: Any, client: Any, tmp_path: Path
) -> None:
    """The buyer imports a supplier's signed Facturae; the original it downloads is the very
    file uploaded and still passes xmlsec1."""
    buyer = make_company("Comprador Ejemplo, S.L.", tax_id="B12345674")
    user = make_user("compras@example.com", buyer)
    key, cert = make_test_certificate("EMPRESA EJEMPLO SA", "B28015865")
    # The corpus invoice with recomputed totals, in an odd but legal layout (CRLF line ends)
    # that any re-serialisation would change.
    draft = formats.parse(UNSIGNED_322.read_bytes()).invoices[0]
    unsigned = formats.render("facturae", [totals.compute(draft)]).replace(b"\n", b"\r\n")
    signed = sign(unsigned, key=key, certificate=cert)
    client.force_login(user)
    response = client.post(
        reverse("web:import"),
        {"direction": "received", "files": [SimpleUploadedFile("proveedor.xsig", signed)]},
    )
    assert response.status_code in (200, 302), response.content[:500]
    invoice = Invoice.objects.get(recipient=buyer)
    assert invoice.signature["status"] == "valid"
    download = client.get(
        reverse("web:invoice_download", kwargs={"invoice_id": invoice.pk, "kind": "original"})
    )
    assert download.status_code == 200
    served = b"".join(download.streaming_content) if download.streaming else download.content
    assert served == signed
    result = xmlsec1_verify(served, cert_pem(cert, tmp_path), tmp_path)
    assert result.returncode == 0, result.stderr


def test_an_imported_unsigned_issued_file_is_signed_by_policy(
    supplier: Any, supplier_user: Any, client: Any, tmp_path: Path
) -> None:
    """An unsigned Facturae the company imports as issued gets signed (the seal here) and
    the signed version is the original; the upload is kept too."""
    seller = supplier
    draft = formats.parse(UNSIGNED_322.read_bytes()).invoices[0]
    xml = formats.render("facturae", [totals.compute(draft)]).replace(
        b"B28015865", seller.tax_id[2:].encode()
    )
    client.force_login(supplier_user)
    response = client.post(
        reverse("web:import"),
        {"direction": "issued", "files": [SimpleUploadedFile("emitida.xml", xml)]},
    )
    assert response.status_code in (200, 302)
    invoice = Invoice.objects.get(issuer=seller)
    signed = original_bytes(invoice)
    assert signed != xml and verify(signed).is_valid
    seal = platform_seal()
    assert xmlsec1_verify(signed, cert_pem(seal.certificate, tmp_path), tmp_path).returncode == 0
