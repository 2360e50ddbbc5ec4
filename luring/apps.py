from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LuringConfig(AppConfig):
    name = "luring"
    verbose_name = _("Mode luring")
