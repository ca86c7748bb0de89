"""What another person changed in a return since the version a save was based on: the
answer to a stale save (DESIGN.md section 3, "Return workflow": "a save based on an
older version is refused"), shown on the form and as the API's 409 body."""

from __future__ import annotations

from dataclasses import dataclass

from core.concurrency import StaleWrite
from departments import history
from departments.models import ForecastConfidence, KpiReturn, ReturnState
from departments.numbers import format_figure

# What a person enters on a return (the form's and the API's writable figures and words):
# each a keyword of ``prepare_return`` and ``save_return``.
ENTERED_FIELDS = (
    "value",
    "numerator",
    "denominator",
    "commentary",
    "improvement_action",
    "forecast_value",
    "forecast_confidence",
    "forecast_note",
)
TRACKED_FIELDS = (*ENTERED_FIELDS, "state", "sent_back_reason")
FIELD_LABELS = {
    "value": "Value",
    "numerator": "Numerator",
    "denominator": "Denominator",
    "commentary": "Commentary",
    "improvement_action": "Improvement action",
    "forecast_value": "Year-end forecast",
    "forecast_confidence": "Forecast confidence",
    "forecast_note": "Forecast explanation",
    "state": "State",
    "sent_back_reason": "Reason for sending back",
}


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    old: object
    new: object
    who: str
    when: object
    places: int = 6

    @property
    def old_shown(self) -> str:
        return shown_value(self.field, self.old, self.places)

    @property
    def new_shown(self) -> str:
        return shown_value(self.field, self.new, self.places)


def shown_value(field: str, value: object, places: int) -> str:
    """A tracked value as people read it: figures to the indicator's places, states by
    their label, – for nothing."""
    if value is None or value == "":
        return "–"
    if field in ("value", "forecast_value"):
        return format_figure(value, places)
    if field == "forecast_confidence":
        return ForecastConfidence(value).label
    if field in ("numerator", "denominator"):
        return f"{value.normalize():f}"
    if field == "state":
        return ReturnState(value).label
    return str(value)


class StaleVersion(StaleWrite):
    """A save based on an older version: someone else changed the return meanwhile."""

    def __init__(self, current: KpiReturn, changes: list[FieldChange]):
        self.current = current
        self.current_version = current.version
        self.changes = changes
        names = ", ".join(change.label.lower() for change in changes) or "the return"
        super().__init__(
            f"Someone else saved this return while you were editing it (now version "
            f"{current.version}); they changed {names}. Nothing of yours was saved: "
            "review their change and enter yours again."
        )

    def change_list(self) -> list[dict]:
        return [
            {
                "field": c.field,
                "old": None if c.old is None else str(c.old),
                "new": None if c.new is None else str(c.new),
                "by": c.who,
                "at": c.when.isoformat() if c.when else None,
            }
            for c in self.changes
        ]


def changes_since(kpi_return: KpiReturn, version: int) -> list[FieldChange]:
    """What changed in the return after ``version``, field by field, with who and when;
    from version 0 (the return did not exist yet) every field it now holds."""
    records = list(kpi_return.history.filter(version__gte=version).order_by("history_date"))
    if not records:
        return []
    base, latest = (None if version == 0 else records[0]), records[-1]
    who = history.person_name(latest.history_user) if latest.history_user else "another user"
    return [
        FieldChange(
            name,
            FIELD_LABELS[name],
            getattr(base, name, None),
            getattr(latest, name),
            who,
            latest.history_date,
            kpi_return.indicator.decimal_places,
        )
        for name in TRACKED_FIELDS
        if _differs(base, latest, name)
    ]


def _differs(base, latest, name: str) -> bool:
    """Whether field ``name`` changed from ``base`` (None: before the return existed,
    when only the fields it was created with count) to ``latest``."""
    if base is None:
        return getattr(latest, name) not in (None, "")
    return getattr(base, name) != getattr(latest, name)


def save_new_version(kpi_return: KpiReturn, actor, reason: str) -> KpiReturn:
    """Save ``kpi_return`` as its next version, its history row naming ``actor`` and
    ``reason`` (the audit trail's who and why); the caller holds the row."""
    kpi_return.version += 1
    history.attribute(kpi_return, actor, reason)
    kpi_return.save()
    return kpi_return
