"""System checks of the single sign-on settings: a mistake is named at start-up
(``manage.py check``, every ``runserver`` and deployment), not at someone's sign-in."""

from __future__ import annotations

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from departments.single_sign_on.directory import setting_mappings

# The claims that name a person for good: OpenID Connect's subject, and Entra ID's object
# id (the same person in every application of the tenant).
STABLE_SUBJECT_CLAIMS = ("sub", "oid")


@checks.register(checks.Tags.security)
def single_sign_on_settings(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """OIDC_ROLE_MAPPING can be read; with single sign-on on, a client secret is set and
    the subject claim is one that never changes; in production the issuer is reached
    over HTTPS."""
    problems = []
    try:
        setting_mappings()
    except ImproperlyConfigured as error:
        problems.append(checks.Error(str(error), id="departments.E101"))
    production = getattr(settings, "PRODUCTION", False)
    if production and settings.OIDC_ENABLED and not settings.OIDC_ISSUER.startswith("https://"):
        problems.append(
            checks.Error(
                "OIDC_ISSUER must be an https:// address in production: the ID tokens' "
                "keys and the sign-in codes travel over it.",
                id="departments.E102",
            )
        )
    if settings.OIDC_ENABLED and not settings.OIDC_RP_CLIENT_SECRET:
        problems.append(
            checks.Error(
                "OIDC_CLIENT_SECRET must be set when OIDC_ISSUER is: the client secret the "
                "identity provider gave this product, which the sign-in codes are "
                "exchanged with.",
                id="departments.E103",
            )
        )
    if settings.OIDC_ENABLED and settings.OIDC_SUBJECT_CLAIM not in STABLE_SUBJECT_CLAIMS:
        problems.append(
            checks.Warning(
                f"OIDC_SUBJECT_CLAIM is {settings.OIDC_SUBJECT_CLAIM!r}: accounts are found "
                "by this claim, and one a person or an administrator can change (email, "
                "upn, preferred_username) lets someone take over another's account by "
                "taking their address.",
                hint="Use 'oid' for Microsoft Entra ID, 'sub' for other providers.",
                id="departments.W101",
            )
        )
    return problems
