"""Registering partners: clear, bilingual errors for what an operator may get wrong."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from tests.efactura.interconnection.testpki import Issued, TestCA

from efactura.interconnection.selectors import list_partners
from efactura.interconnection.services import do_add_partner

pytestmark = pytest.mark.django_db


def test_partner_is_registered_and_updated_by_certificate(
    as4_node: Any, partner_issued: Issued
) -> None:
    first = do_add_partner(
        name="banco-b",
        smp_url="https://smp.banco-b.example/",
        certificate_pem=partner_issued.certificate,
    )
    again = do_add_partner(
        name="banco-b",
        smp_url="https://smp2.banco-b.example",
        certificate_pem=partner_issued.certificate,
    )
    assert first.pk == again.pk and again.party_id == "POP-PARTNER"
    assert [p.smp_url for p in list_partners()] == ["https://smp2.banco-b.example"]


def test_bad_input_is_refused_with_a_sentence_in_both_languages(
    as4_node: Any, partner_issued: Issued
) -> None:
    english = translation.override("en")
    with english, pytest.raises(ValidationError, match="not an http"):
        do_add_partner(name="x", smp_url="ftp://nope", certificate_pem=partner_issued.certificate)
    with english, pytest.raises(ValidationError, match=r"not a PEM X\.509 certificate"):
        do_add_partner(name="x", smp_url="https://smp.example", certificate_pem=b"hello")
    stranger = TestCA("Another CA").issue("POP-STRANGER")
    with english, pytest.raises(ValidationError, match="not trusted"):
        do_add_partner(
            name="x", smp_url="https://smp.example", certificate_pem=stranger.certificate
        )
    with translation.override("es"), pytest.raises(ValidationError, match="no es de confianza"):
        do_add_partner(
            name="x", smp_url="https://smp.example", certificate_pem=stranger.certificate
        )
    with translation.override("es"), pytest.raises(ValidationError, match="no es un certificado"):
        do_add_partner(name="x", smp_url="https://smp.example", certificate_pem=b"hola")
    assert list_partners() == []
