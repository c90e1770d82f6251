"""An index for the member timeline's questionnaires: a member's completed
administrations by the day taken, so that a window of the timeline reads its
newest questionnaires (ORDER BY taken_on DESC ... LIMIT n) and stops, whatever the
member's number of questionnaires (``administration_completed`` has the instrument
before the day: it serves one instrument's history, not the timeline's order).

Written as SQL (the same on PostgreSQL and SQLite) and not in ``Administration.Meta``:
the model's state is unchanged, so ``makemigrations`` has nothing to add or drop.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("measures", "0005_administration_completed"),
    ]

    operations = [
        migrations.RunSQL(
            sql="CREATE INDEX administration_timeline_newest ON measures_administration "
                "(organization_id, member_id, taken_on) WHERE status = 'completed'",
            reverse_sql="DROP INDEX administration_timeline_newest",
        ),
    ]
