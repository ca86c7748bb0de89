"""django-filter's DRF backend, keeping the FilterSet it built and checked on the view
(``view.filterset``), so that a view reading the filters' values again (a list counting
its rows from summaries) neither builds nor checks them a second time."""

from __future__ import annotations

from django_filters import rest_framework


class DjangoFilterBackend(rest_framework.DjangoFilterBackend):
    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        view.filterset = filterset
        return filterset
