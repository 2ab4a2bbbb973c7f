"""A bounded property-based run of schemathesis against the OpenAPI document.

In-process through the WSGI application (no network), with a real API key, a few examples
per operation: no 5xx, and every answer matches the documented status codes, content types,
headers and schemas.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis import checks

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
]


@pytest.fixture
def api_key(supplier: Any, customer: Any, make_key: Any, client: Any) -> str:
    """A key of the supplier, who has issued one invoice to the customer (so ids exist)."""
    from apitools import Api, invoice_json

    key = make_key(supplier)
    Api(client, key).post_json("/invoices", invoice_json(customer.tax_id))
    return key


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_conforms_to_its_openapi(case: Any, api_key: str) -> None:
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    # Like Django's test client: the WSGI call must not close the test's open transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        case.call_and_validate(headers={"Authorization": f"Bearer {api_key}"}, checks=CHECKS)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
