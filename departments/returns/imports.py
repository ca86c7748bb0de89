"""KPI returns as a kind of import: the columns of a returns file, how a row is checked
by ``services.prepare_return`` and written in bulk by ``services.save_prepared_returns``
(so the form's rules, permissions and audit trail apply to every imported row), and the
pre-filled template to fill in and upload."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from core.importer import (
    Outcome,
    percent_cell_problem,
)
from core.tabular import table_file
from departments import periods, roles
from departments.models import Department, KpiReturn, PerformanceIndicator, Target, Unit
from departments.numbers import quoted
from departments.returns import services
from departments.validation import FIGURE_LABELS, FORECAST_LABELS, is_given

RETURN_COLUMNS = (
    "indicator_code",
    "period",
    "value",
    "numerator",
    "denominator",
    "commentary",
    "improvement_action",
    "forecast_value",
    "forecast_confidence",
    "forecast_note",
)


_FIGURE_COLUMNS = ("value", "numerator", "denominator")


_TEXT_COLUMNS = ("commentary", "improvement_action")
# The year-end forecast (issue 20): a figure, a confidence and its sentence.
_FORECAST_COLUMNS = ("forecast_value", "forecast_confidence", "forecast_note")

# Checked changes written together: on PostgreSQL one statement for the returns (new or
# changed) and one for their history rows; as many rows as a look-ahead chunk.
BATCH_SIZE = 1000


def _has_content(row: dict[str, str]) -> bool:
    """Whether a row holds a figure or a text; one without is a template row, skipped."""
    return any(row.get(column) for column in _FIGURE_COLUMNS + _TEXT_COLUMNS + _FORECAST_COLUMNS)


# Shown in the template for information; the importer ignores columns it does not know.
TEMPLATE_INFO_COLUMNS = (
    "title (ignored)",
    "unit (ignored)",
    "how to enter (ignored)",
    "current value (ignored)",
    "state (ignored)",
)


def _year_of(period_key: str) -> int | None:
    """The financial year of a period key, or None for a key that is not one (the row's
    own check says so)."""
    try:
        return periods.Period.parse(period_key).year
    except ValueError:
        return None


def editable_departments(user) -> list[Department]:
    """The active departments whose returns the user may edit (roles.may_edit_returns)."""
    return [
        department
        for department in Department.objects.visible_to(user).filter(is_active=True)
        if roles.may_edit_returns(user, department.pk)
    ]


class ReturnRowHandler:
    """One row of a returns file: ``indicator_code`` and ``period`` name the return.

    Indicators are looked up once, through ``visible_to(actor)``, so an indicator outside
    the user's scope reads exactly like one that does not exist. A row with no figures
    and no text is skipped: it is a template row the officer left for later. A column
    the file does not have leaves the stored field as it was; an empty cell in a column
    it has clears the field. A row identical to the stored return is "unchanged", even
    when that return is submitted, approved or locked.

    Each row is checked by ``services.prepare_return``, the checks of every single save,
    against its stored return, which ``look_ahead`` reads and locks with the rest of its
    chunk of rows in one query; checked rows are written ``BATCH_SIZE`` at a time by
    ``services.save_prepared_returns`` (with their history rows, as the user importing
    them) inside the importer's one transaction, so a bad row anywhere stores nothing.
    """

    title = "KPI returns"
    lead = (
        "Enter many returns at once from a spreadsheet: one row per return, for any of your "
        "departments and any period that has ended."
    )
    columns_hint = (
        "Columns: indicator_code, period, value (or numerator and denominator for an "
        "indicator worked out from them), commentary and improvement_action, and optionally "
        "a year-end forecast: forecast_value, forecast_confidence (on track, at risk or off "
        "track) and forecast_note, for an indicator with an annual target. A column your "
        "file leaves out keeps what is stored; an empty cell in a column it has clears that "
        "field. A row identical to what is stored changes nothing, even for an approved "
        "return. Other columns are ignored."
    )
    # Said when an import has succeeded, with a link to where the user goes next.
    after_import = ("The returns are saved as drafts: check and submit them from", "My returns")
    after_import_url = "departments:my-returns"
    sheet_names = ("Returns",)  # the template's sheet, read when a workbook has several
    writes_atomically = True  # rows are checked, then buffered; batches write in one go
    columns = RETURN_COLUMNS
    required_columns = ("indicator_code", "period")
    refusal = (
        "Only officers and heads of service can import returns: your role does not let "
        "you change any department's returns."
    )

    def __init__(self, actor, *, today: date | None = None):
        self.actor = actor
        # Read once: one "today" for the whole file, as the person meant when they sent it.
        self.today = today or timezone.localdate()
        self._indicators = {
            indicator.code: indicator
            for indicator in PerformanceIndicator.objects.visible_to(actor)
        }
        # (indicator id, period) -> first row: the same return twice in one file is a
        # mistake whichever figure was meant. One small entry per row, not the row.
        self._seen: dict[tuple[int, str], int] = {}
        # The returns the current chunk of rows names, by (indicator id, period), and
        # those of them that are stored, locked.
        self._stored: dict[tuple[int, str], KpiReturn] = {}
        # None: not read for this chunk, as no row of it gives a forecast (a stored one
        # that a row leaves untouched is not checked again, so needs no target).
        self._targets: dict[tuple[int, int], Target] | None = None
        self._chunk: set[tuple[int, str]] = set()
        self._pending: list[services.PreparedReturn] = []
        self._refused = False  # a row was refused: the file will be undone, write no more

    @classmethod
    def may_import(cls, user) -> bool:
        return bool(editable_departments(user))

    def column_for(self, field: str) -> str:
        return {"indicator": "indicator_code", "__all__": ""}.get(field, field)

    def look_ahead(self, rows: list[tuple[int, dict[str, str]]]) -> None:
        """Read and lock the stored returns that a chunk of rows names, in one query."""
        wanted = {
            (indicator, row.get("period", ""))
            for _, row in rows
            if _has_content(row)
            and (indicator := self._indicators.get(row.get("indicator_code", ""))) is not None
        }
        self._chunk = {(indicator.pk, period_key) for indicator, period_key in wanted}
        self._stored = services.locked_returns(wanted)
        # The annual targets that rate the chunk's forecasts, read once for the chunk
        # rather than once for each row that gives a forecast (not at all without one).
        self._targets = None
        if not any(is_given(row.get(c)) for _, row in rows for c in _FORECAST_COLUMNS):
            return
        years = {year for _, period_key in wanted if (year := _year_of(period_key))}
        self._targets = {
            (target.indicator_id, target.financial_year): target
            for target in Target.objects.filter(
                indicator__in={indicator.pk for indicator, _ in wanted}, financial_year__in=years
            )
        }

    def write_row(self, row_number: int, row: dict[str, str]) -> Outcome:
        """Check one row and buffer its change; a full buffer is written (``finish``)."""
        try:
            prepared = self._prepared(row_number, row)
        except ValidationError:
            self._refused = True
            raise
        if prepared is None:
            return "skipped"
        if prepared.changed:
            self._pending.append(prepared)
            if len(self._pending) >= BATCH_SIZE:
                self.finish()
        return prepared.outcome

    def finish(self) -> None:
        """Write the buffered changes (called for each full batch and once at the end)."""
        if not self._refused:
            services.save_prepared_returns(self._pending)
        self._pending = []

    def _prepared(self, row_number: int, row: dict[str, str]) -> services.PreparedReturn | None:
        """The row's checked change, or None for a row to skip; raises ValidationError
        naming each bad column."""
        if not _has_content(row):
            return None
        code, period_key = row.get("indicator_code", ""), row.get("period", "")
        indicator = self._indicators.get(code)
        errors = {}
        if not code:
            errors["indicator_code"] = "Enter the indicator code"
        elif indicator is None:
            errors["indicator_code"] = (
                f"Unknown indicator code {quoted(code)} (or not in your departments)"
            )
        if not period_key:
            errors["period"] = "Enter the period, such as 2025-26-P06"
        if errors:
            raise ValidationError(errors)
        key = (indicator.pk, period_key)
        first_row = self._seen.setdefault(key, row_number)
        if first_row != row_number:
            raise ValidationError(
                {
                    "period": f"{code} for {period_key} is also on row {first_row}: "
                    "a return can appear only once in a file"
                }
            )
        self._check_percent_cells(indicator, row)
        if key not in self._chunk:  # a row given without look_ahead is a chunk of its own
            self.look_ahead([(row_number, row)])
        try:
            return services.prepare_return(
                indicator=indicator,
                period_key=period_key,
                actor=self.actor,
                # A column the file does not have keeps what is stored (issue 14).
                **{
                    name: row.get(name, services.KEEP)
                    for name in _FIGURE_COLUMNS + _TEXT_COLUMNS + _FORECAST_COLUMNS
                },
                expected_version=None,
                today=self.today,
                stored=self._stored.get(key),
                **self._known_target(indicator, period_key),
            )
        except PermissionDenied as denied:
            raise ValidationError({"indicator_code": str(denied)}) from denied

    def _known_target(self, indicator: PerformanceIndicator, period_key: str) -> dict:
        """``prepare_return``'s ``target`` when the chunk's targets were read; else
        nothing, and it reads the target itself if the row's forecast needs it."""
        if self._targets is None:
            return {}
        return {"target": self._targets.get((indicator.pk, _year_of(period_key)))}

    @staticmethod
    def _check_percent_cells(indicator: PerformanceIndicator, row: dict[str, str]) -> None:
        """A cell formatted as a percentage is a percent-unit value (96% is 96); in any
        other figure (a count, a ratio's numerator or denominator) it is refused."""
        errors = {}
        for name in _FIGURE_COLUMNS:
            allowed = name == "value" and indicator.unit == Unit.PERCENT and not indicator.is_ratio
            problem = percent_cell_problem(
                row.get(name), label=FIGURE_LABELS[name], percent_allowed=allowed
            )
            if problem:
                errors[name] = problem
        # A forecast is a value in the indicator's unit, even for a ratio indicator.
        problem = percent_cell_problem(
            row.get("forecast_value"),
            label=FORECAST_LABELS["forecast_value"],
            percent_allowed=indicator.unit == Unit.PERCENT,
        )
        if problem:
            errors["forecast_value"] = problem
        if errors:
            raise ValidationError(errors)


