"""Bulk import of KPI returns, and the import jobs that run any kind of rows.

The tabular mechanics live in ``departments.importer``; this module holds the domain:
which columns a returns file has, how one row becomes a call of
``services.save_return`` (so the form's rules, permissions and audit trail apply to
every imported row), and the pre-filled template. ``IMPORT_KINDS`` is a plain dict:
referrals and SLA results add their handlers to it.

JSON rows (from the API) are stored as a JSON file on the ImportJob, like an uploaded
file, so the task reads every kind of job the same way and the job row stays small.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Iterable
from contextlib import closing
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction

from departments import periods, roles, services
from departments.importer import (
    ImportRejected,
    ImportSummary,
    Outcome,
    ProgressCallback,
    RowError,
    cell_text,
    check_upload,
    count_rows,
    iter_json_rows,
    iter_rows,
    percent_cell_problem,
    run_import,
)
from departments.models import Department, ImportJob, KpiReturn, PerformanceIndicator, Unit
from departments.referral_imports import ReferralRowHandler
from departments.spreadsheet_cells import fit_cell, safe_cell
from departments.validation import FIGURE_LABELS

RETURN_COLUMNS = (
    "indicator_code",
    "period",
    "value",
    "numerator",
    "denominator",
    "commentary",
    "improvement_action",
)
PROGRESS_TIMEOUT_SECONDS = 24 * 60 * 60
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FIGURE_COLUMNS = ("value", "numerator", "denominator")
_TEXT_COLUMNS = ("commentary", "improvement_action")
# Shown in the template for information; the importer ignores columns it does not know.
TEMPLATE_INFO_COLUMNS = (
    "title (ignored)",
    "unit (ignored)",
    "how to enter (ignored)",
    "current value (ignored)",
    "state (ignored)",
)


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
    """

    title = "KPI returns"
    sheet_names = ("Returns",)  # the template's sheet, read when a workbook has several
    writes_atomically = True  # save_return validates first and is atomic itself
    columns = RETURN_COLUMNS
    required_columns = ("indicator_code", "period")
    refusal = (
        "Only officers and heads of service can import returns: your role does not let "
        "you change any department's returns."
    )

    def __init__(self, actor, *, today: date | None = None):
        self.actor = actor
        self.today = today
        self._indicators = {
            indicator.code: indicator
            for indicator in PerformanceIndicator.objects.visible_to(actor)
        }
        # (indicator id, period) -> first row: the same return twice in one file is a
        # mistake whichever figure was meant. One small entry per row, not the row.
        self._seen: dict[tuple[int, str], int] = {}

    @classmethod
    def may_import(cls, user) -> bool:
        return bool(editable_departments(user))

    def column_for(self, field: str) -> str:
        return {"indicator": "indicator_code", "__all__": ""}.get(field, field)

    def write_row(self, row_number: int, row: dict[str, str]) -> Outcome:
        if not any(row.get(column) for column in _FIGURE_COLUMNS + _TEXT_COLUMNS):
            return "skipped"
        code, period_key = row.get("indicator_code", ""), row.get("period", "")
        indicator = self._indicators.get(code)
        errors = {}
        if not code:
            errors["indicator_code"] = "Enter the indicator code"
        elif indicator is None:
            errors["indicator_code"] = (
                f"Unknown indicator code '{code}' (or not in your departments)"
            )
        if not period_key:
            errors["period"] = "Enter the period, such as 2025-26-P06"
        if errors:
            raise ValidationError(errors)
        first_row = self._seen.setdefault((indicator.pk, period_key), row_number)
        if first_row != row_number:
            raise ValidationError(
                {
                    "period": f"{code} for {period_key} is also on row {first_row}: "
                    "a return can appear only once in a file"
                }
            )
        self._check_percent_cells(indicator, row)
        try:
            saved = services.save_return(
                indicator=indicator,
                period_key=period_key,
                actor=self.actor,
                # A column the file does not have keeps what is stored (issue 14).
                **{
                    name: row.get(name, services.KEEP)
                    for name in _FIGURE_COLUMNS + _TEXT_COLUMNS
                },
                expected_version=None,
                today=self.today,
            )
        except PermissionDenied as denied:
            raise ValidationError({"indicator_code": str(denied)}) from denied
        if not saved.changed:
            return "unchanged"
        # A new return is saved as version 1; an existing one moves past it.
        return "created" if saved.version == 1 else "updated"

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
        if errors:
            raise ValidationError(errors)


