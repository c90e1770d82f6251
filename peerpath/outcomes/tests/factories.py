"""factory_boy factories of the outcomes app (synthetic data only)."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from peerpath.outcomes.actions import score_review
from peerpath.outcomes.fidelity import ITEM_IDS
from peerpath.outcomes.models import FidelityReview
from tests.factories import OrganizationFactory, UserFactory


class FidelityReviewFactory(factory.django.DjangoModelFactory):
    """A review with every item rated 4 unless ``items`` is given; total and band
    scored by the engine from the items."""

    class Meta:
        model = FidelityReview

    organization = factory.SubFactory(OrganizationFactory)
    reviewed_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=30))
    reviewers = "external: 2 IPS trainers"
    items = factory.LazyFunction(lambda: {i: 4 for i in ITEM_IDS})
    notes = factory.LazyFunction(dict)
    total = factory.LazyAttribute(lambda o: score_review(o.items)[0])
    band_index = factory.LazyAttribute(lambda o: score_review(o.items)[1])
    recorded_by = factory.SubFactory(UserFactory)
