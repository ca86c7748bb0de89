"""The departments app's pages, each capability's own ``urls.py`` included here so that
their names share the ``departments`` namespace ("departments:return-detail")."""

from django.urls import include, path

app_name = "departments"

urlpatterns = [
    path("", include("departments.returns.urls")),
    path("imports/", include("departments.imports.urls")),
    path("referrals/", include("departments.referrals.urls")),
    path("account/", include("departments.accounts.urls")),
]
