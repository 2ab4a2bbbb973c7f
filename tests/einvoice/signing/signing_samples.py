"""Corpus locations and small helpers shared by the signing tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from tests.corpus import CORPUS

FACTURAE_SAMPLES = CORPUS / "facturae" / "samples"
UNSIGNED_322 = FACTURAE_SAMPLES / "omeuid" / "Facturae-3.2.2-valid.xml"
SELLER_322 = "B28015865"
"""Seller tax ID of UNSIGNED_322 (Parties/SellerParty/TaxIdentification)."""

SIGNING_TIME = dt.datetime(2026, 3, 2, 10, 30, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))


@dataclass(frozen=True)
class Identity:
    key: rsa.RSAPrivateKey
    cert: x509.Certificate


def read_index() -> list[dict[str, str]]:
    """Rows of the corpus INDEX.tsv as dictionaries (header: file, version, signed, …)."""
    lines = (FACTURAE_SAMPLES / "INDEX.tsv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    return [dict(zip(header, line.split("\t"), strict=False)) for line in lines[1:] if line]
