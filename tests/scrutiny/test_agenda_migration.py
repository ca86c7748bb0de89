"""The migration that lets a whole month stand once per meeting merges the repeats the
old constraint let through (two requests at the same moment), losing no note."""

from datetime import date

BEFORE = [("scrutiny", "0001_initial")]
AFTER = [("scrutiny", "0003_agenda_month_once_per_meeting")]


def test_repeated_whole_months_are_merged_keeping_every_different_note(migrations_database):
    apps = migrations_database.start_at(BEFORE)
    committee = apps.get_model("scrutiny", "ScrutinyCommittee").objects.create(name="O&S")
    item = apps.get_model("scrutiny", "AgendaItem")

    def put(note: str, meeting_on=date(2026, 1, 12)):
        return item.objects.create(
            committee=committee, meeting_on=meeting_on, period="2025-26-P06", note=note
        ).pk

    first = put("The month as signed off.")
    empty = put("")  # the same request twice: nothing of its own
    same = put("The month as signed off.")
    differing = put("Ask about repairs too.")
    other_meeting = put("", meeting_on=date(2026, 2, 9))

    migrations_database.migrate(AFTER)

    assert list(item.objects.order_by("pk").values_list("pk", "note")) == [
        (first, "The month as signed off.\n\nAsk about repairs too."),
        (other_meeting, ""),
    ]
    # Each change is in the audit trail: the note joined, and every copy removed.
    history = apps.get_model("scrutiny", "HistoricalAgendaItem").objects.order_by("history_id")
    assert list(history.values_list("id", "history_type", "history_change_reason", "note")) == [
        (empty, "-", f"Removed: a repeat of agenda item {first} (migration)", ""),
        (
            same,
            "-",
            f"Removed: a repeat of agenda item {first} (migration)",
            "The month as signed off.",
        ),
        (
            first,
            "~",
            f"Note of agenda item {differing}, a repeat, added (migration)",
            "The month as signed off.\n\nAsk about repairs too.",
        ),
        (
            differing,
            "-",
            f"Removed: a repeat of agenda item {first} (migration)",
            "Ask about repairs too.",
        ),
    ]
