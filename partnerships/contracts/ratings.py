"""The ratings of a Contract Performance Notice (Procurement Regulations 2024, regulation
39(5)) and the one rule that proposes a rating from a KPI's 12-month performance.

A KPI's performance over the assessment period is a score from 0 to 100: for service
levels, 100 × (met + ½ × minor failures) ÷ results entered, over every month of every SLA
the KPI is built from (the SLA outcome rule of ``partnerships.outcomes``); for milestones,
100 × milestones due in the period delivered by their due date ÷ milestones due. The
thresholds map the score to a rating; serious failures in at least a stated share of the
months with results make the KPI Inadequate whatever its score.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import models

from departments.numbers import score as round_score


class Rating(models.TextChoices):
    """Regulation 39(5): the four ratings, and Other, which needs an explanation."""

    GOOD = "good", "Good"
    APPROACHING = "approaching", "Approaching target"
    REQUIRES_IMPROVEMENT = "requires_improvement", "Requires improvement"
    INADEQUATE = "inadequate", "Inadequate"
    OTHER = "other", "Other"


# What each rating means, as regulation 39(5) puts it (shown beside every rating).
RATING_MEANINGS = {
    Rating.GOOD: "meeting or exceeding the KPIs",
    Rating.APPROACHING: "close to meeting the KPIs",
    Rating.REQUIRES_IMPROVEMENT: "below the KPIs",
    Rating.INADEQUATE: "significantly below the KPIs",
    Rating.OTHER: "performance cannot be described by the other ratings",
}

# The default thresholds of every KPI, in one place (percent, 0 to 100). Good at or above
# ``good_from`` (every month at or better than expected scores 100); Approaching target at
# or above ``approaching_from``; Requires improvement at or above ``improvement_from``;
# Inadequate below it, or with serious failures in ``serious_share_inadequate`` percent
# of the months with results or more.
DEFAULT_THRESHOLDS = {
    "good_from": Decimal("95"),
    "approaching_from": Decimal("85"),
    "improvement_from": Decimal("70"),
    "serious_share_inadequate": Decimal("25"),
}


THRESHOLD_RANGE = "A threshold is a percentage between 0 and 100."
# What a threshold's field says when a number has too many digits for it (1000): the
# range people need to know, not the field's digits ("no more than 3 digits before the
# decimal point"). Keyed as Django's and DRF's digit checks name their errors; the form of
# the KPI page, the admin's form and the API's serializer all take them.
THRESHOLD_DIGITS_MESSAGES = {"max_digits": THRESHOLD_RANGE, "max_whole_digits": THRESHOLD_RANGE}


@dataclass(frozen=True)
class Thresholds:
    good_from: Decimal
    approaching_from: Decimal
    improvement_from: Decimal
    serious_share_inadequate: Decimal

    @classmethod
    def of(cls, kpi) -> Thresholds:
        """The thresholds a ContractKpi carries."""
        return cls(**{name: getattr(kpi, name) for name in DEFAULT_THRESHOLDS})

    def problem(self) -> dict[str, str]:
        """Field name to message when the thresholds are out of order or range; {}."""
        errors = {}
        for name in DEFAULT_THRESHOLDS:
            value = getattr(self, name)
            if value is None or not Decimal(0) <= value <= Decimal(100):
                errors[name] = THRESHOLD_RANGE
        if errors:
            return errors
        if self.approaching_from > self.good_from:
            errors["approaching_from"] = (
                "The Approaching target threshold cannot be above the Good threshold."
            )
        if self.improvement_from > self.approaching_from:
            errors["improvement_from"] = (
                "The Requires improvement threshold cannot be above the Approaching target "
                "threshold."
            )
        return errors

    def described(self) -> list[tuple[str, str]]:
        """The mapping in words, rating label to its condition, for pages and the notice."""

        def pc(value: Decimal) -> str:
            return f"{value.normalize():f}%"

        return [
            (Rating.GOOD.label, f"score {pc(self.good_from)} or more"),
            (
                Rating.APPROACHING.label,
                f"score {pc(self.approaching_from)} to below {pc(self.good_from)}",
            ),
            (
                Rating.REQUIRES_IMPROVEMENT.label,
                f"score {pc(self.improvement_from)} to below {pc(self.approaching_from)}",
            ),
            (
                Rating.INADEQUATE.label,
                f"score below {pc(self.improvement_from)}, or serious failures in "
                f"{pc(self.serious_share_inadequate)} of months or more",
            ),
        ]


def proposed_rating(
    *, score: Decimal | None, serious_share: Decimal | None, thresholds: Thresholds
) -> Rating | None:
    """The rating the evidence proposes, or None when there is no evidence (no result
    entered, no milestone due): the SMT then rates with a reason. The score and the share
    are rounded once, to one decimal place, before they are compared, as every rating uses
    the figure people see (DESIGN.md section 3)."""
    if score is None:
        return None
    score = round_score(score)
    serious_share = round_score(serious_share) if serious_share is not None else None
    if (
        serious_share is not None
        and thresholds.serious_share_inadequate > 0
        and serious_share >= thresholds.serious_share_inadequate
    ):
        return Rating.INADEQUATE
    if score >= thresholds.good_from:
        return Rating.GOOD
    if score >= thresholds.approaching_from:
        return Rating.APPROACHING
    if score >= thresholds.improvement_from:
        return Rating.REQUIRES_IMPROVEMENT
    return Rating.INADEQUATE
