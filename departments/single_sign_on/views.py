"""The pages of signing in with the council's account: the sign-in page that offers it,
the start and the callback of the authorisation code flow, the refusal page, and signing
out (of the provider too, where it publishes an end_session_endpoint)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import LoginView
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.views.decorators.http import require_POST
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from core.form_errors import form_error_list
from core.signin import SignInForm
from departments.single_sign_on.backend import REFUSAL_ATTRIBUTE, Refusal
from departments.single_sign_on.provider import ProviderUnavailable, provider

ID_TOKEN_SESSION_KEY = "oidc_id_token"

# What each refusal page says, after its heading; {contact} is OIDC_NO_ACCESS_CONTACT.
REFUSALS = {
    Refusal.NO_ROLE: (
        "You have no access to the performance dashboard",
        "Your council account has no role here. Ask {contact} to give you one.",
        403,
    ),
    Refusal.NO_ACCOUNT: (
        "You have no account on the performance dashboard",
        "Your council account is not linked to an account here. Ask {contact} to set one up.",
        403,
    ),
    Refusal.FAILED: (
        "Signing in with your council account did not work",
        "The council's sign-in service did not confirm who you are. Try again; if it "
        "keeps failing, tell {contact}.",
        403,
    ),
    Refusal.UNAVAILABLE: (
        "The council's sign-in service cannot be reached",
        "Try again in a few minutes; if it keeps failing, tell {contact}.",
        503,
    ),
}


class SignInView(LoginView):
    """The sign-in page: the local form, and the council account beside it when single
    sign-on is on."""

    authentication_form = SignInForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(single_sign_on=settings.OIDC_ENABLED, **kwargs)
        # Django's own messages ("This field is required.") do not name their field.
        context["errors"] = form_error_list(context["form"], name_fields=True)
        return context


def refused(request: HttpRequest, refusal: Refusal) -> HttpResponse:
    """The page saying why signing in with the council account did not sign one in, and
    whom to ask. The session is left as it is: only the callback of this browser's own
    sign-in ends it (``CouncilAccountCallbackView.login_failure``)."""
    heading, body, status = REFUSALS[refusal]
    context = {
        "heading": heading,
        "body": body.format(contact=settings.OIDC_NO_ACCESS_CONTACT),
    }
    return render(request, "registration/council_account_refused.html", context, status=status)


class CouncilAccountStartView(OIDCAuthenticationRequestView):
    """Sends the browser to the provider with state, nonce and the PKCE challenge."""

    def __init__(self, **kwargs) -> None:
        # The provider's endpoint is read when the view runs (see get), not when built.
        super(OIDCAuthenticationRequestView, self).__init__(**kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        if not settings.OIDC_ENABLED:
            raise Http404("Signing in with the council account is not set up.")
        try:
            self.OIDC_OP_AUTH_ENDPOINT = provider().authorization_endpoint
        except ProviderUnavailable:
            return refused(request, Refusal.UNAVAILABLE)
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        return super().get(request)


class CouncilAccountCallbackView(OIDCAuthenticationCallbackView):
    """The provider's answer: the state is checked here, the rest by the backend."""

    def get(self, request: HttpRequest) -> HttpResponse:
        if not settings.OIDC_ENABLED:
            raise Http404("Signing in with the council account is not set up.")
        if request.GET.get("state") not in request.session.get("oidc_states", {}):
            # Not the answer to a sign-in this browser started (a link followed from
            # elsewhere, an old tab): refused, and whoever is signed in here stays so,
            # or any page could sign people out with a link.
            return refused(request, Refusal.FAILED)
        return super().get(request)

    def login_failure(self) -> HttpResponse:
        """The refusal of this browser's own sign-in: nobody is left signed in behind it,
        whoever was signed in before."""
        if self.request.user.is_authenticated:
            logout(self.request)
        self.request.session.pop(ID_TOKEN_SESSION_KEY, None)
        refusal = getattr(self.request, REFUSAL_ATTRIBUTE, Refusal.FAILED)
        return refused(self.request, refusal)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    """End this session; after a sign-in with the council account, go on to the
    provider's end_session_endpoint (when it publishes one) to end that sign-in too, and
    come back to the sign-in page."""
    id_token = request.session.get(ID_TOKEN_SESSION_KEY)
    logout(request)
    login_url = resolve_url(settings.LOGOUT_REDIRECT_URL)
    if not (settings.OIDC_ENABLED and id_token):
        return redirect(login_url)
    try:
        end_session = provider().end_session_endpoint
    except ProviderUnavailable:
        end_session = None
    if not end_session:
        return redirect(login_url)
    query = urlencode(
        {
            "id_token_hint": id_token,
            "post_logout_redirect_uri": request.build_absolute_uri(login_url),
            "client_id": settings.OIDC_RP_CLIENT_ID,
        }
    )
    return HttpResponseRedirect(f"{end_session}?{query}")
