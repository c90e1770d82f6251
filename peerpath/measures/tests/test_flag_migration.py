"""Migration measures 0002: flags stored several times by simultaneous finishes (before
the constraint) are merged into one, keeping a recorded follow-up."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("measures", "0001_initial")]


@pytest.mark.django_db(transaction=True)
def test_copies_of_a_flag_are_merged_before_the_constraint(org_a):
    executor = MigrationExecutor(connection)
    after = executor.loader.graph.leaf_nodes()  # every app back at its latest afterwards
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    Administration = apps.get_model("measures", "Administration")
    ResultFlag = apps.get_model("measures", "ResultFlag")
    now = timezone.now()
    administration = Administration.objects.create(
        organization_id=org_a.org.pk, member_id=org_a.member.pk, instrument_id="phq9", instrument_version=1,
        mode="link", status="completed", language="en", taken_on=now.date(), answers={"9": 2.0}, completed_at=now,
    )
    common = {"organization_id": org_a.org.pk, "administration_id": administration.pk, "member_id": org_a.member.pk,
              "kind": "safety", "item_id": "9", "value": 2.0, "raised_at": now}
    first = ResultFlag.objects.create(**common)
    ResultFlag.objects.create(**common, followed_up_at=now, followed_up_by_id=org_a.users["professional"].pk)
    ResultFlag.objects.create(**common)
    other = ResultFlag.objects.create(**{**common, "kind": "deterioration", "item_id": "", "score_id": "total"})

    executor = MigrationExecutor(connection)
    executor.migrate(after)

    apps = executor.loader.project_state([k for k in after if k[0] == "measures"]).apps
    kept = list(apps.get_model("measures", "ResultFlag").objects.order_by("pk").values_list("pk", "followed_up_at"))
    assert [pk for pk, _ in kept] == [first.pk, other.pk]
    assert kept[0][1] == now  # the follow-up recorded on a copy is kept
