"""System checks of the single sign-on settings: a mistake is named at start-up
(``manage.py check``, every ``runserver`` and deployment), not at someone's sign-in."""

from __future__ import annotations

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from departments.single_sign_on.directory import setting_mappings


@checks.register(checks.Tags.security)
def single_sign_on_settings(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """OIDC_ROLE_MAPPING can be read; in production the issuer is reached over HTTPS."""
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
    return problems
