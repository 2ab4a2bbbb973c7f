"""Benchmark cases for the platform side of signing: what issuing pays per invoice.

Issuing with a company's own certificate decrypts its PKCS#12 (Fernet) and opens it
(PKCS#12 key derivation) for every invoice, then signs and verifies the fresh signature;
with the seal only the signing and verification remain (the seal is cached per process).
"""

from __future__ import annotations

import os
import tempfile

from bench import Case
from tests.corpus import CORPUS

from einvoice import formats, totals
from einvoice.signing import certs, sign
from einvoice.signing.verify import verify


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "efactura.settings")
    os.environ.setdefault("EFACTURA_DATA_DIR", tempfile.mkdtemp(prefix="efactura-bench-"))
    import django

    django.setup()


def cases() -> list[Case]:
    _django()
    from efactura.signing import crypto
    from efactura.signing.services import platform_seal

    sample = CORPUS / "facturae" / "samples" / "omeuid" / "Facturae-3.2.2-valid.xml"
    draft = formats.parse(sample.read_bytes()).invoices[0]
    xml = formats.render("facturae", [totals.compute(draft)])
    key, cert = certs.make_test_certificate("EMPRESA EJEMPLO SA", "B28015865")
    p12 = certs.to_pkcs12(key, cert, "bench-password")
    token, password_token = crypto.encrypt(p12), crypto.encrypt(b"bench-password")
    seal = platform_seal()

    def open_own_certificate() -> object:
        return certs.load_pkcs12(crypto.decrypt(token), crypto.decrypt(password_token).decode())

    def sign_and_verify_with_seal() -> object:
        signed = sign(xml, key=seal.key, certificate=seal.certificate, role="tercero")
        return verify(signed)

    def issue_signature_with_own_certificate() -> object:
        identity = open_own_certificate()
        signed = sign(xml, key=identity.key, certificate=identity.certificate)  # type: ignore[attr-defined]
        return verify(signed)

    from efactura.signing.models import Certificate
    from efactura.signing.services import _open_certificate

    row = Certificate(
        pk=1, fingerprint="bench", p12_encrypted=token, password_encrypted=password_token
    )

    def issue_signature_cached() -> object:
        identity = _open_certificate(row)
        signed = sign(xml, key=identity.key, certificate=identity.certificate)
        return verify(signed)

    return [
        Case("signing", "decrypt + open own PKCS#12", open_own_certificate, unit="certs"),
        Case("signing", "own cert, opened key cached: sign + verify", issue_signature_cached),
        Case("signing", "sign + verify (platform seal, cached)", sign_and_verify_with_seal),
        Case(
            "signing",
            "decrypt + open + sign + verify (own cert)",
            issue_signature_with_own_certificate,
        ),
    ]
