"""A paginator told how many rows there are, for lists whose count a summary already
holds: counting a quarter of a million rows costs more than showing a page of them."""

from __future__ import annotations

from functools import cached_property

from django.core.paginator import Paginator


class KnownCountPaginator(Paginator):
    """Django's ``Paginator``, with ``count`` given (``known_count``) where the caller has
    it exactly; without, it counts the rows as ``Paginator`` does. A page is still sliced
    from the rows (``LIMIT``/``OFFSET``)."""

    def __init__(self, object_list, per_page, *, known_count: int | None = None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.known_count = known_count

    @cached_property
    def count(self) -> int:
        if self.known_count is not None:
            return self.known_count
        return Paginator.count.func(self)
