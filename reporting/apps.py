from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "reporting"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from partnerships.contracts.evidence import register_measure_reader
        from partnerships.contracts.models import KpiMeasure
        from reporting.figures.cache import connect_figure_inputs
        from reporting.metrics.contract_kpis import contract_health_evidence
        from reporting.signed_off import is_signed_off_for_members
        from scrutiny.member_months import register_signed_off_rule

        connect_figure_inputs()
        # A contract KPI built on contract health reads its evidence here (partnerships
        # may not import reporting).
        register_measure_reader(KpiMeasure.CONTRACT_HEALTH, contract_health_evidence)
        # Scrutiny refuses a question or an agenda item on a month members cannot open, by
        # the one rule of what members read (scrutiny may not import reporting).
        register_signed_off_rule(is_signed_off_for_members)
