from partnerships.api import views
from partnerships.contracts import api as contracts
from partnerships.contracts import breach_api
from partnerships.records import api as records
from partnerships.sla_results import api as sla_results


def register(router) -> None:
    router.register("partners", views.PartnerViewSet)
    router.register("partnerships", views.PartnershipViewSet)
    router.register("services", views.ServiceViewSet)
    router.register("slas", views.SlaViewSet)
    router.register("sla-results", sla_results.SlaResultViewSet, basename="slaresult")
    router.register("milestones", records.MilestoneViewSet, basename="milestone")
    router.register("escalations", records.EscalationViewSet, basename="escalation")
    router.register("risks", records.RiskViewSet, basename="risk")
    router.register("contract-kpis", contracts.ContractKpiViewSet, basename="contractkpi")
    router.register(
        "contract-assessments", contracts.AssessmentViewSet, basename="contractassessment"
    )
    router.register(
        "rectification-plans", contracts.RectificationPlanViewSet, basename="rectificationplan"
    )
    router.register(
        "performance-notices", breach_api.PerformanceNoticeViewSet, basename="performancenotice"
    )
