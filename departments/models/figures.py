"""The figures generation's durable half (``departments.figures_generation``)."""

from __future__ import annotations

from django.db import models


class FiguresGeneration(models.Model):
    """One row: a random token that every committed write of a figure's inputs replaces.

    Kept in the database, not only in the cache, so that a change the cache could not
    record (Redis away during the write) still retires every figure cached before it.
    """

    token = models.CharField(max_length=32)

    def __str__(self) -> str:
        return f"Figures generation {self.token}"
