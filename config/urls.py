from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from core import web
from core.signin import AdminSignInForm, SignInForm
from reporting.pages import home as reporting_views

# The admin site's sign-in page, bounded as the product's own (core.signin).
admin.site.login_form = AdminSignInForm

urlpatterns = [
    path("", reporting_views.home, name="home"),
    path("healthz", web.healthz, name="healthz"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            authentication_form=SignInForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("departments.urls")),
    path("", include("partnerships.urls")),
    path("", include("reporting.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file (?script), not inline,
    # as the Content-Security-Policy requires.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]

handler403 = "core.web.permission_denied"
handler404 = "core.web.page_not_found"
handler500 = "core.web.server_error"
