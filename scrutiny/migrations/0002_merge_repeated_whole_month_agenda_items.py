from django.db import migrations
from django.utils import timezone

NOTE_LIMIT = 500  # AgendaItem.note's max_length


def merge_repeated_whole_months(apps, schema_editor):
    """Before a whole month (no indicator) may stand once per meeting: the old constraint
    let two requests at the same moment both put it on the agenda. The first item of
    each is kept; a later copy with no note, or the same note, is that mistake and is
    removed; a later copy's different note is added to the first item's, so nothing a
    person wrote is lost. Should the joined notes not fit the note's limit, the
    migration stops and names the items, for someone to join them by hand. Each change
    is in the audit trail, as the items' history: the note joined and the copy removed."""
    agenda_item = apps.get_model("scrutiny", "AgendaItem")
    alias = schema_editor.connection.alias
    historical = apps.get_model("scrutiny", "HistoricalAgendaItem").objects.using(alias)
    now = timezone.now()

    def record(item, kind: str, reason: str) -> None:
        # Historical models in a migration have no history of their own: written here.
        historical.create(
            id=item.pk,
            committee_id=item.committee_id,
            meeting_on=item.meeting_on,
            period=item.period,
            indicator_id=item.indicator_id,
            note=item.note,
            history_date=now,
            history_type=kind,
            history_change_reason=reason,
            history_user=None,
        )

    first_of = {}
    for item in agenda_item.objects.using(alias).filter(indicator__isnull=True).order_by("pk"):
        key = (item.committee_id, item.meeting_on, item.period)
        first = first_of.setdefault(key, item)
        if first is item:
            continue
        notes = [part for part in first.note.split("\n\n") if part]
        if item.note and item.note not in notes:
            joined = "\n\n".join([*notes, item.note])
            if len(joined) > NOTE_LIMIT:
                raise RuntimeError(
                    f"Agenda items {first.pk} and {item.pk} put the same month to the same "
                    f"meeting with notes that together exceed {NOTE_LIMIT} characters: "
                    "join them by hand, delete the later item, and migrate again."
                )
            first.note = joined
            first.save(update_fields=["note"])
            record(first, "~", f"Note of agenda item {item.pk}, a repeat, added (migration)")
        record(item, "-", f"Removed: a repeat of agenda item {first.pk} (migration)")
        item.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("departments", "0023_member_role"),
        ("scrutiny", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(merge_repeated_whole_months, migrations.RunPython.noop),
    ]
