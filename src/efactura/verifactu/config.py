"""Reading the VERI*FACTU configuration from environment variables (used by ``settings.py``).

``EFACTURA_VERIFACTU_ENDPOINT``: ``simulator`` (default: the local AEAT simulator, state kept in
the data folder), ``test`` (the AEAT's pre-production service), ``production``, or a URL.
``EFACTURA_VERIFACTU_SEAL_CERTIFICATE=1`` uses the AEAT's hosts for seal certificates
(*certificado de sello*).  Production needs the platform's producer data
(``EFACTURA_VERIFACTU_PRODUCER_NAME`` / ``_NIF``) for the records' ``SistemaInformatico``.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ImproperlyConfigured

PATH = "/wlpl/TIKE-CONT/ws/SistemaFacturacion/VerifactuSOAP"
HOSTS = {
    ("test", False): "https://prewww1.aeat.es",
    ("production", False): "https://www1.agenciatributaria.gob.es",
    ("test", True): "https://prewww10.aeat.es",
    ("production", True): "https://www10.agenciatributaria.gob.es",
}


def endpoint(env: Mapping[str, str]) -> str:
    """The URL records are sent to, or ``simulator``."""
    raw = env.get("EFACTURA_VERIFACTU_ENDPOINT", "").strip() or "simulator"
    seal = env.get("EFACTURA_VERIFACTU_SEAL_CERTIFICATE", "").strip() in {"1", "true", "yes"}
    if raw == "simulator":
        return raw
    if raw in {"test", "production"}:
        return HOSTS[(raw, seal)] + PATH
    if raw.startswith(("https://", "http://")):
        return raw
    raise ImproperlyConfigured(
        f"EFACTURA_VERIFACTU_ENDPOINT={raw!r} is not valid: use simulator, test, production "
        "or a URL."
    )


def whole(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit():
        raise ImproperlyConfigured(f"{name} must be a whole number of seconds.")
    return int(raw)
