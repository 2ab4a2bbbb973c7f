"""Background task of the imports app (run by the worker after the upload commits)."""

from __future__ import annotations

from django.tasks import task


@task()
def run_import_job(*, job_id: str) -> str:
    """Import the files of one job; returns its final status."""
    from efactura.imports.services import do_run_import_job

    return do_run_import_job(job_id=job_id)
