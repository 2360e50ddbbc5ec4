from django.apps import AppConfig


class PenggunaConfig(AppConfig):
    name = "pengguna"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from pengguna.sessions import session_started

        # Every sign-in starts the session clocks and asks again for the second factor.
        user_logged_in.connect(session_started, dispatch_uid="pengguna.session_started")
