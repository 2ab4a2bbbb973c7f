"""Background tasks of the VERI*FACTU app (run by the worker after the causing commit)."""

from __future__ import annotations

from django.tasks import task


@task()
def submit_records(*, company_id: int) -> str:
    """One submission run for one issuer (see ``do_submit_pending``)."""
    from efactura.verifactu.services import do_submit_pending

    return do_submit_pending(company_id=company_id)
