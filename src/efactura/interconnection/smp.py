"""SMP: publishing this platform's participants, and discovering other platforms' ones.

Publishing (Peppol SMP 1.0 REST, ``http://busdox.org/serviceMetadata/publishing/1.0/``):
``GET {smp}/{scheme}::{participant}`` → ``ServiceGroup``;
``GET {smp}/{scheme}::{participant}/services/{scheme}::{document type}`` →
``SignedServiceMetadata`` with an enveloped XML-DSig (RSA-SHA256, SHA-256, inclusive c14n,
``KeyInfo/X509Data`` with subject and certificate) made with this platform's AS4 credential.

Discovery asks the SMPs of the configured partners (and, when ``EFACTURA_SML_ZONE`` is set,
the SMP an SML-style DNS zone names) and caches the answer for ``EFACTURA_AS4_DISCOVERY_TTL``
seconds in the database, so web and worker processes share it.  A lookup is refused inside
an open database transaction: network calls never hold a transaction or a lock.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import logging
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote

import httpx
import xmlsec as _xmlsec
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.db import connection
from django.utils import timezone
from lxml import etree

from efactura.interconnection import config, pki
from efactura.interconnection.choices import (
    DOCUMENT_SCHEME,
    DSIG_NS,
    IDS_NS,
    PARTICIPANT_SCHEME,
    PROCESS_SCHEME,
    PUBLISHED_DOCUMENTS,
    SMP_NS,
    TRANSPORT_PROFILE,
    WSA_NS,
)
from efactura.interconnection.models import DiscoveryEntry, Partner
from einvoice.xml import parse_bytes

logger = logging.getLogger(__name__)

xmlsec: Any = _xmlsec  # python-xmlsec ships incomplete type stubs

NS = {"smp": SMP_NS, "ids": IDS_NS, "wsa": WSA_NS, "ds": DSIG_NS}


class SMPError(Exception):
    """An SMP answer that cannot be used (unsigned, untrusted, malformed)."""


class DiscoveryUnavailable(Exception):
    """No SMP served the participant and at least one could not be asked: try again later."""


def participant_key(participant: str) -> str:
    """``iso6523-actorid-upis::9920:ESB12345678`` (value upper-cased: Peppol compares
    participant identifiers case-insensitively)."""
    return f"{PARTICIPANT_SCHEME}::{participant.upper()}"


# ---------------------------------------------------------------------------------------------
# Publishing
# ---------------------------------------------------------------------------------------------


def _el(
    parent: etree._Element | None, ns: str, name: str, text: str | None = None, **attrs: str
) -> etree._Element:
    tag = f"{{{ns}}}{name}"
    element = (
        etree.Element(tag, attrs, nsmap={None: SMP_NS, "ids": IDS_NS})  # type: ignore[dict-item]
        if parent is None
        else etree.SubElement(parent, tag, attrs)
    )
    if text is not None:
        element.text = text
    return element


def service_group(*, participant: str) -> bytes:
    """The ``ServiceGroup`` of a participant served here (references to its documents)."""
    root = _el(None, SMP_NS, "ServiceGroup")
    _el(root, IDS_NS, "ParticipantIdentifier", participant.upper(), scheme=PARTICIPANT_SCHEME)
    collection = _el(root, SMP_NS, "ServiceMetadataReferenceCollection")
    base = f"{config.smp_url()}/{quote(participant_key(participant), safe='')}/services/"
    for document, _process in PUBLISHED_DOCUMENTS:
        href = base + quote(f"{DOCUMENT_SCHEME}::{document}", safe="")
        _el(collection, SMP_NS, "ServiceMetadataReference", href=href)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def published_process(document: str) -> str | None:
    return dict(PUBLISHED_DOCUMENTS).get(document)


def signed_service_metadata(*, participant: str, document: str) -> bytes:
    """The signed endpoint of one document type of a participant served here."""
    process = published_process(document)
    if process is None:
        raise KeyError(document)
    own = pki.credential()
    root = _el(None, SMP_NS, "SignedServiceMetadata")
    information = _el(_el(root, SMP_NS, "ServiceMetadata"), SMP_NS, "ServiceInformation")
    _el(
        information, IDS_NS, "ParticipantIdentifier", participant.upper(), scheme=PARTICIPANT_SCHEME
    )
    _el(information, IDS_NS, "DocumentIdentifier", document, scheme=DOCUMENT_SCHEME)
    process_element = _el(_el(information, SMP_NS, "ProcessList"), SMP_NS, "Process")
    _el(process_element, IDS_NS, "ProcessIdentifier", process, scheme=PROCESS_SCHEME)
    endpoint = _el(
        _el(process_element, SMP_NS, "ServiceEndpointList"),
        SMP_NS,
        "Endpoint",
        transportProfile=TRANSPORT_PROFILE,
    )
    reference = etree.SubElement(
        endpoint,
        f"{{{WSA_NS}}}EndpointReference",
        nsmap={None: WSA_NS},  # type: ignore[dict-item]
    )
    etree.SubElement(reference, f"{{{WSA_NS}}}Address").text = config.as4_url()
    _el(endpoint, SMP_NS, "RequireBusinessLevelSignature", "false")
    der = own.certificate.public_bytes(serialization.Encoding.DER)
    _el(endpoint, SMP_NS, "Certificate", base64.b64encode(der).decode())
    _el(endpoint, SMP_NS, "ServiceDescription", "efactura access point")
    _el(endpoint, SMP_NS, "TechnicalContactUrl", config.base_url())
    return _sign(root, own)


def _sign(root: etree._Element, own: pki.Credential) -> bytes:
    signature = xmlsec.template.create(root, xmlsec.Transform.C14N, xmlsec.Transform.RSA_SHA256)
    root.append(signature)
    reference = xmlsec.template.add_reference(signature, xmlsec.Transform.SHA256, uri="")
    xmlsec.template.add_transform(reference, xmlsec.Transform.ENVELOPED)
    key_info = xmlsec.template.ensure_key_info(signature)
    data = xmlsec.template.add_x509_data(key_info)
    xmlsec.template.x509_data_add_subject_name(data)
    xmlsec.template.x509_data_add_certificate(data)
    key_pem = own.key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    key = xmlsec.Key.from_memory(key_pem, xmlsec.KeyFormat.PEM)
    key.load_cert_from_memory(own.pem.encode(), xmlsec.KeyFormat.CERT_PEM)
    context = xmlsec.SignatureContext()
    context.key = key
    context.sign(signature)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


# ---------------------------------------------------------------------------------------------
# Reading other SMPs
# ---------------------------------------------------------------------------------------------


def verify_signed_metadata(data: bytes) -> etree._Element:
    """Check the SMP's signature (whole document, certificate on the trust list); return the
    ``ServiceInformation`` element.  Raises :class:`SMPError`."""
    try:
        root = parse_bytes(data).getroot()
    except Exception as exc:
        raise SMPError(f"the service metadata is not well-formed XML ({exc})") from None
    signatures = root.findall(f"{{{DSIG_NS}}}Signature")
    if root.tag != f"{{{SMP_NS}}}SignedServiceMetadata" or len(signatures) != 1:
        raise SMPError("the answer is not a SignedServiceMetadata with one signature")
    signature = signatures[0]
    references = signature.findall("ds:SignedInfo/ds:Reference", namespaces=NS)
    if len(references) != 1 or references[0].get("URI") != "":
        raise SMPError("the SMP signature does not cover the whole document")
    der = signature.findtext("ds:KeyInfo/ds:X509Data/ds:X509Certificate", namespaces=NS)
    if not der:
        raise SMPError("the SMP signature carries no certificate")
    try:
        certificate = x509.load_der_x509_certificate(base64.b64decode("".join(der.split())))
        pki.check_trusted(certificate)
    except (ValueError, pki.UntrustedSignerError) as exc:
        raise SMPError(f"the SMP certificate is not trusted ({exc})") from None
    context = xmlsec.SignatureContext()
    context.key = xmlsec.Key.from_memory(
        certificate.public_bytes(serialization.Encoding.PEM), xmlsec.KeyFormat.CERT_PEM
    )
    try:
        context.verify(signature)
    except xmlsec.Error:
        raise SMPError("the SMP signature does not verify") from None
    information = root.find("smp:ServiceMetadata/smp:ServiceInformation", namespaces=NS)
    if information is None:
        raise SMPError("the service metadata has no ServiceInformation")
    return information


@dataclass(frozen=True)
class Endpoint:
    """Where and how to send one document type to a participant."""

    url: str
    certificate: str
    """PEM of the receiving access point's certificate (encryption and expected signer)."""
    process: str
    smp: str
    partner: str

    def as_dict(self) -> dict[str, str]:
        return {
            "url": self.url,
            "certificate": self.certificate,
            "process": self.process,
            "smp": self.smp,
            "partner": self.partner,
        }


