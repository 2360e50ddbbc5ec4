from django.apps import AppConfig


class KpmConfig(AppConfig):
    name = "kpm"
    default_auto_field = "django.db.models.BigAutoField"
