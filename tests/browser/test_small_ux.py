"""Small things of issue 18, each checked in Debian's chromium through Playwright: an empty
login says what is missing; the browser's language wins until the user chooses one; a refused
form puts the cursor in the first field to fix, which names its error; rule ids hide behind a
remembered "Technical details" switch; the mail outbox shows a long HTML email whole.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-Secret-123"


@pytest.fixture
def world(
    transactional_db: Any, make_company: Any, make_user: Any, settings: Any
) -> dict[str, Any]:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    company = make_company("Suministros Levante, S.L.", tax_id="B98765431")
    return {"company": company, "user": make_user("jefa@example.com", company)}


def _log_in(page: Any, base: str, email: str = "jefa@example.com") -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.locator("form:has(#id_password) button[type=submit]").click()
    page.wait_for_url(f"{base}/")


def _described_by(page: Any, selector: str) -> str:
    """The texts a screen reader reads with the field (its aria-describedby targets)."""
    return str(
        page.eval_on_selector(
            selector,
            """field => (field.getAttribute("aria-describedby") || "").split(/\\s+/)
                 .map(id => document.getElementById(id)).filter(Boolean)
                 .map(el => el.textContent.trim()).join(" | ")""",
        )
    )


@pytest.mark.parametrize(
    ("locale", "button", "email_error", "password_error"),
    [
        (
            "es-ES",
            "Entrar",
            "Escriba el correo electrónico con el que entra.",
            "Escriba su contraseña.",
        ),
        ("en-GB", "Log in", "Write the email address you log in with.", "Write your password."),
    ],
)
def test_empty_login_says_what_is_missing(
    browser: Any,
    live_server: Any,
    world: dict[str, Any],
    locale: str,
    button: str,
    email_error: str,
    password_error: str,
) -> None:
    context = browser.new_context(locale=locale, viewport={"width": 390, "height": 800})
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("button", name=button, exact=True).click()
    page.wait_for_load_state()
    assert page.get_by_text(email_error).is_visible()
    assert page.get_by_text(password_error).is_visible()
    for field, error in (("#id_username", email_error), ("#id_password", password_error)):
        assert page.get_attribute(field, "aria-invalid") == "true"
        assert error in _described_by(page, field)
    assert page.evaluate("document.activeElement.id") == "id_username"
    context.close()


def test_browser_language_wins_until_the_user_chooses(
    browser: Any, live_server: Any, world: dict[str, Any]
) -> None:
    base = live_server.url
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    assert page.locator("html").get_attribute("lang") == "en"
    _log_in(page, base)
    assert page.get_by_role("heading", name="Overview", level=1).is_visible()
    # The user chooses Spanish: kept for the session, then on any device (a new browser
    # still saying English) once logged in.
    page.locator(".language-switcher button[value=es]").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "es"
    page.goto(f"{base}/issued/")
    assert page.locator("html").get_attribute("lang") == "es"
    context.close()
    world["user"].refresh_from_db()
    assert world["user"].language == "es"
    other = browser.new_context(locale="en-US")
    page = other.new_page()
    _log_in(page, base)
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.get_by_role("heading", name="Resumen", level=1).is_visible()
    other.close()


def test_refused_form_focuses_and_describes_the_first_invalid_field(
    browser: Any, live_server: Any, world: dict[str, Any]
) -> None:
    base = live_server.url
    context = browser.new_context(locale="es-ES", viewport={"width": 390, "height": 800})
    page = context.new_page()
    _log_in(page, base)
    page.goto(f"{base}/setup/bank-accounts/")
    page.fill("#id_iban", "ES00 1234")
    page.get_by_role("button", name="Añadir cuenta").click()
    page.wait_for_load_state()
    assert page.evaluate("document.activeElement.id") == "id_iban"
    assert page.get_attribute("#id_iban", "aria-invalid") == "true"
    error = page.locator("#id_iban ~ .error, .field:has(#id_iban) .error").first.inner_text()
    assert error and error in _described_by(page, "#id_iban")
    context.close()


def test_rule_ids_hide_behind_a_remembered_switch(
    browser: Any, live_server: Any, world: dict[str, Any], tmp_path: Path
) -> None:
    from tests.browser.test_main_pages import AXE, AXE_RUN

    base = live_server.url
    # bypass_csp: the test injects axe-core, which the page's CSP would rightly refuse.
    context = browser.new_context(locale="es-ES", bypass_csp=True)
    page = context.new_page()
    _log_in(page, base)
    (tmp_path / "nota.xml").write_bytes(b"<nota/>")

    def import_note() -> None:
        page.goto(f"{base}/import/")
        page.locator("input[type=file]").set_input_files(str(tmp_path / "nota.xml"))
        page.locator("form:has(input[type=file]) button[type=submit]").click()
        page.locator(".file-report").first.wait_for()
        page.wait_for_load_state("load")  # efactura.js has run

    import_note()
    rule = page.locator(".violations code.rule").first
    sentence = page.locator(".violations li").first
    assert rule.inner_text() == "DOC-UNKNOWN"
    assert not rule.is_visible()  # for experts only
    assert sentence.is_visible() and sentence.inner_text().strip()
    toggle = page.get_by_role("button", name="Detalles técnicos")
    assert toggle.get_attribute("aria-pressed") == "false"
    toggle.click()
    assert rule.is_visible() and toggle.get_attribute("aria-pressed") == "true"
    import_note()  # another page with rule ids: the choice is remembered
    assert page.locator(".violations code.rule").first.is_visible()
    page.add_script_tag(path=str(AXE))
    assert page.evaluate(AXE_RUN) == []
    page.get_by_role("button", name="Detalles técnicos").click()
    assert not page.locator(".violations code.rule").first.is_visible()
    context.close()


def test_mail_outbox_shows_a_long_email_whole(
    browser: Any, live_server: Any, world: dict[str, Any], settings: Any
) -> None:
    from efactura.notifications.models import OutboxEmail

    settings.EMAIL_OUTBOX_ENABLED = True
    rows = "".join(f"<p>Párrafo {n} de un correo largo.</p>" for n in range(150))
    email = OutboxEmail.objects.create(
        from_email="efactura@example.test",
        to=["jefa@example.com"],
        subject="Un correo largo",
        text="Texto",
        html=f"<html><body>{rows}<p id='last'>FIN</p></body></html>",
    )
    context = browser.new_context(locale="es-ES", viewport={"width": 390, "height": 800})
    page = context.new_page()
    _log_in(page, live_server.url)
    page.goto(f"{live_server.url}/outbox/{email.pk}/")
    frame = page.frame_locator("iframe.mail-frame")
    frame.locator("#last").wait_for()
    page.wait_for_function(
        """() => {
          const frame = document.querySelector("iframe.mail-frame");
          const doc = frame.contentDocument;
          return doc && frame.clientHeight >= doc.documentElement.scrollHeight;
        }"""
    )
    # The whole email is inside the frame: its last line is not cut off.
    box = page.locator("iframe.mail-frame").bounding_box()
    last = frame.locator("#last").bounding_box()
    assert box is not None and last is not None
    assert last["y"] + last["height"] <= box["y"] + box["height"]
    context.close()
