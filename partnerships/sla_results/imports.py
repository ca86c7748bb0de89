"""The SLA results import: one row per SLA and month, through the shared importer."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError

from core.importer import Outcome, percent_cell_problem
from departments import roles
from departments.numbers import quoted
from partnerships.models import Partnership, Sla
from partnerships.sla_results import services


class SlaResultRowHandler:
    """Columns ``sla_code``, ``period``, ``value``, ``commentary``.

    SLAs are looked up once through ``visible_to(actor)`` and limited to partnerships
    whose results the actor enters, so another partnership's SLA reads as unknown.
    """

    title = "SLA results"
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
