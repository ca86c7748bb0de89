from django.conf import settings
from django.db import migrations, models
from django.db.models import Count

# What makes two referrals the same piece of work, besides the reference.
_SAME = (
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


def merge_repeated_references(apps, schema_editor):
    """Before the reference becomes unique: a file imported twice stored each referral
    twice (issue 14). A later copy identical to the first is that mistake and is removed;
    a later referral that differs keeps its data and gets its reference marked "(2)",
    "(3)"... so that nothing a person entered is lost and someone can look at it."""
    referral = apps.get_model("departments", "Referral")
    repeated = (
        referral.objects.exclude(reference="")
        .values("reference")
        .annotate(count=Count("id"))
        .filter(count__gt=1)
        .values_list("reference", flat=True)
    )
    for reference in list(repeated):
        first, *others = referral.objects.filter(reference=reference).order_by("pk")
        kept = {name: getattr(first, name) for name in _SAME}
        for number, other in enumerate(others, start=2):
            if {name: getattr(other, name) for name in _SAME} == kept:
                other.delete()
            else:
                mark = f" ({number})"
                other.reference = reference[: 64 - len(mark)] + mark
                other.save(update_fields=["reference"])
    # Cached figures are retired by reporting's post_migrate receiver (reporting/cache.py).


class Migration(migrations.Migration):
    dependencies = [
        ("departments", "0008_text_limits_and_whole_audit_reasons"),
        ("partnerships", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="historicalreferral",
            name="reference",
            field=models.CharField(
                blank=True,
                help_text="Identifier in the source system, for imports; unique when given.",
                max_length=64,
            ),
        ),
        migrations.AlterField(
            model_name="referral",
            name="reference",
            field=models.CharField(
                blank=True,
                help_text="Identifier in the source system, for imports; unique when given.",
                max_length=64,
            ),
        ),
        migrations.RunPython(merge_repeated_references, migrations.RunPython.noop),
    ]
