"""What every partnership page shares: the partnership a page is about, within the scope
of the person asking."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from departments import roles
from partnerships.models import Partnership


def partnership_or_404(request: HttpRequest, pk: int) -> Partnership:
    """The partnership ``pk`` if the user may see its pages (roles.may_see_partnership),
    else Http404, so a partnership outside the user's scope reads as one that does not
    exist."""
    partnership = get_object_or_404(Partnership.objects.visible_to(request.user), pk=pk)
    if not roles.may_see_partnership(request.user, partnership.pk):
        raise Http404("No such partnership.")
    return partnership