IMPORT_KINDS: dict[str, type] = {"returns": ReturnRowHandler, "referrals": ReferralRowHandler}


def handler_class_for(kind: str) -> type:
    try:
        return IMPORT_KINDS[kind]
    except KeyError:
        raise ValueError(
            f"{kind!r} is not a kind of import: expected one of " + ", ".join(IMPORT_KINDS)
        ) from None


# --- jobs ----------------------------------------------------------------------------------


def start_import(
    *, kind: str, actor, uploaded_file=None, rows: list[dict] | None = None
) -> ImportJob:
    """Check the file (or JSON rows), keep it on a new ImportJob and queue the import.

    Raises PermissionDenied (the user may not import this kind) or ImportRejected (too
    big, wrong type, malformed rows): nothing is kept then. The task is dispatched only
    once the job is committed, so the worker always finds it.
    """
    from departments.tasks import run_import_job  # tasks import this module

    handler_class = handler_class_for(kind)
    if not handler_class.may_import(actor):
        raise PermissionDenied(handler_class.refusal)
    if (uploaded_file is None) == (rows is None):
        raise ValueError("start_import takes either an uploaded file or JSON rows")
    if uploaded_file is not None:
        file_format = check_upload(uploaded_file)
        content, name, total = uploaded_file, uploaded_file.name or "upload", None
    else:
        content, total = _json_rows_file(rows)
        file_format, name = "json", f"JSON rows ({total:,})"
    with transaction.atomic():
        job = ImportJob(
            kind=kind,
            created_by=actor,
            original_name=name[-255:],
            file_format=file_format,
            total_rows=total,
        )
        # A random stored name: the person's file name is kept for display only.
        job.file.save(f"{uuid.uuid4().hex}.{file_format}", content, save=False)
        job.save()
        transaction.on_commit(lambda: run_import_job.delay(job.pk))
    return job


def _json_rows_file(rows: object) -> tuple[ContentFile, int]:
    if not isinstance(rows, list):
        raise ImportRejected("Send the rows as a list of objects.")
    if not rows:
        raise ImportRejected("There are no rows to import.")
    if len(rows) > settings.IMPORT_MAX_ROWS:
        raise ImportRejected(
            f"There are {len(rows):,} rows; one import takes at most "
            f"{settings.IMPORT_MAX_ROWS:,}. Send them in smaller batches."
        )
    not_objects = [n for n, row in enumerate(rows, start=1) if not isinstance(row, dict)]
    if not_objects:
        raise ImportRejected(
            "Every row must be an object of column names and values.",
            [
                RowError(n, "", "This row is not an object of column names and values")
                for n in not_objects[:1000]
            ],
        )
    data = json.dumps(rows, default=str).encode()
    if len(data) > settings.IMPORT_MAX_UPLOAD_BYTES:
        raise ImportRejected("The rows are larger than the upload size limit; send fewer rows.")
    return ContentFile(data), len(rows)


def count_job_rows(job: ImportJob) -> int | None:
    """The number of rows of the job's file, for the progress bar (an estimate for CSV)."""
    if job.total_rows is not None or job.file_format == "json":
        return job.total_rows
    sheet_names = getattr(handler_class_for(job.kind), "sheet_names", ())
    with job.file.open("rb") as stored:
        return count_rows(stored, job.file_format, sheet_names=sheet_names)


