from django.urls import path

from reporting import partnership_views

app_name = "reporting"

urlpatterns = [
    path("partnerships/<int:pk>/", partnership_views.partnership_detail, name="partnership"),
]
