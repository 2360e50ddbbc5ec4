from django.apps import AppConfig


class PenggunaConfig(AppConfig):
    name = "pengguna"
    default_auto_field = "django.db.models.BigAutoField"
