from django.urls import path

from reporting import (
    coordination_views,
    dashboard_views,
    indicator_views,
    overview_views,
    partnership_views,
)

app_name = "reporting"

urlpatterns = [
    path("partnerships/<int:pk>/", partnership_views.partnership_detail, name="partnership"),
    path("coordination/", coordination_views.coordination, name="coordination"),
    path("departments/<int:pk>/", dashboard_views.department_dashboard, name="department"),
    path("overview/", overview_views.overview, name="overview"),
    path("indicators/<int:pk>/", indicator_views.indicator_page, name="indicator"),
]
