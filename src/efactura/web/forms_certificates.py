"""Forms of the certificates page (Tools › Set-up › Certificates)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from efactura.signing.choices import MAX_P12_BYTES, Policy


class CertificateUploadForm(forms.Form):
    """A PKCS#12 file and its password; the password is never rendered back."""

    file = forms.FileField(
        label=_("Certificate file (.p12 or .pfx)"),
        help_text=_(
            "The certificate exported with its private key from your browser, card reader or "
            "certification authority (FNMT, Camerfirma, ACCV …)."
        ),
    )
    password = forms.CharField(
        label=_("Password of the file"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("The password you chose when you exported the certificate."),
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        name = upload.name or ""
        if upload.size and upload.size > MAX_P12_BYTES:
            raise ValidationError(
                _("%(file)s is too large for a certificate file (%(size)d KB).")
                % {"file": name, "size": upload.size // 1024}
            )
        return upload


class SigningPolicyForm(forms.Form):
    policy = forms.ChoiceField(
        label=_("Sign our invoices"), choices=Policy.choices, widget=forms.RadioSelect
    )
