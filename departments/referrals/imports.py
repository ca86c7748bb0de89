"""The referrals import: records exported from case-management systems.

Rows are checked one by one with the same rules as the form (``services.check_referral``
and this handler's ``_checked``) and written in batches, each referral with its history
row, inside the importer's transaction (``referrals.bulk``: COPY on PostgreSQL, the ORM
elsewhere), so 100,000 rows need neither 100,000 queries nor 100,000 rows in memory. What
the batches change in the monthly summaries is gathered by summary row and recorded once,
at the end, in the same transaction. The importer checks the whole file first
(``check_row``) and reads it again to write only when every row is good, so a file with a
bad row costs no writes at all.

A row's ``reference`` (the source system's identifier) names the referral within the
council (DESIGN.md section 3, "Coordination"): a row whose reference is stored already
leaves that referral as it is when nothing differs ("unchanged") or updates it through the
same checks ("updated"); it never adds a second one. The stored referrals of each chunk of
rows are read in one query (``look_ahead``).
"""

from __future__ import annotations

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from core.importer import Outcome, percent_cell_problem
from departments import roles
from departments.dates import london_date
from departments.figures_generation import figures_changed
from departments.models import Department, Referral
from departments.numbers import quoted
from departments.referrals.bulk import write_referrals
from departments.referrals.selectors import source_departments
from departments.referrals.services import CheckedReferral, channel_choices, check_referral
from departments.referrals.summaries import SummaryChanges, Tally, tally

BATCH_SIZE = 2000
DATE_COLUMNS = ("raised_on", "acknowledged_on", "resolved_on")
# Steps the receiving department has recorded; an empty cell does not undo them.
STEP_COLUMNS = ("acknowledged_on", "resolved_on")
# What an import can change on a stored referral, besides what is derived from it.
COMPARED_FIELDS = (
    "from_department_id",
    "to_department_id",
    "category",
    "raised_on",
    "acknowledged_on",
    "resolved_on",
    "agreed_days",
    "channel",
    "service_id",
)
# Dates and numbers of days read, kept by their text (plain text only: a workbook's cell
# may say more, such as its date system). A file holds few distinct ones, and reading
# the text again gives the same answer; the caches are emptied past this many entries.
CACHED_CELLS = 10_000
_UNREAD = object()  # a text not yet in a cache (None is a value read: an empty cell)
# A whole number of days as a spreadsheet may write it ("5", or "5.0" from JSON).
_DAYS_RE = re.compile(r"(?P<digits>[0-9]+)(?:\.0+)?")


def _referrals_named(references: set[str]) -> QuerySet[Referral]:
    """The stored referrals whose reference is one of ``references``."""
    if connection.vendor != "postgresql":
        return Referral.objects.filter(reference__in=references)
    # One array bound as one value, not an IN list of a value each: Django and psycopg
    # spent longer building a query of 1,000 values in Python than PostgreSQL running it.
    quote = connection.ops.quote_name
    column = f"{quote(Referral._meta.db_table)}.{quote('reference')}"
    # Our own quoted table and column names only; the references are bound.
    named = RawSQL(  # noqa: S611
        f"{column} = ANY(%s)", (sorted(references),), output_field=BooleanField()
    )
    return Referral.objects.filter(named)


