from django.db import migrations

NOTE_LIMIT = 500  # AgendaItem.note's max_length


def merge_repeated_whole_months(apps, schema_editor):
    """Before a whole month (no indicator) may stand once per meeting: the old constraint
    let two requests at the same moment both put it on the agenda. The first item of
    each is kept; a later copy with no note, or the same note, is that mistake and is
    removed; a later copy's different note is added to the first item's, so nothing a
    person wrote is lost. Should the joined notes not fit the note's limit, the
    migration stops and names the items, for someone to join them by hand."""
    agenda_item = apps.get_model("scrutiny", "AgendaItem")
    alias = schema_editor.connection.alias
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
        item.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("departments", "0023_member_role"),
        ("scrutiny", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(merge_repeated_whole_months, migrations.RunPython.noop),
    ]
