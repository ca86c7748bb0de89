"""What the figures pages read from the query string, one rule each: the month
(``?period=``), and the partnership the combined view narrows partner health to
(``?partnership=``, read by the API the same way)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import timedelta

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from core.digits import whole_number
from departments import periods, roles
from partnerships.models import Partnership
from reporting.metrics.status import next_ended
from reporting.signed_off import NotSignedOff, is_signed_off_for_members, month_for_reader


def chosen_month(request: HttpRequest, *, department_id: int | None = None) -> periods.Period:
    """The month in ``?period=`` (404 for a bad key), else the latest closed month.

    A month that has not ended raises ``periods.MonthNotEnded``, which a view wrapped in
    ``for_ended_months`` answers with a page saying so. An elected member sees signed-off
    months only (``reporting.signed_off``, for the council or ``department_id``): any
    other month is a 404, and the default is the latest signed-off month.
    """
    try:
        return month_for_reader(
            request.user, request.GET.get("period"), department_id=department_id
        )
    except periods.MonthNotEnded:
        raise
    except (ValueError, NotSignedOff) as error:
        raise Http404(str(error)) from error


def month_links(
    user, month: periods.Period, *, department_id: int | None = None
) -> dict[str, periods.Period | None]:
    """The months a figures page offers ``user`` either side of ``month``: the previous
    one and the next (once ended), each only if ``user`` may open it; an elected member
    only months signed off for them (``reporting.signed_off``'s rule, for the council or
    ``department_id``, as ``chosen_month`` reads it). None where there is none to offer."""
    links = {"previous_month": month.previous(), "next_month": next_ended(month)}
    if not roles.scope_for(user).signed_off_only_for(department_id):
        return links
    return {
        name: linked
        if linked is not None and is_signed_off_for_members(linked, department_id=department_id)
        else None
        for name, linked in links.items()
    }


def for_ended_months(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Figures pages rate ended months only (DESIGN.md section 3, "Which months are
    rated"). Asked for the current or a future month, the page answers 404 (there is no
    page for that month yet, as for any other month key it cannot show) with a message
    saying the month has not ended and a link to the same page for the latest ended
    month, never a figure."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except periods.MonthNotEnded as error:
            query = request.GET.copy()
            query["period"] = error.latest.key
            return render(
                request,
                "reporting/month_not_ended.html",
                {
                    "month": error.month,
                    "latest": error.latest,
                    "latest_url": f"{request.path}?{query.urlencode()}",
                    "first_day": error.month.end + timedelta(days=1),
                },
                status=404,
            )

    return wrapped


def narrowing_partnership(raw: str | None, *, council_wide: bool) -> Partnership | None:
    """The partnership ``?partnership=`` narrows partner health to, or None for the
    council's. Only council-wide readers may narrow; an unknown or refused id raises
    ``Partnership.DoesNotExist`` (404 to the page and the API alike)."""
    if not raw:
        return None
    partnership_id = whole_number(raw)
    if partnership_id is None or not council_wide:
        raise Partnership.DoesNotExist("No such partnership.")
    return Partnership.objects.get(pk=partnership_id)


def chosen_partnership(request: HttpRequest, council_wide: bool) -> Partnership | None:
    """``?partnership=`` narrows the partner health to one partnership (404 if unknown)."""
    try:
        return narrowing_partnership(request.GET.get("partnership"), council_wide=council_wide)
    except Partnership.DoesNotExist as error:
        raise Http404("No such partnership.") from error
