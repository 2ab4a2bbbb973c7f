"""System checks of the VERI*FACTU app: production refuses placeholder producer data.

Every billing record names the software that made it (``SistemaInformatico``: the producer's
name and NIF, RD 1007/2023 art. 8 and Orden HAC/1177/2024 art. 7).  Outside production the
platform fills in the AEAT's test NIF so the demo and the simulator work out of the box; a
record sent to the AEAT's production service with that NIF would name nobody, so production
does not start without the real data.  ``efactura serve`` runs these checks before it starts.

- ``verifactu.E001`` production without ``EFACTURA_VERIFACTU_PRODUCER_NIF`` (or with the
  placeholder test NIF);
- ``verifactu.E002`` the producer NIF is not a valid Spanish NIF;
- ``verifactu.E003`` production without ``EFACTURA_VERIFACTU_PRODUCER_NAME``;
- ``verifactu.W001`` (deploy) production mode whose records go to the local simulator.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

PLACEHOLDER_NIF = "89890001K"
"""The NIF the AEAT's own test examples use: what non-production installations record."""

HINT = (
    "Set EFACTURA_VERIFACTU_PRODUCER_NIF and EFACTURA_VERIFACTU_PRODUCER_NAME to the NIF and "
    "name of the company that produces and declares this installation of efactura (the "
    "declaración responsable names it)."
)


def production_records() -> bool:
    """Whether records leave for the AEAT's production service, or the platform runs in
    production mode (``EFACTURA_PRODUCTION=1``)."""
    endpoint = str(getattr(settings, "EFACTURA_VERIFACTU_ENDPOINT", ""))
    to_production = "www1.agenciatributaria" in endpoint or "www10.agenciatributaria" in endpoint
    return to_production or bool(getattr(settings, "PRODUCTION", False))


@register(Tags.compatibility)
def check_producer(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    from einvoice.identifiers import check_tax_id

    nif = str(getattr(settings, "EFACTURA_VERIFACTU_PRODUCER_NIF", "") or "").strip()
    name = str(getattr(settings, "EFACTURA_VERIFACTU_PRODUCER_NAME", "") or "").strip()
    production = production_records()
    messages: list[CheckMessage] = []
    if nif and not check_tax_id(nif, "ES").valid:
        messages.append(
            Error(
                f"EFACTURA_VERIFACTU_PRODUCER_NIF={nif!r} is not a valid Spanish NIF; every "
                "VERI*FACTU record would carry it.",
                hint=HINT,
                id="verifactu.E002",
            )
        )
    if not production:
        return messages
    if not nif or nif.upper().removeprefix("ES") == PLACEHOLDER_NIF:
        messages.append(
            Error(
                "Production refuses to make VERI*FACTU records with the placeholder producer "
                f"NIF {PLACEHOLDER_NIF}: the records must name the real producer of this "
                "installation.",
                hint=HINT,
                id="verifactu.E001",
            )
        )
    if not name:
        messages.append(
            Error(
                "Production needs EFACTURA_VERIFACTU_PRODUCER_NAME: the name of the producer "
                "of this installation, written into every VERI*FACTU record.",
                hint=HINT,
                id="verifactu.E003",
            )
        )
    return messages


@register(Tags.compatibility, deploy=True)
def check_endpoint(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    endpoint = str(getattr(settings, "EFACTURA_VERIFACTU_ENDPOINT", ""))
    if bool(getattr(settings, "PRODUCTION", False)) and endpoint == "simulator":
        return [
            Warning(
                "Production mode sends VERI*FACTU records to the local AEAT simulator, not to "
                "the Agencia Tributaria.",
                hint="Set EFACTURA_VERIFACTU_ENDPOINT=production (or test while certifying).",
                id="verifactu.W001",
            )
        ]
    return []
