"""Serve plotly.js from the plotly package's own bundled file, never from a CDN.

Only ``plotly.min.js`` is exposed (as ``plotly/plotly.min.js``), not the package's other
data, so collectstatic copies one file.
"""

from __future__ import annotations

from pathlib import Path

import plotly
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

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
