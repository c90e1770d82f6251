"""One result flag per safety item or score of an administration (the backstop of
``actions.complete_link``). In its own migration: on PostgreSQL a table cannot be
altered in the transaction that deleted rows of it (pending trigger events)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("measures", "0002_merge_flag_copies"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="resultflag",
            constraint=models.UniqueConstraint(
                fields=("administration", "kind", "item_id", "score_id"), name="result_flag_once_per_administration"
            ),
        ),
    ]
