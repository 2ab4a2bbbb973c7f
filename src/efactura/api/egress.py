"""Outgoing HTTP to addresses customers choose (webhooks), safe from server-side request forgery.

A webhook URL is chosen by a customer, so without care it could make the platform call its own
internal services (``http://127.0.0.1:5432``, the cloud metadata address ``169.254.169.254``, an
intranet host).  Every such call therefore:

1. resolves the host name once, here;
2. refuses it when any address is loopback, private, link-local, multicast, reserved,
   unspecified, shared (CGNAT) or otherwise not globally routable — IPv4 and IPv6, including
   IPv4-mapped/compatible IPv6 forms and NAT64/6to4/Teredo wrappers of such addresses;
3. connects to the address it checked (not to the name again, which a hostile DNS server could
   answer differently the second time), sending the name as ``Host`` and as TLS SNI so the
   certificate is still verified against it;
4. never follows redirects.

Operators may allow named internal hosts (their own ERP gateway, a test receiver) with
``EFACTURA_WEBHOOK_ALLOWED_HOSTS``: a comma-separated list of host names or IP addresses, matched
exactly against the URL's host.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeAddress(ValidationError):
    """The URL's host is, or resolves to, an address the platform must not call."""


@dataclass(frozen=True)
class CheckedTarget:
    """A URL whose host was resolved and checked, and the address to connect to."""

    url: str
    host: str
    port: int
    address: str | None
    """The checked IP to connect to; ``None`` for an operator-allowed host (resolved normally)."""


def allowed_hosts() -> set[str]:
    return {h.strip().lower().strip("[]") for h in settings.EFACTURA_WEBHOOK_ALLOWED_HOSTS if h}


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in ipaddress.ip_network("64:ff9b::/96"):  # NAT64 well-known prefix
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if int(ip) >> 32 == 0 and int(ip) > 1:  # deprecated IPv4-compatible ::a.b.c.d
        return ipaddress.IPv4Address(int(ip))
    return None


def is_public_address(ip: IPAddress) -> bool:
    """True only for a globally routable unicast address."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            return is_public_address(embedded)
    return bool(ip.is_global) and not (
        ip.is_multicast
        or ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_unspecified
    )


def _resolve(host: str, port: int) -> list[IPAddress]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    found: list[IPAddress] = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if address not in found:
            found.append(address)
    return found


def check_url(url: str, *, resolve_required: bool = True) -> CheckedTarget:
    """Resolve ``url``'s host and refuse it when any of its addresses is not public.

    ``resolve_required=False`` (registration) accepts a name that does not resolve now: it is
    checked again, and must resolve, at every delivery.
    """
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if not host:
        raise UnsafeAddress(_("%(url)s has no host name.") % {"url": url}, code="url")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    if host in allowed_hosts():
        return CheckedTarget(url=url, host=host, port=port, address=None)
    try:
        addresses = _resolve(host, port)
    except (OSError, UnicodeError):
        if not resolve_required:
            return CheckedTarget(url=url, host=host, port=port, address=None)
        raise UnsafeAddress(
            _("The host name %(host)s cannot be resolved.") % {"host": host}, code="dns"
        ) from None
    bad = [a for a in addresses if not is_public_address(a)]
    if bad or not addresses:
        raise UnsafeAddress(
            _(
                "%(host)s points to an internal address (%(address)s); webhooks may only "
                "call public Internet addresses."
            )
            % {"host": host, "address": str(bad[0]) if bad else "-"},
            code="internal_address",
        )
    return CheckedTarget(url=url, host=host, port=port, address=str(addresses[0]))


def post(url: str, *, content: bytes, headers: dict[str, str], timeout: float) -> Any:
    """POST to ``url`` after :func:`check_url`, connected to the checked address, no redirects.

    Raises :class:`UnsafeAddress` before any connection for a refused address, or
    ``httpx.HTTPError`` for transport failures.
    """
    import httpx

    target = check_url(url)
    parts = urlsplit(url)
    send_headers = dict(headers)
    extensions: dict[str, Any] = {}
    request_url = url
    if target.address is not None:
        literal = f"[{target.address}]" if ":" in target.address else target.address
        netloc = literal if parts.port is None else f"{literal}:{parts.port}"
        request_url = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
        send_headers["Host"] = parts.netloc.rsplit("@", 1)[-1]
        if parts.scheme == "https":
            extensions["sni_hostname"] = target.host
    with httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client:
        return client.post(
            request_url, content=content, headers=send_headers, extensions=extensions
        )
