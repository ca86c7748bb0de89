from django.apps import AppConfig


class DepartmentsConfig(AppConfig):
    name = "departments"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from departments.returns.ratings import connect_reference_data
        from departments.single_sign_on import checks  # noqa: F401 (registers them)

        user_logged_in.connect(_kept_sign_in, dispatch_uid="departments.record_sign_in")
        connect_reference_data()


def _kept_sign_in(sender, request, user, **kwargs) -> None:
    """Every way of signing in (the sign-in page, admin, a test's force_login) keeps its
    time, so a home can say what changed since the person's previous visit."""
    from departments.accounts.services import record_sign_in

    record_sign_in(user=user)
