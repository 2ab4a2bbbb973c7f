"""Imports too large to answer within one request, run by the background worker.

:func:`do_start_import` stores the upload and enqueues the task
:func:`~efactura.imports.tasks.run_import_job` after the transaction commits; the request
returns at once with the job.  The worker runs the
same service as an interactive import (:func:`efactura.invoices.services.do_import_files`),
reading the stored files one at a time and counting the files done, so the page can show
progress, then the report.  Whether an upload goes to the background is decided by
:func:`runs_in_background` (settings ``EFACTURA_BACKGROUND_IMPORT_BYTES``, default 1 MB, and
``EFACTURA_BACKGROUND_IMPORT_FILES``, default 20 files counting a .zip's entries).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator, Sequence

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from efactura.accounts.models import User
from efactura.companies.models import Company
from efactura.imports.models import ImportJob, ImportUpload
from efactura.invoices.services import importing
from efactura.invoices.services._common import _require_writer

log = logging.getLogger(__name__)

DEFAULT_BACKGROUND_BYTES = 1024 * 1024
DEFAULT_BACKGROUND_FILES = 20


def runs_in_background(files: Sequence[tuple[str, bytes]]) -> bool:
    """Whether importing ``files`` is too long for one request (size or number of files)."""
    limit_bytes = int(
        getattr(settings, "EFACTURA_BACKGROUND_IMPORT_BYTES", DEFAULT_BACKGROUND_BYTES)
    )
    limit_files = int(
        getattr(settings, "EFACTURA_BACKGROUND_IMPORT_FILES", DEFAULT_BACKGROUND_FILES)
    )
    if sum(len(data) for _name, data in files) > limit_bytes:
        return True
    return sum(importing.count_upload_files(name, data) for name, data in files) > limit_files


def do_start_import(
    *,
    company: Company,
    actor: User | None,
    files: Sequence[tuple[str, bytes]],
    direction: importing.Direction,
    source: str,
) -> ImportJob:
    """Store ``files`` as a new job of ``company`` and have the worker import them."""
    from efactura.imports.tasks import run_import_job

    _require_writer(actor=actor, company=company)
    with transaction.atomic():
        job = ImportJob.objects.create(
            company=company,
            actor=actor,
            direction=direction,
            source=source,
            total_files=sum(importing.count_upload_files(n, d) for n, d in files),
        )
        ImportUpload.objects.bulk_create(
            ImportUpload(job=job, position=i, name=name[:255], data=data)
            for i, (name, data) in enumerate(files)
        )
        job_id = str(job.pk)
        transaction.on_commit(lambda: run_import_job.enqueue(job_id=job_id), robust=True)
    return job


def access_import_job_by_id(*, company: Company, job_id: uuid.UUID | str) -> ImportJob:
    """The job ``job_id`` of ``company``; ``ImportJob.DoesNotExist`` for any other."""
    return ImportJob.objects.get(pk=job_id, company=company)


def _stored_files(job: ImportJob) -> Iterator[tuple[str, bytes]]:
    """The job's uploads, loaded one at a time (only one is in memory)."""
    for pk, name in job.uploads.order_by("position").values_list("pk", "name"):
        data = ImportUpload.objects.filter(pk=pk).values_list("data", flat=True).first()
        if data is not None:
            yield name, bytes(data)


def do_run_import_job(*, job_id: str) -> str:
    """Run one queued job (at most once: the claim is a conditional update)."""
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.RUNNING
    )
    try:
        job = ImportJob.objects.select_related("company", "actor").get(pk=job_id)
    except ObjectDoesNotExist:
        return "missing"
    if not claimed:
        return str(job.status)

    def progress(done: int) -> None:
        ImportJob.objects.filter(pk=job.pk).update(done_files=done)

    try:
        report = importing.do_import_files(
            company=job.company,
            actor=job.actor,
            files=_stored_files(job),
            direction=job.direction,  # type: ignore[arg-type]
            source=job.source,
            on_progress=progress,
        )
    except Exception:
        log.exception("import job %s failed", job.pk)
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.FAILED, finished_at=timezone.now()
        )
        return str(ImportJob.Status.FAILED)
    body = report.as_dict()
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.DONE,
        report=body,
        done_files=F("total_files") if not body["files"] else len(body["files"]),
        finished_at=timezone.now(),
    )
    ImportUpload.objects.filter(job_id=job.pk).delete()
    return str(ImportJob.Status.DONE)
