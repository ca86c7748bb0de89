"""API token pages, included at /account/tokens/ inside the ``departments`` namespace."""

from django.urls import path

from departments.tokens import views

# No app_name here: the names below live in the ``departments`` namespace
# ("departments:api-tokens").
urlpatterns = [
    path("", views.token_list, name="api-tokens"),
    path("<int:pk>/revoke/", views.token_revoke, name="api-token-revoke"),
]
