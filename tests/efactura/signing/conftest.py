"""Fixtures of the signing tests: PKCS#12 files, an isolated data folder for the TEST seal,
invoices issued through the platform, and Debian's xmlsec1 as the independent verifier."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from tests.corpus import CORPUS

from einvoice import formats
from einvoice.signing import certs

UNSIGNED_322 = CORPUS / "facturae" / "samples" / "omeuid" / "Facturae-3.2.2-valid.xml"
P12_PASSWORD = "Cl4ve-del-certificado"
XMLSEC1 = shutil.which("xmlsec1") or "/usr/bin/xmlsec1"
DS = "http://www.w3.org/2000/09/xmldsig#"
XADES = "http://uri.etsi.org/01903/v1.3.2#"


@pytest.fixture(autouse=True)
def _own_data_dir(settings: Any, tmp_path: Path) -> Iterator[None]:
    """Each test gets its own data folder, so the TEST seal is generated fresh."""
    from efactura.signing import services

    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    settings.EFACTURA_SEAL_P12 = ""
    settings.EFACTURA_SEAL_PASSWORD = ""
    services._seal_cache.clear()
    yield
    services._seal_cache.clear()


@pytest.fixture
def make_p12() -> Callable[..., bytes]:
    """A PKCS#12 file with a TEST certificate for ``tax_id``."""

    def make(
        name: str = "SUMINISTROS LEVANTE SL",
        tax_id: str = "B98765431",
        *,
        password: str = P12_PASSWORD,
        days: int = 365,
        not_before: dt.datetime | None = None,
    ) -> bytes:
        key, cert = certs.make_test_certificate(name, tax_id, days=days, not_before=not_before)
        return certs.to_pkcs12(key, cert, password)

    return make


def certificate_pem(p12: bytes, password: str, folder: Path, name: str = "signer.pem") -> Path:
    identity = certs.load_pkcs12(p12, password)
    path = folder / name
    path.write_bytes(identity.certificate.public_bytes(serialization.Encoding.PEM))
    return path


def cert_pem(certificate: x509.Certificate, folder: Path, name: str = "signer.pem") -> Path:
    path = folder / name
    path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return path


def xmlsec1_verify(
    signed: bytes, trusted_pem: Path, folder: Path
) -> subprocess.CompletedProcess[str]:
    """Debian's xmlsec1, trusting only ``trusted_pem`` and taking the key only from it."""
    path = folder / "invoice.xsig"
    path.write_bytes(signed)
    return subprocess.run(
        [
            XMLSEC1,
            "--verify",
            "--enabled-key-data",
            "x509",
            "--trusted-pem",
            str(trusted_pem),
            "--id-attr:Id",
            f"{XADES}:SignedProperties",
            "--id-attr:Id",
            f"{DS}:KeyInfo",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def supplier(make_company: Any) -> Any:
    """The issuing company, with the postal address Facturae requires of a seller."""
    return make_company(
        "Suministros Levante, S.L.",
        tax_id="B98765431",
        address="Calle Mayor 1",
        postal_code="46001",
        city="Valencia",
        province="Valencia",
    )


@pytest.fixture
def draft() -> Any:
    """A complete canonical invoice (the corpus Facturae 3.2.2 sample) to issue."""
    return formats.parse(UNSIGNED_322.read_bytes()).invoices[0]


@pytest.fixture
def issue(supplier: Any, supplier_user: Any, draft: Any) -> Callable[..., Any]:
    """Issue ``draft`` as the supplier through the invoices service."""
    from efactura.invoices.services import do_issue_invoice

    def run(**extra: Any) -> Any:
        return do_issue_invoice(company=supplier, actor=supplier_user, draft=draft, **extra)

    return run


def make_operator_seal(days: int = 730) -> bytes:
    """A seal shaped like an operator's real one (no TEST marks), as PKCS#12."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "ES"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Banco Ejemplo, S.A."),
            x509.NameAttribute(x509.ObjectIdentifier("2.5.4.97"), "VATES-A39123450"),
            x509.NameAttribute(NameOID.COMMON_NAME, "SELLO FACTURACION BANCO EJEMPLO"),
        ]
    )
    start = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=days))
        .sign(key, hashes.SHA256())
    )
    return certs.to_pkcs12(key, cert, "sello-operador")
