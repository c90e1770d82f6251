"""Cohen's kappa of two coders (statsmodels), checked against published examples
and a case worked by hand (no database)."""

from __future__ import annotations

import pytest

from peerpath.groups.kappa import agreement, kappa_report, table_of


def decisions(yy: int, yn: int, ny: int, nn: int) -> list[tuple[bool, bool]]:
    return [(True, True)] * yy + [(True, False)] * yn + [(False, True)] * ny + [(False, False)] * nn


def test_textbook_example_two_raters_fifty_scans():
    # Pezzullo JC. Biostatistics For Dummies. Hoboken, NJ: Wiley; 2013. Chapter 13 "Taking a
    # Closer Look at Fourfold Tables", Figure 13-6: two raters read 50 scans for a tumour,
    # a = 22 (both yes), b = 5, c = 7, d = 16 (both no); the book gives kappa = 0.5138.
    result = agreement(table_of(decisions(22, 5, 7, 16)))
    assert result.kappa == pytest.approx(0.5138, abs=5e-5)
    assert result.observed == pytest.approx(38 / 50)
    assert result.decisions == 50


def test_raters_who_agree_only_by_chance_have_kappa_zero():
    # McGinn T, et al. Tips for learners of evidence-based medicine: 3. Measures of observer
    # variability (kappa statistic). CMAJ 2004;171(11):1369-73, Fig. 3: two clinicians guess
    # at random, each "present" for 60 of 100 patients: 36 / 24 / 24 / 16, agreement 52 %,
    # all of it expected by chance.
    result = agreement(table_of(decisions(36, 24, 24, 16)))
    assert result.observed == pytest.approx(0.52)
    assert result.kappa == pytest.approx(0.0, abs=1e-12)


def test_a_tiny_case_worked_by_hand():
    # Three incidents, code set {hope, altruism}. Coder 1: {hope}, {hope, altruism}, {altruism};
    # coder 2: {hope}, {hope}, {altruism}. Decisions (coder 1, coder 2):
    # hope: (y,y) (y,y) (n,n); altruism: (n,n) (y,n) (y,y).
    # Pooled table [[3, 1], [0, 2]]: p_o = 5/6; marginals coder 1 yes 4/6, coder 2 yes 3/6,
    # p_e = 4/6·3/6 + 2/6·3/6 = 1/2; kappa = (5/6 − 1/2) / (1 − 1/2) = 2/3.
    report = kappa_report(["hope", "altruism"], [(["hope"], ["hope"]), (["hope", "altruism"], ["hope"]),
                                                 (["altruism"], ["altruism"])])
    assert report.incidents == 3
    assert report.pooled.table == ((3, 1), (0, 2))
    assert report.pooled.kappa == pytest.approx(2 / 3)
    # hope: perfect agreement; altruism: [[1, 1], [0, 1]], p_o 2/3, p_e 2/3·1/3 + 1/3·2/3 = 4/9,
    # kappa = (2/3 − 4/9) / (5/9) = 2/5.
    assert report.by_factor["hope"].kappa == pytest.approx(1.0)
    assert report.by_factor["altruism"].kappa == pytest.approx(0.4)


def test_kappa_is_undefined_when_neither_coder_ever_used_a_factor():
    report = kappa_report(["hope", "family"], [(["hope"], ["hope"]), ([], ["hope"])])
    assert report.by_factor["family"].kappa is None
    assert report.by_factor["family"].observed == 1.0
    assert report.pooled.kappa is not None


def test_no_double_coded_incidents_gives_an_empty_report():
    report = kappa_report(["hope"], [])
    assert report.incidents == 0
    assert report.pooled.kappa is None and report.pooled.decisions == 0
