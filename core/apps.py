from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Shared machinery"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from core.sessions import start_session_clock

        # Every way of signing in (the sign-in page, admin, a test's force_login) starts
        # the session's idle and absolute clocks (core/sessions.py).
        user_logged_in.connect(start_session_clock, dispatch_uid="core.start_session_clock")
