from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination

from core.digits import whole_number
from core.pagination import KnownCountPaginator


class StandardPagination(PageNumberPagination):
    """Page-number pagination: count, next, previous, results; page_size up to 500.

    A view that knows its list's count without counting the rows (from a summary) sets
    ``known_count`` before paginating (``KnownCountPaginator``)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    known_count: int | None = None

    def get_page_size(self, request):
        # A page size not typed in plain digits ("1_0", "١٠") is no page size, as DRF
        # treats "ten": the default is used (Python's int would have read 10).
        typed = request.query_params.get(self.page_size_query_param)
        if typed is not None and whole_number(typed) is None:
            return self.page_size
        return super().get_page_size(request)

    def get_page_number(self, request, paginator):
        # A page not typed in plain digits (nor "last") is an invalid page, answered 404 as
        # DRF answers "ten", rather than read by Python's int as a number.
        number = super().get_page_number(request, paginator)  # "last" read already
        if whole_number(str(number)) is None:
            raise NotFound(self.invalid_page_message)
        return number

    def django_paginator_class(self, object_list, per_page):
        # Called as DRF calls its paginator class: (rows, page size).
        return KnownCountPaginator(object_list, per_page, known_count=self.known_count)
