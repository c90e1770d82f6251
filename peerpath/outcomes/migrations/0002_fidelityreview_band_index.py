"""Fidelity reviews store their band as an index into the ips25 total's bands (as
measures.StoredScore does), no longer as the band's English label."""

from django.db import migrations, models

# The ips25 total's bands when this migration was written, in order: the labels
# stored before it (a migration must not depend on the definition as it changes).
LABELS = ("Not supported employment", "Fair fidelity", "Good fidelity", "Exemplary fidelity")


def index_of(label: str) -> int:
    return LABELS.index(label)


def label_of(index: int) -> str:
    return LABELS[index]


def forwards(apps, schema_editor):
    FidelityReview = apps.get_model("outcomes", "FidelityReview")
    for review in FidelityReview.objects.all().only("pk", "band"):
        review.band_index = index_of(review.band)
        review.save(update_fields=["band_index"])


def backwards(apps, schema_editor):
    FidelityReview = apps.get_model("outcomes", "FidelityReview")
    for review in FidelityReview.objects.all().only("pk", "band_index"):
        review.band = label_of(review.band_index)
        review.save(update_fields=["band"])


class Migration(migrations.Migration):

    dependencies = [
        ("outcomes", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="fidelityreview",
            name="band_index",
            field=models.PositiveSmallIntegerField(null=True, verbose_name="band"),
        ),
        migrations.AlterField(
            model_name="fidelityreview",
            name="band",
            field=models.CharField(blank=True, default="", max_length=80, verbose_name="band"),
        ),
        migrations.RemoveConstraint(model_name="fidelityreview", name="fidelity_band_given"),
        migrations.RunPython(forwards, backwards),
        migrations.RemoveField(model_name="fidelityreview", name="band"),
        migrations.AlterField(
            model_name="fidelityreview",
            name="band_index",
            field=models.PositiveSmallIntegerField(verbose_name="band"),
        ),
    ]
