"""Comparison figures (reporting.metrics.benchmark) on the real public files and on
worked examples. Expected numbers come from Python's ``statistics`` (the inclusive
method is QUARTILE.INC's) or are worked by hand, never from the code under test."""

import statistics
from collections import defaultdict
from decimal import Decimal

import pytest

from reporting.metrics import benchmark
from reporting.metrics.benchmark import Area, Band, Likeness, compare
from reporting.metrics.returns import Direction
from tests.benchmark_files import TRAFFORD, neighbours, recycling_rates, rows

D = Decimal

# Trafford against itself and its 15 CIPFA 2021 neighbours, household waste recycled (%):
# rank (1 best, higher is better), quartile band and statement band, checked by hand
# from the file (2018/19: 57.3 is fifth but under the upper quartile of 57.425).
TRAFFORD_2021_GROUP = {
    "2010/11": (12, Band.THIRD, Likeness.SLIGHTLY_WORSE),
    "2011/12": (5, Band.SECOND, Likeness.SLIGHTLY_BETTER),
    "2012/13": (6, Band.SECOND, Likeness.SLIGHTLY_BETTER),
    "2013/14": (2, Band.TOP, Likeness.BETTER),
    "2014/15": (1, Band.TOP, Likeness.BETTER),
    "2015/16": (1, Band.TOP, Likeness.BETTER),
    "2016/17": (1, Band.TOP, Likeness.BETTER),
    "2017/18": (1, Band.TOP, Likeness.BETTER),
    "2018/19": (5, Band.SECOND, Likeness.BETTER),
    "2019/20": (3, Band.TOP, Likeness.SLIGHTLY_BETTER),
    "2020/21": (5, Band.SECOND, Likeness.BETTER),
    "2021/22": (3, Band.TOP, Likeness.BETTER),
}


def _group_areas(codes: dict[str, str], period: str, rates) -> list[Area]:
    areas = [Area(code, name, rates.get((code, period))) for code, name in codes.items()]
    return [*areas, Area(TRAFFORD, "Trafford", rates[(TRAFFORD, period)])]


@pytest.mark.parametrize("period", sorted(TRAFFORD_2021_GROUP))
def test_trafford_recycling_against_its_2021_neighbours(period):
    rates = recycling_rates()
    areas = _group_areas(neighbours(2021), period, rates)
    figures = [area.value for area in areas]
    lower, median, upper = statistics.quantiles(figures, n=4, method="inclusive")
    mad = statistics.median([abs(figure - median) for figure in figures])

    result = compare(council_code=TRAFFORD, areas=areas, polarity="higher")

    assert (result.councils, result.reporting, result.missing) == (16, 16, ())
    assert result.council_value == rates[(TRAFFORD, period)]
    assert result.quartiles.lower == lower
    assert result.quartiles.median == median == statistics.median(figures)
    assert result.quartiles.upper == upper
    assert (result.lowest, result.highest) == (min(figures), max(figures))
    assert result.mad == mad
    assert result.gap_to_median == result.council_value - median
    assert (result.rank, result.band, result.likeness) == TRAFFORD_2021_GROUP[period]


def test_trafford_2021_22_worked_by_hand():
    """2021/22: 16 figures; Q1 at position 15 × 0.25 = 3.75, between the 4th (37.0) and
    5th (37.3) smallest: 37.0 + 0.75 × 0.3 = 37.225; the median between the 8th and 9th
    (42.6, 42.7) is 42.65; MAD 8.15, so 58.8 is 16.15 ÷ 8.15 = 1.98 MADs above: better."""
    areas = _group_areas(neighbours(2021), "2021/22", recycling_rates())
    result = compare(council_code=TRAFFORD, areas=areas, polarity="higher")
    assert result.quartiles == benchmark.Quartiles(D("37.225"), D("42.65"), D("54.75"))
    assert result.mad == D("8.15")
    statement = benchmark.statement(
        result, council="Trafford", group="CIPFA nearest neighbours", places=1
    )
    assert statement == (
        "Trafford (58.8) is better than the median of CIPFA nearest neighbours (42.7), "
        "2.0 median absolute deviations away. It ranks 3 of 16 (top quartile)."
    )


def test_group_in_force_switches_from_the_2019_to_the_2021_model():
    models = [2019, 2021]
    assert benchmark.group_in_force(models, 2018) is None
    assert benchmark.group_in_force(models, 2019) == 2019
    assert benchmark.group_in_force(models, 2020) == 2019
    assert benchmark.group_in_force(models, 2021) == 2021
    assert benchmark.group_in_force(models, 2030) == 2021