def returns_template(
    *, department: Department, period_key: str, file_format: str
) -> tuple[str, str, bytes]:
    """A returns file for one department and period, ready to fill in and upload.

    One row per active indicator of the department reported at the period's frequency
    (a quarter key lists the quarterly indicators), with ``indicator_code`` and
    ``period`` filled in. The columns marked "(ignored)" are there to help: the title,
    unit, how to enter the figure and the current value and state, if a return exists.
    Raises ValueError for a malformed period key.
    """
    period = periods.Period.parse(period_key)
    frequencies = [f for f, kind in periods.FREQUENCY_KINDS.items() if kind == period.kind]
    indicators = list(
        PerformanceIndicator.objects.active()
        .filter(department=department, frequency__in=frequencies)
        .order_by("code")
    )
    existing = {
        kpi_return.indicator_id: kpi_return
        for kpi_return in KpiReturn.objects.filter(indicator__in=indicators, period=period.key)
    }
    rows = [
        _template_row(indicator, period.key, existing.get(indicator.pk)) for indicator in indicators
    ]
    header = [*RETURN_COLUMNS, *TEMPLATE_INFO_COLUMNS]
    widths = [16, 13, 10, 11, 13, 40, 40, 12, 14, 40, 50, 10, 34, 18, 12]
    content_type, content = table_file(header, rows, file_format, title="Returns", widths=widths)
    return f"returns-{department.code}-{period.key}.{file_format}", content_type, content


def _template_row(
    indicator: PerformanceIndicator, period_key: str, kpi_return: KpiReturn | None
) -> list:
    if indicator.is_ratio:
        how = "numerator and denominator; the value is worked out"
    else:
        places = indicator.decimal_places
        how = f"value, up to {places} decimal place{'' if places == 1 else 's'}"
    current = state = ""
    if kpi_return is not None:
        current = "" if kpi_return.value is None else format(kpi_return.value.normalize(), "f")
        state = kpi_return.get_state_display()
    return [
        indicator.code, period_key, "", "", "", "", "", "", "", "",
        indicator.title, indicator.get_unit_display(), how, current, state,
    ]  # fmt: skip
