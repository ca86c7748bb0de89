"""What every partnership page shares: the partnership a page is about, within the scope
of the person asking."""

from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from partnerships.models import Partnership


def partnership_or_404(request: HttpRequest, pk: int) -> Partnership:
    """The partnership ``pk`` if the user may see it (``Partnership.objects.visible_to``,
    as the API asks), else Http404, so a partnership outside the user's scope reads as
    one that does not exist."""
    return get_object_or_404(Partnership.objects.visible_to(request.user), pk=pk)