def _endpoint(information: etree._Element, *, smp: str, partner: str) -> Endpoint | None:
    for process in information.findall("smp:ProcessList/smp:Process", namespaces=NS):
        for endpoint in process.findall("smp:ServiceEndpointList/smp:Endpoint", namespaces=NS):
            if endpoint.get("transportProfile") != TRANSPORT_PROFILE:
                continue
            address = endpoint.findtext("wsa:EndpointReference/wsa:Address", namespaces=NS)
            der = endpoint.findtext("smp:Certificate", namespaces=NS)
            if not address or not der:
                continue
            try:
                certificate = x509.load_der_x509_certificate(base64.b64decode("".join(der.split())))
                pki.check_trusted(certificate)
            except (ValueError, pki.UntrustedSignerError) as exc:
                raise SMPError(f"the endpoint certificate is not trusted ({exc})") from None
            return Endpoint(
                url=address.strip(),
                certificate=certificate.public_bytes(serialization.Encoding.PEM).decode(),
                process=process.findtext("ids:ProcessIdentifier", namespaces=NS) or "",
                smp=smp,
                partner=partner,
            )
    return None


def _ask_smp(client: httpx.Client, smp: str, participant: str, partner: str) -> dict[str, Endpoint]:
    """The endpoints one SMP publishes for ``participant`` ({} when it does not serve it)."""
    base = smp.rstrip("/")
    answer = client.get(f"{base}/{quote(participant_key(participant), safe='')}")
    if answer.status_code == 404:
        return {}
    answer.raise_for_status()
    try:
        group = parse_bytes(answer.content).getroot()
    except Exception as exc:
        raise SMPError(f"the service group is not well-formed XML ({exc})") from None
    wanted = {document for document, _process in PUBLISHED_DOCUMENTS}
    found: dict[str, Endpoint] = {}
    for reference in group.findall(
        "smp:ServiceMetadataReferenceCollection/smp:ServiceMetadataReference", namespaces=NS
    ):
        href = reference.get("href") or ""
        document = unquote(href.rsplit("/services/", 1)[-1]).split("::", 1)[-1]
        if document not in wanted:
            continue
        metadata = client.get(href)
        metadata.raise_for_status()
        endpoint = _endpoint(verify_signed_metadata(metadata.content), smp=base, partner=partner)
        if endpoint is not None:
            found[document] = endpoint
    return found


