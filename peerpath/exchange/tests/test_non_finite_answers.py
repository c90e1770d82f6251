"""Importing questionnaire responses: an answer that is not a finite number is a
problem naming its row and column, and nothing is written."""

from __future__ import annotations

import pytest
from django.utils import timezone

from peerpath.exchange.tests._helpers import problem_texts
from peerpath.measures.models import Administration


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-inf", "Infinity", "1e999"])
def test_a_non_finite_answer_is_a_problem_naming_row_and_column(run_import, org_a, value):
    header = ["member code", "date", *[str(i) for i in range(1, 10)]]
    row = ["A0001", timezone.localdate().isoformat(), *["1"] * 8, value]
    data = "\n".join(",".join(r) for r in (header, row)) + "\n"

    batch, check = run_import("responses", data, options={"instrument": "phq9"})

    assert not check.ok
    assert any(text.startswith("row 2, column '9'") and value in text for text in problem_texts(check))
    assert not Administration.objects.exists()
