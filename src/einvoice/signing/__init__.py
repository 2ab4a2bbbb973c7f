"""XAdES-EPES signatures for Facturae: sign, verify, and the certificates behind them.

``sign(xml, key=…, certificate=…)`` returns the signed bytes (the legal original, archived
as is); ``verify(xml)`` returns a :class:`VerificationReport` saying valid / invalid /
unsigned, what failed, who signed and whether that is the invoice's seller.
See ``docs/signing.md`` for what a Facturae signature contains and why.
"""

from einvoice.signing.certs import (
    TEST_SEAL_ORGANIZATION,
    CertificateInfo,
    SigningIdentity,
    certificate_info,
    load_pkcs12,
    make_test_certificate,
    to_pkcs12,
)
from einvoice.signing.verify import (
    ReferenceCheck,
    ReferenceTarget,
    SignatureStatus,
    VerificationReport,
    verify,
)
from einvoice.signing.xades import POLICY_DIGEST_SHA1, POLICY_IDENTIFIER, ROLES, sign

__all__ = [
    "POLICY_DIGEST_SHA1",
    "POLICY_IDENTIFIER",
    "ROLES",
    "TEST_SEAL_ORGANIZATION",
    "CertificateInfo",
    "ReferenceCheck",
    "ReferenceTarget",
    "SignatureStatus",
    "SigningIdentity",
    "VerificationReport",
    "certificate_info",
    "load_pkcs12",
    "make_test_certificate",
    "sign",
    "to_pkcs12",
    "verify",
]
