"""Fixtures of the interconnection tests: a test CA the platform trusts, this platform's AS4
credential, one registered partner, and the local customer company."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.efactura.interconnection.testpki import Issued, TestCA


@pytest.fixture(scope="session")
def ca() -> TestCA:
    return TestCA()


@pytest.fixture(scope="session")
def node_issued(ca: TestCA) -> Issued:
    return ca.issue("POP-LOCAL")


@pytest.fixture(scope="session")
def partner_issued(ca: TestCA) -> Issued:
    return ca.issue("POP-PARTNER")


@pytest.fixture
def as4_node(db: Any, settings: Any, tmp_path: Path, ca: TestCA, node_issued: Issued) -> Any:
    """This platform trusts ``ca`` and holds a certificate it issued."""
    from efactura.interconnection import pki

    trust = tmp_path / "trust.pem"
    trust.write_bytes(ca.pem)
    settings.EFACTURA_AS4_TRUST_ANCHORS = str(trust)
    settings.EFACTURA_BASE_URL = "http://testserver"
    return pki.do_install_credential(
        certificate_pem=node_issued.certificate, key_pem=node_issued.key
    )


@pytest.fixture
def partner(as4_node: Any, partner_issued: Issued) -> Any:
    from efactura.interconnection.services import do_add_partner

    return do_add_partner(
        name="banco-b", smp_url="http://127.0.0.1:9/smp", certificate_pem=partner_issued.certificate
    )


@pytest.fixture(scope="session", autouse=True)
def _import_threads_closed_before_the_test_database_goes(django_db_setup: Any) -> Iterator[None]:
    """The AS4 import threads keep a database connection; they stop (and close it) before
    the test database is dropped, which PostgreSQL refuses while sessions are open."""
    yield
    from efactura.interconnection.services import shutdown_import_pool

    shutdown_import_pool()


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_caches() -> None:
    """Each test has its own database: no credential or revocation answer of another test."""
    from efactura.interconnection import pki, revocation

    pki.forget_cached_credential()
    revocation.clear_cache()
