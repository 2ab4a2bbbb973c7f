from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SigningConfig(AppConfig):
    name = "efactura.signing"
    label = "signing"
    verbose_name = _("Signatures and certificates")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the system checks (production refuses a TEST seal).
        from efactura.signing import checks  # noqa: F401
