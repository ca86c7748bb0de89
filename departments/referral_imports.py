"""The referrals import: records exported from case-management systems.

Rows are checked one by one with the same rules as the form and written in batches with
bulk inserts inside the importer's transaction, so 100,000 rows need neither 100,000
queries nor 100,000 rows in memory.
"""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import ValidationError
from simple_history.utils import bulk_create_with_history

from departments import roles
from departments.importer import Outcome
from departments.models import Department, Referral
from departments.period_cache import touch_period
from departments.referral_services import build_referral, channel_choices

BATCH_SIZE = 2000
DATE_COLUMNS = ("raised_on", "acknowledged_on", "resolved_on")


class ReferralRowHandler:
    """Columns: from_department and to_department (department codes), category,
    raised_on, acknowledged_on, resolved_on (ISO dates), agreed_days, channel (a partner
    service's code, or email, phone, paper) and an optional reference."""

    title = "Referrals"
    writes_atomically = True  # rows are checked, then buffered; batches write in one go
    columns = (
        "from_department",
        "to_department",
        "category",
        "raised_on",
        "acknowledged_on",
        "resolved_on",
        "agreed_days",
        "channel",
        "reference",
    )
    required_columns = (
        "from_department",
        "to_department",
        "category",
        "raised_on",
        "agreed_days",
        "channel",
    )
    refusal = "Only officers, heads of service and administrators can import referrals."

    def __init__(self, actor, *, today: date | None = None):
        self.actor = actor
        self.today = today
        self.departments = {d.code: d for d in Department.objects.all()}
        self.channels = channel_choices()
        self.batch: list[Referral] = []

    @classmethod
    def may_import(cls, user) -> bool:
        scope = roles.scope_for(user)
        return scope.is_admin or bool(scope.department_ids)

    def column_for(self, field: str) -> str:
        return {"__all__": ""}.get(field, field)

    def _department(self, code: str, field: str, errors: dict) -> Department | None:
        department = self.departments.get(code.strip())
        if department is None:
            errors[field] = f"Unknown department '{code}'" if code else "Enter the department code"
        return department

    def _date(self, text: str, field: str, errors: dict) -> date | None:
        if not text:
            return None
        text = text.strip()
        try:
            # A date, or a date and time as case systems export them; nothing else.
            return (
                date.fromisoformat(text)
                if len(text) <= 10
                else (datetime.fromisoformat(text).date())
            )
        except ValueError:
            errors[field] = f"'{text}' is not a date: use the form 2025-09-30"
            return None

    def write_row(self, row_number: int, row: dict[str, str]) -> Outcome:
        errors: dict[str, str] = {}
        source = self._department(row.get("from_department", ""), "from_department", errors)
        target = self._department(row.get("to_department", ""), "to_department", errors)
        dates = {name: self._date(row.get(name, ""), name, errors) for name in DATE_COLUMNS}
        days_text = row.get("agreed_days", "").strip()
        agreed_days = int(days_text) if days_text.isdigit() else None
        if days_text and agreed_days is None:
            errors["agreed_days"] = f"'{days_text}' is not a whole number of days"
        if (
            source is not None
            and not roles.may_raise_referral(self.actor, source.pk)
            and (target is None or not roles.may_handle_referral(self.actor, target.pk))
        ):
            errors["from_department"] = (
                "You can import referrals only to or from your own department"
            )
        try:
            referral = build_referral(
                from_department=source,
                to_department=target,
                category=row.get("category", ""),
                raised_on=dates["raised_on"],
                agreed_days=agreed_days,
                channel=row.get("channel", ""),
                channels=self.channels,
                acknowledged_on=dates["acknowledged_on"],
                resolved_on=dates["resolved_on"],
                reference=row.get("reference", ""),
                today=self.today,
            )
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                errors.setdefault(field, messages[0])
        if errors:
            raise ValidationError(errors)
        referral.raised_by = self.actor
        self.batch.append(referral)
        if len(self.batch) >= BATCH_SIZE:
            self.finish()
        return "created"

    def finish(self) -> None:
        """Write what is buffered (called every batch and once at the end)."""
        if self.batch:
            # With history, so the audit trail says who imported each referral.
            touch_period(*{r.period for r in self.batch})
            bulk_create_with_history(
                self.batch,
                Referral,
                batch_size=BATCH_SIZE,
                default_user=self.actor,
                default_change_reason="Imported",
            )
            self.batch = []
