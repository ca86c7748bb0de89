"""The one FilterSet of API tokens: /api/v1/tokens/, and the tokens page, which lists
one's own, the API's ``?user=<own id>``."""

from __future__ import annotations

from core.filters import FilterSet, WholeNumberFilter
from departments.models import ApiToken


class ApiTokenFilter(FilterSet):
    user = WholeNumberFilter(help_text="The token's owner (an administrator sees everyone's).")

    class Meta:
        model = ApiToken
        fields = ["user"]
