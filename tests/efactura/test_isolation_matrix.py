"""Tenant isolation matrix, generated from the URL configuration and the OpenAPI document.

A viewer (a role without write permissions) gets 403 for every write through a route with ids.

Every web route and every API operation that takes an object id is called by company A with
company B's object ids.  The answer must be exactly the one a non-existent id gets (so A
learns nothing about B's objects) and an error: 404 for reading and for writing (405 where
the route does not accept the method at all).  A new route is covered without anyone writing a
test for it; a new kind of id in a URL fails :data:`PARAMETERS` until an object of company B is
provided for it here.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from tests.efactura.notifications.smtp_support import draft

from efactura.api.handlers import api

pytestmark = pytest.mark.django_db

SKIPPED_PREFIXES = ("admin/", "api/", "as4", "smp/", "sso/", "accounts/", "static/")
"""The admin (operators, its own permission checks), the API (below, from its OpenAPI
document), the inter-platform endpoints (AS4: signed messages, no tenant; the SMP: public by
design, it publishes which companies this platform serves), the bank's sign-in and the login
pages."""

NON_OBJECT_PARAMETERS = {
    "kind": "original",
    "action": "accept",
    "step": "cancel_rejection",
    "slug": "x",
}
"""Route parameters that are not object ids, with a valid value."""


def _walk(patterns: list[Any], prefix: str = "") -> list[tuple[str, str]]:
    routes: list[tuple[str, str]] = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            routes += _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            routes.append((prefix + str(entry.pattern), entry.name or ""))
    return routes


def web_routes_with_ids() -> list[str]:
    found = []
    for route, _name in _walk(get_resolver().url_patterns):
        if route.startswith(SKIPPED_PREFIXES) or "<" not in route:
            continue
        found.append(route)
    return sorted(set(found))


def api_operations_with_ids() -> list[tuple[str, str]]:
    schema = api.get_openapi_schema()
    operations = []
    for path, methods in schema["paths"].items():
        if "{" not in path:
            continue
        for method in methods:
            if method in {"get", "post", "put", "patch", "delete"}:
                operations.append((method, path))
    return sorted(operations)


def _objects(company: Any, user: Any, email_to: str) -> dict[str, Any]:
    """One object of every kind that appears in URLs, belonging to ``company``."""
    from django.utils import timezone

    from efactura.api.services import do_create_webhook
    from efactura.companies.services import do_create_api_key
    from efactura.imports.models import ImportJob
    from efactura.invoices.services import do_issue_invoice
    from efactura.notifications.models import Notification, OutboxEmail
    from efactura.signing.models import Certificate

    invoice = do_issue_invoice(
        company=company,
        actor=user,
        draft=draft(buyer_tax_id="B12345674", buyer_name="Talleres Norte, S.L."),
        customer_email="compras@talleres-norte.example",
    )
    key, _clear = do_create_api_key(company=company, name="ERP", scopes=["send"])
    webhook, _secret = do_create_webhook(
        company=company, url="https://erp.central.example/hooks", events=["invoice.received"]
    )
    notification = Notification.objects.filter(company=company).first()
    assert notification is not None
    certificate = Certificate.objects.create(
        company=company,
        p12_encrypted=b"",
        password_encrypted=b"",
        subject="CN=x",
        issuer="CN=x",
        serial="1",
        common_name="x",
        not_before=timezone.now(),
        not_after=timezone.now(),
    )
    email = OutboxEmail.objects.create(to=[email_to], subject="Correo", html="<p>Correo</p>")
    job = ImportJob.objects.create(company=company, actor=user, direction="issued", source="web")
    from efactura.payments.models import BankAccount, PaymentOrder

    account = BankAccount.objects.create(company=company, iban="ES9121000418450200051332")
    order = PaymentOrder.objects.create(
        company=company,
        bank_account=account,
        message_id="B-ORDER",
        execution_date=timezone.localdate(),
        total=0,
        xml=b"<Document/>",
    )
    return {
        "account_id": account.pk,
        "order_id": str(order.pk),
        "invoice_id": str(invoice.pk),
        "api_key_id": key.pk,
        "webhook_id": webhook.pk,
        "notification_id": notification.pk,
        "certificate_id": certificate.pk,
        "email_id": email.pk,
        "job_id": str(job.pk),
    }


ADDRESS = {
    "address": "Avenida del Puerto 12",
    "postal_code": "46024",
    "city": "Valencia",
    "province": "Valencia",
}


@pytest.fixture
def world(make_company: Any, make_user: Any, settings: Any) -> dict[str, Any]:
    """Company A (the caller) and company B with one object of every kind."""
    settings.EMAIL_OUTBOX_ENABLED = True
    company_a = make_company("Suministros Levante, S.L.", tax_id="B98765431", **ADDRESS)
    company_b = make_company("Papelería Central, S.A.", tax_id="A28467918", **ADDRESS)
    user_a = make_user("admin-a@example.com", company_a, role="admin")
    user_b = make_user("admin-b@example.com", company_b, role="admin")
    return {
        "a": company_a,
        "user_a": user_a,
        "ids": _objects(company_b, user_b, "admin-b@example.com"),
    }


PARAMETERS = (
    "invoice_id",
    "api_key_id",
    "webhook_id",
    "notification_id",
    "certificate_id",
    "email_id",
    "job_id",
    "account_id",
    "order_id",
)
"""Object ids that may appear in a URL; each has an object of company B in :func:`world`."""

_PARAM = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")


def _fill(route: str, ids: dict[str, Any], *, missing: bool) -> str:
    def value(match: re.Match[str]) -> str:
        name = match["name"]
        if name in NON_OBJECT_PARAMETERS:
            return NON_OBJECT_PARAMETERS[name]
        assert name in PARAMETERS, (
            f"The route {route!r} takes {name!r}: add an object of company B for it to the "
            "isolation matrix (PARAMETERS and world())."
        )
        if not missing:
            return str(ids[name])
        return str(uuid.uuid4()) if match["converter"] == "uuid" else "987654321"

    return "/" + _PARAM.sub(value, route)


def test_the_matrix_is_not_empty() -> None:
    assert len(web_routes_with_ids()) >= 8
    assert len(api_operations_with_ids()) >= 4


@pytest.mark.parametrize("route", web_routes_with_ids())
def test_web_route_with_another_companys_ids_is_not_found(
    route: str, world: dict[str, Any], client: Client
) -> None:
    client.force_login(world["user_a"])
    statuses = set()
    for method in ("get", "post"):
        theirs = getattr(client, method)(_fill(route, world["ids"], missing=False))
        nobody = getattr(client, method)(_fill(route, world["ids"], missing=True))
        assert theirs.status_code == nobody.status_code, (method, route)
        assert theirs.status_code in {404, 405}, (method, route, theirs.status_code)
        statuses.add(theirs.status_code)
    assert 404 in statuses, route


@pytest.mark.parametrize(("method", "path"), api_operations_with_ids())
def test_api_operation_with_another_companys_ids_is_not_found(
    method: str, path: str, world: dict[str, Any], client: Client
) -> None:
    from efactura.companies.services import do_create_api_key

    _row, key = do_create_api_key(
        company=world["a"], name="ERP A", scopes=["send", "receive", "status"]
    )

    def call(missing: bool) -> Any:
        route = re.sub(r"\{(\w+)\}", lambda m: f"<{m[1]}>", path).lstrip("/")
        url = _fill(route, world["ids"], missing=missing)
        if method == "get":
            return client.get(url, HTTP_AUTHORIZATION=f"Bearer {key}")
        return getattr(client, method)(
            url, data="{}", content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}"
        )

    theirs, nobody = call(False), call(True)
    assert theirs.status_code == nobody.status_code, (method, path)
    assert theirs.status_code >= 400, (method, path, theirs.status_code)
    if method == "get":
        assert theirs.status_code == 404, (method, path, theirs.status_code)
    assert theirs["Content-Type"].startswith("application/problem+json")


@pytest.mark.parametrize("route", web_routes_with_ids())
def test_a_viewer_cannot_write_through_any_route(
    route: str, make_company: Any, make_user: Any, client: Client, settings: Any
) -> None:
    """A role without the permission: its own company's objects, a POST is refused (403)."""
    settings.EMAIL_OUTBOX_ENABLED = True
    company = make_company("Suministros Levante, S.L.", tax_id="B98765431", **ADDRESS)
    admin = make_user("admin-a@example.com", company, role="admin")
    viewer = make_user("viewer-a@example.com", company, role="viewer")
    ids = _objects(company, admin, "viewer-a@example.com")
    client.force_login(viewer)
    response = client.post(_fill(route, ids, missing=False))
    if route.startswith("outbox/"):
        # Reading one's own mail is not a company permission; the outbox has no writes.
        assert response.status_code in {200, 405}, response.status_code
        return
    assert response.status_code in {403, 405}, (route, response.status_code)
