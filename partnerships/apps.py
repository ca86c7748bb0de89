from django.apps import AppConfig


class PartnershipsConfig(AppConfig):
    name = "partnerships"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from partnerships.sla_results.summaries import connect_sla_summaries

        connect_sla_summaries()
