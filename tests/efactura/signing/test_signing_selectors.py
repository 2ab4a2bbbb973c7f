"""Expiring certificates, the daily check, signature summaries, and the shared TEST seal."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.template import Context, Template
from django.utils import timezone, translation
from tests.efactura.signing.conftest import P12_PASSWORD

from efactura.signing.models import Certificate
from efactura.signing.selectors import list_expiring_certificates, signature_summary
from efactura.signing.services import do_upload_certificate
from efactura.signing.tasks import check_signing_certificates
from einvoice.signing import make_test_certificate, sign
from einvoice.signing.verify import verify

MakeP12 = Callable[..., bytes]


def test_list_expiring_certificates(
    supplier: Any, supplier_user: Any, customer: Any, make_user: Any, make_p12: MakeP12
) -> None:
    soon = do_upload_certificate(
        company=supplier, actor=supplier_user, p12=make_p12(days=20), password=P12_PASSWORD
    )
    other = make_user("c@example.com", customer)
    later = do_upload_certificate(
        company=customer,
        actor=other,
        p12=make_p12("C", "A39123450", days=90),
        password=P12_PASSWORD,
    )
    assert list(list_expiring_certificates()) == [soon]
    assert list(list_expiring_certificates(days=100)) == [soon, later]
    # Once expired it is no longer "expiring" (the page shows it as expired instead)…
    Certificate.objects.filter(pk=soon.pk).update(not_after=timezone.now() - dt.timedelta(hours=1))
    assert list(list_expiring_certificates()) == []
    # …and the daily check reports it as expired but still in use.
    result = check_signing_certificates.call(100)
    assert result["expiring"] == [later.pk]
    assert result["expired"] == [soon.pk]
    assert isinstance(result["seal_days_left"], int) and result["seal_days_left"] > 3000


def test_check_certificates_command(capsys: Any, db: Any) -> None:
    call_command("check_certificates")
    assert "expiring: 0; expired but in use: 0" in capsys.readouterr().out


def test_signature_summary_of_valid_invalid_and_unsigned() -> None:
    from tests.efactura.signing.conftest import UNSIGNED_322

    from einvoice import formats, totals

    key, cert = make_test_certificate("EMPRESA EJEMPLO SA", "B28015865")
    xml = formats.render(
        "facturae", [totals.compute(formats.parse(UNSIGNED_322.read_bytes()).invoices[0])]
    )
    signed = sign(xml, key=key, certificate=cert)
    with translation.override("en"):
        valid = signature_summary(verify(signed).as_dict())
        assert valid is not None and valid.is_valid and valid.signer == "EMPRESA EJEMPLO SA"
        assert valid.is_test and not valid.platform_seal and valid.tone == "warning"
        assert valid.label == "Signed — TEST certificate, not legally valid"
        broken = signature_summary(
            verify(signed.replace(b"</InvoiceTotal>", b"1</InvoiceTotal>", 1)).as_dict()
        )
        assert broken is not None and not broken.is_valid and broken.tone == "danger"
        assert broken.label == "Invalid signature" and broken.reason
        unsigned = signature_summary(verify(xml).as_dict())
        assert unsigned is not None and unsigned.label == "Unsigned"
        assert signature_summary({}) is None
        html = Template("{% load signatures %}{% signature_box report %}").render(
            Context({"report": verify(signed).as_dict()})
        )
        assert "EMPRESA EJEMPLO SA" in html and "TEST certificate" in html


SEAL_SCRIPT = """
import django
django.setup()
from efactura.signing.services import platform_seal
from einvoice.signing import certs
print(certs.certificate_info(platform_seal().certificate).sha256)
"""


def test_processes_starting_together_share_one_test_seal(tmp_path: Path) -> None:
    """Web server and worker starting at once must not end up with two different seals."""
    folder = tmp_path / "shared"
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("EFACTURA_") and k not in {"DATABASE_URL"}
    }
    env |= {"EFACTURA_DATA_DIR": str(folder), "DJANGO_SETTINGS_MODULE": "efactura.settings"}
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", SEAL_SCRIPT], env=env, stdout=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    fingerprints = {process.communicate(timeout=120)[0].strip() for process in processes}
    assert all(process.returncode == 0 for process in processes)
    assert len(fingerprints) == 1 and len(fingerprints.pop()) == 64
    assert [p.name for p in (folder / "seal").iterdir()] == ["test-seal.p12"]
