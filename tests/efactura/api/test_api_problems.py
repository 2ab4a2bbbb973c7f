"""Every API error is ``application/problem+json``: unknown paths, wrong methods, crashes."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def key(supplier: Any) -> str:
    from efactura.companies.services import do_create_api_key

    return do_create_api_key(company=supplier, name="ERP", scopes=["send", "receive"])[1]


def _is_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/problem+json"), response.content[:200]
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["type"].startswith("urn:efactura:problem:")
    assert "<html" not in response.content.decode().lower()
    return body


def test_unknown_api_path_is_a_problem_document(client: Client, key: str) -> None:
    """Regression: answered with Django's HTML 404 page."""
    response = client.get("/api/v1/no-such-thing", HTTP_AUTHORIZATION=f"Bearer {key}")
    _is_problem(response, 404)
    _is_problem(client.get("/api/v2/"), 404)


def test_wrong_method_is_a_problem_document(client: Client, key: str) -> None:
    """Regression: answered 405 with an HTML body."""
    response = client.delete("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}")
    body = _is_problem(response, 405)
    assert "GET" in response["Allow"] and "GET" in body["detail"]


def test_unexpected_error_is_a_problem_document(client: Client, key: str, monkeypatch: Any) -> None:
    """Regression: an uncaught exception answered Django's HTML 500 page."""
    from efactura.api import handlers

    def broken(request: Any, *scopes: str) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(handlers, "require_scope", broken)
    client.raise_request_exception = False
    response = client.get(
        "/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_ACCEPT_LANGUAGE="en"
    )
    body = _is_problem(response, 500)
    assert "boom" not in response.content.decode()  # no internals leak
    assert body["title"] == "Something went wrong on the server."


def test_web_pages_keep_html_errors(client: Client) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_malformed_multipart_is_a_400_problem_document(client: Client, key: str) -> None:
    response = client.post(
        "/api/v1/invoices?filename=a.xml",
        data=b"\x00",
        content_type="multipart/form-data",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    _is_problem(response, 400)
