"""Sign-in fields, bounded before any account is looked up (OWASP ASVS 2.1.2).

Django's AuthenticationForm sets the username's ``max_length`` after the field is built,
so only the HTML attribute says it and nothing checks it: a 300-character username went
on to ``authenticate()``, and django-axes's record of the failed attempt (a 255-character
column) failed on PostgreSQL with a server error. The sign-in page and the API's token
endpoint both read the two limits here, and so does the admin site's sign-in page.

With single sign-on on, the password check itself refuses the accounts that must use it
(``departments.single_sign_on.passwords``); both sign-in forms say why
(``LocalSignInRestriction``), as the token endpoint does.
"""

from __future__ import annotations

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator

# ASVS 2.1.2: passwords of at least 64 characters are allowed, more than 128 are refused.
PASSWORD_MAX_LENGTH = 128


def username_max_length() -> int:
    """The user model's username column (150 characters for Django's User)."""
    user_model = get_user_model()
    return user_model._meta.get_field(user_model.USERNAME_FIELD).max_length or 150


class BoundedSignIn:
    """Bounds a sign-in form's username and password to what an account can have: over
    the limit, the field is refused with the limit, and ``authenticate()`` is never called
    (AuthenticationForm.clean authenticates only when both fields are valid), so no failed
    attempt is recorded: no account could have it."""

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        for name, limit in (
            ("username", username_max_length()),
            ("password", PASSWORD_MAX_LENGTH),
        ):
            field = self.fields[name]
            field.max_length = limit
            field.widget.attrs["maxlength"] = str(limit)
            field.validators.append(MaxLengthValidator(limit))


LOCAL_SIGN_IN_REFUSED = (
    'This account signs in with the council account: use "Sign in with your council '
    'account" instead.'
)


# Set on the request by the password check when it refused a right password.
PASSWORD_SIGN_IN_REFUSED_ATTRIBUTE = "password_sign_in_refused"


def note_password_sign_in_refused(request) -> None:
    """Note on ``request`` that its password was right but this account may not sign in
    with one (the password check's rule), for the form or the API to say so."""
    setattr(request, PASSWORD_SIGN_IN_REFUSED_ATTRIBUTE, True)


def password_sign_in_refused(request) -> bool:
    """Whether the password check refused ``request``'s right password (see above)."""
    return getattr(request, PASSWORD_SIGN_IN_REFUSED_ATTRIBUTE, False)


class LocalSignInRestriction:
    """Says why a right password was refused for an account that must use single sign-on
    (the password check refuses it; the form would otherwise call the password wrong).
    Only a right password is told so: a wrong one reads the same for every username."""

    def get_invalid_login_error(self) -> ValidationError:
        if self.request is not None and password_sign_in_refused(self.request):
            return ValidationError(LOCAL_SIGN_IN_REFUSED, code="single_sign_on_only")
        return super().get_invalid_login_error()


def is_single_sign_on_attempt(request, credentials: dict | None) -> bool:
    """django-axes's whitelist (AXES_WHITELIST_CALLABLE): the single sign-on callback
    authenticates with the nonce it sent, never a username and password, so it is neither
    counted as a failed password nor refused for an address's failures."""
    credentials = credentials or {}
    return not credentials.get("username") and "nonce" in credentials


class SignInForm(LocalSignInRestriction, BoundedSignIn, AuthenticationForm):
    """The sign-in page's form."""


class AdminSignInForm(LocalSignInRestriction, BoundedSignIn, AdminAuthenticationForm):
    """The admin site's sign-in form (staff only, as Django's)."""