def sml_smp_url(participant: str, zone: str) -> str:
    """The SMP host the legacy CNAME form of an SML zone names for ``participant`` (BDMSL:
    ``B-`` + MD5 hex of the lower-cased value, then scheme and zone)."""
    digest = hashlib.md5(participant.lower().encode(), usedforsecurity=False).hexdigest()
    return f"http://B-{digest}.{PARTICIPANT_SCHEME}.{zone.strip('.')}"


def sml_naptr_name(participant: str, zone: str) -> str:
    """The DNS name Peppol's SML publishes the U-NAPTR record of ``participant`` under.

    Peppol Policy for use of Identifiers (POLICY 7) and the Peppol SML specification (1.2+):
    Base32 (RFC 4648, ``=`` padding stripped) of the SHA-256 of the lower-cased participant
    identifier value (``9920:esb12345678``, without the ``iso6523-actorid-upis`` scheme),
    then the scheme and the SML zone."""
    digest = hashlib.sha256(participant.lower().encode()).digest()
    label = base64.b32encode(digest).decode().rstrip("=")
    return f"{label}.{PARTICIPANT_SCHEME}.{zone.strip('.')}"


def _resolver() -> Any:
    import dns.resolver

    servers = [s for s in getattr(settings, "EFACTURA_SML_NAMESERVERS", []) if s]
    if not servers:
        resolver = dns.resolver.Resolver()
    else:
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = []
        for server in servers:
            # "IP:port" (one colon); an IPv6 address alone has several.
            host, sep, port = server.rpartition(":")
            if server.count(":") != 1 or not sep:
                host, port = server, ""
            resolver.nameservers.append(host)
            if port:
                resolver.port = int(port)
    timeout = float(config.setting("HTTP_TIMEOUT_SECONDS"))
    resolver.lifetime = min(timeout, 10.0)
    return resolver


