"""Benchmarking imports through the shared importer: comparator groups, metrics, values.

Each reads the layout publishers use as well as our own column names: LG Inform's
area code, area name, period, metric, value; DEFRA's (Trafford's) area_code,
area_name, period, indicator, value; the Scottish framework's Code, LocalAuthority,
Period, Value, which names councils without their ONS codes: those are matched by
name to the areas already known (the council, its groups' members, values stored).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

from core.digits import whole_number
from core.importer import Outcome, percent_cell_problem
from departments import periods, roles
from departments.benchmarks import selectors, services
from departments.models import (
    BenchmarkMetric,
    ComparatorGroup,
    Council,
    PerformanceIndicator,
    Unit,
)
from departments.models.benchmarks import MAX_METRIC_PLACES
from departments.numbers import decimal_digits, quoted
from departments.validation import number_message, parse_decimal

ADMIN_ONLY = "Only an administrator can import benchmarking data."


def _first(row: dict[str, str], names: tuple[str, ...]) -> tuple[str, str]:
    """(column, text) of the first of ``names`` the row has (its text stripped), or the
    first name and "" when it has none of them."""
    for name in names:
        if name in row:
            return name, str(row[name] or "").strip()
    return names[0], ""


def _spaceless(text: str) -> str:
    """A metric's code or title as matched: the Scottish files write "CORP 09" in their
    data and "CORP09" in their indicator information, so case and spaces do not count."""
    return "".join(text.lower().split())


class _BenchmarkHandler:
    """What the three kinds share: administrators only, the one council, column names."""

    sheet_names: tuple[str, ...] = ()
    refusal = ADMIN_ONLY
    after_import = ("The benchmarking data is stored; see what you can do next on", "Home")
    after_import_url = "home"
    aliases: dict[str, tuple[str, ...]] = {}

    def __init__(self, actor):
        self.actor = actor
        self.council = Council.objects.first()
        self._used: dict[str, str] = {}  # field to the column this file gives it in
        # Area names (lower case) to their codes, for files that name areas only.
        self.known_areas: dict[str, set[str]] = {}

    @classmethod
    def may_import(cls, user) -> bool:
        return roles.may_change_reference_data(user)

    def column_for(self, field: str) -> str:
        return self._used.get(field, self.aliases.get(field, (field,))[0])

    def cell(self, row: dict[str, str], field: str) -> str:
        column, text = _first(row, self.aliases.get(field, (field,)))
        self._used[field] = column
        return text

    def no_council(self) -> ValidationError:
        return ValidationError({"__all__": "Set up the council before its benchmarking data."})


class ComparatorGroupRowHandler(_BenchmarkHandler):
    """Columns ``group``, ``kind``, ``model_year``, ``area_code``, ``area_name``: one
    row per council of a group. A group in the file becomes exactly the councils listed
    for it (members not listed are removed); other groups are left as they are."""

    title = "Comparator groups"
    sheet_names = ("Comparator groups",)
    lead = (
        "Set up the groups of councils the council compares itself with, one row per "
        "council of each group, such as its CIPFA nearest neighbours of one model year."
    )
    columns_hint = (
        "Columns: group (its name), kind (nearest_neighbours, family_group, all_councils "
        "or other), model_year (the financial year it applies from, such as 2021), "
        "area_code (ONS, such as E08000009) and area_name. A group named in the file is "
        "replaced by the councils listed for it."
    )
    columns = ("group", "kind", "model_year", "area_code", "area_name")
    required_columns = ("kind", "model_year")  # group and area_name have other spellings
    aliases = {
        "group": ("group", "family_group"),
        "area_name": ("area_name", "local_authority", "localauthority"),
    }

    def __init__(self, actor):
        super().__init__(actor)
        self._groups: dict[int, ComparatorGroup] = {}
        self._listed: dict[int, dict[str, int]] = {}  # group id: area code to its row
        self.known_areas = selectors.known_areas(self.council) if self.council else {}

    def write_row(self, row_number: int, row: dict[str, str]) -> Outcome:
        if self.council is None:
            raise self.no_council()
        errors: dict[str, str] = {}
        name, kind_text = self.cell(row, "group"), self.cell(row, "kind")
        year_text, area_name = self.cell(row, "model_year"), self.cell(row, "area_name")
        kind = model_year = None
        if not name:
            errors["group"] = "Enter the group's name"
        try:
            kind = services.group_kind(kind_text)
        except ValueError as error:
            errors["kind"] = str(error)
        model_year = whole_number(year_text)
        if model_year is None or not periods.MIN_YEAR <= model_year <= periods.MAX_YEAR:
            model_year = None
            errors["model_year"] = (
                f"The model year must be a year such as 2021, not {quoted(year_text)}"
            )
        if not area_name:
            errors["area_name"] = "Enter the council's name"
        area_code = _area_code(self, row, area_name, errors)
        if errors:
            raise ValidationError(errors)
        group, outcome = services.put_group_member(
            council=self.council,
            name=name,
            kind=kind,
            model_year=model_year,
            area_code=area_code,
            area_name=area_name,
            actor=self.actor,
        )
        listed = self._listed.setdefault(group.pk, {})
        if area_code in listed:
            raise ValidationError(
                {"area_code": f"{area_name} is also on row {listed[area_code]} of this group"}
            )
        listed[area_code] = row_number
        self._groups[group.pk] = group
        return outcome

    def finish(self) -> None:
        """Each group in the file keeps only the councils the file lists for it."""
        for pk, group in self._groups.items():
            services.keep_only_members(
                group=group, area_codes=set(self._listed[pk]), actor=self.actor
            )


def _area_code(handler: _BenchmarkHandler, row: dict[str, str], name: str, errors) -> str:
    """The row's ONS area code, or the one its area name is known by (a file without
    codes); an error under area_code when neither gives exactly one."""
    code = handler.cell(row, "area_code").upper()
    if code:
        if len(code) != 9 or not code[0].isalpha() or not code[1:].isdigit():
            errors["area_code"] = (
                f"{quoted(code)} is not an ONS area code: a letter and 8 digits, such as E08000009"
            )
        return code
    codes = handler.known_areas.get(name.lower(), set()) if name else set()
    if len(codes) == 1:
        return next(iter(codes))
    errors["area_code"] = (
        f"Enter the ONS area code: {quoted(name)} is known by several codes "
        f"({', '.join(sorted(codes))})"
        if codes
        else f"Enter the ONS area code: {quoted(name)} is not a council already known "
        "by its code (from a comparator group with codes, or earlier values)"
    )
    return ""


class BenchmarkMetricRowHandler(_BenchmarkHandler):
    """Columns ``code``, ``title``, ``polarity``, ``midpoint``, ``indicator_code``,
    ``decimal_places``: one row per published measure (the Scottish framework's
    indicator information file reads as it is: Ranking_Type, Ranking_GoldilocksMidpoint,
    whose figure on a row not ranked as Goldilocks is not used)."""

    title = "Benchmark metrics"
    sheet_names = ("Benchmark metrics",)
    lead = "Describe the published measures the council is compared on, with their polarity."
    columns_hint = (
        "Columns: code, title, polarity (higher, lower or midpoint; or Descending, Ascending, "
        "Goldilocks), midpoint (for midpoint only), indicator_code (the council's indicator "
        "it is compared for, optional), decimal_places (optional: otherwise the most "
        "places its imported values have) and unit (optional: percent, count, days, gbp, "
        "kg, rate or score; otherwise the indicator's; a percentage lies from 0 to 100)."
    )
    columns = (
        "code",
        "title",
        "polarity",
        "midpoint",
        "indicator_code",
        "decimal_places",
        "unit",
    )
    required_columns = ("code", "title")
    aliases = {
        "polarity": ("polarity", "ranking_type"),
        "midpoint": ("midpoint", "ranking_goldilocksmidpoint"),
    }

    def __init__(self, actor):
        super().__init__(actor)
        self._indicators = {
            indicator.code: indicator for indicator in PerformanceIndicator.objects.all()
        }

    def write_row(self, row_number: int, row: dict[str, str]) -> Outcome:
        if self.council is None:
            raise self.no_council()
        errors: dict[str, str] = {}
        code, title = self.cell(row, "code"), self.cell(row, "title")
        polarity = midpoint = indicator = places = unit = None
        if not code:
            errors["code"] = "Enter the metric's code"
        if not title:
            errors["title"] = "Enter the metric's title"
        try:
            polarity = services.metric_polarity(self.cell(row, "polarity"))
        except ValueError as error:
            errors["polarity"] = str(error)
        try:
            midpoint = parse_decimal(self.cell(row, "midpoint"))
        except ValueError as error:
            errors["midpoint"] = number_message("The midpoint", error, example="1.0")
        if (
            polarity != "midpoint"
            and midpoint is not None
            and self.column_for("midpoint") == "ranking_goldilocksmidpoint"
        ):
            # The Scottish file gives a figure there for two rows ranked by direction
            # alone (FINSUS02, FINSUS05): the framework does not rank by it, nor do we.
            midpoint = None
        if polarity and (polarity == "midpoint") != (midpoint is not None):
            errors.setdefault(
                "midpoint",
                "Enter the midpoint: nearest it is best"
                if midpoint is None
                else "Leave the midpoint empty unless the polarity is midpoint",
            )
        indicator_code = self.cell(row, "indicator_code")
        if indicator_code:
            indicator = self._indicators.get(indicator_code)
            if indicator is None:
                errors["indicator_code"] = f"Unknown indicator code {quoted(indicator_code)}"
        places_text = self.cell(row, "decimal_places")
        if places_text:
            places = whole_number(places_text)
            if places is None or places > MAX_METRIC_PLACES:
                errors["decimal_places"] = (
                    f"Decimal places must be a whole number from 0 to {MAX_METRIC_PLACES}"
                )
        try:
            unit = services.metric_unit(self.cell(row, "unit"))
        except ValueError as error:
            errors["unit"] = str(error)
        if errors:
            raise ValidationError(errors)
        _, outcome = services.save_metric(
            council=self.council,
            code=code,
            title=title,
            polarity=polarity,
            midpoint=midpoint,
            indicator=indicator,
            decimal_places=places,
            unit=unit,
            actor=self.actor,
        )
        return outcome


class BenchmarkValueRowHandler(_BenchmarkHandler):
    """Columns ``metric``, ``area_code``, ``area_name``, ``period``, ``value``: one row per
    published figure. The metric is named by its code or its title; a blank or
    suppressed value is kept as missing, never zero."""

    title = "Benchmark values"
    sheet_names = ("Benchmark values",)
    lead = (
        "Load published figures for councils (from LG Inform, DEFRA, the Scottish "
        "benchmarking framework) to compare the council with its groups."
    )
    columns_hint = (
        "Columns: metric (a benchmark metric's code or title), area_code (ONS), area_name, "
        "period (2021-22, 2021/22, 2022-23;Q1) and value (blank or suppressed when none "
        "was published: kept as missing, never as zero). The LG Inform, DEFRA and Scottish "
        "benchmarking layouts are read as they are."
    )
    columns = ("metric", "area_code", "area_name", "period", "value")
    required_columns = ("period", "value")  # metric and area_name have other spellings
    aliases = {
        "metric": ("metric", "metric_code", "code", "indicator"),
        "area_name": ("area_name", "area", "localauthority", "local_authority"),
    }

    def __init__(self, actor):
        super().__init__(actor)
        self._metrics: dict[str, BenchmarkMetric] = {}
        if self.council is not None:
            for metric in BenchmarkMetric.objects.filter(council=self.council):
                self._metrics.setdefault(_spaceless(metric.code), metric)
                self._metrics.setdefault(_spaceless(metric.title), metric)
        self.known_areas = selectors.known_areas(self.council) if self.council else {}
        self._seen: dict[tuple[int, str, str], int] = {}
        # The most decimal places each metric's figures are published with in the file.
        self._places: dict[int, int] = {}

    def write_row(self, row_number: int, row: dict[str, str]) -> Outcome:
        if self.council is None:
            raise self.no_council()
        errors: dict[str, str] = {}
        metric_text, area_name = self.cell(row, "metric"), self.cell(row, "area_name")
        metric = self._metrics.get(_spaceless(metric_text))
        if metric is None:
            errors["metric"] = (
                f"Unknown benchmark metric {quoted(metric_text)}: set it up first (code or title)"
                if metric_text
                else "Enter the metric's code"
            )
        if not area_name:
            errors["area_name"] = "Enter the council's name"
        area_code = _area_code(self, row, area_name, errors)
        period = ""
        try:
            period = periods.key_from_published(self.cell(row, "period"))
        except ValueError as error:
            errors["period"] = str(error)
        value, note = None, ""
        try:
            value, note = services.published_value(self.cell(row, "value"))
        except ValueError as error:
            errors["value"] = str(error)
        if metric is not None:
            # A cell formatted as a percentage is read as the figure shown (96%, 96): a
            # percentage, or a metric whose unit is not stated; any other unit refuses it.
            problem = percent_cell_problem(
                row.get(self.column_for("value")),
                label="The value",
                percent_allowed=metric.unit in ("", Unit.PERCENT),
            )
            if problem:
                errors["value"] = problem
        if errors:
            raise ValidationError(errors)
        first = self._seen.setdefault((metric.pk, area_code, period), row_number)
        if first != row_number:
            raise ValidationError(
                {"period": f"{area_name} for {period} is also on row {first}: once each"}
            )
        if value is not None:
            places = decimal_digits(value)[1]
            self._places[metric.pk] = max(places, self._places.get(metric.pk, 0))
        return services.save_value(
            metric=metric,
            area_code=area_code,
            area_name=area_name,
            period=period,
            value=value,
            note=note,
            actor=self.actor,
        )

    def finish(self) -> None:
        """Each metric in the file is shown to the most places its figures have."""
        for metric in {metric.pk: metric for metric in self._metrics.values()}.values():
            if metric.pk in self._places:
                services.show_places_of_values(
                    metric=metric, places=self._places[metric.pk], actor=self.actor
                )
