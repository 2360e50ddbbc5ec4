from django.apps import AppConfig


class PendampingConfig(AppConfig):
    name = "pendamping"
    default_auto_field = "django.db.models.BigAutoField"
