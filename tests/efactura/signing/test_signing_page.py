"""The Certificates page (Tools › Set-up › Certificates)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from tests.efactura.signing.conftest import P12_PASSWORD

from efactura.signing.choices import Policy
from efactura.signing.models import Certificate
from efactura.signing.selectors import get_signing_policy
from efactura.signing.services import do_upload_certificate

MakeP12 = Callable[..., bytes]
PAGE = "/setup/certificates/"


def english(client: Any) -> Any:
    client.cookies["django_language"] = "en"
    return client


def test_the_page_shows_the_test_seal_and_the_default_policy(supplier_client: Any) -> None:
    response = english(supplier_client).get(reverse("web:certificates"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "This platform signs with a TEST seal" in html
    assert "TEST seal — not legally valid" in html
    assert 'value="seal" ' in html and "checked" in html.split('value="seal"')[1][:80]
    assert "Upload your certificate" in html
    assert response.headers["Cache-Control"] == "no-store"


def test_uploading_through_the_page(supplier_client: Any, supplier: Any, make_p12: MakeP12) -> None:
    client = english(supplier_client)
    p12 = make_p12("SUMINISTROS LEVANTE SL", "B98765431")
    response = client.post(
        reverse("web:certificate_upload"),
        {"file": SimpleUploadedFile("levante.pfx", p12), "password": P12_PASSWORD},
    )
    assert response.status_code == 302
    page = client.get(reverse("web:certificates")).content.decode()
    assert "is uploaded and now signs your invoices" in page
    assert "SUMINISTROS LEVANTE SL" in page
    assert "B98765431" in page and "Matches ESB98765431" in page
    assert "TEST certificate" in page  # the uploaded test certificate is labelled
    assert "Invoices are signed with the certificate of SUMINISTROS LEVANTE SL" in page
    assert P12_PASSWORD not in page
    assert get_signing_policy(company=supplier) == Policy.OWN


def test_wrong_password_on_the_page_names_the_file_and_stores_nothing(
    supplier_client: Any, make_p12: MakeP12
) -> None:
    client = english(supplier_client)
    response = client.post(
        reverse("web:certificate_upload"),
        {"file": SimpleUploadedFile("levante.p12", make_p12()), "password": "wrong-one"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "levante.p12: The certificate file could not be opened: the password is wrong." in html
    assert "wrong-one" not in html  # the password is never rendered back
    assert 'aria-invalid="true"' in html
    assert not Certificate.objects.exists()


def test_a_certificate_for_another_tax_id_is_flagged(
    supplier_client: Any, supplier: Any, supplier_user: Any, make_p12: MakeP12
) -> None:
    do_upload_certificate(
        company=supplier,
        actor=supplier_user,
        p12=make_p12("GARCIA LOPEZ ANA", "12345678Z"),
        password=P12_PASSWORD,
    )
    html = english(supplier_client).get(reverse("web:certificates")).content.decode()
    assert "Does not name ESB98765431" in html
    assert "12345678Z" in html


def test_expiry_within_30_days_is_warned(
    supplier_client: Any, supplier: Any, supplier_user: Any, make_p12: MakeP12
) -> None:
    certificate = do_upload_certificate(
        company=supplier, actor=supplier_user, p12=make_p12(days=12), password=P12_PASSWORD
    )
    html = english(supplier_client).get(reverse("web:certificates")).content.decode()
    assert "Your certificate expires in 11 days" in html or "expires in 12 days" in html
    Certificate.objects.filter(pk=certificate.pk).update(
        not_after=timezone.now() - dt.timedelta(days=1)
    )
    html = english(supplier_client).get(reverse("web:certificates")).content.decode()
    assert "Invoices cannot be issued right now" in html
    assert "Your certificate has expired" in html


def test_changing_the_policy_and_removing(
    supplier_client: Any, supplier: Any, supplier_user: Any, make_p12: MakeP12
) -> None:
    client = english(supplier_client)
    response = client.post(reverse("web:signing_policy"), {"policy": "own"})
    assert response.status_code == 400
    assert "Upload your company" in response.content.decode()
    response = client.post(reverse("web:signing_policy"), {"policy": "refuse"})
    assert response.status_code == 302
    html = client.get(reverse("web:certificates")).content.decode()
    assert "Invoices cannot be issued right now" in html
    certificate = do_upload_certificate(
        company=supplier, actor=supplier_user, p12=make_p12(), password=P12_PASSWORD
    )
    response = client.post(reverse("web:certificate_remove", args=[certificate.pk]))
    assert response.status_code == 302
    certificate.refresh_from_db()
    assert not certificate.is_active and bytes(certificate.p12_encrypted) == b""
    html = client.get(reverse("web:certificates")).content.decode()
    assert "its private key has been erased" in html
    assert "Earlier certificates" in html


def test_viewers_see_but_cannot_change(
    client: Any, supplier: Any, make_user: Any, make_p12: MakeP12
) -> None:
    viewer = make_user("lector@example.com", supplier, role="viewer")
    client.force_login(viewer)
    english(client)
    html = client.get(reverse("web:certificates")).content.decode()
    assert "Only administrators of the company can change this." in html
    assert "Upload certificate" not in html
    response = client.post(
        reverse("web:certificate_upload"),
        {"file": SimpleUploadedFile("x.p12", make_p12()), "password": P12_PASSWORD},
    )
    assert response.status_code == 403
    assert client.post(reverse("web:signing_policy"), {"policy": "refuse"}).status_code == 403
    assert not Certificate.objects.exists()
    assert get_signing_policy(company=supplier) == Policy.SEAL


def test_another_companys_certificate_is_not_found(
    supplier_client: Any, customer: Any, make_user: Any, make_p12: MakeP12
) -> None:
    owner = make_user("otra@example.com", customer)
    theirs = do_upload_certificate(
        company=customer, actor=owner, p12=make_p12("OTRA", "A39123450"), password=P12_PASSWORD
    )
    response = supplier_client.post(reverse("web:certificate_remove", args=[theirs.pk]))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.is_active


def test_anonymous_users_are_sent_to_login(client: Any) -> None:
    response = client.get(PAGE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
