"""An import job: the files one upload brought, and its progress and report."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ImportJob(models.Model):
    """One upload imported by the background worker (see :mod:`efactura.imports.services`)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting for the worker")
        RUNNING = "running", _("Importing")
        # "importación" is feminine in Spanish: these words have their own context.
        DONE = "done", pgettext_lazy("import job", "Finished")
        FAILED = "failed", pgettext_lazy("import job", "Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    company = models.ForeignKey(
        "companies.Company", on_delete=models.CASCADE, related_name="import_jobs"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    direction = models.CharField(max_length=10)
    source = models.CharField(max_length=20)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    total_files = models.PositiveIntegerField(default=0)
    """Files to check: uploaded files, a .zip counting as its entries."""
    done_files = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict, blank=True)
    """``ImportReport.as_dict()`` once finished."""
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")

    def __str__(self) -> str:
        return f"import {self.pk} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.FAILED}

    @property
    def percent(self) -> int:
        if not self.total_files:
            return 0
        return min(100, round(100 * self.done_files / self.total_files))


class ImportUpload(models.Model):
    """One uploaded file waiting for its job; deleted once the job has read it."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="uploads")
    position = models.PositiveIntegerField()
    name = models.CharField(max_length=255)
    data = models.BinaryField()

    class Meta:
        ordering = ["position"]
        verbose_name = _("uploaded file to import")
        verbose_name_plural = _("uploaded files to import")

    def __str__(self) -> str:
        return self.name
