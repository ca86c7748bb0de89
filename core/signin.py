"""Sign-in fields, bounded before any account is looked up (OWASP ASVS 2.1.2).

Django's AuthenticationForm sets the username's ``max_length`` after the field is built,
so only the HTML attribute says it and nothing checks it: a 300-character username went
on to ``authenticate()``, and django-axes's record of the failed attempt (a 255-character
column) failed on PostgreSQL with a server error. The sign-in page and the API's token
endpoint both read the two limits here, and so does the admin site's sign-in page.
"""

from __future__ import annotations

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
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


class SignInForm(BoundedSignIn, AuthenticationForm):
    """The sign-in page's form."""


class AdminSignInForm(BoundedSignIn, AdminAuthenticationForm):
    """The admin site's sign-in form (staff only, as Django's)."""
