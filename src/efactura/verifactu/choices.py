"""Constants of the VERI*FACTU app: modes, record kinds and states."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Mode(models.TextChoices):
    """How a company meets RD 1007/2023 (art. 3 and the order's chapter II)."""

    VERIFACTU = "verifactu", _("VERI*FACTU (records sent to the AEAT)")
    NO_VERIFACTU = "no_verifactu", _("NO VERI*FACTU (records signed and kept)")
    SII = "sii", _("Exempt: the company reports through the SII")


class Kind(models.TextChoices):
    ALTA = "alta", _("Registration")
    ANULACION = "anulacion", _("Cancellation")


class State(models.TextChoices):
    """Where a billing record stands with the AEAT."""

    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    CORRECT = "correct", _("Accepted by the AEAT")
    ACCEPTED_WITH_ERRORS = "accepted_with_errors", _("Accepted with errors")
    REJECTED = "rejected", _("Rejected by the AEAT")
    KEPT = "kept", _("Kept (NO VERI*FACTU)")


class SubmissionState(models.TextChoices):
    SENDING = "sending", _("Sending")
    ANSWERED = "answered", _("Answered")
    FAILED = "failed", _("Failed (will be retried)")
    ABANDONED = "abandoned", _("Interrupted (records sent again)")


FINAL_STATES = {State.CORRECT, State.ACCEPTED_WITH_ERRORS, State.REJECTED, State.KEPT}
AEAT_STATE = {
    "Correcto": State.CORRECT,
    "AceptadoConErrores": State.ACCEPTED_WITH_ERRORS,
    "Incorrecto": State.REJECTED,
}