def test_the_2019_model_counts_and_names_the_neighbours_the_file_lacks():
    """The file covers the 2021 neighbours; the 2019 model's two others (Darlington,
    Telford and Wrekin) have no figure, so 14 of 16 report and both are named."""
    rates = recycling_rates()
    old, new = neighbours(2019), neighbours(2021)
    assert set(old) ^ set(new) == {"E06000005", "E06000020", "E06000035", "E06000038"}
    areas = _group_areas(old, "2019/20", rates)
    result = compare(council_code=TRAFFORD, areas=areas, polarity="higher")
    reported = [area.value for area in areas if area.value is not None]
    assert (result.councils, result.reporting) == (16, 14)
    assert result.missing == ("Darlington", "Telford and Wrekin")
    assert result.quartiles.median == statistics.median(reported)
    assert result.rank == 1 + sum(value > rates[(TRAFFORD, "2019/20")] for value in reported)
    statement = benchmark.statement(result, council="Trafford", group="the group", places=1)
    assert statement.endswith(" 2 of 16 councils have no figure (Darlington, Telford and Wrekin).")


def test_scottish_quarterly_ranks_reproduced_with_their_polarity_and_ties():
    """Every CORP 09 and CORP 10 row of 2022-23: its Scotland rank among the councils
    reporting that quarter and its family-group rank, both from the values alone with
    the polarity file's direction (Descending: higher is better); ties share the best."""
    polarity = {row["Code"]: row["Ranking_Type"] for row in rows("lgbf_indicator_polarity.csv")}
    family = {
        row["Local_Authority"]: row["Family_Group"]
        for row in rows("lgbf_family_groups.csv")
        if row["Type"].startswith("Environmental")  # the corporate indicators' families
    }
    quarterly = rows("lgbf_corp09_corp10_quarterly_2022-23.csv")
    by_quarter = defaultdict(list)
    for row in quarterly:
        by_quarter[(row["Code"], row["Period"])].append(row)
    tied = 0
    for (code, _period), quarter in by_quarter.items():
        direction = {"Descending": "higher", "Ascending": "lower"}[polarity[code.replace(" ", "")]]
        values = [D(row["Value"]) for row in quarter]
        for row in quarter:
            value = D(row["Value"])
            relatives = [
                D(other["Value"])
                for other in quarter
                if family[other["LocalAuthority"]] == family[row["LocalAuthority"]]
            ]
            assert benchmark.rank(value, values, direction) == int(D(row["ScotRank"])), row
            assert benchmark.rank(value, relatives, direction) == int(D(row["FamilyRank"])), row
            tied += values.count(value) > 1
    assert len(quarterly) == 251
    assert tied > 100  # many councils decide every grant in time: ties are the norm


def test_goldilocks_indicator_ranks_by_distance_from_its_midpoint():
    """CORP11, the share of the Scottish Welfare Fund budget spent: nearest 1.0 is best.
    Distances 0.08, 0.05, 0, 0.03, 0.12, 0.05: ranks 5, 3, 1, 2, 6, 3 (over- and
    underspending by 0.05 tie)."""
    polarity = {row["Code"]: row for row in rows("lgbf_indicator_polarity.csv")}
    assert polarity["CORP11"]["Ranking_Type"] == "Goldilocks"
    midpoint = D(polarity["CORP11"]["Ranking_GoldilocksMidpoint"])
    values = [D("0.92"), D("1.05"), D("1.00"), D("0.97"), D("1.12"), D("0.95")]
    ranks = [benchmark.rank(value, values, "midpoint", midpoint) for value in values]
    assert ranks == [5, 3, 1, 2, 6, 3]
    areas = [Area(f"S{n}", f"Council {n}", value) for n, value in enumerate(values)]
    result = compare(council_code="S4", areas=areas, polarity="midpoint", midpoint=midpoint)
    # Distances sorted: 0, 0.03, 0.05, 0.05, 0.08, 0.12; median distance 0.05; the
    # council (1.12) is 0.12 away, 0.07 further than the median distance; the MAD of
    # the distances is median(0.05, 0.02, 0, 0, 0.03, 0.07) = 0.025: 2.8 MADs: worse.
    assert result.rank == 6
    assert result.band == Band.BOTTOM
    assert result.gap_to_median == D("-0.07")
    assert result.mad == D("0.025")
    assert result.likeness == Likeness.WORSE
    # The spread is of the figures themselves: 0.92 0.95 0.97 1.00 1.05 1.12.
    assert result.quartiles == benchmark.Quartiles(D("0.955"), D("0.985"), D("1.0375"))


@pytest.mark.parametrize(
    ("gap", "expected"),
    [
        ("0", Likeness.SIMILAR),
        ("1", Likeness.SIMILAR),  # exactly 0.5 MAD: within
        ("1.000001", Likeness.SLIGHTLY_BETTER),
        ("3", Likeness.SLIGHTLY_BETTER),  # exactly 1.5 MAD
        ("3.000001", Likeness.BETTER),
        ("6", Likeness.BETTER),  # exactly 3 MAD
        ("6.000001", Likeness.MUCH_BETTER),
        ("-1", Likeness.SIMILAR),
        ("-1.000001", Likeness.SLIGHTLY_WORSE),
        ("-3", Likeness.SLIGHTLY_WORSE),
        ("-3.000001", Likeness.WORSE),
        ("-6", Likeness.WORSE),
        ("-6.000001", Likeness.MUCH_WORSE),
    ],
)
def test_statement_bands_at_each_boundary_with_a_mad_of_two(gap, expected):
    assert benchmark.likeness(D(gap), D(2)) == expected


