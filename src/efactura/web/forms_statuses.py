"""Forms of the RD 238/2026 status steps on the invoice page (see :mod:`.views_statuses`)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class StepNoteForm(forms.Form):
    """An optional comment that goes with a cancellation (rejection, collection, default)."""

    reason = forms.CharField(label=_("Comment (optional)"), max_length=2000, required=False)


class CollectionForm(StepNoteForm):
    """The issuer's report of collection (cobro) or default (impago): the date it happened."""

    date = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def clean_date(self) -> dt.date:
        value: dt.date = self.cleaned_data["date"]
        if value > timezone.localdate():
            raise ValidationError(_("The date cannot be in the future."))
        return value


class CancelPaymentForm(forms.Form):
    """Which payment (its event id, as listed on the page) the recipient cancels."""

    payment = forms.IntegerField(min_value=1)
