"""Who may sign in with a password while single sign-on is on: the one rule, kept in the
authentication backend that checks every password (the sign-in page, the admin site's
sign-in and the API's token endpoint all reach it through ``authenticate()``)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.backends import ModelBackend

from core.signin import note_password_sign_in_refused
from departments.models import SingleSignOnIdentity


def may_sign_in_with_password(user) -> bool:
    """Whether ``user`` may sign in with a password here: always without single sign-on.
    With it, the usernames LOCAL_SIGN_IN_USERNAMES names may (break-glass administrators,
    external auditors, the partner's staff); when it names any, nobody else may; when it
    is empty, every account not linked to the council account may.

    A linked account signs in through the provider, which the council controls: a leaver
    disabled there must not carry on with a password kept here."""
    if not settings.OIDC_ENABLED:
        return True
    allowed = settings.LOCAL_SIGN_IN_USERNAMES
    if user.get_username() in allowed:
        return True
    return not allowed and not SingleSignOnIdentity.objects.filter(user=user).exists()


class PasswordBackend(ModelBackend):
    """Django's username-and-password check, refusing a right password of an account that
    must sign in with the council account (``may_sign_in_with_password``).

    The rule is applied only once the password is right, so a wrong password reads the
    same for every username; the refusal is noted on the request so that the form and
    the token endpoint can say why. django-axes counts it as a failed attempt, as it is
    one. Sessions already signed in are not this rule's concern: ``get_user`` is Django's.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None or may_sign_in_with_password(user):
            return user
        if request is not None:
            note_password_sign_in_refused(request)
        return None
