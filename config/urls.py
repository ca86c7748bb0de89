from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from core import web
from core.signin import AdminSignInForm
from departments.single_sign_on import views as sign_on_views
from reporting.pages import home as reporting_views

# The admin site's sign-in page, bounded as the product's own (core.signin).
admin.site.login_form = AdminSignInForm

urlpatterns = [
    path("", reporting_views.home, name="home"),
    path("healthz", web.healthz, name="healthz"),
    path("accounts/login/", sign_on_views.SignInView.as_view(), name="login"),
    path("accounts/logout/", sign_on_views.sign_out, name="logout"),
    # Signing in with the council's account (answers 404 unless OIDC_ISSUER is set).
    path("accounts/council/", include("departments.single_sign_on.urls")),
    path("", include("departments.urls")),
    path("", include("partnerships.urls")),
    path("", include("reporting.urls")),
    # The public portal (/public/, no sign-in) and the SMT's publication page.
    path("", include("publication.urls")),
    path("", include("scrutiny.urls")),
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
