"""Uploading, replacing and removing a company's certificate; secrets encrypted at rest."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import translation
from tests.efactura.signing.conftest import P12_PASSWORD

from efactura.audit.models import AuditEntry
from efactura.signing import crypto
from efactura.signing.choices import Policy
from efactura.signing.models import Certificate
from efactura.signing.selectors import get_signing_policy
from efactura.signing.services import (
    do_reencrypt_certificates,
    do_remove_certificate,
    do_upload_certificate,
)

MakeP12 = Callable[..., bytes]


def upload(company: Any, user: Any, p12: bytes, password: str = P12_PASSWORD, **kw: Any) -> Any:
    return do_upload_certificate(
        company=company, actor=user, p12=p12, password=password, filename="empresa.p12", **kw
    )


def test_upload_stores_the_description_and_switches_to_own_certificate(
    supplier: Any, supplier_user: Any, make_p12: MakeP12
) -> None:
    assert get_signing_policy(company=supplier) == Policy.SEAL  # default for new companies
    certificate = upload(supplier, supplier_user, make_p12("SUMINISTROS LEVANTE SL", "B98765431"))
    assert certificate.is_active
    assert certificate.common_name == "SUMINISTROS LEVANTE SL"
    assert certificate.tax_ids == ["B98765431"]
    assert certificate.matches_tax_id(supplier.tax_id)  # ESB98765431 in the company
    assert certificate.is_test
    assert len(certificate.fingerprint) == 64
    assert 360 <= certificate.days_to_expiry <= 365
    assert get_signing_policy(company=supplier) == Policy.OWN
    entry = AuditEntry.objects.get(action="signing.certificate.uploaded")
    assert entry.company_id == supplier.pk and entry.actor_id == supplier_user.pk
    assert P12_PASSWORD not in str(entry.data)


def test_wrong_password_is_a_clear_error_and_stores_nothing(
    supplier: Any, supplier_user: Any, make_p12: MakeP12
) -> None:
    p12 = make_p12()
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        upload(supplier, supplier_user, p12, password="not-the-password")
    assert caught.value.messages == [
        "empresa.p12: The certificate file could not be opened: the password is wrong."
    ]
    with translation.override("es"), pytest.raises(ValidationError) as caught:
        upload(supplier, supplier_user, p12, password="")
    assert caught.value.messages == [
        "empresa.p12: No se pudo abrir el fichero del certificado: la contraseña no es correcta."
    ]
    assert not Certificate.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="signing.").exists()
    assert get_signing_policy(company=supplier) == Policy.SEAL


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"%PDF-1.7\n" + b"x" * 200, "PKCS#12"),
        (b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", "PEM"),
        (b"", "PKCS#12"),
    ],
    ids=["pdf", "pem", "empty"],
)
def test_a_file_that_is_not_pkcs12_is_refused(
    supplier: Any, supplier_user: Any, data: bytes, expected: str
) -> None:
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        upload(supplier, supplier_user, data)
    assert expected in caught.value.messages[0]
    assert "empresa.p12" in caught.value.messages[0]
    assert not Certificate.objects.exists()


def test_an_oversized_file_is_refused_before_parsing(supplier: Any, supplier_user: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        upload(supplier, supplier_user, b"0" * (200 * 1024))
    assert caught.value.code == "too_large"
    assert not Certificate.objects.exists()


def test_an_expired_certificate_is_refused(
    supplier: Any, supplier_user: Any, make_p12: MakeP12
) -> None:
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=400)
    p12 = make_p12(days=365, not_before=long_ago)
    with pytest.raises(ValidationError) as caught:
        upload(supplier, supplier_user, p12)
    assert caught.value.code == "expired"
    expired_on = (long_ago + dt.timedelta(days=365)).astimezone(dt.UTC)
    message = caught.value.messages[0]
    assert "empresa.p12" in message
    assert expired_on.strftime("%d/%m/%Y") in message or expired_on.strftime("%m/%d/%Y") in message
    assert not Certificate.objects.exists()


def test_a_certificate_not_yet_valid_is_refused(
    supplier: Any, supplier_user: Any, make_p12: MakeP12
) -> None:
    p12 = make_p12(not_before=dt.datetime.now(dt.UTC) + dt.timedelta(days=10))
    with pytest.raises(ValidationError) as caught:
        upload(supplier, supplier_user, p12)
    assert caught.value.code == "not_yet_valid"


def test_production_refuses_test_certificates(
    supplier: Any, supplier_user: Any, make_p12: MakeP12, settings: Any
) -> None:
    settings.PRODUCTION = True
    with pytest.raises(ValidationError) as caught:
        upload(supplier, supplier_user, make_p12())
    assert caught.value.code == "test_certificate"
    assert not Certificate.objects.exists()


def test_the_database_never_holds_the_p12_or_its_password_in_clear(
    supplier: Any, supplier_user: Any, make_p12: MakeP12
) -> None:
    p12 = make_p12()
    certificate = upload(supplier, supplier_user, p12)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p12_encrypted, password_encrypted FROM signing_certificate WHERE id = %s",
            [certificate.pk],
        )
        stored_p12, stored_password = (bytes(v) for v in cursor.fetchone())
    assert p12 not in stored_p12 and p12[:64] not in stored_p12
    assert P12_PASSWORD.encode() not in stored_p12 + stored_password
    # …and what is stored decrypts back to exactly what was uploaded.
    assert crypto.decrypt(stored_p12) == p12
    assert crypto.decrypt(stored_password) == P12_PASSWORD.encode()
    # Nothing else in the database mentions the password.
    assert not AuditEntry.objects.filter(data__icontains=P12_PASSWORD).exists()


def test_a_new_upload_replaces_the_certificate_and_erases_the_old_key(
    supplier: Any, supplier_user: Any, make_p12: MakeP12
) -> None:
    first = upload(supplier, supplier_user, make_p12("PRIMERO"))
    second = upload(supplier, supplier_user, make_p12("SEGUNDO"))
    first.refresh_from_db()
    assert not first.is_active and first.retired is not None
    assert bytes(first.p12_encrypted) == b"" and bytes(first.password_encrypted) == b""
    assert second.is_active
    assert list(Certificate.objects.filter(company=supplier, is_active=True)) == [second]


def test_the_database_allows_one_active_certificate_per_company(
    supplier: Any, supplier_user: Any, make_p12: MakeP12
) -> None:
    certificate = upload(supplier, supplier_user, make_p12())
    certificate.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        certificate.save(force_insert=True)


def test_removing_erases_the_key_and_returns_to_the_seal(
    supplier: Any, supplier_user: Any, make_p12: MakeP12
) -> None:
    certificate = upload(supplier, supplier_user, make_p12())
    do_remove_certificate(company=supplier, actor=supplier_user, certificate_id=certificate.pk)
    certificate.refresh_from_db()
    assert not certificate.is_active
    assert bytes(certificate.p12_encrypted) == b""
    assert certificate.common_name  # the description stays for the record
    assert get_signing_policy(company=supplier) == Policy.SEAL
    assert AuditEntry.objects.filter(action="signing.certificate.removed").count() == 1
    with pytest.raises(ValidationError):
        do_remove_certificate(company=supplier, actor=supplier_user, certificate_id=certificate.pk)


def test_another_company_cannot_remove_my_certificate(
    supplier: Any, supplier_user: Any, customer: Any, make_p12: MakeP12
) -> None:
    certificate = upload(supplier, supplier_user, make_p12())
    with pytest.raises(ValidationError):
        do_remove_certificate(company=customer, actor=None, certificate_id=certificate.pk)
    certificate.refresh_from_db()
    assert certificate.is_active


def test_rotating_the_encryption_key(
    supplier: Any, supplier_user: Any, make_p12: MakeP12, settings: Any
) -> None:
    old_key, new_key = "o" * 40, "n" * 40
    settings.EFACTURA_ENCRYPTION_KEY = (old_key,)
    p12 = make_p12()
    certificate = upload(supplier, supplier_user, p12)
    token = bytes(Certificate.objects.get(pk=certificate.pk).p12_encrypted)

    settings.EFACTURA_ENCRYPTION_KEY = (new_key,)
    settings.SECRET_KEY = "s" * 60
    with pytest.raises(crypto.SecretUnreadable):
        crypto.decrypt(token)

    settings.EFACTURA_ENCRYPTION_KEY = (new_key, old_key)
    assert crypto.decrypt(token) == p12
    assert do_reencrypt_certificates() == 1
    settings.EFACTURA_ENCRYPTION_KEY = (new_key,)
    rotated = bytes(Certificate.objects.get(pk=certificate.pk).p12_encrypted)
    assert rotated != token and crypto.decrypt(rotated) == p12


def test_secrets_stored_before_an_encryption_key_was_set_stay_readable(settings: Any) -> None:
    settings.EFACTURA_ENCRYPTION_KEY = ()
    token = crypto.encrypt(b"webhook-secret")
    settings.EFACTURA_ENCRYPTION_KEY = ("k" * 40,)
    assert crypto.decrypt(token) == b"webhook-secret"
