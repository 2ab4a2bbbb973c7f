"""SML discovery through Peppol's U-NAPTR records, against a real DNS server (dnslib) on a
free UDP port of localhost, and the legacy CNAME form as the fallback option."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import dns.resolver
import pytest
from dnslib import NAPTR, QTYPE, RCODE, RR, DNSRecord
from dnslib.server import BaseResolver, DNSServer
from tests.efactura.invoices.helpers import BUYER_TAX_ID, company

from efactura.interconnection import smp
from efactura.interconnection.choices import INVOICE_UBL

ZONE = "sml.efactura.test"
PARTICIPANT = f"9920:ES{BUYER_TAX_ID}"


class Zone(BaseResolver):  # type: ignore[misc]
    """Answers NAPTR queries from a dict name → records; NXDOMAIN for anything else."""

    def __init__(self) -> None:
        self.records: dict[str, list[NAPTR]] = {}
        self.asked: list[str] = []

    def resolve(self, request: DNSRecord, handler: Any) -> DNSRecord:
        reply = request.reply()
        name = str(request.q.qname).rstrip(".").lower()
        self.asked.append(name)
        records = self.records.get(name)
        if records is None:
            reply.header.rcode = RCODE.NXDOMAIN
        elif request.q.qtype == QTYPE.NAPTR:
            for record in records:
                reply.add_answer(RR(request.q.qname, QTYPE.NAPTR, rdata=record, ttl=60))
        return reply

    def publish(self, participant: str, zone: str, url: str) -> None:
        name = smp.sml_naptr_name(participant, zone).lower()
        self.records[name] = [
            # A record of another service first: only "Meta:SMP" with flag U counts.
            NAPTR(10, 10, b"U", b"Meta:other", b"!^.*$!https://elsewhere.example!", "."),
            NAPTR(100, 10, b"U", b"Meta:SMP", f"!^.*$!{url}!".encode(), "."),
        ]


@pytest.fixture
def dns_zone(settings: Any) -> Iterator[Zone]:
    zone = Zone()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    server = DNSServer(zone, address="127.0.0.1", port=port)
    server.start_thread()
    settings.EFACTURA_SML_ZONE = ZONE
    settings.EFACTURA_SML_LOOKUP = "naptr"
    settings.EFACTURA_SML_NAMESERVERS = [f"127.0.0.1:{port}"]
    zone.port = port  # type: ignore[attr-defined]
    try:
        yield zone
    finally:
        server.stop()


def test_naptr_name_follows_the_peppol_hash() -> None:
    # Base32 (no padding) of SHA-256 of the lower-cased value, then scheme and zone.
    name = smp.sml_naptr_name("9920:ESB12345678", "edelivery.tech.ec.europa.eu")
    label, rest = name.split(".", 1)
    assert rest == "iso6523-actorid-upis.edelivery.tech.ec.europa.eu"
    assert len(label) == 52 and label == label.upper() and "=" not in label
    assert name == smp.sml_naptr_name("9920:esb12345678", "edelivery.tech.ec.europa.eu.")


def test_naptr_lookup_agrees_with_peppol_py(dns_zone: Zone, monkeypatch: Any) -> None:
    """An independent implementation (peppol-py's SML lookup) finds the same SMP."""
    from peppol_py import smp as peppol_smp

    zone = "participant.sml.test.tech.peppol.org"
    dns_zone.publish(PARTICIPANT.lower(), zone, "http://smp.partner.example")
    real = dns.resolver.Resolver

    def local_resolver(*args: Any, **kwargs: Any) -> Any:
        resolver = real(configure=False)
        resolver.nameservers = ["127.0.0.1"]
        resolver.port = dns_zone.port  # type: ignore[attr-defined]
        return resolver

    monkeypatch.setattr(dns.resolver, "Resolver", local_resolver)
    theirs = peppol_smp.get_smp_url_from_dns(PARTICIPANT.lower(), True)
    monkeypatch.setattr(dns.resolver, "Resolver", real)
    ours = smp.sml_naptr_lookup(PARTICIPANT, zone)
    assert ours == "http://smp.partner.example"
    assert theirs == f"{ours}/iso6523-actorid-upis::{PARTICIPANT.lower()}"


def test_unknown_participant_is_not_in_the_zone(dns_zone: Zone) -> None:
    assert smp.sml_naptr_lookup("9920:ESB48123459", ZONE) is None
    assert dns_zone.asked == [smp.sml_naptr_name("9920:ESB48123459", ZONE).lower()]


def test_unreachable_dns_is_worth_a_retry(settings: Any) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    settings.EFACTURA_SML_NAMESERVERS = [f"127.0.0.1:{port}"]
    settings.EFACTURA_AS4_HTTP_TIMEOUT_SECONDS = 0.5
    with pytest.raises(smp.SMLUnavailable, match="did not answer"):
        smp.sml_naptr_lookup(PARTICIPANT, ZONE)


@pytest.mark.django_db(transaction=True)
def test_discovery_through_naptr_reaches_the_published_smp(
    dns_zone: Zone, live_server: Any, settings: Any, as4_node: Any, make_company: Any
) -> None:
    """No partner configured: the SML zone's NAPTR record names this platform's own SMP
    (served by the live server), whose signed metadata gives the AS4 endpoint."""
    settings.EFACTURA_BASE_URL = live_server.url
    company(make_company, "Hostelería Cantábrica, S.A.", BUYER_TAX_ID)
    dns_zone.publish(PARTICIPANT, ZONE, f"{live_server.url}/smp")
    assert smp.has_sources()
    endpoints = smp.discover(PARTICIPANT)
    assert endpoints[INVOICE_UBL]["url"] == f"{live_server.url}/as4"
    assert endpoints[INVOICE_UBL]["partner"] == f"SML {ZONE}"
    # A participant the zone does not know: "not served" (believed: every source answered).
    assert smp.discover("9920:ESB48123459") == {}


@pytest.mark.django_db(transaction=True)
def test_discovery_with_a_silent_sml_is_retried_later(settings: Any, as4_node: Any) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    settings.EFACTURA_SML_ZONE = ZONE
    settings.EFACTURA_SML_NAMESERVERS = [f"127.0.0.1:{port}"]
    settings.EFACTURA_AS4_HTTP_TIMEOUT_SECONDS = 0.5
    with pytest.raises(smp.DiscoveryUnavailable, match="did not answer"):
        smp.discover(PARTICIPANT)


def test_cname_form_stays_available(settings: Any) -> None:
    settings.EFACTURA_SML_ZONE = ZONE
    settings.EFACTURA_SML_LOOKUP = "cname"
    [(url, label)] = smp._sml_sources(PARTICIPANT)
    assert url == smp.sml_smp_url(PARTICIPANT, ZONE) and label == f"SML {ZONE}"


def test_settings_are_checked() -> None:
    from django.core.exceptions import ImproperlyConfigured

    from efactura.interconnection import environment

    assert environment.sml_lookup({}) == "naptr"
    assert environment.sml_nameservers({"EFACTURA_SML_NAMESERVERS": "10.0.0.1, ::1"}) == [
        "10.0.0.1",
        "::1",
    ]
    with pytest.raises(ImproperlyConfigured, match="EFACTURA_SML_LOOKUP"):
        environment.sml_lookup({"EFACTURA_SML_LOOKUP": "srv"})
    with pytest.raises(ImproperlyConfigured, match="EFACTURA_SML_NAMESERVERS"):
        environment.sml_nameservers({"EFACTURA_SML_NAMESERVERS": "10.0.0.1:dns"})
    assert environment.revocation_mode({}) == "soft"
    with pytest.raises(ImproperlyConfigured, match="EFACTURA_AS4_REVOCATION"):
        environment.revocation_mode({"EFACTURA_AS4_REVOCATION": "maybe"})
