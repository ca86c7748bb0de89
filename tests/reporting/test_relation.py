"""The relation module: first-difference Pearson correlation by lag, checked against
statistics.correlation on the same differenced series and hand-built cases."""

import statistics
from decimal import ROUND_HALF_UP, Decimal

import pytest

from departments.periods import Period
from reporting.metrics.relation import (
    LagResult,
    Relation,
    changes,
    department_subjects,
    lagged_pairs,
    pearson,
    relation,
)

START = Period.parse("2024-25-P08")


def months(count: int) -> list[Period]:
    result = [START]
    while len(result) < count:
        result.append(result[-1].next())
    return result


def series(values) -> list[tuple[Period, Decimal | None]]:
    return [
        (m, None if v is None else Decimal(str(v)))
        for m, v in zip(months(len(values)), values, strict=True)
    ]


# A health series with irregular moves, and coordination repeating its changes 2 months
# later (plus a little of its own), over 24 months.
HEALTH = [
    90,
    88,
    91,
    85,
    86,
    80,
    78,
    83,
    84,
    79,
    72,
    70,
    75,
    81,
    83,
    82,
    86,
    85,
    80,
    84,
    88,
    87,
    90,
    89,
]
WOBBLE = [0, 1, -1, 0, 1, 0, -1, 1, 0, 0, -1, 1, 0, 1, -1, 0, 0, 1, -1, 0, 1, 0, -1, 0]


def _following(values: list[int], lag: int) -> list[int]:
    """A series whose change in month m + lag is the health change in month m, plus a
    small wobble of its own."""
    out = [70] * (lag + 1)
    for i in range(lag + 1, len(values)):
        out.append(out[-1] + (values[i - lag] - values[i - lag - 1]) + WOBBLE[i])
    return out


COORDINATION = _following(HEALTH, 2)


def test_changes_skip_a_month_without_a_figure():
    result = changes(series([80, 82, None, 85, 84]))
    assert [(m.key, v) for m, v in sorted(result.items(), key=lambda i: i[0].start)] == [
        ("2024-25-P09", 2.0),
        ("2024-25-P12", -1.0),
    ]  # no change into or out of the gap


def test_each_lag_equals_statistics_correlation_on_the_same_pairs():
    found = relation(series(HEALTH), series(COORDINATION))
    for result in found.lags:
        pairs = lagged_pairs(series(HEALTH), series(COORDINATION), result.lag)
        expected = statistics.correlation([p[0] for p in pairs], [p[1] for p in pairs])
        assert result.pairs == 23 - result.lag
        assert result.r == Decimal(repr(expected)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def test_the_best_lag_is_the_highest_correlation_and_the_finding_says_it():
    found = relation(series(HEALTH), series(COORDINATION))
    assert found.best.lag == 2
    assert found.best.r == max(r.r for r in found.lags)
    assert found.finding() == (
        "When the partner's service slips, joint working between departments tends to slip "
        "too, about 2 months later; when it improves, so does joint working."
    )
    assert found.statistics() == (
        f"The link is {found.best.strength}: r = {found.best.r} over 21 pairs of months, "
        "coordination measured about 2 months later."
    )


def test_fewer_than_twelve_pairs_is_not_enough_data():
    found = relation(series(HEALTH[:12]), series(COORDINATION[:12]))
    assert [r.pairs for r in found.lags] == [11, 10, 9, 8]
    assert found.best is None and all(r.r is None for r in found.lags)
    assert found.finding() == (
        "There is not enough data yet to say whether joint working between departments "
        "follows the partner's service: that takes 12 pairs of month-on-month changes within "
        "the last 24 months, and there are 11. Until then the figures cannot say whether one "
        "follows the other."
    )
    assert found.statistics() == "Not enough data for a correlation."


def test_a_constant_series_has_no_variation():
    found = relation(series([80] * 24), series(COORDINATION))
    assert found.best is None
    assert found.finding() == (
        "The partner's service or joint working between departments has not changed from "
        "month to month over the last 24 months, so the figures cannot say whether one "
        "follows the other."
    )
    assert pearson([1.0, 1.0, 1.0], [1.0, 2.0, 3.0]) is None


def test_missing_months_reduce_the_pairs():
    gappy = list(HEALTH)
    gappy[5] = None  # removes the changes into and out of month 6
    found = relation(series(gappy), series(COORDINATION))
    assert found.lags[0].pairs == 21


def test_level_correlation_without_change_correlation_is_not_reported_as_a_relation():
    # Both rise steadily (levels correlate almost perfectly) but their month-to-month
    # changes are unrelated: alternating +1/+3 against a fixed +2 with a wobble.
    rising = [60 + 2 * i + (1 if i % 2 else 0) for i in range(24)]
    other = [40 + 2 * i + (1 if i % 3 == 0 else 0) for i in range(24)]
    levels = statistics.correlation([float(v) for v in rising], [float(v) for v in other])
    assert levels > 0.99
    found = relation(series(rising), series(other))
    assert abs(found.lags[0].r) < Decimal("0.5")


@pytest.mark.parametrize(
    ("r", "word"),
    [
        ("1.00", "very strong"),
        ("0.80", "very strong"),
        ("0.79", "strong"),
        ("0.60", "strong"),
        ("0.59", "moderate"),
        ("0.40", "moderate"),
        ("0.39", "weak"),
        ("0.20", "weak"),
        ("0.19", "very weak"),
        ("0.00", "very weak"),
        ("-0.85", "very strong"),
    ],
)
def test_the_strength_word_follows_the_stated_bands_of_the_size_of_r(r, word):
    assert LagResult(lag=1, r=Decimal(r), pairs=20).strength == word


def _best(r: str, lag: int = 1) -> Relation:
    best = LagResult(lag=lag, r=Decimal(r), pairs=20)
    return Relation([best], best)


def test_below_moderate_the_finding_says_there_is_little_sign():
    assert _best("0.39").finding() == (
        "Over the last 24 months there is little sign that joint working between "
        "departments moves with the partner's service: the closest link found is weak."
    )


def test_a_moderate_link_is_a_tendency_in_a_departments_words():
    assert _best("0.40", lag=0).finding(subjects=department_subjects("Planning")) == (
        "When the partner's services Planning depends on slip, Planning's joint working "
        "with other departments tends to slip too, in the same month; when they improve, "
        "so does its joint working."
    )


def test_a_strong_negative_best_link_is_said_to_run_the_opposite_way():
    assert _best("-0.70", lag=3).finding() == (
        "Joint working between departments tends to move the opposite way to the partner's "
        "service, about 3 months later."
    )
