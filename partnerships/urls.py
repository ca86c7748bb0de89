"""The partnerships app's pages, each capability's own ``urls.py`` included here so that
their names share the ``partnerships`` namespace ("partnerships:contract")."""

from django.urls import include, path

app_name = "partnerships"

urlpatterns = [
    path("", include("partnerships.sla_results.urls")),
    path("", include("partnerships.records.urls")),
    path("", include("partnerships.contracts.urls")),
]
