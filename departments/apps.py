from django.apps import AppConfig


class DepartmentsConfig(AppConfig):
    name = "departments"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from departments.returns.ratings import connect_reference_data

        connect_reference_data()
