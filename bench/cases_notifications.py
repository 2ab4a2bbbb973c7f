"""Benchmark cases for notification emails and registration codes.

Rendering is what a signal receiver does inside the invoice transaction (subject, text and
HTML of an email in the recipient's language), so it bounds how much an email adds to issuing
an invoice.  Code checks are what each registration attempt costs: one HMAC per code typed and
a constant-time comparison against every open code of the tax ID.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

from bench import Case

_state: dict[str, Any] = {}

CONTEXT = {
    "invoice": {
        "id": "00000000-0000-0000-0000-000000000000",
        "number": "F-000123",
        "seller": "Suministros Levante, S.L.",
        "seller_tax_id": "ESB98765431",
        "buyer": "Talleres Norte, S.L.",
        "buyer_tax_id": "ESB12345674",
        "issue_date": "2026-11-25",
        "due_date": "2026-12-25",
        "total": "1234.56",
        "currency": "EUR",
    },
    "issuer": "Suministros Levante, S.L.",
    "tax_id": "ESB12345674",
    "link": "https://efactura.example/register/?tax_id=ESB12345674",
}


def _setup() -> None:
    if _state:
        return
    from django.conf import settings

    if not settings.configured:
        folder = tempfile.mkdtemp(prefix="efactura-bench-notifications-")
        os.environ.setdefault("EFACTURA_DATA_DIR", folder)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "efactura.settings")
    import django

    django.setup()
    from efactura.registration.codes import generate_code, hash_code

    codes = [generate_code() for _ in range(20)]
    _state["stored"] = [hash_code(code=c, kind="A", tax_id="ESB12345674") for c in codes]
    _state["typed"] = codes[-1]


def _render(language: str) -> object:
    from efactura.notifications.emails import render_email

    return render_email(
        kind="invitation", language=language, context=CONTEXT, code="ABCD-EFGH-JKLM"
    )


def _check_code() -> object:
    from efactura.registration.codes import hash_code, matches

    candidate = hash_code(code=_state["typed"], kind="A", tax_id="ESB12345674")
    return matches(candidate_hash=candidate, stored_hashes=_state["stored"])


def _generate() -> object:
    from efactura.registration.codes import generate_code, hash_code

    return hash_code(code=generate_code(), kind="B", tax_id="ESB12345674")


def cases() -> list[Case]:
    _setup()
    return [
        Case("notifications", "render invitation email (es)", lambda: _render("es"), unit="emails"),
        Case("notifications", "render invitation email (en)", lambda: _render("en"), unit="emails"),
        Case("registration", "check a code against 20 open codes", _check_code, unit="checks"),
        Case("registration", "generate + hash a code", _generate, unit="codes"),
    ]
