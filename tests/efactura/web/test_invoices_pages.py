"""Invoice pages: form, live totals, lists, CSV, invoice page, lifecycle, import, isolation."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader
from tests.efactura.invoices import helpers as h

from efactura.invoices import services, storage
from efactura.invoices.choices import Route, Status
from efactura.invoices.models import Customer, Invoice, Series
from einvoice import formats

pytestmark = pytest.mark.django_db

IBAN = "ES9121000418450200051332"


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(make_company: Any, make_user: Any) -> dict[str, Any]:
    seller = h.company(make_company, "Suministros Levante, S.L.", h.SELLER_TAX_ID)
    buyer = h.company(make_company, "Hostelería Cantábrica, S.A.", h.BUYER_TAX_ID)
    outsider = h.company(make_company, "Talleres Nervión, S.L.", h.OUTSIDER_TAX_ID)
    # The form offers only series created in Set-up: one ordinary, one for corrections.
    Series.objects.create(company=seller, code="A")
    Series.objects.create(company=seller, code="R", is_corrective=True)
    return {
        "seller": seller,
        "buyer": buyer,
        "outsider": outsider,
        "seller_user": make_user("s@example.com", seller, language="en"),
        "buyer_user": make_user("b@example.com", buyer, role="accountant", language="en"),
        "viewer": make_user("v@example.com", buyer, role="viewer", language="en"),
        "outsider_user": make_user("o@example.com", outsider, language="en"),
    }


def _client(client: Any, user: Any) -> Any:
    client.force_login(user)
    return client


def form_data(lines: list[dict[str, str]] | None = None, **header: str) -> dict[str, str]:
    lines = lines or [
        {"name": "Café en grano 1 kg", "quantity": "3", "price": "18.50", "tax": "IVA-21"}
    ]
    data = {
        "series": "A",
        "issue_date": timezone.localdate().isoformat(),
        "customer_tax_id": "A39123450",
        "customer_name": "Hostelería Cantábrica, S.A.",
        "customer_email": "compras@hosteleria.example",
        "customer_address": "Paseo de Pereda, 20",
        "customer_postal_code": "39004",
        "customer_city": "Santander",
        "customer_province": "Cantabria",
        "customer_country": "ES",
        "due_date": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
        "payment_means": "58",
        "iban": IBAN,
        "withholding": "",
        "notes": "Entrega en el muelle 3.",
        "lines-TOTAL_FORMS": str(len(lines)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "500",
        "adj-TOTAL_FORMS": "0",
        "adj-INITIAL_FORMS": "0",
        "adj-MIN_NUM_FORMS": "0",
        "adj-MAX_NUM_FORMS": "20",
    }
    for i, line in enumerate(lines):
        for key, value in line.items():
            data[f"lines-{i}-{key}"] = value
    data.update(header)
    return data


def _issue(world: dict[str, Any], buyer_tax_id: str = h.BUYER_TAX_ID, **kwargs: Any) -> Invoice:
    return services.do_issue_invoice(
        company=world["seller"],
        actor=world["seller_user"],
        draft=h.draft(buyer_tax_id, **kwargs),
        series_code="A",
    )


# ---------------------------------------------------------------------------------------------
# The invoice form
# ---------------------------------------------------------------------------------------------


def test_issuing_from_the_form_delivers_to_the_customer(client: Any, world: dict[str, Any]) -> None:
    c = _client(client, world["seller_user"])
    assert c.get(reverse("web:invoice_new")).status_code == 200

    response = c.post(reverse("web:invoice_new"), form_data())

    assert response.status_code == 302, response.content.decode()[:3000]
    invoice = Invoice.objects.get()
    assert response.url == reverse("web:invoice", args=[invoice.pk])
    assert invoice.full_number == "A000001"
    assert invoice.total == Decimal("67.16")  # 55.50 + 21 % (11.66)
    assert invoice.recipient == world["buyer"] and invoice.route == Route.LOCAL
    canonical = services.canonical(invoice)
    assert canonical.payment.credit_transfers[0].account == IBAN
    assert canonical.notes[0].text == "Entrega en el muelle 3."
    customer = Customer.objects.get(company=world["seller"])
    assert customer.email == "compras@hosteleria.example" and customer.city == "Santander"
    page = c.get(response.url).content.decode()
    assert "A000001" in page and "Delivered on this platform" in page


def test_taxes_discounts_surcharge_and_withholding_reach_the_invoice(
    client: Any, world: dict[str, Any]
) -> None:
    c = _client(client, world["seller_user"])
    lines = [
        {
            "name": "Asesoría fiscal",
            "quantity": "1",
            "price": "100",
            "tax": "IVA-21",
            "discount": "10",
        },
        {"name": "Libro", "quantity": "2", "price": "25", "tax": "IVA-4"},
        {
            "name": "Formación",
            "quantity": "1",
            "price": "40",
            "tax": "IVA-E",
            "exemption_reason": "Exenta art. 20.Uno.9º Ley 37/1992",
        },
    ]
    data = form_data(lines, surcharge="on", withholding="15")
    data.update(
        {
            "adj-TOTAL_FORMS": "1",
            "adj-0-kind": "charge",
            "adj-0-reason": "Portes",
            "adj-0-amount": "10",
            "adj-0-tax": "IVA-21",
        }
    )
    response = c.post(reverse("web:invoice_new"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    doc = services.canonical(Invoice.objects.get())
    rows = {(r.tax_type.name, r.category.value, r.rate): r for r in doc.vat_breakdown}
    standard = rows[("IVA", "S", Decimal(21))]
    assert standard.taxable_amount == Decimal("100.00")  # 90 + 10 portes
    assert standard.surcharge_rate == Decimal("5.2") and standard.surcharge_amount == Decimal(
        "5.20"
    )
    assert rows[("IVA", "S", Decimal(4))].surcharge_amount == Decimal("0.25")
    exempt = rows[("IVA", "E", Decimal(0))]
    assert "art. 20" in exempt.exemption_reason
    assert doc.withholdings and doc.withholdings[0].rate == Decimal(15)


def test_a_bad_customer_tax_id_is_marked_on_its_field(client: Any, world: dict[str, Any]) -> None:
    c = _client(client, world["seller_user"])
    response = c.post(reverse("web:invoice_new"), form_data(customer_tax_id="B12345678"))
    assert response.status_code == 422
    html = response.content.decode()
    # On the field itself, and no banner naming an invoice number that was never issued.
    assert "The invoice was not issued" not in html and "A000001" not in html.split("<form")[1]
    field = html.split('id="id_customer_tax_id"')[1].split("</div>")[0]
    assert "check digit" in field and "B12345678" in field
    assert 'aria-invalid="true"' in html.split('id="id_customer_tax_id"')[1].split(">")[0]
    assert not Invoice.objects.exists()


def test_rule_violations_in_spanish(client: Any, world: dict[str, Any]) -> None:
    world["seller_user"].language = "es"
    world["seller_user"].save()
    c = _client(client, world["seller_user"])
    response = c.post(reverse("web:invoice_new"), form_data(customer_tax_id="B12345678"))
    html = response.content.decode()
    assert "no es válido" in html and "dígito o letra de control" in html


def test_form_errors_are_shown_next_to_the_fields(client: Any, world: dict[str, Any]) -> None:
    c = _client(client, world["seller_user"])
    lines = [{"name": "Exento", "quantity": "1", "price": "10", "tax": "IVA-E"}]
    response = c.post(reverse("web:invoice_new"), form_data(lines, iban=""))
    assert response.status_code == 422
    html = response.content.decode()
    assert "Give the IBAN for a bank transfer" in html
    assert "Say why the line is exempt" in html


def test_add_line_without_javascript(client: Any, world: dict[str, Any]) -> None:
    c = _client(client, world["seller_user"])
    data = form_data()
    data["add_line"] = "1"
    response = c.post(reverse("web:invoice_new"), data)
    assert response.status_code == 200
    assert 'name="lines-1-name"' in response.content.decode()
    assert not Invoice.objects.exists()


def test_live_preview_uses_the_totals_engine(client: Any, world: dict[str, Any]) -> None:
    c = _client(client, world["seller_user"])
    lines = [
        {"name": "A", "quantity": "1", "price": "100", "tax": "IVA-21"},
        {"name": "B", "quantity": "2", "price": "25", "tax": "IVA-10"},
        {"name": "", "quantity": "", "price": "", "tax": "IVA-21"},  # still being typed
    ]
    data = form_data(lines, surcharge="on", withholding="15")
    response = c.post(reverse("web:invoice_preview"), data)
    body = response.json()
    assert body["ok"] and body["lines_used"] == 2
    assert body["lines"] == ["100.00", "50.00"]
    # 150 + IVA (21 + 5) + RE (5.20 + 0.70) − IRPF 15 % (22.50)
    assert body["totals"] == {
        "lines": "150.00",
        "allowances": "0.00",
        "charges": "0.00",
        "net": "150.00",
        "taxes": "31.90",
        "withheld": "22.50",
        "total": "159.40",
        "payable": "159.40",
    }


def test_preview_explains_an_ambiguous_discount(client: Any, world: dict[str, Any]) -> None:
    c = _client(client, world["seller_user"])
    lines = [
        {"name": "A", "quantity": "1", "price": "100", "tax": "IVA-21"},
        {"name": "B", "quantity": "1", "price": "100", "tax": "IVA-10"},
    ]
    data = form_data(lines)
    data.update(
        {
            "adj-TOTAL_FORMS": "1",
            "adj-0-kind": "discount",
            "adj-0-reason": "Pronto pago",
            "adj-0-percent": "5",
            "adj-0-tax": "",
        }
    )
    body = c.post(reverse("web:invoice_preview"), data).json()
    assert not body["ok"] and body["violations"][0]["rule"] == "BR-32"


def test_customer_autocomplete_lists_only_my_customers(client: Any, world: dict[str, Any]) -> None:
    _issue(world)
    c = _client(client, world["seller_user"])
    results = c.get(reverse("web:customer_search"), {"q": "hostel"}).json()["results"]
    assert [r["tax_id"] for r in results] == ["ESA39123450"]
    assert results[0]["city"] == "Santander"
    other = _client(client, world["outsider_user"])
    assert other.get(reverse("web:customer_search"), {"q": "hostel"}).json()["results"] == []
    assert other.get(reverse("web:customer_search"), {"q": "A391"}).json()["results"] == []


def test_correct_this_invoice_prefills_and_issues_a_corrective(
    client: Any, world: dict[str, Any]
) -> None:
    original = _issue(world)
    c = _client(client, world["seller_user"])
    page = c.get(reverse("web:invoice_new"), {"corrects": original.pk}).content.decode()
    assert "Corrective invoice for A000001" in page
    assert 'value="Café en grano, 1 kg"' in page and 'value="ESA39123450"' in page
    data = form_data(
        [{"name": "Café en grano, 1 kg", "quantity": "3", "price": "17.00", "tax": "IVA-21"}],
        series="R",
        corrects=str(original.pk),
        correction_reason="10",
        correction_method="01",
        correction_details="Precio pactado 17,00",
    )
    response = c.post(reverse("web:invoice_new"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    corrective = Invoice.objects.get(series="R")
    assert corrective.is_corrective and corrective.corrects == original
    doc = services.canonical(corrective)
    assert doc.correction.reason_code == "10" and doc.correction.period is not None
    detail = c.get(reverse("web:invoice", args=[original.pk])).content.decode()
    assert "Corrected by" in detail and "R000001" in detail


def test_viewers_cannot_issue(client: Any, world: dict[str, Any]) -> None:
    c = _client(client, world["viewer"])
    assert c.get(reverse("web:invoice_new")).status_code == 403
    assert c.post(reverse("web:invoice_new"), form_data()).status_code == 403


# ---------------------------------------------------------------------------------------------
# Lists and CSV
# ---------------------------------------------------------------------------------------------


def test_lists_filter_search_sort_and_page(
    client: Any, world: dict[str, Any], settings: Any
) -> None:
    from efactura.web import views_invoices

    invoices = [_issue(world, lines=(("Item", "1", str(10 * (i + 1)), "21"),)) for i in range(5)]
    c = _client(client, world["seller_user"])
    page = c.get(reverse("web:issued")).content.decode()
    assert all(i.full_number in page for i in invoices)

    found = c.get(reverse("web:issued"), {"q": "A000003"}).content.decode()
    assert "A000003" in found and "A000002" not in found
    cheap = c.get(reverse("web:issued"), {"amount_max": "25"}).content.decode()
    assert "A000001" in cheap and "A000002" in cheap and "A000003" not in cheap
    services.do_accept_invoice(
        invoice=invoices[4], company=world["buyer"], actor=world["buyer_user"]
    )
    accepted = c.get(reverse("web:issued"), {"status": "accepted"}).content.decode()
    assert "A000005" in accepted and "A000004" not in accepted

    by_total = c.get(reverse("web:issued"), {"sort": "total"}).content.decode()
    assert by_total.index("A000001") < by_total.index("A000005")

    views_invoices.PAGE_SIZE, old = 2, views_invoices.PAGE_SIZE
    try:
        seen: list[str] = []
        url, params = reverse("web:issued"), {"sort": "total"}
        response = c.get(url, params)
        while True:
            context_rows = [r.number for r in response.context["rows"]]
            seen += context_rows
            next_url = response.context["next_url"]
            if not next_url:
                break
            response = c.get(url + next_url)
        assert seen == [i.full_number for i in invoices]
    finally:
        views_invoices.PAGE_SIZE = old


def test_payable_list_flags_overdue_payments(client: Any, world: dict[str, Any]) -> None:
    late = _issue(
        world,
        issue_date=timezone.localdate() - dt.timedelta(days=40),
        due_date=timezone.localdate() - dt.timedelta(days=10),
    )
    _issue(world)
    c = _client(client, world["buyer_user"])
    html = c.get(reverse("web:payable")).content.decode()
    assert html.count('class="row-overdue"') == 1
    assert "Payment overdue" in html and late.full_number in html


def test_csv_export_streams_the_filtered_list(client: Any, world: dict[str, Any]) -> None:
    for price in ("10", "20", "30"):
        _issue(world, lines=(("Item", "1", price, "21"),))
    c = _client(client, world["seller_user"])
    response = c.get(reverse("web:issued_csv"), {"amount_min": "20"})
    assert response.streaming
    assert response["Content-Disposition"].startswith("attachment;")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "Invoice number"
    assert sorted(r[0] for r in rows[1:]) == ["A000002", "A000003"]
    assert {r[8] for r in rows[1:]} == {"24.20", "36.30"}


# ---------------------------------------------------------------------------------------------
# The invoice page and its downloads
# ---------------------------------------------------------------------------------------------


def test_both_sides_see_the_same_invoice_and_opening_marks_it_read(
    client: Any, world: dict[str, Any]
) -> None:
    invoice = _issue(world)
    seller_view = _client(client, world["seller_user"]).get(
        reverse("web:invoice", args=[invoice.pk])
    )
    invoice.refresh_from_db()
    assert invoice.status == Status.RECEIVED  # the issuer opening it is not "read"
    html = seller_view.content.decode()
    for text in (
        "Suministros Levante, S.L.",
        "Hostelería Cantábrica, S.A.",
        "Café en grano, 1 kg",
        "Electronic signature",
        "Test seal",
        "Timeline",
        "FACe",
        "1200",
        "Peppol",
        "AB",
    ):
        assert text in html, text
    buyer_view = _client(client, world["buyer_user"]).get(reverse("web:invoice", args=[invoice.pk]))
    invoice.refresh_from_db()
    assert invoice.status == Status.READ
    assert "Read by the customer" in buyer_view.content.decode()
    assert "Report acceptance or rejection by" in buyer_view.content.decode()


def test_downloads(client: Any, world: dict[str, Any]) -> None:
    invoice = _issue(world)
    c = _client(client, world["buyer_user"])
    url = lambda kind: reverse("web:invoice_download", args=[invoice.pk, kind])  # noqa: E731
    original = c.get(url("original"))
    assert original.content == storage.read(invoice.documents.get())
    assert c.get(url("facturae")).content == original.content  # the signed original, as archived
    ubl = c.get(url("ubl"))
    assert formats.detect(ubl.content).format == "ubl"
    assert formats.detect(c.get(url("cii")).content).format == "cii"
    pdf = c.get(url("pdf"))
    assert pdf["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert (invoice.full_number in text and "67.16" in text) or "67,16" in text


def _with_other_tax(
    number: str, tax_type: Any, *, rate: str, amount: str, iva_base: str, iva: str
) -> Any:
    """100.00 of goods with IVA and one other Spanish tax (Facturae), as a foreign issuer's
    file."""
    plain = h.external_invoice(number, amount="100.00")
    vat = dataclasses.replace(
        plain.vat_breakdown[0], taxable_amount=Decimal(iva_base), tax_amount=Decimal(iva)
    )
    other = h.em.VatBreakdown(
        category=h.em.VatCategory.ZERO_RATED,
        rate=Decimal(rate),
        taxable_amount=Decimal("100.00"),
        tax_amount=Decimal(amount),
        tax_type=tax_type,
    )
    # Goods, the IVA base's extra (the other tax when it is in the base), IVA, and the other
    # tax when it is outside the base.
    in_base = Decimal(iva_base) != Decimal("100.00")
    total = Decimal(iva_base) + Decimal(iva) + (Decimal("0") if in_base else Decimal(amount))
    return dataclasses.replace(
        plain,
        vat_breakdown=(vat, other),
        totals=dataclasses.replace(
            plain.totals,
            vat_total=Decimal(iva) + Decimal(amount),
            tax_inclusive=total,
            payable=total,
        ),
    )


def _import(world: dict[str, Any], name: str, invoice: Any) -> Any:
    report = services.do_import_files(
        company=world["buyer"],
        actor=world["buyer_user"],
        files=[(name, formats.render("facturae", [invoice]))],
        direction="received",
    )
    assert report.imported, report.as_dict()
    return report.imported[0]


def test_a_tax_in_the_iva_base_travels_and_one_outside_it_names_what_cannot(
    client: Any, world: dict[str, Any]
) -> None:
    buyer = _client(client, world["buyer_user"])
    # Electricity tax (Facturae 07) is part of the IVA base (art. 78 LIVA): it travels to UBL
    # as a document-level charge that names it, so the VAT arithmetic still holds.
    electricity = _with_other_tax(
        "IE-77", h.em.TaxType.IE, rate="5.11269632", amount="5.11", iva_base="105.11", iva="22.07"
    )
    invoice = _import(world, "ie.xml", electricity)
    response = buyer.get(reverse("web:invoice_download", args=[invoice.pk, "ubl"]))
    assert response.status_code == 200
    assert "(Facturae 07)" in response.content.decode()
    # A tax outside any VAT base cannot be carried by EN 16931: the page names it.
    premiums = _with_other_tax(
        "IPS-78", h.em.TaxType.IPS, rate="10", amount="10.00", iva_base="100.00", iva="21.00"
    )
    invoice = _import(world, "ips.xml", premiums)
    response = buyer.get(reverse("web:invoice_download", args=[invoice.pk, "ubl"]))
    assert response.status_code == 422
    html = response.content.decode()
    assert "cannot be written as UBL" in html and "BT-118" in html


# ---------------------------------------------------------------------------------------------
# Lifecycle through the pages
# ---------------------------------------------------------------------------------------------


def test_accept_reject_pay_and_cancel_from_the_page(client: Any, world: dict[str, Any]) -> None:
    first, second, third = _issue(world), _issue(world), _issue(world)
    buyer = _client(client, world["buyer_user"])
    act = lambda inv, action, **data: buyer.post(  # noqa: E731
        reverse("web:invoice_action", args=[inv.pk, action]), data, follow=True
    )
    assert "is accepted" in act(first, "accept").content.decode()
    response = act(first, "pay", amount="30.00", date=timezone.localdate().isoformat())
    first.refresh_from_db()
    assert first.status == Status.PARTIALLY_PAID and first.paid_amount == Decimal("30.00")
    assert "Partially paid" in response.content.decode()

    refused = act(second, "reject", reason="")
    assert "Say why the invoice is rejected." in refused.content.decode()
    page = buyer.get(reverse("web:invoice", args=[second.pk])).content.decode()
    assert 'name="code"' in page  # the kind of problem travels as the Peppol reason code
    act(second, "reject", reason="No pedimos esto", code="PRI")
    second.refresh_from_db()
    assert second.status == Status.REJECTED
    assert second.rejection_code == "PRI"

    seller = client.__class__()
    seller.force_login(world["seller_user"])
    seller.post(reverse("web:invoice_action", args=[third.pk, "cancel"]), {"reason": "Duplicada"})
    act(third, "answer_cancellation", answer="accept")
    third.refresh_from_db()
    assert third.status == Status.CANCELLED
    timeline = seller.get(reverse("web:invoice", args=[third.pk])).content.decode()
    assert "Cancellation requested" in timeline and "Cancellation accepted" in timeline
    assert "Duplicada" in timeline
    # The issuer sees the customer's answers on its side too.
    issued = seller.get(reverse("web:issued")).content.decode()
    assert "Rejected" in issued and "Partially paid" in issued


def test_viewers_see_no_buttons_and_cannot_act(client: Any, world: dict[str, Any]) -> None:
    invoice = _issue(world)
    viewer = _client(client, world["viewer"])
    html = viewer.get(reverse("web:invoice", args=[invoice.pk])).content.decode()
    assert "What do you want to do?" not in html and "/accept/" not in html
    response = viewer.post(reverse("web:invoice_action", args=[invoice.pk, "accept"]))
    assert response.status_code == 403
    invoice.refresh_from_db()
    assert invoice.status == Status.READ  # opened (read) by the viewer, nothing more


def test_actions_need_post(client: Any, world: dict[str, Any]) -> None:
    invoice = _issue(world)
    buyer = _client(client, world["buyer_user"])
    assert buyer.get(reverse("web:invoice_action", args=[invoice.pk, "accept"])).status_code == 405


# ---------------------------------------------------------------------------------------------
# Tenant isolation
# ---------------------------------------------------------------------------------------------


def test_a_third_company_cannot_see_or_touch_the_invoice(
    client: Any, world: dict[str, Any]
) -> None:
    invoice = _issue(world)
    outsider = _client(client, world["outsider_user"])
    assert outsider.get(reverse("web:invoice", args=[invoice.pk])).status_code == 404
    for kind in ("pdf", "original", "facturae", "ubl", "cii"):
        response = outsider.get(reverse("web:invoice_download", args=[invoice.pk, kind]))
        assert response.status_code == 404, kind
    for action in ("accept", "reject", "pay", "cancel", "answer_cancellation"):
        response = outsider.post(
            reverse("web:invoice_action", args=[invoice.pk, action]),
            {
                "reason": "x",
                "amount": "1",
                "date": timezone.localdate().isoformat(),
                "answer": "accept",
            },
        )
        assert response.status_code == 404, action
    for name in ("web:issued", "web:payable"):
        for params in (
            {},
            {"q": invoice.full_number},
            {"q": h.BUYER_TAX_ID},
            {"party": "Hostelería"},
        ):
            html = outsider.get(reverse(name), params).content.decode()
            assert f">{invoice.full_number}</a>" not in html and str(invoice.pk) not in html
            assert "No invoices" in html
    for name in ("web:issued_csv", "web:payable_csv"):
        text = b"".join(outsider.get(reverse(name)).streaming_content).decode("utf-8-sig")
        assert invoice.full_number not in text
    assert outsider.get(reverse("web:invoice_new"), {"corrects": invoice.pk}).status_code == 404
    invoice.refresh_from_db()
    assert invoice.status == Status.RECEIVED


# ---------------------------------------------------------------------------------------------
# Import
# ---------------------------------------------------------------------------------------------


def test_import_page_reports_each_file_and_invoice(client: Any, world: dict[str, Any]) -> None:
    c = _client(client, world["buyer_user"])
    good = formats.render("facturae", [h.external_invoice("EXT-1")])
    upload = [
        SimpleUploadedFile("EXT-1.xml", good, content_type="text/xml"),
        SimpleUploadedFile("nota.xml", b"<nota/>", content_type="text/xml"),
    ]
    response = c.post(reverse("web:import"), {"direction": "received", "files": upload})
    assert response.status_code == 200
    html = response.content.decode()
    invoice = Invoice.objects.get(full_number="EXT-1")
    assert reverse("web:invoice", args=[invoice.pk]) in html
    assert "DOC-UNKNOWN" in html and "nota.xml" in html
    assert "1 invoice imported" in html

    again = c.post(
        reverse("web:import"),
        {"direction": "received", "files": [SimpleUploadedFile("copia.xml", good)]},
    ).content.decode()
    assert "Duplicate" in again and reverse("web:invoice", args=[invoice.pk]) in again
    payable = c.get(reverse("web:payable")).content.decode()
    assert "EXT-1" in payable


def test_import_without_files_explains(client: Any, world: dict[str, Any]) -> None:
    c = _client(client, world["buyer_user"])
    response = c.post(reverse("web:import"), {"direction": "received"})
    assert response.status_code == 422
    assert "This field is required." in response.content.decode()


def test_viewers_cannot_import(client: Any, world: dict[str, Any]) -> None:
    c = _client(client, world["viewer"])
    assert (
        "lets you read invoices but not import them"
        in c.get(reverse("web:import")).content.decode()
    )
    data = formats.render("facturae", [h.external_invoice("EXT-2")])
    response = c.post(
        reverse("web:import"),
        {"direction": "received", "files": [SimpleUploadedFile("a.xml", data)]},
    )
    assert response.status_code == 403
