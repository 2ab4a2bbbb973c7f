from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VerifactuConfig(AppConfig):
    name = "efactura.verifactu"
    verbose_name = _("VERI*FACTU")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the system checks (production refuses placeholder producer data).
        from efactura.verifactu import checks  # noqa: F401
