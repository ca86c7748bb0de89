"""The portal served from the cache, retired by every write that could change it.

The portal's figures are cached under the council's figures generation
(``reporting/figures/cache.py``, one key builder): a sign-off, a reopening, a return's
lock or reopening and a change of targets or indicators already change that generation,
as they do for every dashboard. The one input of this app, a publication or withdrawal,
changes it too, through the receivers connected here, so no write path can forget.
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from departments.figures_generation import figures_changed
from departments.periods import PeriodKind, latest_closed
from publication.models import PublishedIndicator
from publication.selectors import Portal, build_portal
from reporting.figures.cache import cached_figures


def cached_portal() -> Portal:
    """Every public figure (``publication.selectors.build_portal``), from the cache when
    nothing has changed since it was built."""
    month = latest_closed(PeriodKind.MONTH, timezone.localdate())
    portal, _ = cached_figures("public-portal", month=month, build=build_portal)
    return portal


def _publication_written(**kwargs) -> None:
    figures_changed()


def connect_publication_writes() -> None:
    """Retire the cached portal on every write of a publication (from ``ready()``)."""
    post_save.connect(
        _publication_written, sender=PublishedIndicator, dispatch_uid="publication-save"
    )
    post_delete.connect(
        _publication_written, sender=PublishedIndicator, dispatch_uid="publication-delete"
    )
