"""System checks of the SPFE app: production should not copy invoices to the simulator.

The copy of every exchanged invoice and status to the AEAT's public e-invoicing solution
(SPFE) defaults to the embedded local simulator, so the demo and the tests work without the
AEAT.  In production that copy would reach nobody, which ``efactura manage check --deploy``
(and ``efactura serve``, which shows warnings and starts anyway) says:

- ``spfe.W001`` (deploy) production mode whose SPFE copies go to the local simulator.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register


@register(Tags.compatibility, deploy=True)
def check_endpoint(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    endpoint = str(getattr(settings, "EFACTURA_SPFE_ENDPOINT", ""))
    if bool(getattr(settings, "PRODUCTION", False)) and endpoint == "simulator":
        return [
            Warning(
                "Production mode sends the copies of invoices and statuses meant for the "
                "AEAT's public e-invoicing solution (SPFE) to the local simulator: the AEAT "
                "receives nothing.",
                hint="Set EFACTURA_SPFE_ENDPOINT to the SPFE's address (or off while the "
                "service is not open; docs/spfe.md).",
                id="spfe.W001",
            )
        ]
    return []
