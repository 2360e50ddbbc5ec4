from django.apps import AppConfig


class GraduasiConfig(AppConfig):
    name = "graduasi"
    default_auto_field = "django.db.models.BigAutoField"
