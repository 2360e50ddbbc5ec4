from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AntrianConfig(AppConfig):
    name = "antrian"
    verbose_name = _("Antrian tugas")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # A worker that starts sends what waited while no worker or broker was there.
        from antrian import signals  # noqa: F401
