from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo council generator: reference data and realistic figures at two scales."""

    name = "demo"
    default_auto_field = "django.db.models.BigAutoField"