def sml_naptr_lookup(participant: str, zone: str) -> str | None:
    """The SMP base URL the SML zone's U-NAPTR record (service ``Meta:SMP``) names, or
    ``None`` when the zone does not know the participant.  Raises :class:`SMLUnavailable`
    when the DNS could not be asked."""
    import dns.exception
    import dns.resolver

    name = sml_naptr_name(participant, zone)
    try:
        answers = _resolver().resolve(name, "NAPTR", raise_on_no_answer=False)
    except dns.resolver.NXDOMAIN:
        return None
    except dns.exception.DNSException as exc:
        raise SMLUnavailable(f"the SML zone {zone} did not answer for {name} ({exc})") from None
    if answers.rrset is None:
        return None
    for record in sorted(answers.rrset, key=lambda r: (r.order, r.preference)):
        # U-NAPTR (RFC 4848): flag "U", the replacement is in the regexp's substitution.
        if record.flags.decode().upper() != "U" or record.service.decode() != "Meta:SMP":
            continue
        regexp = record.regexp.decode()
        if len(regexp) < 3:
            continue
        parts = regexp[1:].split(regexp[0])
        if len(parts) < 2:
            continue
        try:
            url = re.sub(parts[0], parts[1], name, count=1)
        except re.error:
            continue
        if url.startswith(("https://", "http://")):
            return url.rstrip("/")
    return None


class SMLUnavailable(Exception):
    """The SML's DNS could not be asked (timeout, SERVFAIL): try again later."""


def _sml_sources(participant: str) -> list[tuple[str, str]]:
    """(SMP URL, label) the configured SML zone names for ``participant`` (network call)."""
    zone = str(getattr(settings, "EFACTURA_SML_ZONE", "") or "")
    if not zone:
        return []
    if getattr(settings, "EFACTURA_SML_LOOKUP", "naptr") == "cname":
        return [(sml_smp_url(participant, zone), f"SML {zone}")]
    url = sml_naptr_lookup(participant, zone)
    return [] if url is None else [(url, f"SML {zone}")]


def _sources(participant: str) -> list[tuple[str, str]]:
    return [(p.smp_url, p.name) for p in Partner.objects.filter(is_active=True)]


def has_sources() -> bool:
    """Is there anywhere to look recipients up (partners or an SML zone)?"""
    return (
        bool(getattr(settings, "EFACTURA_SML_ZONE", ""))
        or Partner.objects.filter(is_active=True).exists()
    )


def cached(participant: str) -> dict[str, dict[str, str]] | None:
    """The cached discovery answer, or ``None`` when there is none or it expired."""
    entry = DiscoveryEntry.objects.filter(
        participant=participant.upper(), expires__gt=timezone.now()
    ).first()
    return None if entry is None else dict(entry.endpoints)


def discover(participant: str, *, refresh: bool = False) -> dict[str, dict[str, str]]:
    """Document type → endpoint for ``participant`` ({}: no configured SMP serves it).

    Never call inside a database transaction (the lookup is a network call).
    """
    if connection.in_atomic_block:
        raise RuntimeError("SMP discovery must not run inside a database transaction")
    if not refresh:
        hit = cached(participant)
        if hit is not None:
            return hit
    endpoints: dict[str, Endpoint] = {}
    problems: list[str] = []
    timeout = float(config.setting("HTTP_TIMEOUT_SECONDS"))
    sources = _sources(participant)
    try:
        sources += _sml_sources(participant)
    except SMLUnavailable as exc:
        logger.warning("SML lookup for %s failed: %s", participant, exc)
        problems.append(str(exc))
    with httpx.Client(timeout=timeout) as client:
        for smp, partner in sources:
            try:
                endpoints = _ask_smp(client, smp, participant, partner)
            except (httpx.HTTPError, SMPError) as exc:
                logger.warning("SMP %s could not answer for %s: %s", smp, participant, exc)
                problems.append(f"{partner}: {exc}")
                continue
            if endpoints:
                break
    if not endpoints and problems:
        # "Not found" is only believed when every SMP answered; otherwise ask again later.
        raise DiscoveryUnavailable("; ".join(problems))
    answer: dict[str, Any] = {doc: e.as_dict() for doc, e in endpoints.items()}
    ttl = float(config.setting("DISCOVERY_TTL_SECONDS"))
    DiscoveryEntry.objects.update_or_create(
        participant=participant.upper(),
        defaults={"endpoints": answer, "expires": timezone.now() + dt.timedelta(seconds=ttl)},
    )
    return answer
