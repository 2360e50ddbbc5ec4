from django.apps import AppConfig


class PemberdayaanConfig(AppConfig):
    name = "pemberdayaan"
    default_auto_field = "django.db.models.BigAutoField"
