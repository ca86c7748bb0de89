"""The SLA results import: one row per SLA and month, through the shared importer."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError

from core.importer import Outcome, percent_cell_problem
from core.tabular import table_file
from departments import periods, roles
from departments.numbers import quoted
from partnerships.models import Partnership, Sla, SlaResult
from partnerships.sla_results import services


class SlaResultRowHandler:
    """Columns ``sla_code``, ``period``, ``value``, ``commentary``.

    SLAs are looked up once through ``visible_to(actor)`` and limited to partnerships
    whose results the actor enters, so another partnership's SLA reads as unknown.
    """

    title = "SLA results"
    lead = (
        "Enter a month's SLA results at once from a spreadsheet: one row per SLA and month, "
        "for the partnership whose results you report."
    )
    columns_hint = (
        "Columns: sla_code, period (a month such as 2025-26-P06), value (the result, as a "
        "number) and commentary (needed for a result that misses the expected level). A "
        "row identical to what is stored changes nothing; a verified result cannot be "
        "changed. Other columns are ignored."
    )
    after_import = (
        "The results are entered, waiting for the council to verify them: your home shows "
        "what is still to enter, on",
        "Home",
    )
    after_import_url = "home"
    sheet_names = ("SLA results",)  # read when a workbook has several sheets with data
    writes_atomically = True  # enter_sla_result validates first and is atomic itself
    columns = ("sla_code", "period", "value", "commentary")
    required_columns = ("sla_code", "period", "value")
    refusal = "Only the partner's contract manager can import SLA results."

    def __init__(self, actor, *, today=None):
        self.actor = actor
        self.today = today
        # SLA codes are unique per service only: a code two services share is refused
        # rather than guessed, so a result never lands on the wrong SLA.
        self._slas: dict[str, list[Sla]] = {}
        for sla in Sla.objects.visible_to(actor).select_related("service"):
            if roles.may_enter_sla_results(actor, sla.service.partnership_id):
                self._slas.setdefault(sla.code, []).append(sla)
        self._seen: dict[tuple[int, str], int] = {}

    @staticmethod
    def template_file(*, user, period_key: str, file_format: str) -> tuple[str, str, bytes]:
        """The import page's template (``sla_results_template``)."""
        return sla_results_template(user=user, period_key=period_key, file_format=file_format)

    @classmethod
    def may_import(cls, user) -> bool:
        """Whether the user enters the results of at least one partnership."""
        return any(
            roles.may_enter_sla_results(user, pk)
            for pk in Partnership.objects.visible_to(user).values_list("pk", flat=True)
        )

    def column_for(self, field: str) -> str:
        return {"sla": "sla_code", "__all__": ""}.get(field, field)

    def write_row(self, row_number: int, row: dict[str, str]) -> Outcome:
        code, period_key = row.get("sla_code", ""), row.get("period", "")
        matches = self._slas.get(code, [])
        if not matches:
            raise ValidationError(
                {
                    "sla_code": f"Unknown SLA code {quoted(code)} (or not in your partnership)"
                    if code
                    else "Enter the SLA code"
                }
            )
        if len(matches) > 1:
            named = ", ".join(sorted(s.service.name for s in matches))
            raise ValidationError(
                {
                    "sla_code": f"SLA code '{code}' is used by more than one service "
                    f"({named}): ask an administrator to make the codes distinct"
                }
            )
        sla = matches[0]
        first = self._seen.setdefault((sla.pk, period_key), row_number)
        if first != row_number:
            raise ValidationError(
                {
                    "period": f"{code} for {period_key} is also on row "
                    f"{first}: a result can appear only once"
                }
            )
        problem = percent_cell_problem(
            row.get("value"), label="Value", percent_allowed=sla.is_percent
        )
        if problem:
            raise ValidationError({"value": problem})
        try:
            saved = services.enter_sla_result(
                sla=sla,
                period_key=period_key,
                actor=self.actor,
                value=row.get("value"),
                # A file without the column keeps the stored commentary (issue 14).
                commentary=row.get("commentary", services.KEEP),
                today=self.today,
            )
        except PermissionDenied as denied:
            raise ValidationError({"sla_code": str(denied)}) from denied
        if not saved.changed:
            return "unchanged"
        # A new result is saved as version 1; a correction moves past it.
        return "created" if saved.version == 1 else "updated"


# Columns of the template that are there to help and are not imported.
SLA_TEMPLATE_INFO_COLUMNS = ("service (ignored)", "title (ignored)", "expected (ignored)")


def sla_results_template(*, user, period_key: str, file_format: str) -> tuple[str, str, bytes]:
    """A month's SLA results file, ready to fill in and upload: one row per SLA of the
    partnerships whose results ``user`` enters, with ``sla_code`` and ``period`` filled in
    and any result already entered. Returns (filename, content type, bytes); ValueError
    for a period that is not a month, or a format that is neither csv nor xlsx."""
    month = periods.Period.parse(period_key)
    if month.kind != periods.PeriodKind.MONTH:
        raise ValueError("SLA results are monthly: use a month such as 2025-26-P06")
    slas = [
        sla
        for sla in Sla.objects.visible_to(user)
        .select_related("service")
        .order_by("service__name", "code")
        if roles.may_enter_sla_results(user, sla.service.partnership_id)
    ]
    entered = {
        result.sla_id: result for result in SlaResult.objects.filter(sla__in=slas, period=month.key)
    }
    rows = []
    for sla in slas:
        result = entered.get(sla.pk)
        rows.append(
            [
                sla.code,
                month.key,
                "" if result is None else f"{result.reported_value.normalize():f}",
                "" if result is None else result.commentary,
                sla.service.name,
                sla.title,
                f"{sla.expected_level.normalize():f} ({sla.get_polarity_display().lower()})",
            ]
        )
    header = [*SlaResultRowHandler.columns, *SLA_TEMPLATE_INFO_COLUMNS]
    content_type, content = table_file(
        header, rows, file_format, title="SLA results", widths=[14, 12, 10, 40, 24, 40, 24]
    )
    return f"sla-results-{month.key}.{file_format}", content_type, content
