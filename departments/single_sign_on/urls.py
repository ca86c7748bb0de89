"""The single sign-on flow's two addresses, named as mozilla-django-oidc expects them."""

from django.urls import path

from departments.single_sign_on import views

urlpatterns = [
    path(
        "authenticate/",
        views.CouncilAccountStartView.as_view(),
        name="oidc_authentication_init",
    ),
    path(
        "callback/",
        views.CouncilAccountCallbackView.as_view(),
        name="oidc_authentication_callback",
    ),
]
