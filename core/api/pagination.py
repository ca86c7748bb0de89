from rest_framework.pagination import PageNumberPagination

from core.pagination import KnownCountPaginator


class StandardPagination(PageNumberPagination):
    """Page-number pagination: count, next, previous, results; page_size up to 500.

    A view that knows its list's count without counting the rows (from a summary) sets
    ``known_count`` before paginating (``KnownCountPaginator``)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    known_count: int | None = None

    def django_paginator_class(self, object_list, per_page):
        # Called as DRF calls its paginator class: (rows, page size).
        return KnownCountPaginator(object_list, per_page, known_count=self.known_count)
