"""A partner access point for the in-process tests: it builds Peppol AS4 messages with its own
key (through the ``as4`` package) for the platform under test, and reads the answers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from as4 import AS4LocalPrivateKey
from as4.core.references import AS4References
from as4.peppol import (
    BusdoxDocidQnsDocumentIdentifier,
    PeppolAS4MessageBuilderArgs,
    PeppolAS4Profile,
    PeppolSendingExchange,
    create_peppol_external_party,
    create_peppol_internal_party,
)
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree
from tests.efactura.interconnection.testpki import Issued

EB = "http://docs.oasis-open.org/ebxml-msg/ebms/v3.0/ns/core/200704/"


@dataclass
class Built:
    headers: dict[str, str]
    body: bytes
    exchange: Any


class PartnerAP:
    def __init__(self, issued: Issued) -> None:
        self.issued = issued
        key = serialization.load_pem_private_key(issued.key, None)
        certificate = x509.load_pem_x509_certificate(issued.certificate)
        self.party = create_peppol_internal_party(issued.cn, certificate, AS4LocalPrivateKey(key))  # type: ignore[arg-type]

    def build(
        self,
        payload: bytes,
        *,
        to_certificate: x509.Certificate,
        sender: str,
        recipient: str,
        document_type: str,
        process: str,
        message_id: str | None = None,
        instance_id: str = "4b3c0a4e-5d27-4d8e-9e4f-000000000001",
    ) -> Built:
        from as4 import pinned_certificates  # noqa: F401 - keeps the import surface visible

        references = AS4References(**({"message_id": message_id} if message_id else {}))
        exchange = PeppolSendingExchange(
            profile=PeppolAS4Profile,
            local_party=self.party,
            remote_party=create_peppol_external_party("POP-LOCAL", to_certificate),
            identifiers=references,
        )
        headers, body = exchange.build(
            payload,
            PeppolAS4MessageBuilderArgs(
                sender=sender,
                recipient=recipient,
                document_type_identifier=BusdoxDocidQnsDocumentIdentifier.from_identifier_value(
                    document_type
                ),
                document_identification_instance_identifier=instance_id,
                process_identifier=process,
                c1_country_id="ES",
            ),
        )
        return Built(headers=headers, body=body, exchange=exchange)


def signal_errors(answer: bytes) -> list[str]:
    root = etree.fromstring(answer)
    return [e.get("errorCode", "") for e in root.iter(f"{{{EB}}}Error")]


def is_receipt(answer: bytes) -> bool:
    root = etree.fromstring(answer)
    return next(root.iter(f"{{{EB}}}Receipt"), None) is not None
