from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SpfeConfig(AppConfig):
    name = "efactura.spfe"
    verbose_name = _("AEAT public e-invoicing solution (SPFE)")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the system checks (production warns about the local simulator).
        from efactura.spfe import checks  # noqa: F401
