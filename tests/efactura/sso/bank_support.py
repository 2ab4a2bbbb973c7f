"""A real OpenID provider for the sign-in tests, and the tools to walk and to attack it.

The provider is node's ``oidc-provider`` (``tools/oidc-provider``), started on a free port with
bank customers of the tests and a signing key the tests generate, so a test can also forge a
validly signed token.  :class:`TamperingProxy` sits between efactura and the provider when a
test needs to change what the provider answers (a tampered, expired or foreign-key ID token);
everything else passes through unchanged.  :func:`walk_to_callback` plays the browser at the
provider: it follows its redirects and fills in its login form.
"""

from __future__ import annotations

import base64
import http.client
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import RSAKey

PASSWORD = "Banca-Test-2026"
CLIENT_ID = "efactura-test"
CLIENT_SECRET = "client-secret-of-the-tests"


@dataclass(frozen=True)
class Customer:
    login: str
    sub: str
    claims: dict[str, Any]


ANA = Customer(
    "ana",
    "bank-0001",
    {"name": "Ana Ruiz Ortega", "email": "ana.ruiz@example.com", "national_id": "12345678Z"},
)
LUIS = Customer("luis", "bank-0002", {"name": "Luis Gil Pardo", "national_id": "X1234567L"})
MARTA = Customer(
    "marta",
    "bank-0003",
    {"name": "Marta Vidal", "national_id": "87654321X", "company_tax_ids": ["B98765431"]},
)
CUSTOMERS = (ANA, LUIS, MARTA)


def signing_key(kid: str) -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid, "alg": "RS256", "use": "sig"})


@dataclass
class Bank:
    """A running provider and what a test needs to know about it."""

    issuer: str
    key: RSAKey
    provider: Any
    proxy: TamperingProxy | None = None


def provider_config(
    *, base_url: str, key: RSAKey, issuer: str | None = None, extra_keys: tuple[RSAKey, ...] = ()
) -> dict[str, Any]:
    config: dict[str, Any] = {
        "bank_name": "Banco de Pruebas",
        "jwks": {"keys": [k.as_dict(private=True) for k in (key, *extra_keys)]},
        "clients": [
            {
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "redirect_uris": [f"{base_url}/sso/callback"],
                "post_logout_redirect_uris": [f"{base_url}/accounts/login/"],
                "backchannel_logout_uri": f"{base_url}/sso/backchannel-logout",
            }
        ],
        "accounts": [
            {"login": c.login, "password": PASSWORD, "sub": c.sub, "claims": c.claims}
            for c in CUSTOMERS
        ],
    }
    if issuer:
        config["issuer"] = issuer
    return config


def configure_platform(settings: Any, *, issuer: str, base_url: str) -> None:
    """Point efactura at the provider (the ``EFACTURA_OIDC_*`` settings)."""
    settings.EFACTURA_BASE_URL = base_url
    settings.EFACTURA_OIDC_ISSUER = issuer
    settings.EFACTURA_OIDC_CLIENT_ID = CLIENT_ID
    settings.EFACTURA_OIDC_CLIENT_SECRET = CLIENT_SECRET
    settings.EFACTURA_OIDC_SCOPES = "openid profile email efactura"


def run_bank(
    *, base_url: str, proxy: bool = False, extra_keys: tuple[RSAKey, ...] = ()
) -> Iterator[Bank]:
    """Start a provider (behind a proxy if asked), yield it, stop it."""
    from efactura.sso.provider_process import ProviderUnavailable, start_provider

    key = signing_key("bank-key-1")
    front = TamperingProxy().start() if proxy else None
    issuer = front.url if front else None
    try:
        provider = start_provider(
            provider_config(base_url=base_url, key=key, issuer=issuer, extra_keys=extra_keys)
        )
    except ProviderUnavailable as exc:
        if front:
            front.stop()
        pytest.skip(f"the local OpenID provider cannot run: {exc}")
    if front:
        front.upstream_port = provider.port
    try:
        yield Bank(issuer=provider.issuer, key=key, provider=provider, proxy=front)
    finally:
        provider.stop()
        if front:
            front.stop()


@pytest.fixture(scope="module")
def _bank_process() -> Iterator[Bank]:
    yield from run_bank(base_url="http://testserver")


@pytest.fixture(scope="module")
def _proxied_bank_process() -> Iterator[Bank]:
    yield from run_bank(base_url="http://testserver", proxy=True)


@pytest.fixture
def bank(_bank_process: Bank, settings: Any) -> Bank:
    """The provider (one per test module), with efactura (the Django test client's
    ``http://testserver``) configured as its client."""
    configure_platform(settings, issuer=_bank_process.issuer, base_url="http://testserver")
    return _bank_process


@pytest.fixture
def proxied_bank(_proxied_bank_process: Bank, settings: Any) -> Bank:
    """The provider behind a :class:`TamperingProxy` (its issuer is the proxy's address)."""
    proxy = _proxied_bank_process.proxy
    assert proxy is not None
    proxy.rewrite_id_token = None
    proxy.seen_tokens.clear()
    configure_platform(settings, issuer=_proxied_bank_process.issuer, base_url="http://testserver")
    return _proxied_bank_process