def run_job(job: ImportJob, *, progress: ProgressCallback | None = None) -> ImportSummary:
    """Import the job's rows, all or nothing, as the user who started it.

    Raises ImportRejected with every problem when any row is bad. Progress goes to the
    cache (see cache_progress) unless another callback is given.
    """
    handler = handler_class_for(job.kind)(job.created_by)
    with job.file.open("rb") as stored:
        if job.file_format == "json":
            rows = iter_json_rows(json.load(stored, parse_float=Decimal))
        else:
            rows = iter_rows(
                stored, job.file_format, sheet_names=getattr(handler, "sheet_names", ())
            )
        with closing(rows):  # release the reader before the file closes
            return run_import(
                rows,
                handler,
                max_rows=settings.IMPORT_MAX_ROWS,
                progress=progress or cache_progress(job.pk),
                total=job.total_rows,
            )


def summary_message(summary: ImportSummary) -> str:
    """What the page says after a successful import: "6 rows read: 4 created, 1 updated."."""
    rows = "1 row" if summary.rows == 1 else f"{summary.rows:,} rows"
    message = f"{rows} read: {summary.created:,} created, {summary.updated:,} updated"
    if summary.unchanged:
        message += f", {summary.unchanged:,} unchanged (already stored as they are)"
    message += "."
    if summary.skipped:
        were = "was" if summary.skipped == 1 else "were"
        message += f" {summary.skipped:,} without figures or text {were} skipped."
    return message


def progress_key(job_id: int) -> str:
    return f"import-progress:{job_id}"


def cache_progress(job_id: int) -> ProgressCallback:
    """A progress callback that writes to the cache, where the status page reads it.

    Why the cache and not the ImportJob row: the import runs in one transaction, so a
    row update made inside it stays invisible to the status page until the end (and is
    undone on rejection). Writing through a second database connection would work on
    PostgreSQL but block on SQLite, whose single writer is the import itself. The cache
    (Redis in production, shared by web and worker) sits outside the transaction.
    """

    def record(processed: int, total: int | None) -> None:
        cache.set(
            progress_key(job_id),
            {"processed": processed, "total": total},
            timeout=PROGRESS_TIMEOUT_SECONDS,
        )

    return record


def read_progress(job_id: int) -> dict | None:
    return cache.get(progress_key(job_id))


def forget_progress(job_id: int) -> None:
    cache.delete(progress_key(job_id))


# --- the template --------------------------------------------------------------------------


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
    widths = [16, 13, 10, 11, 13, 40, 40, 50, 10, 34, 18, 12]
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
        indicator.code, period_key, "", "", "", "", "",
        indicator.title, indicator.get_unit_display(), how, current, state,
    ]  # fmt: skip


def table_file(
    header: list[str],
    rows: Iterable[list[object]],
    file_format: str,
    *,
    title: str = "Sheet1",
    widths: list[int] | None = None,
) -> tuple[str, bytes]:
    """(content type, bytes) of a table as CSV or XLSX, every cell through safe_cell
    (in a workbook through fit_cell, which also marks a text cut to fit a cell).

    CSV starts with a byte-order mark so Excel opens it as UTF-8 (the pound sign, names
    with accents); XLSX has a bold, frozen header row and the given column widths.
    """
    if file_format == "csv":
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow([safe_cell(name) for name in header])
        for row in rows:
            writer.writerow([safe_cell(cell_text(cell)) for cell in row])
        return CSV_CONTENT_TYPE, ("\ufeff" + text.getvalue()).encode("utf-8")
    if file_format == "xlsx":
        from openpyxl import Workbook
        from openpyxl.styles import Font
        from openpyxl.utils import get_column_letter

        workbook = Workbook()
        sheet = workbook.active
        sheet.title = title
        sheet.append([safe_cell(name) for name in header])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([fit_cell(cell) for cell in row])
        sheet.freeze_panes = "A2"
        for index, width in enumerate(widths or [], start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        output = io.BytesIO()
        workbook.save(output)
        return XLSX_CONTENT_TYPE, output.getvalue()
    raise ValueError(f"unknown file format {file_format!r}: expected csv or xlsx")
