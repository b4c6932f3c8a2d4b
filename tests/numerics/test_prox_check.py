"""lksym.numerics.prox_check.check_prox: a right prox passes, a wrong one fails where it is wrong, ties either way."""

from __future__ import annotations

import math

import pytest

from lksym.derivation.penalty import parse_penalty
from lksym.numerics.prox_check import Disagreement, check_prox


def soft(z, lam):
    return math.copysign(max(abs(z) - lam, 0.0), z)


def test_the_soft_threshold_passes_for_l1():
    result = check_prox(soft, "l1")
    assert result.passed and result.points > 20 and result.worst == ()


def test_text_and_penalty_object_give_the_same_check():
    assert check_prox(soft, "l1") == check_prox(soft, parse_penalty("l1"))


def test_the_given_grids_are_used_exactly():
    result = check_prox(soft, "l1", lams=[0.5, 2.0], zs=[-3.0, -0.1, 0.0, 0.4, 1.0, 7.5])
    assert result.passed and result.points == 12


@pytest.mark.parametrize("scale", [1.01, 0.9])
def test_a_wrong_threshold_fails_at_the_right_points(scale):
    lams, zs = [0.5, 2.0], [-3.0, -1.0, 0.2, 1.0, 2.5, 7.5]
    result = check_prox(lambda z, lam: soft(z, scale * lam), "l1", lams=lams, zs=zs)
    assert not result.passed and result.points == 12
    assert 0 < len(result.worst) <= 10
    assert all(isinstance(d, Disagreement) for d in result.worst)
    differences = [d.difference for d in result.worst]
    assert differences == sorted(differences, reverse=True)
    for d in result.worst:
        assert d.theirs == soft(d.z, scale * d.lam)  # the implementation's answer, recorded as given
        assert d.ours == pytest.approx(soft(d.z, d.lam), abs=1e-9)  # the truth, independent of lksym
    # the largest error is where the shift (scale - 1) lam is largest and not clipped at 0
    assert result.worst[0].lam == 2.0 and abs(result.worst[0].difference) > 0


@pytest.mark.parametrize("keep_at_tie", [True, False])
def test_hard_threshold_ties_pass_either_way(keep_at_tie):
    # l0: 1/2 (x - z)^2 + lam [x != 0] ties between 0 and z exactly at |z| = sqrt(2 lam).
    def hard(z, lam):
        t = math.sqrt(2 * lam)
        return z if (abs(z) > t or (keep_at_tie and abs(z) == t)) else 0.0

    assert check_prox(hard, "l0", lams=[0.5, 2.0], zs=[-2.0, -1.0, 0.5, 1.0, 2.0, 3.0]).passed


def test_a_hard_threshold_in_the_wrong_place_fails():
    def hard(z, lam):
        return z if abs(z) > 1.2 * math.sqrt(2 * lam) else 0.0

    result = check_prox(hard, "l0", lams=[1.0], zs=[1.5, 1.6])  # both inside (sqrt 2, 1.2 sqrt 2): must be kept
    assert not result.passed and {d.z for d in result.worst} == {1.5, 1.6}
