"""Serve plotly.js from the plotly package's own bundled file, never from a CDN, and serve
static files compressed and long cached on the embedded default as in production.

Only ``plotly.min.js`` is exposed (as ``plotly/plotly.min.js``), not the package's other
data, so collectstatic copies one file.
"""

from __future__ import annotations

from pathlib import Path

import plotly
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage
from whitenoise.storage import CompressedManifestStaticFilesStorage

PACKAGE_DATA = Path(plotly.__file__).parent / "package_data"
FILE_NAME = "plotly.min.js"
PREFIX = "plotly"
STATIC_PATH = f"{PREFIX}/{FILE_NAME}"


class PlotlyFinder(BaseFinder):
    def check(self, **kwargs) -> list:
        return []

    def find(self, path: str, find_all: bool = False, **kwargs):
        find_all = find_all or kwargs.get("all", False)
        if path != STATIC_PATH:
            return [] if find_all else None
        match = str(PACKAGE_DATA / FILE_NAME)
        return [match] if find_all else match

    def list(self, ignore_patterns):
        storage = FileSystemStorage(location=str(PACKAGE_DATA))
        storage.prefix = PREFIX
        yield FILE_NAME, storage


class CollectedStaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Production's storage (hashed names, gzip and brotli copies beside each file) for the
    embedded default once ``make run`` has collected the files.

    Django links the unhashed names while ``DEBUG`` is on, which whitenoise may only let a
    browser keep for a minute; linking the hashed names (``force``) lets whitenoise mark
    them immutable and cacheable for a year, so a chart page's 4.8 MB of plotly.js crosses
    the network once, compressed (about 1.1 MB with brotli). A file added or changed after
    collecting is served only after ``collectstatic`` runs again (``make run`` runs it).
    """

    def url(self, name: str | None, force: bool = False) -> str:
        return super().url(name, force=True)

    @property
    def keep_only_hashed_files(self) -> bool:
        # Only the hashed names are linked, so the unhashed copies are neither kept nor
        # compressed (brotli takes about 15 s of CPU over plotly.js alone).
        return True

    def compress_files(self, paths):
        """whitenoise's compression, skipping a file compressed by an earlier run: its
        hashed name fixes its content, so those copies are still right, and ``make run``
        starts in seconds, not minutes, the second time."""
        fresh = [
            path
            for path in paths
            if not self.exists(f"{path}.br") and not self.exists(f"{path}.gz")
        ]
        yield from super().compress_files(fresh)
