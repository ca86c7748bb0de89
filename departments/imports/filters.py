"""The one FilterSet of import jobs: /api/v1/imports/, and the import page's list of one's
recent imports, which is the API's ``?created_by=<own id>``."""

from __future__ import annotations

from core.filters import FilterSet, WholeNumberFilter
from departments.models import ImportJob


class ImportJobFilter(FilterSet):
    created_by = WholeNumberFilter(
        help_text="The user who started the import (an administrator sees everyone's)."
    )

    class Meta:
        model = ImportJob
        fields = ["kind", "status", "created_by"]
