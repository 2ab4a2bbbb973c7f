"""Secure headers: Content-Security-Policy (django-csp) on every page, the usual others."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_pages_carry_a_content_security_policy(client: Any) -> None:
    """Regression: no page sent a Content-Security-Policy."""
    response = client.get(reverse("login"))
    policy = response["Content-Security-Policy"]
    directives = dict(
        [*part.strip().split(" ", 1), ""][:2] for part in policy.split(";") if part.strip()
    )
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["base-uri"] == "'none'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_error_page_has_no_inline_style(client: Any) -> None:
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "style=" not in html and "<script" not in html
