"""Importing files: batches, zips, duplicates, rejected invoices, signed and unsigned originals."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Any

import pytest
from tests.corpus import CORPUS
from tests.efactura.invoices import helpers as h

from efactura.audit.models import AuditEntry
from efactura.invoices import services, storage
from efactura.invoices.choices import Origin, Route, Status, Transport
from efactura.invoices.models import Document, Event, Invoice
from einvoice import formats
from einvoice.signing import certs, xades

pytestmark = pytest.mark.django_db

BATCH_SAMPLE = CORPUS / "facturae" / "samples" / "omeuid" / "Facturae-3.2.2-lote-valid.xml"
BATCH_BUYER = "B12345674"


@pytest.fixture
def seller(make_company: Any) -> Any:
    return h.company(make_company, "Suministros Levante, S.L.", h.SELLER_TAX_ID)


@pytest.fixture
def buyer(make_company: Any) -> Any:
    return h.company(make_company, "Hostelería Cantábrica, S.A.", h.BUYER_TAX_ID)


@pytest.fixture
def buyer_user(make_user: Any, buyer: Any) -> Any:
    return make_user("cliente@example.com", buyer, role="accountant")


@pytest.fixture
def seller_user(make_user: Any, seller: Any) -> Any:
    return make_user("proveedor@example.com", seller, role="admin")


def _import(company: Any, user: Any, files: list[tuple[str, bytes]], direction: str) -> Any:
    return services.do_import_files(company=company, actor=user, files=files, direction=direction)


def _counts() -> tuple[int, int, int, int]:
    return (
        Invoice.objects.count(),
        Document.objects.count(),
        Event.objects.count(),
        AuditEntry.objects.filter(action="invoices.invoice.imported").count(),
    )


def test_a_batch_lands_in_the_buyers_inbox_with_the_file_kept_whole(
    make_company: Any, make_user: Any
) -> None:
    company = make_company("Comprador del lote, S.L.", tax_id=BATCH_BUYER)
    user = make_user("lote@example.com", company)
    data = BATCH_SAMPLE.read_bytes()

    report = _import(company, user, [("lote.xml", data)], "received")

    assert report.ok, report.as_dict()
    assert [i.number for f in report.files for i in f.invoices] == ["A1", "A2"]
    imported = report.imported
    assert len(imported) == 2
    for index, invoice in enumerate(sorted(imported, key=lambda i: i.full_number)):
        assert invoice.recipient == company and invoice.issuer is None
        assert invoice.origin == Origin.IMPORTED_RECEIVED
        assert invoice.status == Status.RECEIVED and invoice.transport == Transport.DELIVERED
        assert invoice.response_due is not None
        document = invoice.documents.get(role=Document.Role.ORIGINAL)
        assert document.batch_index == index
        assert storage.read(document) == data


def test_a_zip_reports_each_entry(buyer: Any, buyer_user: Any) -> None:
    facturae = formats.render("facturae", [h.external_invoice("EXT-1")])
    ubl = formats.render("ubl", [h.external_invoice("EXT-2", amount="250.00")])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("facturas/EXT-1.xml", facturae)
        archive.writestr("facturas/EXT-2.xml", ubl)
        archive.writestr("facturas/notas.xml", b"<notes><note>hola</note></notes>")
        archive.writestr("facturas/otro.zip", b"PK\x03\x04")

    report = _import(buyer, buyer_user, [("enero.zip", buffer.getvalue())], "received")

    by_name = {f.filename: f for f in report.files}
    assert set(by_name) == {
        "enero.zip/facturas/EXT-1.xml",
        "enero.zip/facturas/EXT-2.xml",
        "enero.zip/facturas/notas.xml",
        "enero.zip/facturas/otro.zip",
    }
    assert by_name["enero.zip/facturas/EXT-1.xml"].ok
    assert by_name["enero.zip/facturas/EXT-1.xml"].format == "facturae"
    assert by_name["enero.zip/facturas/EXT-2.xml"].ok
    assert by_name["enero.zip/facturas/EXT-2.xml"].format == "ubl"
    assert by_name["enero.zip/facturas/notas.xml"].violations[0].rule == "DOC-UNKNOWN"
    assert by_name["enero.zip/facturas/otro.zip"].violations[0].rule == "IMPORT-ZIP-NESTED"
    assert sorted(i.full_number for i in report.imported) == ["EXT-1", "EXT-2"]
    assert report.rejected_count == 2


def test_the_same_invoice_twice_is_refused_with_a_link_to_the_first(
    buyer: Any, buyer_user: Any
) -> None:
    data = formats.render("facturae", [h.external_invoice("EXT-7")])
    first = _import(buyer, buyer_user, [("a.xml", data)], "received").imported[0]

    again = _import(buyer, buyer_user, [("copia.xml", data)], "received")
    item = again.files[0].invoices[0]
    assert item.outcome == "duplicate"
    assert item.duplicate_of == first
    assert item.violations[0].rule == "IMPORT-DUPLICATE"
    assert Invoice.objects.filter(seller_tax_id="ES" + h.EXTERNAL_SUPPLIER_TAX_ID).count() == 1

    # The same content in another format is the same invoice too.
    as_ubl = formats.render("ubl", [h.external_invoice("EXT-7")])
    third = _import(buyer, buyer_user, [("copia.ubl.xml", as_ubl)], "received")
    assert third.files[0].invoices[0].outcome == "duplicate"


def test_a_duplicate_of_another_companys_invoice_does_not_reveal_it(
    buyer: Any, buyer_user: Any, make_company: Any, make_user: Any
) -> None:
    data = formats.render("facturae", [h.external_invoice("EXT-9")])
    _import(buyer, buyer_user, [("a.xml", data)], "received")
    other = make_company("Otra, S.L.", tax_id=h.OUTSIDER_TAX_ID)
    other_user = make_user("otra@example.com", other)
    tampered = formats.render(
        "facturae", [h.external_invoice("EXT-9", buyer_tax_id="ES" + h.OUTSIDER_TAX_ID)]
    )
    item = _import(other, other_user, [("b.xml", tampered)], "received").files[0].invoices[0]
    assert item.outcome == "duplicate"
    assert item.duplicate_of is None  # no link to an invoice the company may not see
    assert "already registered on the platform" in item.violations[0].message


def test_a_rejected_invoice_leaves_no_trace(buyer: Any, buyer_user: Any) -> None:
    good = formats.render("facturae", [h.external_invoice("EXT-20")]).decode()
    # Make the stated invoice total disagree with the lines (121.00 → 131.00).
    bad = good.replace("<InvoiceTotal>121.00</InvoiceTotal>", "<InvoiceTotal>131.00</InvoiceTotal>")
    assert bad != good
    before = _counts()

    report = _import(buyer, buyer_user, [("mal.xml", bad.encode())], "received")

    assert not report.ok and report.imported == []
    rules = {v.rule for f in report.files for v in f.violations} | {
        v.rule for f in report.files for i in f.invoices for v in i.violations
    }
    assert rules, report.as_dict()
    assert _counts() == before


def test_a_batch_with_one_refused_invoice_imports_the_others(buyer: Any, buyer_user: Any) -> None:
    earlier = h.external_invoice("EXT-31")
    first = _import(
        buyer, buyer_user, [("EXT-31.xml", formats.render("facturae", [earlier]))], "received"
    ).imported[0]
    data = formats.render("facturae", [h.external_invoice("EXT-30"), earlier])

    report = _import(buyer, buyer_user, [("lote.xml", data)], "received")

    outcomes = {i.number: i for i in report.files[0].invoices}
    assert outcomes["EXT-30"].outcome == "imported"
    assert outcomes["EXT-31"].outcome == "duplicate"
    assert outcomes["EXT-31"].duplicate_of == first
    assert Invoice.objects.filter(full_number="EXT-31").count() == 1
    assert report.rejected_count == 1


def _signed_external(number: str) -> bytes:
    key, cert = certs.make_test_certificate(
        "Distribuciones Externas", h.EXTERNAL_SUPPLIER_TAX_ID, days=30
    )
    unsigned = formats.render("facturae", [h.external_invoice(number)])
    return xades.sign(
        unsigned,
        key=key,
        certificate=cert,
        signing_time=dt.datetime.now(dt.UTC).replace(microsecond=0),
    )


def test_a_signed_file_is_archived_byte_for_byte(buyer: Any, buyer_user: Any) -> None:
    data = _signed_external("EXT-40")

    report = _import(buyer, buyer_user, [("EXT-40.xsig", data)], "received")

    assert report.ok, report.as_dict()
    invoice = report.imported[0]
    documents = list(invoice.documents.all())
    assert [d.role for d in documents] == [Document.Role.ORIGINAL]
    assert documents[0].signed
    assert storage.read(documents[0]) == data
    assert invoice.signature["status"] == "valid"


def test_a_signed_file_altered_after_signing_is_refused(buyer: Any, buyer_user: Any) -> None:
    data = _signed_external("EXT-41").replace(
        b"Servicio de mantenimiento", b"Servicio de mantenimientO"
    )
    before = _counts()
    report = _import(buyer, buyer_user, [("EXT-41.xsig", data)], "received")
    assert report.files[0].violations[0].rule == "SIG-INVALID"
    assert _counts() == before


def test_an_unsigned_issued_invoice_is_signed_and_delivered(
    seller: Any, seller_user: Any, buyer: Any
) -> None:
    own = h.external_invoice(
        "F-2026-0001",
        seller_tax_id="ES" + h.SELLER_TAX_ID,
        buyer_tax_id="ES" + h.BUYER_TAX_ID,
    )
    raw = formats.render("facturae", [own])

    report = _import(seller, seller_user, [("F-2026-0001.xml", raw)], "issued")

    assert report.ok, report.as_dict()
    invoice = report.imported[0]
    assert invoice.origin == Origin.IMPORTED_ISSUED and invoice.issuer == seller
    original = invoice.documents.get(role=Document.Role.ORIGINAL)
    uploaded = invoice.documents.get(role=Document.Role.UPLOADED)
    signed_bytes = storage.read(original)
    assert original.signed and b"SignatureValue" in signed_bytes and signed_bytes != raw
    assert storage.read(uploaded) == raw
    assert invoice.signature["status"] == "valid"
    # Local delivery: the buyer is on the platform, so it is in its inbox at once.
    assert invoice.recipient == buyer and invoice.route == Route.LOCAL
    assert invoice.transport == Transport.DELIVERED


def test_importing_someone_elses_invoice_as_issued_is_refused(
    seller: Any, seller_user: Any
) -> None:
    data = formats.render("facturae", [h.external_invoice("EXT-50")])
    report = _import(seller, seller_user, [("x.xml", data)], "issued")
    assert report.files[0].invoices[0].violations[0].rule == "IMPORT-NOT-SELLER"
    assert not Invoice.objects.exists()


def test_viewers_cannot_import(buyer: Any, make_user: Any) -> None:
    from django.core.exceptions import PermissionDenied

    viewer = make_user("lector@example.com", buyer, role="viewer")
    data = formats.render("facturae", [h.external_invoice("EXT-60")])
    with pytest.raises(PermissionDenied):
        _import(buyer, viewer, [("x.xml", data)], "received")
