"""What a report is asked for: a month or a financial year, optionally one department or
partnership, and for the audit trail a date range, a person and a kind of record.

Parameters travel as plain JSON (on the ReportRun, in the API, in a Celery task) and are
read back here, checked against the requesting user's scope: a department or
partnership outside it reads exactly like one that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.digits import whole_number
from departments import dates
from departments.models import Department, PeriodSignOff
from departments.numbers import quoted
from departments.periods import Period, PeriodKind
from partnerships.models import Partnership
from reporting.selectors import department_with_figures

# Which parameter a report needs: a month, a financial year, or a date range.
MONTH, YEAR, DATE_RANGE = "month", "year", "date_range"


@dataclass(frozen=True)
class ReportParameters:
    month: Period | None = None
    year: int | None = None  # the calendar year the financial year starts in (2025: 2025-26)
    department: Department | None = None
    partnership: Partnership | None = None
    since: date | None = None  # audit trail: first and last day, inclusive, Europe/London
    until: date | None = None
    person_id: int | None = None  # audit trail: changes made by this user
    object_type: str = ""  # audit trail: one kind of record

    def to_json(self) -> dict:
        data: dict = {}
        if self.month:
            data["period"] = self.month.key
        if self.year is not None:
            data["year"] = Period.financial_year(self.year).key
        if self.department:
            data["department"] = self.department.pk
        if self.partnership:
            data["partnership"] = self.partnership.pk
        if self.since:
            data["since"] = self.since.isoformat()
        if self.until:
            data["until"] = self.until.isoformat()
        if self.person_id:
            data["person"] = self.person_id
        if self.object_type:
            data["object_type"] = self.object_type
        return data

    def describe(self) -> str:
        """The parameters in words, for pages, emails and the files' About sheet."""
        parts = []
        if self.month:
            parts.append(self.month.label)
        if self.year is not None:
            parts.append(f"financial year {Period.financial_year(self.year).label}")
        if self.since or self.until:
            parts.append(
                f"{self.since.isoformat() if self.since else 'the start'} to "
                f"{self.until.isoformat() if self.until else 'today'}"
            )
        if self.department:
            parts.append(self.department.name)
        if self.partnership:
            parts.append(self.partnership.name)
        if self.object_type:
            parts.append(self.object_type)
        return ", ".join(parts) or "everything in scope"

    def signed_off_at(self) -> datetime | None:
        """When the month was signed off: for the whole council, or for the department the
        report is about. None when it is not signed off (or the report has no month)."""
        if self.month is None:
            return None
        active = PeriodSignOff.objects.active().filter(period=self.month.key)
        council = active.filter(department__isnull=True).first()
        if council:
            return council.signed_off_at
        if self.department:
            own = active.filter(department=self.department).first()
            return own.signed_off_at if own else None
        return None

    def fixed_time(self) -> datetime:
        """The time a file carries (workbook properties, zip entries): the sign-off when
        there is one, else the end of the period or range, never the time of building,
        so a rebuilt file of unchanged data has the same bytes."""
        signed = self.signed_off_at()
        if signed:
            return signed
        if self.month:
            last = self.month.end
        elif self.year is not None:
            last = Period.financial_year(self.year).end
        else:
            last = self.until or date(2000, 1, 1)
        return timezone.make_aware(
            datetime.combine(last, datetime.max.time().replace(microsecond=0))
        )


def _fail(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


def read_parameters(data: dict, *, user, needs: str) -> ReportParameters:
    """Parameters from JSON, checked against ``user``'s scope; ValidationError naming the
    field otherwise. ``needs`` is MONTH, YEAR or DATE_RANGE."""
    if not isinstance(data, dict):
        raise _fail("parameters", "Send the parameters as an object.")
    values: dict = {}
    if needs == MONTH:
        values["month"] = _period(data.get("period"), PeriodKind.MONTH, "2025-26-P06")
        if not values["month"].has_ended():
            raise _fail("period", f"{values['month'].label} has not ended yet.")
    elif needs == YEAR:
        year = _period(data.get("year"), PeriodKind.YEAR, "2025-26")
        # The year running is reported so far, its figures provisional where they are;
        # a year not begun has nothing to report.
        if year.start > timezone.localdate():
            raise _fail("year", f"The financial year {year.label} has not begun yet.")
        values["year"] = year.year
    else:
        values["since"] = _date(data.get("since"), "since")
        values["until"] = _date(data.get("until"), "until")
        if values["since"] and values["until"] and values["since"] > values["until"]:
            raise _fail("until", "The end of the range must be on or after its start.")
        values["person_id"] = _person(data.get("person"))
        values["object_type"] = str(data.get("object_type") or "")
    if data.get("department") not in (None, ""):
        # The departments the form offers (``readable_departments``): those whose figures
        # the user may read. A partner manager's scope names the departments their
        # services serve, but their figures stay with the council.
        pk = _id(data["department"])
        department = department_with_figures(user, pk) if pk is not None else None
        if department is None:
            raise _fail("department", "Choose a department from the list")
        values["department"] = department
    if data.get("partnership") not in (None, ""):
        values["partnership"] = _visible(Partnership.objects.visible_to(user), data, "partnership")
    return ReportParameters(**values)


def _period(key, kind: PeriodKind, example: str) -> Period:
    """The month or financial year of ``key``; ValidationError naming the field, in words
    of the field's own kind (what was typed quoted, at most 40 characters of it)."""
    field = "period" if kind == PeriodKind.MONTH else "year"
    described = f"{example} for {Period.parse(example).label}"
    if not key:
        raise _fail(field, f"Enter a {kind}, such as {described}")
    try:
        period = Period.parse(str(key))
    except ValueError:
        period = None
    if period is None or period.kind != kind:
        raise _fail(field, f"{quoted(str(key))} is not a {kind}: enter one such as {described}")
    return period


def _date(value, field: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        day = date.fromisoformat(str(value))
    except ValueError:
        raise _fail(field, f"'{value}' is not a date: use the form 2025-09-30") from None
    if not dates.EARLIEST_DATE <= day <= dates.LATEST_DATE:
        # The product's one range of dates (departments.periods); beyond it a filter such
        # as "until 9999-12-31" would overflow when the day after it is worked out.
        raise _fail(field, f"'{value}' is outside the dates this product takes: 1900 to 2100")
    return day


def _person(value) -> int | None:
    if value in (None, ""):
        return None
    pk = _id(value)
    if pk is None or not get_user_model().objects.filter(pk=pk).exists():
        raise _fail("person", "Choose a person from the list")
    return pk


def _visible(queryset, data: dict, field: str):
    try:
        return queryset.get(pk=_id(data[field]))
    except queryset.model.DoesNotExist:
        raise _fail(field, f"Choose a {field} from the list") from None


def _id(value) -> int | None:
    """A record's id as a form or the API sends it: a whole number, or its plain digits
    (``core.digits.whole_number``); None for anything else ("1_0", "١", true, 1.9), which
    Python's int would have read as an id."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return whole_number(value) if isinstance(value, str) else None
