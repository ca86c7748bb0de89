from django.db import migrations, models


class Migration(migrations.Migration):
    # Apart from 0007's data step: PostgreSQL refuses to alter a table in the transaction
    # that has just deleted rows from it while constraint checks are pending.
    dependencies = [("departments", "0009_referral_repeated_references")]

    operations = [
        migrations.AddConstraint(
            model_name="referral",
            constraint=models.UniqueConstraint(
                condition=models.Q(("reference", ""), _negated=True),
                fields=("reference",),
                name="referral_reference_unique",
                violation_error_message="Another referral already has this reference.",
            ),
        ),
    ]
