from django.apps import AppConfig


class WilayahConfig(AppConfig):
    name = "wilayah"
    default_auto_field = "django.db.models.BigAutoField"
