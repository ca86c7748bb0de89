"""What every partnership page shares: the partnership a page is about, within the scope
of the person asking."""

from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from partnerships.models import Partnership


def partnership_or_404(request: HttpRequest, pk: int) -> Partnership:
    """The partnership ``pk`` for a page of its records (SLA results, records, contract)
    if the user may read them (``Partnership.objects.records_visible_to``, the rule the
    API's record endpoints ask), else Http404, so a partnership outside the user's scope
    reads as one that does not exist. An elected member who is also an officer reads a
    partnership's health, never these pages, as the API gives them none of its records."""
    return get_object_or_404(Partnership.objects.records_visible_to(request.user), pk=pk)
