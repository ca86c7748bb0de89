"""The one FilterSet of API tokens: /api/v1/tokens/, and the tokens page, which lists
one's own, the API's ``?user=<own id>``."""

from __future__ import annotations

import django_filters

from departments.models import ApiToken


class ApiTokenFilter(django_filters.FilterSet):
    user = django_filters.NumberFilter(
        help_text="The token's owner (an administrator sees everyone's)."
    )

    class Meta:
        model = ApiToken
        fields = ["user"]
