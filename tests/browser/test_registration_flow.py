"""The whole two-code registration in a real browser, with a real SMTP server.

The supplier issues an invoice from the web form to a tax ID nobody has registered; the
invitation email (received by aiosmtpd, parsed like a mail client) carries code A and the
registration link; the supplier generates code B under Manage codes; the customer opens the
link in another browser, registers with both codes and finds the invoice in Invoices payable;
the supplier's timeline shows the invoice delivered.  Screenshots land in the test's tmp folder.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.efactura.notifications.smtp_support import SmtpServer, parts

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CODE_RE = re.compile(r"\b([A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4})\b")
SHOTS = os.environ.get("EFACTURA_SCREENSHOTS", "")


@pytest.fixture
def smtp(settings: Any, live_server: Any) -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    settings.MAILERS = server.mailers()
    settings.EFACTURA_BASE_URL = live_server.url
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def supplier_login(transactional_db: Any) -> tuple[str, str]:
    from efactura.accounts.services import do_create_user
    from efactura.companies.services import do_add_membership, do_create_company

    company = do_create_company(
        tax_id="B98765431",
        legal_name="Suministros Levante, S.L.",
        contact_email="facturas@levante.example",
        address="Avenida del Puerto 12",
        postal_code="46024",
        city="Valencia",
        province="Valencia",
    )
    user = do_create_user(
        email="proveedor@levante.example", password="Levante-2026-pw", full_name="Marta Vidal"
    )
    do_add_membership(user=user, company=company, role="admin")
    from efactura.invoices.models import Series

    Series.objects.create(company=company, code="F")
    return user.email, "Levante-2026-pw"


def shot(page: Any, folder: Path, name: str) -> None:
    target = Path(SHOTS) if SHOTS else folder
    target.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target / f"{name}.png"), full_page=True)


def test_issue_invite_code_b_register_and_deliver(
    browser: Any,
    live_server: Any,
    smtp: SmtpServer,
    supplier_login: tuple[str, str],
    tmp_path: Path,
) -> None:
    base = live_server.url
    supplier = browser.new_context(locale="es-ES", viewport={"width": 1280, "height": 900})
    page = supplier.new_page()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Correo electrónico").fill(supplier_login[0])
    page.get_by_label("Contraseña").fill(supplier_login[1])
    page.get_by_role("button", name="Entrar").click()
    page.wait_for_url(f"{base}/")

    # 1. Issue an invoice from the web form to a tax ID nobody has registered.
    page.goto(f"{base}/issued/new/")
    for name, value in {
        "customer_tax_id": "B12345674",
        "customer_name": "Talleres Norte, S.L.",
        "customer_email": "administracion@talleres-norte.example",
        "customer_address": "Calle Mayor 1",
        "customer_postal_code": "39001",
        "customer_city": "Santander",
        "customer_province": "Cantabria",
        "iban": "ES9121000418450200051332",
        "lines-0-name": "Revisión anual de maquinaria",
        "lines-0-quantity": "1",
        "lines-0-price": "250",
    }.items():
        page.locator(f"[name='{name}']").fill(value)
    page.get_by_role("button", name=re.compile("Emitir y firmar|Issue and sign")).click()
    page.wait_for_url(re.compile(r"/invoices/[0-9a-f-]{36}/$"))
    invoice_url = page.url
    number = re.search(r"(\d{6})", page.locator("h1").inner_text())
    assert number is not None
    shot(page, tmp_path, "1-issued-awaiting-registration")

    # 2. The invitation arrives with code A and the registration link.
    [message] = smtp.wait_for(1)
    assert message["To"] == "administracion@talleres-norte.example"
    body = parts(message)
    code_a = CODE_RE.search(body["text"])
    assert code_a is not None
    link = re.search(r"(http://\S+/register/\?tax_id=\S+)", body["text"])
    assert link is not None
    # Invoice emails link to the invoice instead of attaching a PDF (EFACTURA_EMAIL_ATTACH_PDF).
    assert not any(name.endswith(".pdf") for name in body["attachments"])
    assert number.group(1) in body["text"]
    invitation = browser.new_context(viewport={"width": 700, "height": 900}).new_page()
    invitation.set_content(body["html"])
    shot(invitation, tmp_path, "2-invitation-email")

    # 3. The supplier generates code B under Tools › Set-up › Manage codes.
    page.goto(f"{base}/setup/codes/")
    assert page.get_by_role("strong").filter(has_text="Talleres Norte, S.L.").is_visible()
    page.get_by_role("button", name=re.compile("Generar código B")).click()
    code_b = page.locator("#new-code-b").inner_text().strip()
    assert CODE_RE.fullmatch(code_b)
    assert "otra vía" in page.content()
    shot(page, tmp_path, "3-manage-codes-new-code-b")

    # 4. The customer registers in a different browser (no session), from the email's link.
    customer = browser.new_context(locale="es-ES", viewport={"width": 390, "height": 900})
    reg = customer.new_page()
    reg.goto(link.group(1))
    assert reg.get_by_label("NIF").input_value() == "ESB12345674"
    # The link fills in the name and the address the supplier already had on the invoice.
    assert reg.get_by_label("Razón social de la empresa").input_value() == "Talleres Norte, S.L."
    assert reg.locator("[name=address]").input_value() == "Calle Mayor 1"
    assert reg.locator("[name=postal_code]").input_value() == "39001"
    assert reg.locator("[name=city]").input_value() == "Santander"
    reg.get_by_label("Código A").fill(code_a.group(1))
    reg.get_by_label("Código B").fill("AAAA-BBBB-CCCC")  # a typo first: the same neutral refusal
    reg.get_by_label("Razón social de la empresa").fill("Talleres Norte, S.L.")
    reg.get_by_label("Correo de la empresa para facturas").fill("facturas@talleres-norte.example")
    reg.get_by_label("Su nombre completo").fill("Ana Ruiz")
    reg.get_by_label("Su correo (para entrar)").fill("ana@talleres-norte.example")
    reg.get_by_label("Contraseña", exact=True).fill("Norte-Talleres-77")
    reg.get_by_label("Repita la contraseña").fill("Norte-Talleres-77")
    reg.get_by_role("button", name="Registrarme y ver mis facturas").click()
    alert = reg.get_by_role("alert")
    assert "no coinciden" in alert.inner_text()
    shot(reg, tmp_path, "4-registration-refused-phone")
    reg.get_by_label("Código B").fill(code_b.lower())
    reg.get_by_label("Contraseña", exact=True).fill("Norte-Talleres-77")
    reg.get_by_label("Repita la contraseña").fill("Norte-Talleres-77")
    reg.get_by_role("button", name="Registrarme y ver mis facturas").click()
    reg.wait_for_url(f"{base}/payable/")
    from efactura.companies.models import Company

    registered = Company.objects.get(tax_id="ESB12345674")
    assert (registered.address, registered.postal_code, registered.city) == (
        "Calle Mayor 1",
        "39001",
        "Santander",
    )
    assert number.group(1) in reg.content()
    assert "Suministros Levante" in reg.content()
    shot(reg, tmp_path, "5-customer-invoices-payable-phone")

    # 5. The supplier's timeline shows the invoice delivered.
    page.goto(invoice_url)
    assert page.locator(".timeline-delivered").count() == 1
    assert page.locator(".timeline-email_sent").count() == 1
    shot(page, tmp_path, "6-issuer-timeline-delivered")
    page.goto(f"{base}/setup/codes/")
    assert "Códigos usados" in page.content() and "Talleres Norte, S.L." in page.content()
    shot(page, tmp_path, "7-manage-codes-used")
    page.goto(f"{base}/setup/notifications/")
    shot(page, tmp_path, "8-notifications")