def test_boundaries_through_a_whole_group_and_with_lower_is_better():
    """Eight others 4, 6, 8, 9, 10, 12, 14, 16 and the council.

    At 11: nine figures, median 10, distances 0 1 1 2 2 4 4 6 6, MAD 2; 1 above is
    exactly 0.5 MAD: broadly similar. At 14: median 10, distances 0 1 2 2 4 4 4 6 6, MAD
    4; 4 above is 1 MAD: slightly better, or slightly worse when lower is better (rank 7,
    sharing it with the other 14; turned figures −16 −14 −14 −12 −10 −9 −8 −6 −4 have
    their lower quartile at −14: the third quartile). At 18: MAD 4, 8 above is 2 MADs:
    better."""
    others = [D(v) for v in ("4", "6", "8", "9", "10", "12", "14", "16")]

    def with_council(value: str, polarity: str):
        areas = [Area(f"E{n}", f"Council {n}", v) for n, v in enumerate(others)]
        return compare(
            council_code="ME", areas=[*areas, Area("ME", "Us", D(value))], polarity=polarity
        )

    at_half = with_council("11", "higher")
    assert (at_half.quartiles.median, at_half.mad) == (D(10), D(2))
    assert at_half.likeness == Likeness.SIMILAR
    higher = with_council("14", "higher")
    assert (higher.mad, higher.mads_from_median, higher.likeness) == (
        D(4),
        D(1),
        Likeness.SLIGHTLY_BETTER,
    )
    lower = with_council("14", "lower")
    assert (lower.likeness, lower.rank, lower.band) == (Likeness.SLIGHTLY_WORSE, 7, Band.THIRD)
    assert with_council("18", "higher").likeness == Likeness.BETTER
    assert with_council("4", "lower").rank == 1


def test_a_mad_of_zero_is_said_honestly():
    """Figures 5, 5, 5, 5, 7: the median 5, every distance but one 0, so the MAD is 0.
    On the median: broadly similar; above it: better, with no size."""
    areas = [Area(f"E{n}", f"Council {n}", D(5)) for n in range(4)]
    above = compare(council_code="ME", areas=[*areas, Area("ME", "Us", D(7))], polarity="higher")
    assert (above.mad, above.likeness, above.mads_from_median) == (
        D(0),
        Likeness.BETTER_NO_SPREAD,
        None,
    )
    words = benchmark.statement(above, council="Us", group="the group", places=0)
    assert words == (
        "Us (7) is better than the median of the group (5); most of the group share one "
        "figure (no spread to measure by), so how much cannot be said. It ranks 1 of 5 "
        "(top quartile)."
    )
    on = compare(council_code="E0", areas=[*areas, Area("ME", "Us", D(7))], polarity="higher")
    assert on.likeness == Likeness.SIMILAR
    assert on.rank == 2  # four share second place behind 7


def test_missing_figures_are_left_out_counted_and_named_never_zero():
    """Figures 10, blank, 20, suppressed, 30 and the council 25: the four reported are
    10, 20, 25, 30 (median 22.5), not six with zeros (median 15)."""
    areas = [
        Area("E1", "Alpha", D(10)),
        Area("E2", "Bravo", None),
        Area("E3", "Charlie", D(20)),
        Area("E4", "Delta", None),
        Area("E5", "Echo", D(30)),
        Area("ME", "Us", D(25)),
    ]
    result = compare(council_code="ME", areas=areas, polarity="higher")
    assert (result.councils, result.reporting, result.missing) == (6, 4, ("Bravo", "Delta"))
    assert result.quartiles.median == D("22.5")
    assert result.rank == 2
    no_figure = compare(council_code="E2", areas=areas, polarity="higher")
    assert (no_figure.council_value, no_figure.rank, no_figure.band) == (None, None, None)
    assert benchmark.statement(no_figure, council="Bravo", group="the group", places=1) == (
        "Bravo has no figure for this period; the median of the group is 22.5. "
        "2 of 6 councils have no figure (Bravo, Delta)."
    )
    nobody = compare(
        council_code="ME", areas=[Area("ME", "Us", None), Area("E1", "A", None)], polarity="lower"
    )
    assert (nobody.reporting, nobody.quartiles, nobody.rank) == (0, None, None)


def test_quantiles_match_the_inclusive_method_for_small_groups():
    for values in ([D(3)], [D(1), D(2)], [D(1), D(2), D(4)], [D(7), D(1), D(3), D(10)]):
        if len(values) > 1:
            expected = statistics.quantiles(values, n=4, method="inclusive")
        else:
            expected = values * 3
        got = benchmark.quartiles(values)
        assert [got.lower, got.median, got.upper] == expected


def test_direction_of_travel_against_the_group_median():
    assert benchmark.direction_against_median(D("2.06"), D("1.96"), 1) == Direction.IMPROVED
    assert benchmark.direction_against_median(D("2.06"), D("1.96"), 0) == Direction.UNCHANGED
    assert benchmark.direction_against_median(D("-3"), D("-1"), 1) == Direction.WORSE
    assert benchmark.direction_against_median(None, D("1"), 1) == Direction.NO_COMPARISON
