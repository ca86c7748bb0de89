"""The REST API under /api/v1/: one router, each app registering its viewsets."""

from django.urls import path

from core.api.paths import ApiRouter
from departments.api.urls import register as register_departments
from departments.tokens.api import ObtainTokenView
from partnerships.api.urls import register as register_partnerships
from publication.api.urls import register as register_publication
from reporting.api.urls import register as register_reporting
from scrutiny.api.urls import register as register_scrutiny

router = ApiRouter()
register_departments(router)
register_partnerships(router)
register_reporting(router)
register_publication(router)
register_scrutiny(router)

urlpatterns = [
    path("auth/token/", ObtainTokenView.as_view(), name="auth-token"),
    *router.urls,
]