# -- Walking the provider's pages ------------------------------------------------------------

FORM_ACTION = re.compile(r'<form method="post" action="([^"]+)"')


def walk_to_callback(
    authorize_url: str,
    *,
    login: str,
    password: str = PASSWORD,
    base_url: str = "http://testserver",
    session: requests.Session | None = None,
) -> str:
    """Follow the provider from the authorization URL, sign in, and return the callback URL
    (``/sso/callback?...`` relative to efactura) the provider redirects to."""
    browser = session or requests.Session()
    url = authorize_url
    for _hop in range(12):
        if url.startswith(base_url):
            parts = urlsplit(url)
            return f"{parts.path}?{parts.query}"
        response = browser.get(url, allow_redirects=False, timeout=10)
        if response.is_redirect:
            url = urljoin(url, response.headers["Location"])
            continue
        action = FORM_ACTION.search(response.text)
        assert response.status_code == 200 and action, response.text[:2000]
        posted = browser.post(
            urljoin(url, action.group(1)),
            data={"login": login, "password": password},
            allow_redirects=False,
            timeout=10,
        )
        assert posted.is_redirect, posted.text[:2000]
        url = urljoin(url, posted.headers["Location"])
    raise AssertionError("the provider never redirected back to efactura")


def sign_in(client: Any, customer: Customer, *, next_url: str = "/payable/", **extra: Any) -> Any:
    """Click E-INVOICE: ``/sso/login`` → the provider's login page → ``/sso/callback``."""
    start = client.get(f"/sso/login?next={next_url}", **extra)
    assert start.status_code == 302, start.content[:2000]
    callback = walk_to_callback(start["Location"], login=customer.login)
    return client.get(callback, **extra)


# -- Changing what the provider answers ------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def payload_of(id_token: str) -> dict[str, Any]:
    return dict(json.loads(_unb64(id_token.split(".")[1])))


def with_changed_payload(id_token: str, **changes: Any) -> str:
    """The token with claims changed but the original signature kept (a tampered token)."""
    header, _payload, signature = id_token.split(".")
    claims = payload_of(id_token) | changes
    return ".".join([header, _b64(json.dumps(claims).encode()), signature])


def re_signed(id_token: str, key: RSAKey, **changes: Any) -> str:
    """The token's claims (changed) signed again with ``key`` — a valid signature."""
    claims = payload_of(id_token) | changes
    return jwt.encode({"alg": "RS256", "kid": key.kid, "typ": "JWT"}, claims, key)


def unsigned(id_token: str) -> str:
    """The token's claims with ``alg: none`` and no signature."""
    header = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    return f"{header}.{id_token.split('.')[1]}."


def expired(key: RSAKey) -> Callable[[str], str]:
    def change(id_token: str) -> str:
        now = int(time.time())
        return re_signed(id_token, key, iat=now - 3600, exp=now - 1800)

    return change


HOP_BY_HOP = {"content-length", "transfer-encoding", "connection", "keep-alive"}


class TamperingProxy:
    """An HTTP proxy in front of the provider; ``rewrite_id_token`` changes token answers."""

    def __init__(self) -> None:
        self.upstream_port = 0
        self.rewrite_id_token: Callable[[str], str] | None = None
        self.seen_tokens: list[str] = []
        self.hidden_kids: set[str] = set()
        """Key ids left out of the provider's JWKS (a key not yet published)."""
        self.jwks_fetches = 0
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self.forward()

            def do_POST(self) -> None:
                self.forward()

            def forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                upstream = http.client.HTTPConnection("127.0.0.1", proxy.upstream_port, timeout=10)
                headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
                upstream.request(self.command, self.path, body=body, headers=headers)
                answer = upstream.getresponse()
                content = answer.read()
                if self.path.startswith("/token") and answer.status == 200:
                    content = proxy._rewrite(content)
                if self.path.startswith("/jwks") and answer.status == 200:
                    content = proxy._filter_keys(content)
                self.send_response(answer.status)
                for name, value in answer.getheaders():
                    # One request per connection: no keep-alive header either (an HTTP/1.0
                    # answer carrying it would make the client reuse the closed connection).
                    if name.lower() not in HOP_BY_HOP:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(content)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(content)
                upstream.close()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def _rewrite(self, content: bytes) -> bytes:
        answer = json.loads(content)
        if "id_token" in answer:
            self.seen_tokens.append(answer["id_token"])
            if self.rewrite_id_token is not None:
                answer["id_token"] = self.rewrite_id_token(answer["id_token"])
        return json.dumps(answer).encode()

    def _filter_keys(self, content: bytes) -> bytes:
        self.jwks_fetches += 1
        keys = json.loads(content)
        keys["keys"] = [k for k in keys["keys"] if k.get("kid") not in self.hidden_kids]
        return json.dumps(keys).encode()

    def start(self) -> TamperingProxy:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
