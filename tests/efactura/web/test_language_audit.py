"""No English left on Spanish pages: every main page, and every page its menus and set-up link
to, rendered for the demo supplier, the demo customer and the bank's operator (web and admin).

Each page is rendered in Spanish and in English.  A visible text of the Spanish page (text
nodes, plus titles, placeholders, labels for screen readers and button values) is English when
it contains an English word from :data:`ENGLISH` and the English page shows the very same text:
a string nobody translated.  Spanish text with no English counterpart is also checked against
:data:`ENGLISH_ONLY`, words no Spanish sentence contains (libxml2 messages, say).  Codes,
identifiers, scripts and proper names are left out; :data:`ALLOWED` lists, with reasons, the few
texts that stay the same on purpose.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from lxml import html as lxml_html
from tests.corpus import CORPUS

pytestmark = pytest.mark.django_db

OUTBOX = {"default": {"BACKEND": "efactura.notifications.backends.OutboxBackend"}}

ENGLISH_ONLY = frozenset(
    """
    the of and to is not for with this that these those your you are was were has have been
    will would can cannot could should must from by at on into which when where what who
    invoice invoices status received delivered paid accepted rejected cancelled pending task
    tasks result results peer platform platforms payment payments customer customers supplier
    suppliers amount date due sent send save delete add change view search filter name
    element expected allowed missing value values valid invalid required line file files
    recent actions history user users group groups password welcome documentation select
    yes none all any show hide back next previous download upload settings key keys
    label data true false run go unknown log logs access attempt attempts expires expired
    locked remaining clean session query matches given entries pagination receipt message
    sender recipient participant fingerprint last record records submission length wait
    seconds incident event events kind type code hash partner peers copy
    """.split()  # noqa: SIM905 - a paragraph of words reads better than a list of strings
)
"""English words that no Spanish sentence contains (Spanish "no", "a", "general" … are not
here)."""

ENGLISH = ENGLISH_ONLY

PROPER = re.compile(
    r"\b(Peppol|VERI\*?FACTU|Facturae|UBL|CII|EDIFACT|IBAN|BIC|SEPA|XAdES(-EPES)?|PDF|XML|"
    r"API|AS4|SMP|SPFE|FACe|AEAT|NIF|CIF|IVA|IRPF|CSV|XLSX|ERP|HTTPS?|URL|OpenID|Factur-X|"
    r"ZUGFeRD|EN 16931|pain\.001|JSON|SMTP|PKCS#?12|p12|ZIP|efactura|e-?invoice)\b",
    re.IGNORECASE,
)
"""Proper names and acronyms: the same in both languages."""

ALLOWED: dict[str, str] = {
    "Search": "the magnifying glass's alt text, written in English in Django's admin template",
    "True": "Django's admin writes its yes/no icons' alt text in English",
    "False": "Django's admin writes its yes/no icons' alt text in English",
}
"""Text → why it may stay the same in Spanish (kept short on purpose)."""

ALLOWED_PATTERNS: dict[str, re.Pattern[str]] = {
    "django-axes names its log rows in English": re.compile(r"\bAccess (Log|Attempt) for "),
}

DATA = re.compile(r"^[{<\[]|</[\w:.-]+>$|^[a-z_]+(\.[a-z_0-9]+)+$")
"""Not sentences: JSON and XML shown as they were stored, dotted audit action names."""

SKIP_TAGS = {"script", "style", "code", "pre", "kbd", "samp", "textarea", "svg", "math"}
ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")


def visible_texts(content: bytes) -> set[str]:
    """The texts a reader sees or hears on the page, whitespace collapsed."""
    root = lxml_html.fromstring(content.decode())
    texts: set[str] = set()

    def skipped(element: Any) -> bool:
        if not isinstance(element.tag, str):
            return True
        if element.tag in SKIP_TAGS or element.get("translate") == "no":
            return True
        return element.get("hidden") is not None

    def walk(element: Any) -> None:
        if skipped(element):
            return
        if element.text:
            texts.add(element.text)
        for name in ATTRIBUTES:
            if element.get(name):
                texts.add(element.get(name))
        if element.tag == "input" and element.get("type") in {"submit", "button"}:
            texts.add(element.get("value") or "")
        for child in element:
            walk(child)
            if child.tail:
                texts.add(child.tail)

    walk(root)
    return {" ".join(text.split()) for text in texts if text.strip()}


_WORD = re.compile(r"[A-Za-z]+(?:'[a-z]+)?")
_EMAIL = re.compile(r"\S+@\S+")
_URL = re.compile(r"(https?://|/)\S*")
_HEX = re.compile(r"\b[0-9a-fA-F]*\d[0-9a-fA-F]*(-[0-9a-fA-F]+)*\b")
"""Identifiers such as UUIDs and hashes ("…c41153add1ec" is not the word "add")."""


def english_words(text: str) -> list[str]:
    cleaned = PROPER.sub(" ", _HEX.sub(" ", _URL.sub(" ", _EMAIL.sub(" ", text))))
    # Words in capitals are codes (INVOICE, PAYMENT: SPFE message names), not sentences.
    return [w for w in _WORD.findall(cleaned) if w.lower() in ENGLISH and not w.isupper()]


def untranslated(spanish: set[str], english: set[str]) -> list[str]:
    """Spanish-page texts that are English: shown identically on the English page, or made of
    words no Spanish sentence uses."""
    found = []
    for text in sorted(spanish):
        if text in ALLOWED or DATA.search(text):
            continue
        if any(pattern.search(text) for pattern in ALLOWED_PATTERNS.values()):
            continue
        words = english_words(text)
        if not words:
            continue
        if text in english or len(words) >= 2:
            found.append(text)
    return found


# -- The pages -------------------------------------------------------------------------------


@pytest.fixture
def demo(settings: Any) -> dict[str, Any]:
    """The demo data, with its emails in the embedded outbox."""
    from efactura.accounts.models import User
    from efactura.demo import OPERATOR, USERS, do_load_demo

    settings.MAILERS = OUTBOX
    settings.EMAIL_OUTBOX_ENABLED = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    do_load_demo()
    return {
        "supplier": User.objects.get(email=USERS[0].email),
        "customer": User.objects.get(email=USERS[1].email),
        "operator": User.objects.get(email=OPERATOR.email),
    }


NOT_PAGES = re.compile(
    r"/download/|/export|\.csv$|\.xlsx$|\.xml$|\.pdf$|/logout/|/language/|/html/$|/static/|"
    r"/api/|/admin/logout/|/admin/password_change/|/jsi18n/|/status/[^/]+/$|/preview/$|"
    r"/check-tax-id/|/customers/search/|/accounts/|/register/"
)
"""Links that are files, actions or elsewhere, not pages to read (the status-step form is a
part of the invoice page, fetched by it)."""


def get(client: Any, path: str, language: str) -> Any:
    client.cookies["django_language"] = language
    return client.get(path, HTTP_ACCEPT_LANGUAGE=language)


def post(client: Any, path: str, language: str, data: dict[str, Any]) -> Any:
    client.cookies["django_language"] = language
    return client.post(path, data, HTTP_ACCEPT_LANGUAGE=language)


def _links(content: bytes) -> Iterator[str]:
    root = lxml_html.fromstring(content.decode())
    for href in root.xpath("//a/@href"):
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or not parts.path.startswith("/"):
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if not NOT_PAGES.search(parts.path):
            yield path


def crawl(client: Any, seeds: list[str], *, depth: int = 2, limit: int = 120) -> dict[str, Any]:
    """Spanish renderings of the seeds and of the pages they link to (``depth`` clicks)."""
    pages: dict[str, Any] = {}
    frontier = list(seeds)
    for _ in range(depth + 1):
        following: list[str] = []
        for path in frontier:
            if path in pages or len(pages) >= limit:
                continue
            response = get(client, path, "es")
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            pages[path] = response
            following.extend(link for link in _links(response.content) if link not in pages)
        frontier = list(dict.fromkeys(following))
    return pages


def audit(client: Any, paths: list[str]) -> dict[str, list[str]]:
    findings: dict[str, list[str]] = {}
    for path in paths:
        spanish = get(client, path, "es")
        english = get(client, path, "en")
        assert spanish.status_code == english.status_code == 200, path
        found = untranslated(visible_texts(spanish.content), visible_texts(english.content))
        if found:
            findings[path] = found
    return findings


def audit_post(client: Any, path: str, data: Any) -> list[str]:
    spanish = post(client, path, "es", data("es"))
    english = post(client, path, "en", data("en"))
    assert spanish.status_code == english.status_code, path
    return untranslated(visible_texts(spanish.content), visible_texts(english.content))


def report(findings: dict[str, list[str]]) -> str:
    lines = ["English text on Spanish pages:"]
    for path, texts in findings.items():
        lines.append(f"  {path}")
        lines.extend(f"      {text!r}" for text in texts)
    return "\n".join(lines)


def _company_pages(client: Any, user: Any) -> list[str]:
    from efactura.invoices.models import Invoice

    seeds = [
        reverse("web:home"),
        reverse("web:issued"),
        reverse("web:payable"),
        reverse("web:invoice_new"),
        reverse("web:import"),
        reverse("web:notifications"),
        reverse("web:codes"),
        reverse("web:verifactu"),
        reverse("web:api_keys"),
        reverse("web:webhooks"),
        reverse("web:certificates"),
        reverse("web:series"),
        reverse("web:bank_accounts"),
        reverse("web:help"),
        reverse("web:outbox"),
    ]
    company_ids = list(user.memberships.values_list("company_id", flat=True))
    from django.db.models import Q

    invoices = Invoice.objects.filter(
        Q(issuer_id__in=company_ids) | Q(recipient_id__in=company_ids)
    )
    seeds += [reverse("web:invoice", args=[pk]) for pk in invoices.values_list("pk", flat=True)]
    return list(crawl(client, seeds))


def _broken_facturae() -> bytes:
    data = (CORPUS / "facturae/samples/omeuid/Facturae-3.2.2-valid.xml").read_bytes()
    data = data.replace(
        b"<PersonTypeCode>J</PersonTypeCode>", b"<PersonTypeCode>X</PersonTypeCode>", 1
    )
    return data.replace(b"<IssueDate>", b"<IssueDate>31/12/", 1)


@pytest.mark.parametrize("role", ["supplier", "customer"])
def test_company_pages_have_no_english_in_spanish(
    client: Any, demo: dict[str, Any], role: str
) -> None:
    client.force_login(demo[role])
    pages = _company_pages(client, demo[role])
    assert len(pages) > 20, pages
    # The crawl reached the invoices in their several statuses.
    assert sum(path.startswith("/invoices/") for path in pages) >= 8, pages
    findings = audit(client, pages)
    # A form sent with mistakes, and an import whose file breaks the schema.
    found = audit_post(client, reverse("web:invoice_new"), lambda language: {"number": ""})
    if found:
        findings["POST /issued/new/"] = found

    def upload(language: str) -> dict[str, Any]:
        broken = SimpleUploadedFile("broken.xml", _broken_facturae(), "application/xml")
        return {"direction": "issued", "files": [broken]}

    found = audit_post(client, reverse("web:import"), upload)
    if found:
        findings["POST /import/"] = found
    assert not findings, report(findings)


def test_operator_pages_have_no_english_in_spanish(client: Any, demo: dict[str, Any]) -> None:
    client.force_login(demo["operator"])
    paths = ["/admin/", reverse("web:outbox"), reverse("web:help")]
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        paths.append(changelist)
        first = model._default_manager.order_by("pk").first()
        if first is not None and model_admin.has_view_permission(_request(demo["operator"])):
            paths.append(
                reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[first.pk])
            )
    pages = crawl(client, [p for p in paths if not p.startswith("/admin/")], depth=1)
    findings = audit(client, [p for p in paths if p.startswith("/admin/")] + list(pages))
    assert not findings, report(findings)


def _request(user: Any) -> Any:
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def test_the_audit_finds_english() -> None:
    """The check itself: an untranslated sentence is found, Spanish and names are not."""
    spanish = {"Factura pagada", "Task Results", "Peppol", "Status of the invoice", "VERI*FACTU"}
    english = {"Paid invoice", "Task Results", "Peppol", "VERI*FACTU"}
    assert untranslated(spanish, english) == ["Status of the invoice", "Task Results"]


# -- Amounts and dates by locale -------------------------------------------------------------


def test_history_lines_write_amounts_and_dates_by_locale(client: Any, demo: dict[str, Any]) -> None:
    """The payment line of the invoice history: 1.234,56 and dd/mm/aaaa in Spanish, 1,234.56
    and dd/mm/yyyy (British) in English — never the stored ISO date or a US date."""
    from efactura.invoices.choices import Status
    from efactura.invoices.models import Invoice

    invoice = Invoice.objects.get(status=Status.PARTIALLY_PAID)
    event = invoice.events.get(kind="payment")
    amount = event.data["amount"]
    day = event.data["date"]
    whole, cents = amount.split(".")
    yyyy, mm, dd = day.split("-")
    client.force_login(demo["customer"])
    path = reverse("web:invoice", args=[invoice.pk])
    spanish_texts = visible_texts(get(client, path, "es").content)
    english_texts = visible_texts(get(client, path, "en").content)
    spanish, english = " | ".join(spanish_texts), " | ".join(english_texts)
    assert f"{whole},{cents} {invoice.currency} · {dd}/{mm}/{yyyy}" in spanish
    assert f"{whole}.{cents} {invoice.currency} · {dd}/{mm}/{yyyy}" in english
    assert not [t for t in spanish_texts | english_texts if day in t]
    assert f"{mm}/{dd}/{yyyy}" not in english or mm == dd


def test_import_report_speaks_spanish_and_keeps_the_validator_words(
    client: Any, demo: dict[str, Any]
) -> None:
    """A file that breaks the schema: the sentence in the reader's language naming the field
    and line, libxml2's own words kept as the rule id's tooltip (a technical detail)."""
    client.force_login(demo["supplier"])

    def upload(language: str) -> Any:
        broken = SimpleUploadedFile("broken.xml", _broken_facturae(), "application/xml")
        return post(
            client, reverse("web:import"), language, {"direction": "issued", "files": [broken]}
        )

    spanish = lxml_html.fromstring(upload("es").content.decode())
    english = lxml_html.fromstring(upload("en").content.decode())
    spanish_text = " ".join(spanish.text_content().split())
    english_text = " ".join(english.text_content().split())
    assert "Línea 25: el campo tipo de persona (PersonTypeCode) vale 'X'" in spanish_text
    assert "Line 25: the person type" in english_text
    details = spanish.xpath('//code[@class="rule"]/@title')
    assert any("PersonTypeCode" in detail and "not" in detail for detail in details), details


def test_public_pages_have_no_english_in_spanish(client: Any, demo: dict[str, Any]) -> None:
    """Before signing in: the login, password-reset and registration pages."""
    paths = [reverse("login"), reverse("password_reset"), reverse("web:register")]
    findings = audit(client, paths)
    assert not findings, report(findings)
