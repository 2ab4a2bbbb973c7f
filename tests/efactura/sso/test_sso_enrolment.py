"""Enrolment at the branch: the service, the admin, and ``efactura enrol``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from tests.efactura.cli.test_cli_commands import efactura, shell

from efactura.audit.models import AuditEntry
from efactura.sso.models import Enrolment
from efactura.sso.services import canonical_national_id, do_enrol, do_set_enrolment_active


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [("12345678z", "12345678Z"), ("12.345.678-Z", "12345678Z"), ("x-1234567-l", "X1234567L")],
)
def test_national_ids_are_stored_canonical(raw: str, canonical: str) -> None:
    assert canonical_national_id(raw) == canonical


@pytest.mark.parametrize("raw", ["12345678A", "B12345674", "hello"])
def test_invalid_national_ids_are_refused(raw: str) -> None:
    with (
        translation.override("en"),
        pytest.raises(ValidationError, match="is not a valid Spanish DNI or NIE"),
    ):
        canonical_national_id(raw)


@pytest.mark.django_db
def test_enrol_validates_and_audits(customer: Any) -> None:
    with translation.override("en"):
        with pytest.raises(ValidationError, match="subject at the bank"):
            do_enrol(company=customer, role="admin")
        with pytest.raises(ValidationError, match="Unknown role"):
            do_enrol(company=customer, subject="bank-1", role="owner")

    enrolment = do_enrol(company=customer, subject="bank-1", role="viewer")
    same = do_enrol(company=customer, subject="bank-1", role="admin")
    do_set_enrolment_active(enrolment=same, active=False)

    assert same.pk == enrolment.pk
    assert Enrolment.objects.get().role == "admin"
    assert list(
        AuditEntry.objects.filter(action__startswith="sso.")
        .values_list("action", flat=True)
        .order_by("pk")
    ) == [
        "sso.enrolment.created",
        "sso.enrolment.changed",
        "sso.enrolment.disabled",
    ]


@pytest.mark.django_db
def test_the_admin_enrols_through_the_service(admin_client: Any, customer: Any) -> None:
    answer = admin_client.post(
        "/admin/sso/enrolment/add/",
        {
            "company": customer.pk,
            "subject": "",
            "national_id": "12.345.678-z",
            "role": "accountant",
            "is_active": "on",
            "note": "oficina 0042",
        },
    )

    assert answer.status_code == 302, answer.content.decode()[:3000]
    enrolment = Enrolment.objects.get()
    assert (enrolment.national_id, enrolment.role) == ("12345678Z", "accountant")
    assert AuditEntry.objects.filter(action="sso.enrolment.created").exists()
    refused = admin_client.post(
        "/admin/sso/enrolment/add/",
        {"company": customer.pk, "role": "viewer", "is_active": "on"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert refused.status_code == 200
    assert "subject at the bank" in refused.content.decode()


def test_efactura_enrol_command(tmp_path: Path) -> None:
    data = tmp_path / "data"
    added = efactura(
        data,
        "company",
        "add",
        "--tax-id",
        "A39123450",
        "--name",
        "Cantábrica",
        "--email",
        "c@example.com",
    )
    assert added.returncode == 0, added.stderr

    ok = efactura(
        data, "enrol", "--company", "A39123450", "--national-id", "12345678z", "--role", "admin"
    )
    by_sub = efactura(
        data, "enrol", "--company", "A39123450", "--subject", "bank-7", "--role", "viewer"
    )
    disabled = efactura(data, "enrol", "--company", "A39123450", "--subject", "bank-7", "--disable")

    assert ok.returncode == 0, ok.stderr
    assert "12345678z is enrolled as admin of Cantábrica (ESA39123450)" in ok.stdout
    assert by_sub.returncode == 0 and disabled.returncode == 0, by_sub.stderr + disabled.stderr
    rows = shell(
        data,
        "from efactura.sso.models import Enrolment as E\n"
        "print(sorted((e.subject, e.national_id, e.role, e.is_active) for e in E.objects.all()))",
    )
    assert rows == "[('', '12345678Z', 'admin', True), ('bank-7', '', 'viewer', False)]"

    # Mistakes: one sentence on standard error, exit status 2, never a traceback.
    for args, sentence in [
        (["--national-id", "12345678A", "--role", "admin"], "not a valid Spanish DNI"),
        (["--subject", "x"], "--role is required"),
        (["--subject", "nobody", "--disable"], "nobody is not enrolled"),
        (["--role", "admin"], "one of the arguments --subject --national-id is required"),
    ]:
        result = efactura(data, "enrol", "--company", "A39123450", *args)
        assert result.returncode == 2, result.stdout
        assert sentence in result.stderr and "Traceback" not in result.stderr, result.stderr
    unknown = efactura(data, "enrol", "--company", "B12345674", "--subject", "x", "--role", "admin")
    assert unknown.returncode == 2 and "No company with tax ID" in unknown.stderr
