"""A PDF read back as text, with poppler's ``pdftotext`` (``.ci/run`` installs
poppler-utils): the one way the tests read what a report, notice or pack says."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path


def pdf_text(content: bytes) -> str:
    """The text of the PDF ``content`` as pdftotext lays it out, its pages separated by
    form feeds. Fails (CalledProcessError) when pdftotext cannot read it."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "document.pdf"
        path.write_bytes(content)
        return subprocess.run(
            ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout


def pdf_words(content: bytes) -> str:
    """``pdf_text`` with every run of white space one space: narrow table cells wrap
    their words over lines."""
    return " ".join(pdf_text(content).split())


def pdf_pages(content: bytes) -> list[str]:
    """``pdf_words`` of each page that holds any text, in order."""
    return [" ".join(page.split()) for page in pdf_text(content).split("\f") if page.strip()]
