from django.apps import AppConfig


class PartnershipsConfig(AppConfig):
    name = "partnerships"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The shared importer keeps a plain dict of row kinds; this app adds its own.
        from departments.imports import IMPORT_KINDS
        from partnerships.imports import SlaResultRowHandler

        IMPORT_KINDS["sla_results"] = SlaResultRowHandler
