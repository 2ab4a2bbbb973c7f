"""API calls run through their own short middleware stack (``ApiRouteMiddleware``).

What the API keeps: security headers, problem documents, the request's language, the host
check; and what it drops: sessions, CSRF, messages, the web's acting company.  The Swagger
page under ``/api/v1/docs`` is a web page and keeps the whole stack.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def key(supplier: Any) -> str:
    from efactura.companies.services import do_create_api_key

    return do_create_api_key(company=supplier, name="ERP", scopes=["send", "receive"])[1]


def test_an_api_answer_carries_the_strict_json_headers(client: Client, key: str) -> None:
    response = client.get("/api/v1/invoices/received", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_an_api_call_never_touches_the_session(
    client: Client, key: str, supplier_user: Any
) -> None:
    """A signed-in browser calling the API with a key: no session read, no cookie set, and
    the call acts as the key's company only."""
    client.force_login(supplier_user)
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers and not response.cookies
    assert "Cookie" not in response.get("Vary", "")
    # Without a key the session does not authenticate an API call.
    assert client.get("/api/v1/me").status_code == 401


def test_an_api_call_takes_the_language_of_the_request(client: Client) -> None:
    english = client.get("/api/v1/me", HTTP_ACCEPT_LANGUAGE="en").json()
    spanish = client.get("/api/v1/me", HTTP_ACCEPT_LANGUAGE="es").json()
    assert english["title"] == "A valid API key is needed."
    assert spanish["title"] != english["title"] and spanish["status"] == 401


def test_an_unknown_host_is_still_refused(client: Client, key: str) -> None:
    response = client.get(
        "/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_HOST="evil.example"
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")


def test_a_post_needs_no_csrf_token(key: str) -> None:
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(
        "/api/v1/invoices/00000000-0000-0000-0000-000000000000/ack",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert response.status_code == 404  # reached the handler: no CSRF refusal


def test_the_documentation_page_keeps_the_web_stack(client: Client) -> None:
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "default-src 'none'" not in policy
