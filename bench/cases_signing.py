"""Benchmark cases for XAdES-EPES signing and verification of Facturae.

The document is the corpus invoice ``omeuid/Facturae-3.2.2-valid.xml`` (two lines); the key
is a 2048-bit RSA test seal, the size most Spanish company certificates use.  "sign" covers
the hardened parse, template, libxmlsec1 digests + RSA signature and serialisation;
"verify" covers the hardened parse, structure checks, libxmlsec1 verification, certificate
and policy checks of that signed file.  "verify (diagnose tampered)" is the slower path
taken when a signature fails and every reference is recomputed to name the culprit.
"""

from __future__ import annotations

import datetime as dt

from bench import Case
from tests.corpus import samples

from einvoice.signing import make_test_certificate, sign, verify


def cases() -> list[Case]:
    [path] = [p for p in samples("facturae", "samples") if p.name == "Facturae-3.2.2-valid.xml"]
    data = path.read_bytes()
    key, cert = make_test_certificate("EMPRESA EJEMPLO SA", "B28015865", key_size=2048)
    when = dt.datetime(2026, 3, 2, 10, 30, tzinfo=dt.UTC)
    signed = sign(data, key=key, certificate=cert, signing_time=when)
    tampered = signed.replace(b"<InvoiceTotal>", b"<InvoiceTotal>1", 1)

    def do_sign() -> object:
        return sign(data, key=key, certificate=cert, signing_time=when)

    def do_verify() -> object:
        report = verify(signed)
        assert report.is_valid
        return report

    def do_verify_tampered() -> object:
        report = verify(tampered)
        assert not report.is_valid and report.failed_references
        return report

    note = f"{path.name}, RSA 2048"
    return [
        Case("signing", "sign (sha256)", do_sign, setup_note=note),
        Case("signing", "verify", do_verify, setup_note=note),
        Case("signing", "verify (diagnose tampered)", do_verify_tampered, setup_note=note),
    ]
