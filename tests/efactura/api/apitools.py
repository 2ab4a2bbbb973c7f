"""Helpers of the API tests: an invoice payload as an ERP sends it, and a small API client.

Kept out of conftest.py so test modules import them by a unique name.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any


def invoice_json(
    buyer_tax_id: str = "A39123450",
    *,
    series: str = "API",
    name: str = "Café en grano, saco de 1 kg",
    quantity: str = "10",
    price: str = "12.50",
    issue_date: dt.date | None = None,
) -> dict[str, Any]:
    """A canonical invoice as an ERP would POST it (numbered and totalled by the platform)."""
    net = str((Decimal(quantity) * Decimal(price)).quantize(Decimal("0.01")))
    return {
        "series": series,
        "buyer_reference": "PO-2026-118",
        "issue_date": (issue_date or dt.date.today()).isoformat(),
        "buyer": {
            "name": "Hostelería Cantábrica, S.A.",
            "tax_id": buyer_tax_id,
            "address": {
                "line1": "Calle Castelar 5",
                "city": "Santander",
                "postal_code": "39004",
                "subdivision": "Cantabria",
                "country": "ES",
            },
        },
        "lines": [
            {
                "id": "1",
                "name": name,
                "quantity": quantity,
                "net_price": price,
                "net_amount": net,
                "vat_category": "S",
                "vat_rate": "21",
            }
        ],
    }


class Api:
    """A test client speaking to /api/v1 with one API key."""

    def __init__(self, client: Any, key: str) -> None:
        self.client = client
        self.key = key

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.key}"} if self.key else {}
        headers.update(extra or {})
        return headers

    def get(self, path: str, headers: dict[str, str] | None = None, **params: Any) -> Any:
        return self.client.get(f"/api/v1{path}", params, headers=self._headers(headers))

    def post_json(self, path: str, data: Any, headers: dict[str, str] | None = None) -> Any:
        return self.client.post(
            f"/api/v1{path}",
            data=json.dumps(data),
            content_type="application/json",
            headers=self._headers(headers),
        )

    def post_xml(
        self, data: bytes, headers: dict[str, str] | None = None, filename: str = ""
    ) -> Any:
        path = "/api/v1/invoices" + (f"?filename={filename}" if filename else "")
        return self.client.post(
            path, data=data, content_type="application/xml", headers=self._headers(headers)
        )
