"""Every page a supplier's administrator and a customer reach, at phone width (390 px) and at
desktop width (1280 px): nothing makes the page scroll sideways, and no element sticks out of
the viewport unless it sits in a deliberate horizontal scroll region (a wide table in an
``overflow-x: auto`` wrapper) — and even then the page itself does not scroll.

Debian's chromium through Playwright over the demo data (``efactura demo``), plus what the demo
does not hold: an import report with errors, a payment order and a long HTML email in the mail
outbox.  ``EFACTURA_LAYOUT_SHOTS=DIR`` also photographs every page checked into ``DIR``.
"""

from __future__ import annotations

import os
import re
from typing import Any

import pytest
from tests.browser.test_main_pages import CUSTOMER_EMAIL, SUPPLIER_EMAIL, _log_in
from tests.browser.test_main_pages import demo as demo  # the fixture

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

WIDTHS = (390, 1280)

OVERFLOW = """() => {
  const root = document.documentElement;
  const width = root.clientWidth;
  const found = [];
  if (root.scrollWidth > width) {
    found.push(`the page scrolls sideways (${root.scrollWidth} > ${width} px)`);
  }
  const scrolls = (el) => {
    const x = getComputedStyle(el).overflowX;
    return x === "auto" || x === "scroll" || x === "hidden" || x === "clip";
  };
  const describe = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + (el.classList.length ? "." + [...el.classList].join(".") : "");
  const sticksOut = (el) => {
    const r = el.getBoundingClientRect();
    return (r.width > 0 || r.height > 0) && r.right > width + 1;
  };
  for (const el of document.body.querySelectorAll("*")) {
    // Closed menus and disclosures are not rendered: nothing of them can stick out.
    if (!sticksOut(el) || !el.checkVisibility({visibilityProperty: true})) { continue; }
    if (el.parentElement && el.parentElement !== document.body && sticksOut(el.parentElement)) {
      continue;  // report the outermost element only
    }
    let contained = false;
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (scrolls(p) && !sticksOut(p)) { contained = true; break; }
    }
    // A scroll region holds an absolutely placed descendant only if it is its containing
    // block: when the page scrolls anyway, name every element sticking out.
    if (!contained || root.scrollWidth > width) {
      found.push(`${describe(el)} ends at ${Math.round(el.getBoundingClientRect().right)} px`);
    }
  }
  return found.slice(0, 8);
}"""


def _fixtures() -> dict[str, str]:
    """Objects the demo does not hold: a payment order, a long HTML email, ids of invoices."""
    import datetime as dt

    from efactura.demo import CUSTOMER, SUPPLIER
    from efactura.invoices.models import Invoice
    from efactura.notifications.models import OutboxEmail
    from efactura.payments import selectors as payment_selectors
    from efactura.payments.services import do_create_payment_order

    issued = (
        Invoice.objects.filter(seller_tax_id=SUPPLIER.tax_id, route="local")
        .order_by("-issue_date", "full_number")
        .first()
    )
    assert issued is not None and issued.recipient is not None
    customer = issued.recipient
    assert customer.tax_id == CUSTOMER.tax_id
    received = Invoice.objects.filter(recipient=customer).order_by("-issue_date").first()
    assert received is not None
    candidates = list(payment_selectors.list_payable_candidates(company=customer))
    assert candidates, "the demo customer has nothing to pay"
    account = payment_selectors.default_bank_account(company=customer)
    assert account is not None
    member = customer.memberships.filter(role="admin").select_related("user").first()
    assert member is not None
    order = do_create_payment_order(
        company=customer,
        actor=member.user,
        invoice_ids=[str(candidates[0].pk)],
        account=account,
        execution_date=dt.date.today(),
        source="web",
    )
    rows = "".join(
        f"<p>Línea {n}: una frase larga de un correo de notificación con un enlace "
        f"https://efactura.example/invoices/{issued.pk}/download/pdf/?una=consulta-muy-larga</p>"
        for n in range(80)
    )
    email = OutboxEmail.objects.create(
        from_email="efactura@example.test",
        to=[SUPPLIER_EMAIL, CUSTOMER_EMAIL],
        subject="Factura pendiente de registro — un asunto largo para probar el ancho",
        text="Texto\n" + "https://efactura.example/" + "x" * 200,
        html=f"<html><body style='font-family:sans-serif'>{rows}<p id='last'>FIN</p></body></html>",
    )
    from efactura.imports.services import do_start_import

    supplier_admin = issued.issuer.memberships.filter(role="admin").select_related("user").first()
    assert supplier_admin is not None
    job = do_start_import(
        company=issued.issuer,
        actor=supplier_admin.user,
        files=[("nota-de-entrega-sin-formato-reconocible.xml", b"<nota/>")],
        direction="issued",
        source="web",
    )
    return {
        "job": str(job.pk),
        "issued": str(issued.pk),
        "received": str(received.pk),
        "order": str(order.pk),
        "email": str(email.pk),
    }


