"""The SMP efactura publishes, read back the way a partner reads it."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from lxml import etree
from tests.efactura.invoices.helpers import BUYER_TAX_ID, company

from efactura.interconnection import smp
from efactura.interconnection.choices import INVOICE_FACTURAE, INVOICE_UBL, SMP_NS

pytestmark = pytest.mark.django_db

PARTICIPANT = f"iso6523-actorid-upis::9920:ES{BUYER_TAX_ID}"


@pytest.fixture
def buyer(make_company: Any, as4_node: Any) -> Any:
    return company(make_company, "Hostelería Cantábrica, S.A.", BUYER_TAX_ID)


def test_service_group_lists_the_published_document_types(client: Any, buyer: Any) -> None:
    answer = client.get(f"/smp/{quote(PARTICIPANT)}")
    assert answer.status_code == 200
    root = etree.fromstring(answer.content)
    hrefs = [r.get("href") for r in root.iter(f"{{{SMP_NS}}}ServiceMetadataReference")]
    assert any(h.endswith(quote(f"busdox-docid-qns::{INVOICE_UBL}", safe="")) for h in hrefs)
    assert all(h.startswith("http://testserver/smp/") for h in hrefs)


def test_signed_service_metadata_verifies_and_names_the_as4_endpoint(
    client: Any, buyer: Any, as4_node: Any
) -> None:
    document = quote(f"busdox-docid-qns::{INVOICE_FACTURAE}", safe="")
    answer = client.get(f"/smp/{quote(PARTICIPANT)}/services/{document}")
    assert answer.status_code == 200
    information = smp.verify_signed_metadata(answer.content)
    endpoint = smp._endpoint(information, smp="http://testserver/smp", partner="self")
    assert endpoint is not None
    assert endpoint.url == "http://testserver/as4"
    assert endpoint.certificate.startswith("-----BEGIN CERTIFICATE-----")


def test_tampered_service_metadata_is_refused(client: Any, buyer: Any) -> None:
    document = quote(f"busdox-docid-qns::{INVOICE_UBL}", safe="")
    answer = client.get(f"/smp/{quote(PARTICIPANT)}/services/{document}")
    tampered = answer.content.replace(b"http://testserver/as4", b"http://evil.example/as4")
    with pytest.raises(smp.SMPError, match="does not verify"):
        smp.verify_signed_metadata(tampered)


def test_unknown_participant_and_document_type_are_not_found(client: Any, buyer: Any) -> None:
    assert client.get("/smp/iso6523-actorid-upis::9920:ESB48123459").status_code == 404
    assert client.get(f"/smp/{quote(PARTICIPANT)}/services/busdox-docid-qns::x").status_code == 404
    assert "no atendido" in client.get("/smp/nonsense").content.decode()


def test_discovery_refuses_to_run_inside_a_transaction(as4_node: Any) -> None:
    from django.db import transaction

    with transaction.atomic(), pytest.raises(RuntimeError, match="transaction"):
        smp.discover("9920:ESB48123459")


def test_sml_style_name_is_derived_from_the_participant() -> None:
    assert smp.sml_smp_url("9920:esb12345678", "edelivery.tech.ec.europa.eu") == (
        "http://B-4ec3cd90acbfcd0672fb2e69968b0520.iso6523-actorid-upis.edelivery.tech.ec.europa.eu"
    )
