"""Shared fixtures for the signing tests: test certificates and signed corpus invoices."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.einvoice.signing.signing_samples import (
    SELLER_322,
    SIGNING_TIME,
    UNSIGNED_322,
    Identity,
)

from einvoice.signing import make_test_certificate, sign


@pytest.fixture(scope="session")
def seller() -> Identity:
    """A test company seal for the seller of UNSIGNED_322."""
    key, cert = make_test_certificate("EMPRESA EJEMPLO SA", SELLER_322)
    return Identity(key, cert)


@pytest.fixture(scope="session")
def stranger() -> Identity:
    """A natural person's test certificate unrelated to the corpus invoices."""
    key, cert = make_test_certificate("PEREZ GOMEZ JUAN", "12345678Z")
    return Identity(key, cert)


@pytest.fixture(scope="session")
def unsigned_xml() -> bytes:
    return UNSIGNED_322.read_bytes()


@pytest.fixture(scope="session")
def signed_xml(unsigned_xml: bytes, seller: Identity) -> bytes:
    return sign(unsigned_xml, key=seller.key, certificate=seller.cert, signing_time=SIGNING_TIME)


@pytest.fixture
def write(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Write bytes to a file in tmp_path and return its path."""

    def _write(name: str, data: bytes) -> Path:
        path = tmp_path / name
        path.write_bytes(data)
        return path

    return _write