def supplier_pages(ids: dict[str, str]) -> list[str]:
    """Every page of the supplier's administrator (besides the import report, made live)."""
    return [
        "/",
        "/payable/",
        "/issued/",
        f"/invoices/{ids['issued']}/",
        "/issued/new/",
        f"/issued/new/?corrects={ids['issued']}",
        "/import/",
        f"/import/{ids['job']}/",
        "/setup/notifications/",
        "/setup/codes/",
        "/setup/api-keys/",
        "/setup/webhooks/",
        "/setup/certificates/",
        "/setup/verifactu/",
        "/setup/series/",
        "/setup/bank-accounts/",
        "/help/",
        "/outbox/",
        f"/outbox/{ids['email']}/",
    ]


def customer_pages(ids: dict[str, str]) -> list[str]:
    return [
        "/",
        "/payable/",
        "/issued/",
        f"/invoices/{ids['received']}/",
        "/payable/pay/",
        f"/payable/payment-orders/{ids['order']}/",
        "/setup/bank-accounts/",
        "/outbox/",
        f"/outbox/{ids['email']}/",
    ]


ANONYMOUS_PAGES = ["/accounts/login/", "/accounts/password-reset/", "/register/"]


def _import_with_errors(page: Any, base: str, tmp_path: Any) -> None:
    """Upload a file that is no invoice and an invoice breaking the rules: the report lists
    both, with their rule ids and long locations."""
    from tests.efactura.invoices import helpers as h

    from einvoice import formats

    bad = formats.render("facturae", [h.external_invoice("EXT-LARGO-000001")])
    bad = bad.replace(b"<TaxIdentificationNumber>", b"<TaxIdentificationNumber>ZZ", 1)
    (tmp_path / "factura-con-un-nombre-de-fichero-muy-largo-sin-espacios.xml").write_bytes(bad)
    (tmp_path / "nota.xml").write_bytes(b"<nota/>")
    page.goto(f"{base}/import/")
    page.locator("input[type=file]").set_input_files(
        [
            str(tmp_path / "factura-con-un-nombre-de-fichero-muy-largo-sin-espacios.xml"),
            str(tmp_path / "nota.xml"),
        ]
    )
    page.locator("form:has(input[type=file]) button[type=submit]").click()
    page.locator(".file-report").first.wait_for()
    page.locator("[data-tech-toggle]").first.click()  # show the rule ids: the wider case


def test_no_page_scrolls_sideways(
    browser: Any, live_server: Any, demo: dict[str, str], settings: Any, tmp_path: Any
) -> None:
    settings.EMAIL_OUTBOX_ENABLED = True
    ids = _fixtures()
    base = live_server.url
    problems: list[str] = []

    shots = os.environ.get("EFACTURA_LAYOUT_SHOTS")

    def check(page: Any, label: str) -> None:
        page.wait_for_load_state("load")
        problems.extend(f"{label}: {p}" for p in page.evaluate(OVERFLOW))
        if shots:
            name = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")[:90]
            page.screenshot(path=f"{shots}/{name}.png", full_page=True)

    for width in WIDTHS:
        for email, paths in (
            (SUPPLIER_EMAIL, supplier_pages(ids)),
            (CUSTOMER_EMAIL, customer_pages(ids)),
        ):
            context = browser.new_context(locale="es-ES", viewport={"width": width, "height": 900})
            page = context.new_page()
            _log_in(page, base, email, demo[email])
            for path in paths:
                page.goto(base + path)
                check(page, f"{path} as {email} at {width} px")
            if email == SUPPLIER_EMAIL:
                page.goto(base + "/")
                page.locator(".has-menu summary").click()  # the Tools menu, open
                page.locator(".submenu").wait_for()
                check(page, f"the Tools menu at {width} px")
                page.goto(f"{base}/issued/new/")
                page.locator("form.invoice-form button[type=submit]").last.click()
                page.locator(".callout-error").first.wait_for()
                check(page, f"the new-invoice form refused at {width} px")
                _import_with_errors(page, base, tmp_path)
                check(page, f"import report at {width} px")
            context.close()
        context = browser.new_context(locale="es-ES", viewport={"width": width, "height": 900})
        page = context.new_page()
        for path in ANONYMOUS_PAGES:
            page.goto(base + path)
            check(page, f"{path} at {width} px")
        context.close()
    assert problems == [], "\n".join(problems)
