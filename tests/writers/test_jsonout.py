"""lksym.writers.jsonout: the documented keys and types, strings that read back, exact round trips."""

from __future__ import annotations

import json
import math

import pytest
import sympy as sp

from lksym.writers.jsonout import dumps, to_dict

W = sp.Symbol("w", real=True)
LOCALS = {
    "w": W,
    "alpha": sp.Symbol("alpha", positive=True),
    "tau": sp.Symbol("tau", positive=True),
    "eta": sp.Symbol("eta", positive=True),
}
POINTS = ("0+", "0-", "+oo", "-oo")
PARTS = ("penalty", "gradient", "curvature")
SAMPLES = ["-5/2", "-1", "-3/10", "-1/1000", "1/1000", "3/10", "1", "5/2"]


def _read(s: str) -> sp.Expr:
    assert isinstance(s, str)
    return sp.sympify(s, locals=LOCALS)


def test_required_keys_and_types(k_analysis):
    d = to_dict(k_analysis)
    for key in ("k", "penalty", "gradient", "curvature", "limits", "smoothness", "convex", "sparse"):
        assert key in d, key
    assert isinstance(d["k"], str)
    for part in PARTS:
        assert isinstance(d[part], str)
    assert set(d["limits"]) == set(PARTS)
    for part in PARTS:
        assert set(d["limits"][part]) == set(POINTS)
        assert all(isinstance(v, str) for v in d["limits"][part].values())
    assert d["smoothness"] == "inf" or (isinstance(d["smoothness"], int) and not isinstance(d["smoothness"], bool))
    assert isinstance(d["convex"], bool) and isinstance(d["sparse"], bool)
    assert isinstance(d["lipschitz_gradient_near_zero"], bool)


REGIME_TEXT = {"SUBLINEAR": "0 < k < 1", "L1": "k = 1", "BETWEEN": "1 < k < 2", "L2": "k = 2", "STEEP": "k > 2"}


def test_documented_extra_keys(k_case, k_analysis):
    d = to_dict(k_analysis)
    assert d["schema"] == 1
    assert d["regime"] == REGIME_TEXT[k_case.regime]
    assert set(d["continuity"]) == set(PARTS) and set(d["at_zero"]) == set(PARTS)
    assert all(isinstance(v, bool) for v in d["continuity"].values())
    assert set(d["overshoot"]) == {"weight", "side", "step_limit"}
    assert d["overshoot"]["side"] in ("below", "above", None)
    assert set(d["crossovers"]) == {"L1", "L2"}
    bands = d["bands"]
    assert isinstance(bands, list) and bands
    assert bands[0]["from"] == "0" and bands[-1]["to"] == "oo"
    for left, right in zip(bands, bands[1:]):
        assert left["to"] == right["from"]
    for b in bands:
        assert sorted(b["order"]) == ["L1", "L2", "Lk"]
        assert float(_read(b["from"])) < float(_read(b["to"]))
    # ties by hand: k = 1 is L1, k = 2 is L2
    ties = {tuple(sorted(t)) for b in bands for t in b["ties"]}
    assert ties == {1: {("L1", "Lk")}, 2: {("L2", "Lk")}}.get(k_case.kf, set())


def test_values_by_hand(k_case, k_analysis):
    d = to_dict(k_analysis)
    assert _read(d["k"]) == k_case.k
    assert math.isclose(d["k_float"], k_case.kf, rel_tol=1e-15)
    assert d["convex"] is k_case.convex
    assert d["sparse"] is k_case.sparse
    assert d["lipschitz_gradient_near_zero"] is k_case.lipschitz


def test_smoothness_by_hand(k_case, k_analysis):
    expected = "inf" if k_case.smoothness is None else k_case.smoothness
    assert to_dict(k_analysis)["smoothness"] == expected


def test_smoothness_serialisation(k_analysis):
    """Independent of the smoothness bug: the JSON says what the Analysis says."""
    s = to_dict(k_analysis)["smoothness"]
    assert s == ("inf" if k_analysis.smoothness is None else k_analysis.smoothness)


