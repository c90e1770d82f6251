"""Before one result flag per safety item or score of an administration is enforced
(0003): simultaneous finishes of one self-report could store the
same flag several times. Each set of copies is merged into its first row (keeping
a follow-up recorded on any copy) and the other copies are deleted.
"""

from django.db import migrations
from django.db.models import Count, Min


def merge_copies(apps, schema_editor):
    ResultFlag = apps.get_model("measures", "ResultFlag")
    key = ("administration_id", "kind", "item_id", "score_id")
    groups = (
        ResultFlag.objects.values(*key).annotate(n=Count("id"), first=Min("id")).filter(n__gt=1).order_by()
    )
    for group in groups.iterator():
        copies = ResultFlag.objects.filter(**{k: group[k] for k in key}).order_by("id")
        kept = copies.get(pk=group["first"])
        followed = copies.filter(followed_up_at__isnull=False).order_by("followed_up_at").first()
        if kept.followed_up_at is None and followed is not None:
            kept.followed_up_at, kept.followed_up_by_id = followed.followed_up_at, followed.followed_up_by_id
            kept.save(update_fields=["followed_up_at", "followed_up_by"])
        copies.exclude(pk=kept.pk).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("measures", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(merge_copies, migrations.RunPython.noop),
    ]