class ReferralRowHandler:
    """Columns: from_department and to_department (department codes), category,
    raised_on, acknowledged_on, resolved_on (dates as ``dates.london_date`` reads
    them: ISO dates, date-times with or without an offset, 01/04/2026, Excel serials),
    agreed_days, channel (a partner service's code, or email, phone, paper) and an
    optional reference that identifies the referral in the source system.

    For a referral already stored under the row's reference, an acknowledged or resolved
    date left empty (or a column the file does not have) keeps the date recorded: the
    product has no step that undoes an acknowledgement or a resolution.
    """

    title = "Referrals"
    lead = (
        "Load referrals from the council's case system: one row per referral between two "
        "departments; a referral's reference finds it again when the file is sent again."
    )
    columns_hint = (
        "Columns: from_department and to_department (department codes), category, "
        "raised_on, acknowledged_on, resolved_on, agreed_days, channel and reference. "
        "Other columns are ignored."
    )
    after_import = ("The referrals are stored: follow them up from", "Referrals")
    after_import_url = "departments:referrals"
    sheet_names = ("Referrals",)  # read when a workbook has several sheets with data
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
        # Read once: the London date costs more than the rest of a row's checks, and one
        # "today" for the whole file is what the person meant when they sent it.
        self.today = today or timezone.localdate()
        self.departments = {d.code: d for d in Department.objects.all()}
        self.channels = channel_choices()
        self.creations: list[CheckedReferral] = []
        self.updates: list[Referral] = []
        # What each updated referral of the batch counted for before this file changed it.
        self.replaced: list[Tally] = []
        # What the batches written so far change in the monthly summaries: counted in as
        # each batch is written, recorded once by ``finish``, in the import's transaction.
        self.summary_changes = SummaryChanges()
        # The stored referrals named by the current chunk of rows, by reference.
        self.stored: dict[str, Referral] = {}
        # reference -> the row it first appeared on: one small entry per row, not the row.
        self.seen: dict[str, int] = {}
        self._dates: dict[str, date] = {}
        self._days: dict[str, int | None] = {}
        # The roles' answers by department id, asked once per department, not per row.
        self._raises: dict[int, bool] = {}
        self._handles: dict[int, bool] = {}

    @classmethod
    def may_import(cls, user) -> bool:
        """Whether the user raises referrals from at least one department."""
        return bool(source_departments(user))

    def column_for(self, field: str) -> str:
        return {"__all__": ""}.get(field, field)

    def look_ahead(self, rows: list[tuple[int, dict[str, str]]]) -> None:
        """Read the stored referrals that a chunk of rows names, in one query."""
        references = {row.get("reference", "").strip() for _, row in rows} - {""}
        # "Not empty" said again, as the unique index on references says it: PostgreSQL
        # proves an IN list of more than 100 values implies it no more, and would read
        # every referral instead of the index (0.4 s a chunk at a million referrals).
        stored = _referrals_named(references).exclude(reference="").order_by()
        if connection.in_atomic_block:
            # The writing pass: the referrals it will change are locked until the import
            # commits, as a single resolve locks its one, so a department resolving one
            # meanwhile waits instead of being overwritten by what this pass read before.
            stored = stored.select_for_update(of=("self",)).order_by("pk")
        self.stored = {r.reference: r for r in stored} if references else {}

    def _department(self, code: str, field: str, errors: dict) -> Department | None:
        # A cell's text is usually the code as it is (CSV cells come stripped).
        department = self.departments.get(code) or self.departments.get(code.strip())
        if department is None:
            errors[field] = (
                f"Unknown department {quoted(code)}" if code else "Enter the department code"
            )
        return department

    def _dates_of(self, row: dict[str, str], errors: dict) -> dict[str, date | None]:
        """The row's dates by column (``DATE_COLUMNS``), each text read once per file."""
        known, dates = self._dates, {}
        for name in DATE_COLUMNS:
            text = row.get(name, "")
            # Plain text only: a workbook's cell may say more (its date system).
            read = known.get(text) if type(text) is str else None
            dates[name] = read if read is not None or not text else self._date(text, name, errors)
        return dates

    def _date(self, text: str, field: str, errors: dict) -> date | None:
        if type(text) is str and (known := self._dates.get(text)) is not None:
            return known
        if not text.strip():
            return None
        try:
            read = london_date(text)
        except ValueError as error:
            errors[field] = str(error)
            return None
        if type(text) is str:
            if len(self._dates) >= CACHED_CELLS:
                self._dates.clear()
            self._dates[text] = read
        return read

    def _agreed_days(self, cell: str, errors: dict) -> int | None:
        if type(cell) is str and (days := self._days.get(cell, _UNREAD)) is not _UNREAD:
            return days
        problems = len(errors)
        days = self._read_days(cell, errors)
        if type(cell) is str and len(errors) == problems:
            if len(self._days) >= CACHED_CELLS:
                self._days.clear()
            self._days[cell] = days
        return days

    def _read_days(self, cell: str, errors: dict) -> int | None:
        if problem := percent_cell_problem(cell, label="Agreed days", percent_allowed=False):
            errors["agreed_days"] = problem
            return None
        text = cell.strip()
        if not text:
            return None
        match = _DAYS_RE.fullmatch(text)
        if match is None:
            errors["agreed_days"] = f"{quoted(text)} is not a whole number of days"
            return None
        # More digits than any number of days has: out of range all the same (and int()
        # of thousands of digits is refused by Python itself).
        digits = match["digits"].lstrip("0") or "0"
        return int(digits) if len(digits) <= 9 else 10**9

    def _may_raise(self, department_id: int) -> bool:
        if (may := self._raises.get(department_id)) is None:
            may = self._raises[department_id] = roles.may_raise_referral(self.actor, department_id)
        return may

    def _may_handle(self, department_id: int) -> bool:
        if (may := self._handles.get(department_id)) is None:
            may = self._handles[department_id] = roles.may_handle_referral(
                self.actor, department_id
            )
        return may

    def _may_change(self, referral: Referral) -> bool:
        return self._may_raise(referral.from_department_id) or self._may_handle(
            referral.to_department_id
        )

    def check_row(self, row_number: int, row: dict[str, str]) -> Outcome:
        """Check one row as ``write_row`` does, storing nothing: the importer's first pass,
        so a file with a bad row is refused before anything is written."""
        return self._checked(row_number, row)[0]

    def start_writing(self) -> None:
        """Between the importer's two passes: the writing pass meets every reference again."""
        self.seen = {}

    def write_row(self, row_number: int, row: dict[str, str]) -> Outcome:
        """Check one row and buffer it; a full buffer is written (``finish``)."""
        outcome, referral, before = self._checked(row_number, row)
        if outcome == "created":
            self.creations.append(referral)
        elif outcome == "updated":
            self.updates.append(referral)
            self.replaced.append(before)
        if len(self.creations) + len(self.updates) >= BATCH_SIZE:
            self._write_batch()
        return outcome

    def _checked(
        self, row_number: int, row: dict[str, str]
    ) -> tuple[Outcome, CheckedReferral | Referral | None, Tally | None]:
        """The row's outcome, what to write (a new referral's checked fields, or the
        stored referral changed in memory) and, for an update, what the stored one counted
        for before; raises ValidationError naming each bad column."""
        errors: dict[str, str] = {}
        reference = row.get("reference", "").strip()
        stored = self.stored.get(reference) if reference else None
        if reference:
            first_row = self.seen.setdefault(reference, row_number)
            if first_row != row_number:
                errors["reference"] = (
                    f"The reference {quoted(reference)} is also on row {first_row}: "
                    "a referral can appear only once in a file"
                )
            elif stored is not None and not self._may_change(stored):
                errors["reference"] = (
                    f"The reference {quoted(reference)} is a referral between departments "
                    "that are not yours: you cannot change it"
                )
        source = self._department(row.get("from_department", ""), "from_department", errors)
        target = self._department(row.get("to_department", ""), "to_department", errors)
        dates = self._dates_of(row, errors)
        if stored is not None:
            for name in STEP_COLUMNS:
                recorded = getattr(stored, name)
                if dates[name] is None and name not in errors:
                    dates[name] = recorded
                elif (
                    recorded is not None
                    and dates[name] != recorded
                    and not self._may_handle(stored.to_department_id)
                ):
                    # Acknowledging and resolving are the receiving department's steps
                    # (DESIGN.md section 4): a sender's file cannot move a recorded one.
                    errors[name] = (
                        f"Only the receiving department can change a date it recorded: "
                        f"{recorded.isoformat()} is kept"
                    )
        agreed_days = self._agreed_days(row.get("agreed_days", ""), errors)
        if (
            source is not None
            and not self._may_raise(source.pk)
            and (target is None or not self._may_handle(target.pk))
        ):
            errors["from_department"] = (
                "You can import referrals only to or from your own department"
            )
        try:
            checked = check_referral(
                from_department=source,
                to_department=target,
                category=row.get("category", ""),
                raised_on=dates["raised_on"],
                agreed_days=agreed_days,
                channel=row.get("channel", ""),
                channels=self.channels,
                acknowledged_on=dates["acknowledged_on"],
                resolved_on=dates["resolved_on"],
                reference=reference,
                today=self.today,
            )
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                errors.setdefault(field, messages[0])
        if errors:
            raise ValidationError(errors)
        if stored is None:
            return "created", checked, None
        if all(getattr(checked, f) == getattr(stored, f) for f in COMPARED_FIELDS):
            return "unchanged", None, None  # nothing written, nothing to recount
        before = tally(stored)
        for field in CheckedReferral._fields:  # the compared fields and what they derive
            setattr(stored, field, getattr(checked, field))
        return "updated", stored, before

    def _write_batch(self) -> None:
        """Write what is buffered, and count it for the monthly summaries."""
        # With history, so the audit trail says who imported or changed each referral.
        write_referrals(
            created=self.creations,
            changed=self.updates,
            actor=self.actor,
            created_reason="Imported",
            changed_reason="Updated by import",
        )
        if self.creations or self.updates:
            self.summary_changes.count(self.replaced, -1)
            self.summary_changes.count(map(tally, self.creations), 1)
            self.summary_changes.count(map(tally, self.updates), 1)
            # Bulk writes send no signals: cached figures are retired here (and again at
            # the commit of the import's transaction, see ``figures_changed``).
            figures_changed()
        self.creations, self.updates, self.replaced = [], [], []

    def finish(self) -> None:
        """Write what is buffered and record every referral written into the monthly
        summaries (``summaries.SummaryChanges``, as ``record_referral_changes`` does for
        one write): the importer calls it once, after the last row."""
        self._write_batch()
        self.summary_changes.record()
