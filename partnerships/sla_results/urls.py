"""SLA result pages, included at the site's root inside the ``partnerships`` namespace."""

from django.urls import path

from partnerships.sla_results import views

# No app_name here: partnerships/urls.py includes this module, so the names below live in
# the ``partnerships`` namespace ("partnerships:sla-results").
urlpatterns = [
    path(
        "partnerships/<int:pk>/sla-results/<str:period_key>/",
        views.sla_results,
        name="sla-results",
    ),
    path(
        "partnerships/<int:pk>/sla-results/<str:period_key>/verify/",
        views.results_verify,
        name="results-verify",
    ),
    path("sla-results/<int:pk>/verify/", views.result_verify, name="result-verify"),
    path("sla-results/<int:pk>/dispute/", views.result_dispute, name="result-dispute"),
    path("sla-results/<int:pk>/resolve/", views.result_resolve, name="result-resolve"),
]
