"""The OpenID Connect client (Authlib) for the bank's provider, one per configuration.

Authlib does the protocol: discovery (``<issuer>/.well-known/openid-configuration``), the
authorization-code flow with PKCE (S256), state and nonce kept in the session, the token
request, and the ID-token checks (signature with the provider's JWKS — fetched again when a
token names an unknown key id — issuer, audience, expiry with a small clock skew, nonce,
``at_hash``).  This module only chooses the settings and adds what Authlib leaves to the
application: the back-channel logout token check, with the same keys and joserfc.
"""

from __future__ import annotations

import threading
from typing import Any

from authlib.integrations.django_client import DjangoOAuth2App, OAuth
from joserfc import jwt
from joserfc.errors import InvalidClaimError, InvalidKeyIdError, JoseError, MissingClaimError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from efactura.sso.config import OidcConfig

BACKCHANNEL_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"
"""The ``events`` member a logout token must carry (OpenID Connect Back-Channel Logout 1.0)."""

_clients: dict[OidcConfig, DjangoOAuth2App] = {}
_lock = threading.Lock()


class ProviderMismatch(JoseError):
    """The discovery document names another issuer than the one configured."""

    error = "issuer_mismatch"


def oidc_client(config: OidcConfig) -> DjangoOAuth2App:
    """The Authlib client for ``config`` (built once; it caches discovery and keys)."""
    with _lock:
        client = _clients.get(config)
        if client is None:
            registry = OAuth()
            client = registry.register(
                name="bank",
                client_id=config.client_id,
                client_secret=config.client_secret,
                server_metadata_url=config.discovery_url,
                client_kwargs={
                    "scope": config.scopes,
                    "code_challenge_method": "S256",
                    "token_endpoint_auth_method": config.token_auth_method,
                    "default_timeout": config.timeout_seconds,
                },
            )
            _clients[config] = client
    return client


def metadata(config: OidcConfig) -> dict[str, Any]:
    """The provider's discovery document; its issuer must be the configured one (OIDC
    Discovery 1.0 §4.3), otherwise a look-alike document could redirect the flow."""
    document: dict[str, Any] = oidc_client(config).load_server_metadata()
    if document.get("issuer", "").rstrip("/") != config.issuer:
        raise ProviderMismatch(f"discovery names issuer {document.get('issuer')!r}")
    return document


def id_token_claims_options(config: OidcConfig) -> dict[str, Any]:
    """Claims the ID token must carry with exact values: our issuer and our client id."""
    return {
        "iss": {"essential": True, "value": config.issuer},
        "aud": {"essential": True, "value": config.client_id},
    }


def _decode(config: OidcConfig, token: str) -> Any:
    client = oidc_client(config)
    algorithms = metadata(config).get("id_token_signing_alg_values_supported")
    registry = JWSRegistry(algorithms=algorithms, strict_check_header=False)
    try:
        return jwt.decode(token, KeySet.import_key_set(client.fetch_jwk_set()), registry=registry)
    except InvalidKeyIdError:
        keys = KeySet.import_key_set(client.fetch_jwk_set(force=True))
        return jwt.decode(token, keys, registry=registry)


def verify_logout_token(config: OidcConfig, token: str) -> dict[str, Any]:
    """The claims of a valid back-channel logout token; ``JoseError`` otherwise.

    Checks (Back-Channel Logout 1.0 §2.6): signature with the provider's keys, ``iss``,
    ``aud``, ``iat`` present, ``exp`` if present, the logout event, ``sub`` or ``sid``, and no
    ``nonce``.
    """
    decoded = _decode(config, token)
    claims: dict[str, Any] = dict(decoded.claims)
    validator = jwt.JWTClaimsRegistry(
        leeway=config.clock_skew_seconds,
        iss={"essential": True, "value": config.issuer},
        aud={"essential": True, "value": config.client_id},
        iat={"essential": True},
    )
    validator.validate(claims)
    events = claims.get("events")
    if not isinstance(events, dict) or not isinstance(events.get(BACKCHANNEL_LOGOUT_EVENT), dict):
        raise InvalidClaimError("events")
    if "nonce" in claims:
        raise InvalidClaimError("nonce")
    if not claims.get("sub") and not claims.get("sid"):
        raise MissingClaimError("sub")
    return claims