def test_limit_strings_by_hand(k_case, k_analysis):
    limits = to_dict(k_analysis)["limits"]
    for part in PARTS:
        for point, value in k_case.limits(part).items():
            text = limits[part][point]
            assert _read(text) == value, (part, point, text)
            # plain SymPy spelling: oo, -oo, integers
            assert text == {sp.oo: "oo", -sp.oo: "-oo"}.get(value, str(value))


@pytest.mark.parametrize(
    "text, part, point, expected",
    [
        ("1.5", "gradient", "+oo", "oo"),
        ("1.5", "gradient", "-oo", "-oo"),
        ("1.5", "curvature", "0+", "oo"),
        ("1/2", "gradient", "0-", "-oo"),
        ("1", "gradient", "0-", "-1"),
        ("2", "curvature", "0+", "2"),
    ],
)
def test_limit_strings_examples(analysis_of, text, part, point, expected):
    assert to_dict(analysis_of(text))["limits"][part][point] == expected


def test_expression_strings_read_back(k_case, k_analysis):
    d = to_dict(k_analysis)
    k = k_case.k
    hand = {
        "penalty": lambda p: p**k,
        "gradient": lambda p: k * p ** (k - 1),
        "curvature": lambda p: k * (k - 1) * p ** (k - 2),
    }
    for part in PARTS:
        back = _read(d[part])
        assert back.free_symbols <= {W}
        ours = getattr(k_analysis, part).expr
        for text in SAMPLES:
            x = sp.Rational(text)
            got = sp.N(back.subs(W, x), 30)
            assert abs(got - sp.N(ours.subs(W, x), 30)) <= sp.Float("1e-25") * max(1, abs(got))
            sign = (1 if x > 0 else -1) if part == "gradient" else 1
            want = sp.N(sign * hand[part](abs(x)), 30)
            assert abs(got - want) <= sp.Float("1e-25") * max(1, abs(want)), (part, text, got, want)


def test_other_expressions_read_back(k_analysis):
    d = to_dict(k_analysis)
    a = k_analysis
    if a.dead_zone is None:
        assert d["dead_zone"] is None
    else:
        assert sp.simplify(_read(d["dead_zone"]) - a.dead_zone) == 0
    for c in a.crossovers:
        entry = d["crossovers"][c.reference]
        assert entry["identical"] is c.identical
        assert entry["stronger_below"] == c.stronger_below
        if c.weight is None:
            assert entry["weight"] is None and entry["weight_float"] is None
        else:
            assert _read(entry["weight"]) == c.weight
            assert math.isclose(entry["weight_float"], float(sp.N(c.weight, 30)), rel_tol=1e-15)
    for part in PARTS:
        at = getattr(a, part).at_zero
        entry = d["at_zero"][part]
        assert entry["continuous"] is at.continuous
        assert (entry["value"] is None) == (at.value is None)
        if at.value is not None:
            assert _read(entry["value"]) == at.value


def test_at_zero_json_by_hand(analysis_of):
    d1 = to_dict(analysis_of("1"))
    assert d1["at_zero"]["gradient"]["value"] is None
    assert d1["at_zero"]["gradient"]["subdifferential"] == ["-1", "1"]
    d2 = to_dict(analysis_of("2"))
    assert d2["at_zero"]["curvature"]["value"] == "2"
    d15 = to_dict(analysis_of("1.5"))
    assert d15["at_zero"]["gradient"]["value"] == "0"
    assert d15["at_zero"]["curvature"]["value"] is None
    assert d15["crossovers"]["L1"]["weight"] == "4/9"
    assert d15["crossovers"]["L2"]["weight"] == "9/16"


def test_json_round_trip(k_analysis):
    text = dumps(k_analysis)
    assert json.loads(text) == to_dict(k_analysis)
    # strict JSON: no NaN/Infinity tokens
    json.dumps(json.loads(text), allow_nan=False)
    assert dumps(k_analysis) == text  # deterministic


def test_decimal_and_fraction_same_json(analysis_of):
    assert dumps(analysis_of("1.5")) == dumps(analysis_of("3/2"))
    assert to_dict(analysis_of("1.5"))["k"] == "3/2"
    assert to_dict(analysis_of("0.1"))["k"] == "1/10"
