"""``lksym verify``: hand derivations held against lksym, through Python and the CLI.

Every expected value here is written by hand: the claims, and the float
formulas used to check a counterexample's claimed and true values.
"""

from __future__ import annotations

import json
import math
import time

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from lksym.cli import main
from lksym.errors import InputError
from lksym.verify import verify

# --------------------------------------------------------------------------- hand formulas


def grad(k: float, w: float) -> float:
    """k sign(w) |w|^(k-1)."""
    return k * math.copysign(1.0, w) * abs(w) ** (k - 1)


def curv(k: float, w: float) -> float:
    """k (k-1) |w|^(k-2)."""
    return k * (k - 1) * abs(w) ** (k - 2)


def pen(k: float, w: float) -> float:
    return abs(w) ** k


TRUE_FLOAT = {"penalty": pen, "gradient": grad, "curvature": curv}

CORRECT = [
    # (k text, k float, part, claim)
    ("0.5", 0.5, "penalty", "sqrt(|w|)"),
    ("0.5", 0.5, "gradient", "sign(w)/(2*sqrt(abs(w)))"),
    ("0.5", 0.5, "gradient", "w/(2*|w|^1.5)"),
    ("0.5", 0.5, "curvature", "-1/4*|w|^(-3/2)"),
    ("1", 1.0, "penalty", "|w|"),
    ("1", 1.0, "penalty", "Max(w, -w)"),
    ("1", 1.0, "gradient", "sign(w)"),
    ("1", 1.0, "gradient", "w/abs(w)"),
    ("1", 1.0, "gradient", "Piecewise((1, w > 0), (-1, True))"),
    ("1", 1.0, "curvature", "0"),
    ("1.5", 1.5, "penalty", "|w|^1.5"),
    ("1.5", 1.5, "penalty", "abs(w)*sqrt(abs(w))"),
    ("1.5", 1.5, "gradient", "3/2*sign(w)*sqrt(abs(w))"),
    ("1.5", 1.5, "gradient", "1.5*w/sqrt(abs(w))"),
    ("1.5", 1.5, "gradient", "Piecewise((3*sqrt(w)/2, w > 0), (-3*sqrt(-w)/2, True))"),
    ("1.5", 1.5, "curvature", "3/(4*sqrt(|w|))"),
    ("1.5", 1.5, "curvature", "0.75*|w|^-0.5"),
    ("2", 2.0, "penalty", "w^2"),
    ("2", 2.0, "penalty", "|w|^2"),
    ("2", 2.0, "gradient", "2*w"),
    ("2", 2.0, "gradient", "2*sign(w)*|w|"),
    ("2", 2.0, "curvature", "2"),
    ("3", 3.0, "penalty", "|w|^3"),
    ("3", 3.0, "penalty", "w^2*abs(w)"),
    ("3", 3.0, "gradient", "3*w*abs(w)"),
    ("3", 3.0, "gradient", "3*sign(w)*w^2"),
    ("3", 3.0, "curvature", "6*|w|"),
    ("sqrt(2)", math.sqrt(2), "penalty", "|w|^sqrt(2)"),
    ("sqrt(2)", math.sqrt(2), "gradient", "sqrt(2)*sign(w)*|w|^(sqrt(2)-1)"),
    ("sqrt(2)", math.sqrt(2), "gradient", "sqrt(2)*w*abs(w)^(sqrt(2)-2)"),
    ("sqrt(2)", math.sqrt(2), "curvature", "(2-sqrt(2))*|w|^(sqrt(2)-2)"),
    ("7/3", 7 / 3, "penalty", "|w|^(7/3)"),
    ("7/3", 7 / 3, "gradient", "7/3*sign(w)*abs(w)^(4/3)"),
    ("7/3", 7 / 3, "gradient", "7/3*w*cbrt(|w|)"),
    ("7/3", 7 / 3, "curvature", "28/9*cbrt(abs(w))"),
]


@pytest.mark.parametrize("k, kf, part, claim", CORRECT, ids=[f"{c[0]}-{c[2]}-{c[3]}" for c in CORRECT])
def test_correct_claims_hold(k, kf, part, claim):
    # A generous budget: the assertion is about the verdict; a claim SymPy does not prove at once (sqrt(2)) is
    # sampled, which on a loaded machine can outlast the default 15 s of wall time (then UNDECIDED, not OK)
    result = verify(k, **{part: claim}, budget=120)
    (verdict,) = result.claims
    assert result.all_hold, verdict.line()
    assert verdict.holds and verdict.counterexample is None
    assert verdict.method in ("symbolic", "numeric")
    assert verdict.part == part and verdict.kind == "expression" and verdict.claim == claim


WRONG = [
    # (k text, k float, part, claim, counterexample must have w < 0)
    ("1.5", 1.5, "gradient", "3/2*sqrt(abs(w))", True),  # missing sign: wrong for w < 0 only
    ("1.5", 1.5, "gradient", "3/2*sqrt(w)", True),  # negative base: not real for w < 0
    ("1.5", 1.5, "gradient", "Piecewise((3*sqrt(w)/2, w > 0))", True),  # undefined for w < 0
    ("1.5", 1.5, "gradient", "3*sign(w)*sqrt(abs(w))", False),  # factor 2 too large
    ("1.5", 1.5, "gradient", "1.5*w", False),  # wrong power
    ("1.5", 1.5, "curvature", "3/(4*sqrt(w))", True),
    ("3", 3.0, "gradient", "3*w^2", True),  # even where it should be odd
    ("3", 3.0, "penalty", "w^3", True),
    ("2", 2.0, "curvature", "2*w", False),
    ("0.5", 0.5, "gradient", "1/(2*sqrt(abs(w)))", True),
    ("sqrt(2)", math.sqrt(2), "gradient", "1.41421356*sign(w)*|w|^(sqrt(2)-1)", False),  # rounded k
    ("7/3", 7 / 3, "gradient", "7/3*w^(4/3)", True),
    ("1", 1.0, "curvature", "1", False),
]


@pytest.mark.parametrize("k, kf, part, claim, negative", WRONG, ids=[f"{c[0]}-{c[2]}-{c[3]}" for c in WRONG])
def test_wrong_claims_have_a_checked_counterexample(k, kf, part, claim, negative):
    result = verify(k, **{part: claim})
    (verdict,) = result.claims
    assert not result.all_hold and not verdict.holds
    assert verdict.method == "numeric"
    example = verdict.counterexample
    assert example is not None, verdict.line()
    w = example.w_value
    assert w != 0
    if negative:
        assert w < 0, verdict.line()
    true = TRUE_FLOAT[part](kf, w)
    assert example.true_value == pytest.approx(true, rel=1e-12)
    claimed = example.claimed_value
    if claimed is None or isinstance(claimed, complex):
        pass  # undefined or not real: wrong whatever the truth
    else:
        assert not claimed == pytest.approx(true, rel=1e-9)
    assert "WRONG at w = " in verdict.line() and "correct: " in verdict.line()


def test_missing_sign_is_caught_at_minus_one_with_exact_values():
    (verdict,) = verify("1.5", gradient="3/2*sqrt(abs(w))").claims
    example = verdict.counterexample
    assert (example.w, example.claimed, example.true) == ("-1", "1.5", "-1.5")
    assert verdict.truth == "3*sqrt(Abs(w))*sign(w)/2"
    assert verdict.line() == (
        "gradient: 3/2*sqrt(abs(w))  WRONG at w = -1: claimed 1.5, true -1.5; "
        "correct: 3*sqrt(Abs(w))*sign(w)/2"
    )


def test_irrational_counterexample_value_shows_its_float():
    (verdict,) = verify("1.5", gradient="1.5*w").claims
    example = verdict.counterexample
    assert example.w == "2"
    assert example.claimed == "3"
    assert example.true.startswith("3*sqrt(2)/2 (2.1213")


@pytest.mark.parametrize("claim", ["exp(w)^1000", "exp(w^1000)^1000", "2*w + exp(w)^1000 - exp(w)^1000*(1+1e-20)"])
def test_values_beyond_float_range_still_differ(claim):
    # exp(1000) overflows a Python float: the comparison must not see inf == inf.  (SymPy may
    # prove w < 0 different first: the counterexample then comes from there.)
    (verdict,) = verify("2", gradient=claim).claims
    assert not verdict.holds and verdict.counterexample.w in ("1", "-1")


def test_tiny_additive_error_is_found_where_it_matters():
    (verdict,) = verify("2", gradient="2*w + 1e-30").claims
    assert not verdict.holds
    assert abs(verdict.counterexample.w_value) <= 1e-9
    assert verdict.counterexample.claimed == "2.000000000000000001e-12"


@pytest.mark.parametrize("claim, w", [("2*w*(1+1e-40)", "1"), ("2*w + 1e-40*(|w| - w)", "-1")])
def test_difference_below_50_digits_is_caught(claim, w):
    # Symbolically (a region proved different) or, since the comparison is certified, numerically.
    (verdict,) = verify("2", gradient=claim).claims
    assert not verdict.holds and verdict.method in ("symbolic", "numeric")
    assert verdict.counterexample.w == w
    assert verdict.counterexample.claimed != verdict.counterexample.true


def test_costly_k_is_an_input_error(monkeypatch):
    import lksym.verify.claims as module

    monkeypatch.setattr(module, "ANALYSIS_BUDGET", 1.0)
    start = time.monotonic()
    # parse_k now refuses such k up front; the analysis budget stays as a second line of defence.
    with pytest.raises(InputError, match="too costly|too many digits"):
        verify("999999999999/1000000000000", gradient="w")
    assert time.monotonic() - start < 5


def test_non_real_claim_is_reported():
    (verdict,) = verify("1.5", gradient="3/2*sqrt(w)").claims
    assert verdict.counterexample.w == "-1"
    assert verdict.counterexample.claimed.startswith("non-real")


# --------------------------------------------------------------------------- limits


@pytest.mark.parametrize(
    "k, spec, holds",
    [
        ("0.5", "gradient@0+=oo", True),
        ("0.5", "gradient@0-=-oo", True),
        ("0.5", "gradient@0+=0", False),
        ("0.5", "gradient@0-=oo", False),
        ("0.5", "gradient@+oo=0", True),
        ("0.5", "curvature@0+=-inf", True),
        ("1.5", "curvature@0+=oo", True),
        ("1.5", "curvature@0+=inf", True),
        ("1.5", "gradient@0+=0", True),
        ("1", "gradient@0-=-1", True),
        ("1", "gradient@0-=1", False),
        ("2", "curvature@+oo=2", True),
        ("2", "curvature@+oo=4/2", True),
        ("2", "curvature@0+=sqrt(4)", True),
        ("2", "curvature@0+=2.0000001", False),
        ("3", "penalty@-oo=oo", True),
        ("3", "gradient@-oo=oo", False),
    ],
)
def test_limit_claims(k, spec, holds):
    result = verify(k, limits=[spec])
    (verdict,) = result.claims
    assert verdict.kind == "limit"
    assert verdict.holds is holds, verdict.line()
    assert (verdict.counterexample is None) is holds


def test_limit_tuple_and_points_are_normalised():
    (verdict,) = verify("0.5", limits=[("gradient", "oo", "0")]).claims
    assert verdict.point == "+oo" and verdict.holds


@pytest.mark.parametrize(
    "spec, words",
    [
        ("gradient", "PART@POINT=VALUE"),
        ("gradient@0+", "PART@POINT=VALUE"),
        ("gradient=oo", "PART@POINT=VALUE"),
        ("@0+=oo", "PART@POINT=VALUE"),
        ("slope@0+=oo", "unknown part"),
        ("gradient@1=oo", "unknown point"),
        ("gradient@0+=w", "unknown name"),
        ("gradient@0+=__import__('os')", "'_'"),
    ],
)
def test_bad_limit_specs(spec, words):
    with pytest.raises(InputError) as info:
        verify("1.5", limits=[spec])
    assert words.lower() in str(info.value).lower()
    assert "\n" not in str(info.value)


def test_no_claim_is_an_input_error():
    with pytest.raises(InputError, match="nothing to verify"):
        verify("1.5")


def test_several_claims_keep_their_order():
    result = verify("2", penalty="w^2", gradient="2*w", curvature="3", limits=["gradient@0+=0"])
    assert [v.part for v in result.claims] == ["penalty", "gradient", "curvature", "gradient"]
    assert [v.holds for v in result.claims] == [True, True, False, True]
    assert not result.all_hold


# --------------------------------------------------------------------------- budget


def test_expensive_claim_is_bounded_and_never_ok_without_full_coverage():
    # Correct (log((|w|+1)^n) = n*log(|w|+1)) but simplify takes ~10 s on it, and 0.25 s cannot
    # sample the whole line: UNDECIDED, saying how far the sampling got (issue 11: never OK).
    claim = "2*w + log((|w|+1)^997) - 997*log(|w|+1)"
    start = time.monotonic()
    result = verify("2", gradient=claim, budget=0.5)
    elapsed = time.monotonic() - start
    (verdict,) = result.claims
    assert elapsed < 0.5 + 5  # unbounded, simplify alone takes ~10 s; the slack absorbs a loaded machine
    assert not verdict.holds and verdict.counterexample is None
    assert "budget" in verdict.note and "UNDECIDED" in verdict.line()


def test_claim_sympy_cannot_prove_is_ok_numeric_with_its_coverage(monkeypatch):
    import lksym.verify.claims as module

    monkeypatch.setattr(module, "prove_regions", lambda *args: [])  # as if simplify never finished
    (verdict,) = verify("1.5", gradient="3/2*sign(w)*sqrt(abs(w))", budget=30).claims  # room on a loaded machine
    assert verdict.holds and verdict.method == "numeric"
    coverage = verdict.coverage.to_dict()
    assert coverage["abs_w_from"] == "1e-300" and coverage["abs_w_to"] == "1e+300"
    assert coverage["points"] == coverage["planned"] > 1200 and coverage["failed"] == 0
    assert "OK (numeric: agrees at " in verdict.line() and "|w| from 1e-300 to 1e+300 on both signs" in verdict.line()


def test_expensive_wrong_claim_is_decided_numerically_within_budget():
    claim = "2*w + log((|w|+1)^997) - 996*log(|w|+1)"
    start = time.monotonic()
    # 3 s, not 0.5: the numeric step needs a few tenths of a CPU second, which a loaded machine's child process did
    # not always get within 0.5 s of wall time (UNDECIDED); 3 s still shows the bound (SymPy can take minutes here).
    (verdict,) = verify("2", gradient=claim, budget=3).claims
    # Bounded, not exact: the slack absorbs a loaded 2-core machine.
    assert time.monotonic() - start < 3 + 5
    assert not verdict.holds and verdict.counterexample.w == "1"
    assert verdict.counterexample.claimed_value == pytest.approx(2 + math.log(2))


def test_budget_guard_works_off_the_main_thread():
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        result = pool.submit(verify, "1.5", gradient="3/2*sqrt(abs(w))", budget=2).result(timeout=60)
    assert result.claims[0].counterexample.w == "-1"


def test_expensive_claim_off_the_main_thread_is_bounded_too():
    from concurrent.futures import ThreadPoolExecutor

    claim = "2*w + log((|w|+1)^997) - 997*log(|w|+1)"
    start = time.monotonic()
    with ThreadPoolExecutor(1) as pool:
        result = pool.submit(verify, "2", gradient=claim, budget=1.0).result(timeout=60)
    assert time.monotonic() - start < 1.0 + 5
    assert not result.claims[0].holds and result.claims[0].counterexample is None  # undecided, not OK


def test_out_of_budget_is_undecided_not_ok():
    result = verify("2", gradient="2*w + log((|w|+1)^997) - 997*log(|w|+1)", budget=0.001)
    (verdict,) = result.claims
    assert not result.all_hold and not verdict.holds
    assert verdict.counterexample is None and "budget" in verdict.note
    assert "UNDECIDED" in verdict.line()


def test_bad_budget():
    with pytest.raises(InputError, match="budget"):
        verify("2", gradient="2*w", budget=0)


# --------------------------------------------------------------------------- CLI


@pytest.fixture()
def runner() -> CliRunner:
    return CliRunner()


def test_cli_ok(runner):
    result = runner.invoke(main, ["verify", "--k", "1.5", "--gradient", "3/2*sign(w)*sqrt(abs(w))"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "gradient: 3/2*sign(w)*sqrt(abs(w))  OK (symbolic)"


def test_cli_wrong_exits_1(runner):
    result = runner.invoke(
        main, ["verify", "--k", "1.5", "--gradient", "3/2*sqrt(abs(w))", "--limit", "curvature@0+=oo"]
    )
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert lines[0].startswith("gradient: 3/2*sqrt(abs(w))  WRONG at w = -1: claimed 1.5, true -1.5")
    assert lines[1] == "curvature@0+: oo  OK (symbolic)"


def test_cli_json_shape(runner):
    result = runner.invoke(
        main,
        ["verify", "--k", "3/2", "--gradient", "3/2*sqrt(abs(w))", "--penalty", "|w|^1.5",
         "--limit", "gradient@0+=oo", "--json"],
    )
    assert result.exit_code == 1, result.output
    data = json.loads(result.output)
    assert data["k"] == "3/2" and data["all_hold"] is False
    penalty, gradient, limit = data["claims"]
    for claim in data["claims"]:
        assert {"part", "kind", "claim", "holds", "method", "truth", "counterexample"} <= set(claim)
    assert penalty == {**penalty, "part": "penalty", "kind": "expression", "holds": True, "counterexample": None}
    assert gradient["counterexample"] == {"w": "-1", "claimed": "1.5", "true": "-1.5",
                                          "w_exact": "-1", "claimed_exact": "3/2", "true_exact": "-3/2"}
    assert [r["status"] for r in gradient["regions"]] == ["different", "equal"]
    assert gradient["truth"] == "3*sqrt(Abs(w))*sign(w)/2"
    assert limit["kind"] == "limit" and limit["holds"] is False and limit["truth"] == "0"


def test_cli_json_all_hold(runner):
    result = runner.invoke(main, ["verify", "--k", "2", "--penalty", "w^2", "--curvature", "2", "--json"])
    assert result.exit_code == 0
    assert json.loads(result.output)["all_hold"] is True


@pytest.mark.parametrize(
    "args",
    [
        ["--gradient", "__import__('os').system('x')"],
        ["--gradient", "w.__class__"],
        ["--gradient", "9**9**9**9"],
        ["--gradient", "foo*w"],
        ["--gradient", "x"],
        ["--gradient", ""],
        ["--gradient", "   "],
        ["--gradient", "w >"],
        ["--gradient", "w > 0"],
        ["--gradient", "(" * 200 + "w" + ")" * 200],
        ["--gradient", "w" * 5000],
        ["--limit", "gradient0+=oo"],
        ["--limit", "gradient@0+"],
        ["--limit", "gradient@zero=oo"],
        [],
    ],
    ids=lambda a: repr(a)[:40],
)
def test_cli_bad_input_exits_2(runner, args):
    start = time.monotonic()
    result = runner.invoke(main, ["verify", "--k", "1.5", *args])
    assert time.monotonic() - start < 3
    assert result.exit_code == 2, result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
    error_lines = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(error_lines) == 1
    assert "Traceback" not in result.output


@pytest.mark.parametrize("k", ["0", "-1", "abc", "__import__('os')", "1e999"])
def test_cli_bad_k_exits_2(runner, k):
    result = runner.invoke(main, ["verify", "--k", k, "--gradient", "w"])
    assert result.exit_code == 2
    assert "Error:" in result.output and "Traceback" not in result.output


# --------------------------------------------------------------------------- fuzz


_ALPHABET = "w()|+-*/^.0123456789 abcgilnqrstxpE,<>=_'[]"
_TOKENS = ["w", "|w|", "abs(", "sign(", "sqrt(", "cbrt(", "exp(", "log(", "Max(", "Piecewise((", "^", "**",
           "*", "/", "+", "-", "(", ")", ",", "1.5", "3/2", "2", "0", "w > 0", "True", "oo", "1e300", "9"]

_texts = st.one_of(
    st.text(alphabet=_ALPHABET, max_size=40),
    st.lists(st.sampled_from(_TOKENS), max_size=14).map("".join),
)


@settings(max_examples=100, deadline=None)
@given(_texts)
def test_random_gradient_text_gives_verdict_or_input_error(text):
    start = time.monotonic()
    try:
        result = verify("1.5", gradient=text, budget=1.0)
    except InputError as error:
        assert "\n" not in str(error)
    else:
        (verdict,) = result.claims
        assert isinstance(verdict.holds, bool)
        assert verdict.method in ("symbolic", "numeric")
    assert time.monotonic() - start < 5


# --------------------------------------------------------------------------- prox claims (issue 5)

import sympy as _sp  # noqa: E402

from lksym.derivation.prox import prox_closed_form, prox_numeric  # noqa: E402


def _odd(form: str) -> str:
    """A closed form for z > threshold made odd: sign(z)*form(|z|)."""
    return f"sign(z)*({form.replace('z', 'abs(z)')})"


@pytest.mark.parametrize(
    "k, claim",
    [
        ("1", "sign(z)*Max(abs(z)-lam, 0)"),
        ("1", "Piecewise((z - lam, z > lam), (z + lam, z < -lam), (0, True))"),
        ("2", "z/(1+2*lam)"),
        ("3", "sign(z)*(sqrt(1 + 12*lam*abs(z)) - 1)/(6*lam)"),
    ],
)
def test_prox_correct_claims_hold(k, claim):
    (v,) = verify(k, prox=claim).claims
    assert v.holds and v.part == "prox" and v.kind == "prox", v.line()
    assert v.method in ("symbolic", "numeric")


def test_prox_closed_form_for_three_halves_holds():
    form = str(prox_closed_form(_sp.Rational(3, 2)))
    (v,) = verify("3/2", prox=_odd(form)).claims
    assert v.holds, v.line()
    assert v.method == "symbolic"
    # The closed form alone is only for z > 0: at a negative z it is wrong.
    (raw,) = verify("3/2", prox=form).claims
    assert not raw.holds and raw.counterexample.w_value < 0


def test_prox_half_right_zero_zone_wrong_outer_branch():
    (v,) = verify("1/2", prox="Piecewise((0, abs(z) <= 3/2*lam^(2/3)), (z, True))").claims
    assert not v.holds
    c = v.counterexample
    assert abs(c.w_value) > 1.5 * c.lam_value ** (2 / 3)
    assert c.claimed_value == pytest.approx(c.w_value, rel=1e-12)
    assert "3*lam**(2/3)/2" in v.truth


def test_prox_wrong_ridge_has_checked_counterexample_and_correct_form():
    (v,) = verify("2", prox="z/(1+lam)").claims
    assert not v.holds and v.method == "numeric"
    c = v.counterexample
    z, lam = c.w_value, c.lam_value
    assert lam in (0.1, 0.5, 1.0, 2.0)
    assert c.claimed_value == pytest.approx(z / (1 + lam), rel=1e-12)
    assert c.true_value == pytest.approx(z / (1 + 2 * lam), rel=1e-12)
    assert "z/(2*lam + 1)" in v.truth
    assert f"lam = {c.lam}" in v.line() and "WRONG" in v.line()


def test_prox_zero_for_half_is_wrong_above_the_threshold():
    (v,) = verify("1/2", prox="0").claims
    assert not v.holds
    c = v.counterexample
    assert abs(c.w_value) > 1.5 * c.lam_value ** (2 / 3)  # above the jump threshold
    assert c.claimed_value == 0
    assert c.true_value == pytest.approx(prox_numeric(0.5, c.lam_value, c.w_value))
    assert c.true_value != 0


def test_prox_without_closed_form_says_numeric_only():
    (v,) = verify("sqrt(2)", prox="z").claims
    assert not v.holds and v.truth.startswith("numeric only")
    assert "(only z = 0 maps to 0, odd in z)" in v.truth  # k > 1, not the puzzling "0 for |z| <= 0"


@pytest.mark.parametrize("k, zero", [("1", "0 for |z| <= lam"), ("1/2", "0 for |z| <= 3*lam**(2/3)/2"),
                                     ("3/2", "only z = 0 maps to 0")])
def test_prox_truth_says_what_maps_to_zero(k, zero):
    (v,) = verify(k, prox="z").claims
    assert f"({zero}, odd in z)" in v.truth


def test_prox_soft_threshold_without_sign_is_wrong_for_negative_z():
    (v,) = verify("1", prox="Max(z-lam, 0)").claims
    assert not v.holds and v.counterexample.w_value < 0
    assert v.counterexample.true_value == pytest.approx(v.counterexample.w_value + v.counterexample.lam_value)


@pytest.mark.parametrize("claim", ["sqrt(z - lam)", "log(z)", "1/(abs(z) - 1)"])
def test_prox_non_real_or_undefined_claim_is_wrong(claim):
    (v,) = verify("2", prox=claim).claims
    assert not v.holds
    assert v.counterexample.claimed.startswith(("non-real", "undefined")) or v.counterexample.claimed_value != pytest.approx(
        v.counterexample.true_value
    )


def test_prox_after_other_claims():
    r = verify("2", gradient="2*w", prox="z/(1+2*lam)")
    assert [v.part for v in r.claims] == ["gradient", "prox"] and r.all_hold


def test_cli_prox_ok_and_wrong(runner):
    ok = runner.invoke(main, ["verify", "--k", "1", "--prox", "sign(z)*Max(abs(z)-lam, 0)"])
    assert ok.exit_code == 0, ok.output
    assert "OK" in ok.output
    wrong = runner.invoke(main, ["verify", "--k", "2", "--prox", "z/(1+lam)"])
    assert wrong.exit_code == 1, wrong.output
    assert "WRONG at z = " in wrong.output and "z/(2*lam + 1)" in wrong.output


def test_cli_prox_json_shape(runner):
    result = runner.invoke(main, ["verify", "--k", "2", "--prox", "z/(1+lam)", "--json"])
    assert result.exit_code == 1, result.output
    data = json.loads(result.output)
    assert set(data) == {"k", "all_hold", "claims"} and data["all_hold"] is False
    (claim,) = data["claims"]
    assert set(claim) == {"part", "kind", "claim", "point", "holds", "method", "truth", "counterexample", "note",
                          "regions", "coverage"}
    assert claim["part"] == "prox" and claim["kind"] == "prox" and claim["holds"] is False
    assert set(claim["counterexample"]) == {"w", "z", "lam", "claimed", "true", "w_exact", "z_exact", "lam_exact",
                                            "claimed_exact", "true_exact"}
    assert claim["counterexample"]["z"] == claim["counterexample"]["w"]


@pytest.mark.parametrize(
    "claim",
    ["__import__('os').system('true')", "z.__class__", "w", "x + z", "z >", "z > lam", "lambda: 0", "z" * 5000, ""],
    ids=lambda a: repr(a)[:30],
)
def test_cli_prox_hostile_input_exits_2(runner, claim):
    start = time.monotonic()
    result = runner.invoke(main, ["verify", "--k", "2", "--prox", claim])
    assert time.monotonic() - start < 3
    assert result.exit_code == 2, result.output
    assert len([line for line in result.output.splitlines() if line.startswith("Error:")]) == 1
    assert "Traceback" not in result.output


# --------------------------------------------------------------------------- the whole line (issue 11)

import mpmath as _mp  # noqa: E402

from lksym.derivation.symbols import W as _W  # noqa: E402
from lksym.verify import breakpoints, check_expression, regions, resolve, sweep_points  # noqa: E402


def _exact_point(example) -> _sp.Expr:
    # Our own output (not user input): the exact point the counterexample names.
    return _sp.sympify(example.w_exact)


def _mgrad(k):
    return lambda w: k * _mp.sign(w) * abs(w) ** (k - 1)


def _mcurv(k):
    return lambda w: k * (k - 1) * abs(w) ** (k - 2)


def _mpen(k):
    return lambda w: abs(w) ** k


_H = lambda u: 1 if u > 0 else 0  # noqa: E731 - Heaviside away from its jump
_G25 = _mgrad(_mp.mpf(5) / 2)

FAR_WRONG = [
    # (k, part, claim, hand truth, hand claim), both hand formulas in mpmath at 60 digits
    ("5/2", "gradient", "Piecewise((5/2*sign(w)*abs(w)^(3/2), abs(w) < 10^8), (0, True))", _G25,
     lambda w: _G25(w) if abs(w) < 10**8 else 0),
    ("5/2", "gradient", "Piecewise((5/2*sign(w)*abs(w)^(3/2), abs(w) > 10^-13), (0, True))", _G25,
     lambda w: _G25(w) if abs(w) > _mp.mpf(10) ** -13 else 0),
    ("5/2", "gradient", "Piecewise((5/2*w*abs(w)^(1/2), w < 10^200), (5/2*w^(3/2)*(1+10^-10), True))", _G25,
     lambda w: _G25(w) * (1 if w < _mp.mpf(10) ** 200 else 1 + _mp.mpf(10) ** -10)),
    ("5/2", "gradient", "Piecewise((5/2*w*abs(w)^(1/2), w > -10^150), (0, True))", _G25,  # one sign only
     lambda w: _G25(w) if w > -_mp.mpf(10) ** 150 else 0),
    ("5/2", "gradient", "Piecewise((5/2*w*abs(w)^(1/2), (w < 3) or (w > 3)), (0, True))", _G25,  # one point
     lambda w: 0 if w == 3 else _G25(w)),
    ("5/2", "gradient", "5/2*sign(w)*abs(w)^(3/2) + Heaviside(w - 10^7)", _G25,
     lambda w: _G25(w) + _H(w - 10**7)),
    ("5/2", "gradient", "5/2*sign(w)*abs(w)^(3/2) + Heaviside(-w - 10^9)*w", _G25,
     lambda w: _G25(w) + _H(-w - 10**9) * w),
    ("5/2", "gradient", "5/2*sign(w)*Min(abs(w)^(3/2), 10^12)", _G25,
     lambda w: _mp.mpf(5) / 2 * _mp.sign(w) * min(abs(w) ** 1.5, _mp.mpf(10) ** 12)),
    ("5/2", "gradient", "5/2*sign(w)*Max(abs(w)^(3/2), 10^-20)", _G25,
     lambda w: _mp.mpf(5) / 2 * _mp.sign(w) * max(abs(w) ** 1.5, _mp.mpf(10) ** -20)),
    ("5/2", "gradient", "5/2*sign(w)*abs(w)^(3/2) + Max(0, -w - 10^7)", _G25,
     lambda w: _G25(w) + max(0, -w - 10**7)),
    ("5/2", "gradient", "5/2*sign(w)*abs(w)^(3/2)*(1 + w^2/10^40)", _G25,
     lambda w: _G25(w) * (1 + w**2 / _mp.mpf(10) ** 40)),
    ("5/2", "gradient", "5/2*sign(w)*abs(w)^(3/2) + 10^-40", _G25, lambda w: _G25(w) + _mp.mpf(10) ** -40),
    ("5/2", "gradient", "5/2*w*abs(w)^(1/2) + exp(w - 10^3)", _G25, lambda w: _G25(w) + _mp.exp(w - 1000)),
    ("5/2", "penalty", "Piecewise((abs(w)^(5/2), w^2 < 10^14), (abs(w)^2.5*(1+1e-6), True))",
     _mpen(_mp.mpf(5) / 2), lambda w: abs(w) ** 2.5 * (1 if w**2 < 10**14 else 1 + _mp.mpf(10) ** -6)),
    ("1/2", "curvature", "-1/4*abs(w)^(-3/2)*(1 + Heaviside(10^-15 - abs(w)))", _mcurv(_mp.mpf(1) / 2),
     lambda w: -abs(w) ** -1.5 / 4 * (1 + _H(_mp.mpf(10) ** -15 - abs(w)))),
    ("3", "gradient", "3*w*abs(w) + Max(w - 10^8, 0)", _mgrad(3), lambda w: 3 * w * abs(w) + max(w - 10**8, 0)),
    ("3", "gradient", "3*w*abs(w) + Min(w + 10^8, 0)", _mgrad(3), lambda w: 3 * w * abs(w) + min(w + 10**8, 0)),
    ("7/3", "gradient", "Piecewise((7/3*w*cbrt(abs(w)), abs(w) < 10^250), (0, True))", _mgrad(_mp.mpf(7) / 3),
     lambda w: _mgrad(_mp.mpf(7) / 3)(w) if abs(w) < _mp.mpf(10) ** 250 else 0),
    ("sqrt(2)", "gradient", "sqrt(2)*sign(w)*abs(w)^(sqrt(2)-1) + Heaviside(10^-200 - abs(w))",
     _mgrad(_mp.sqrt(2)), lambda w: _mgrad(_mp.sqrt(2))(w) + _H(_mp.mpf(10) ** -200 - abs(w))),
    ("2", "gradient", "2*w + 10^-290", _mgrad(2), lambda w: 2 * w + _mp.mpf(10) ** -290),
]


@pytest.mark.parametrize("k, part, claim, truth, hand", FAR_WRONG, ids=[f"{c[0]}-{c[2]}" for c in FAR_WRONG])
def test_claims_wrong_only_far_out_are_wrong_with_a_valid_counterexample(k, part, claim, truth, hand):
    (verdict,) = verify(k, **{part: claim}).claims
    assert not verdict.holds and verdict.counterexample is not None, verdict.line()
    example = verdict.counterexample
    w = _exact_point(example)
    assert w != 0
    with _mp.workdps(60):
        at = _mp.mpf(_sp.Float(w, 70)) if w.is_Rational else _mp.mpf(_sp.N(w, 70))
        true, claimed = truth(at), hand(at)
        assert abs(claimed - true) > _mp.mpf(10) ** -30 * abs(true)  # the hand formulas really differ there
        assert float(true) == pytest.approx(example.true_value, rel=1e-12)
        assert float(claimed) == pytest.approx(example.claimed_value, rel=1e-12)
    # Readable: floats in the text, no long exact numbers; the exact point in the JSON.
    line = verdict.line()
    assert "WRONG at w = " in line and len(line.split("correct:")[0]) < 260
    assert not any(len(token) > 30 and token.isdigit() for token in line.replace("/", " ").split())
    data = verdict.to_dict()["counterexample"]
    assert _sp.sympify(data["w_exact"]) == w


def test_the_issue_example_is_wrong_past_its_breakpoint():
    (verdict,) = verify("2.5", gradient="Piecewise((5/2*sign(w)*abs(w)^(3/2), abs(w) < 10^8), (0, True))").claims
    example = verdict.counterexample
    assert abs(example.w_value) > 1e8 and example.claimed_value == 0
    assert example.true_value == pytest.approx(2.5 * math.copysign(abs(example.w_value) ** 1.5, example.w_value))
    statuses = dict(verdict.regions)
    assert statuses["(-oo, -100000000)"] == statuses["(100000000, oo)"] == "different"
    assert statuses["(-100000000, 0)"] == statuses["(0, 100000000)"] == "equal"


RIGHT_PIECEWISE = [
    ("5/2", "gradient", "Piecewise((5/2*w^(3/2), w > 10^8), (5/2*sign(w)*abs(w)^(3/2), True))"),
    ("5/2", "gradient", "Piecewise((5/2*sign(w)*abs(w)^(3/2), abs(w) < 10^8), (5/2*w*sqrt(abs(w)), True))"),
    ("3", "gradient", "Piecewise((3*w^2, w > 5), (3*w*abs(w), True))"),
    ("3", "gradient", "3*Max(w, -w)*w"),
    ("3", "penalty", "Piecewise((w^3, w > 10^-9), (-w^3, w < -10^-9), (abs(w)^3, True))"),
    ("1", "gradient", "Heaviside(w) - Heaviside(-w)"),
    ("1", "penalty", "Max(w, 0) + Max(-w, 0)"),
    ("2", "gradient", "2*Min(w, 10^6) + 2*Max(w - 10^6, 0)"),
    ("2", "penalty", "Piecewise((w^2, abs(w - 3) < 1), (abs(w)^2, True))"),
    ("1/2", "gradient", "Piecewise((1/(2*sqrt(w)), w > 1), (1/(2*sqrt(w)), w > 0), (-1/(2*sqrt(-w)), True))"),
    ("7/3", "curvature", "Piecewise((28/9*cbrt(w), w > 2), (28/9*cbrt(abs(w)), True))"),
]


@pytest.mark.parametrize("k, part, claim", RIGHT_PIECEWISE, ids=[f"{c[0]}-{c[2]}" for c in RIGHT_PIECEWISE])
def test_right_claims_with_breakpoints_are_ok(k, part, claim):
    (verdict,) = verify(k, **{part: claim}).claims
    assert verdict.holds and verdict.method == "symbolic", verdict.line()
    assert verdict.regions and all(status == "equal" for _, status in verdict.regions)


def test_breakpoints_and_regions_of_a_claim():
    claim = _sp.Piecewise((_W, _sp.Abs(_W) < 10**8), (0, True)) + _sp.Heaviside(_W - 2) + _sp.Max(_W, -5)
    found = breakpoints(_sp.sign(_W), claim)
    assert found.points == (-10**8, -5, 0, 2, 10**8) and found.unsolved == ()
    assert [str(r) for r in regions(_sp.sign(_W), claim)] == [
        "(-oo, -100000000)", "(-100000000, -5)", "(-5, 0)", "(0, 2)", "(2, 100000000)", "(100000000, oo)"]
    assert resolve(claim, _sp.Integer(3)) == 2 * _W + 1
    assert resolve(claim, _sp.Integer(-10**9)) == -5


def test_irrational_breakpoints_are_solved_exactly():
    found = breakpoints(_sp.Max(_sp.Abs(_W) ** _sp.Rational(3, 2), _sp.Rational(1, 10**20)))
    assert len(found.points) == 3 and found.unsolved == ()
    assert found.points[2] == _sp.Rational(1, 10**20) ** _sp.Rational(2, 3)


def test_unsolvable_breakpoints_are_located_numerically_and_never_proved():
    # w + log(1 + w^2) = 3 has one real root (1.66889...) that SymPy cannot write down.
    condition = "w + log(1 + w^2) > 3"
    # A generous budget: the assertion is about correctness, and sampling this condition at 1400 exact points takes
    # ~15 CPU seconds, more than 30 s of wall time on a loaded machine (then UNDECIDED)
    right = check_expression(f"Piecewise((2*w, {condition}), (2*abs(w)*sign(w), True))", 2 * _W, budget=300)
    assert right.holds and right.method == "numeric", right.line()
    (located,) = right.coverage.located
    assert float(located) == pytest.approx(1.6688968571794643, rel=1e-12)
    wrong = check_expression(f"Piecewise((2*w, {condition}), (0, True))", 2 * _W)
    assert not wrong.holds and wrong.counterexample.w_value < 1.6688968571794643


def test_sweep_covers_the_whole_line():
    points = sweep_points(-300, 300)
    magnitudes = sorted(abs(float(_sp.log(abs(p), 10))) for p in points[::50])
    assert points[0] == -points[1] and len(points) == 2 * (601 + 2 * 41)
    assert max(abs(p) for p in points) > _sp.Integer(10) ** 300 and min(abs(p) for p in points) < _sp.Rational(1, 10**299)
    assert magnitudes[0] < 1


def test_evaluation_failing_far_out_is_undecided_not_ok(monkeypatch):
    import lksym.verify.claims as module
    import lksym.verify.sampling as sampling

    value = sampling.value_at

    def failing_far_out(expr, point, *args):
        if abs(point) > 10**200:  # as exp(exp(w)) does: mpmath refuses such exponents
            raise OverflowError("too many digits in integer")
        return value(expr, point, *args)

    monkeypatch.setattr(module, "prove_regions", lambda *args: [])
    monkeypatch.setattr(sampling, "value_at", failing_far_out)
    (verdict,) = verify("2", gradient="2*w").claims
    assert not verdict.holds and verdict.counterexample is None, verdict.line()
    assert "could not be decided" in verdict.note and "UNDECIDED" in verdict.line()
    assert verdict.to_dict()["coverage"]["failed"] == 2 * 101  # the decades 1e200 .. 1e300, both signs


def test_slow_evaluation_stops_at_the_budget_and_says_how_far_it_got(monkeypatch):
    import lksym.verify.claims as module

    monkeypatch.setattr(module, "prove_regions", lambda *args: [])
    # Right, but exp(exp(w)) at w ~ 1e6 takes a minute to evaluate: the budget stops the sweep.
    claim = "2*w*(exp(exp(w)) + 1)/(exp(exp(w)) + 2) + 2*w/(exp(exp(w)) + 2)"
    start = time.monotonic()
    (verdict,) = verify("2", gradient=claim, budget=3).claims
    assert time.monotonic() - start < 3 + 5
    assert not verdict.holds and verdict.counterexample is None, verdict.line()
    assert "budget ran out after" in verdict.note


def test_cli_json_has_regions_and_coverage(runner):
    result = runner.invoke(main, ["verify", "--k", "3", "--gradient", "Piecewise((3*w^2, w > 5), (3*w*abs(w), True))",
                                  "--json"])
    assert result.exit_code == 0, result.output
    (claim,) = json.loads(result.output)["claims"]
    assert claim["method"] == "symbolic" and claim["coverage"] is None
    assert [r["where"] for r in claim["regions"]] == ["(-oo, 0)", "(0, 5)", "(5, oo)", "5"]
    assert {r["status"] for r in claim["regions"]} == {"equal"}


_FORMS = {}
for _k, _kf, _part, _claim in CORRECT:
    if "Piecewise" not in _claim:
        _FORMS.setdefault((_k, _kf, _part), []).append(_claim)
_FORMS = {key: forms for key, forms in _FORMS.items() if len(forms) >= 2}


@st.composite
def _piecewise_claims(draw):
    (k, kf, part), forms = draw(st.sampled_from(sorted(_FORMS.items())))
    inner, outer = draw(st.sampled_from(forms)), draw(st.sampled_from(forms))
    exponent = draw(st.integers(-250, 250))
    shape = draw(st.sampled_from(["abs(w) < 10^({e})", "w < 10^({e})", "w > -10^({e})"]))
    condition = shape.format(e=exponent)
    return k, kf, part, inner, outer, condition, exponent, shape


def _outer_region(shape: str, exponent: int, w: float) -> bool:
    """Whether w is where the True branch applies (the condition fails)."""
    c = 10.0**exponent
    return {"abs(w) < 10^({e})": abs(w) >= c, "w < 10^({e})": w >= c, "w > -10^({e})": w <= -c}[shape]


@settings(max_examples=12, deadline=None)
@given(_piecewise_claims())
def test_random_correct_piecewise_forms_stay_ok(case):
    k, kf, part, inner, outer, condition, _, _ = case
    claim = f"Piecewise(({inner}, {condition}), ({outer}, True))"
    (verdict,) = verify(k, **{part: claim}, budget=20).claims
    assert verdict.holds and verdict.counterexample is None, verdict.line()


@settings(max_examples=12, deadline=None)
@given(_piecewise_claims(), st.integers(1, 20))
def test_random_perturbations_past_a_far_breakpoint_are_wrong(case, digits):
    k, kf, part, inner, outer, condition, exponent, shape = case
    # Only the True branch, used past the breakpoint 10^exponent, is off by a relative 10^-digits.
    claim = f"Piecewise(({inner}, {condition}), (({outer})*(1 + 10^(-{digits})), True))"
    (verdict,) = verify(k, **{part: claim}, budget=20).claims
    assert not verdict.holds and verdict.counterexample is not None, verdict.line()
    example = verdict.counterexample
    assert _outer_region(shape, exponent, example.w_value), verdict.line()
    if math.isfinite(example.true_value) and example.true_value != 0:
        assert example.true_value == pytest.approx(TRUE_FLOAT[part](kf, example.w_value), rel=1e-9)


PROX_FAR_WRONG = [
    # (k, claim, where the claim is wrong, the hand prox there)
    ("2", "Piecewise((z/(1+2*lam), lam < 10^10), (0, True))", lambda z, lam: lam >= 1e10,
     lambda z, lam: z / (1 + 2 * lam)),
    ("2", "Piecewise((z/(1+2*lam), abs(z) > 10^-100), (0, True))", lambda z, lam: abs(z) <= 1e-100,
     lambda z, lam: z / (1 + 2 * lam)),
    ("2", "z/(1+2*lam) + z^2/10^200", lambda z, lam: abs(z) > 1e50, lambda z, lam: z / (1 + 2 * lam)),
    ("1", "Piecewise((sign(z)*Max(abs(z)-lam, 0), abs(z) < 10^50), (z, True))", lambda z, lam: abs(z) >= 1e50,
     lambda z, lam: math.copysign(max(abs(z) - lam, 0.0), z)),
    ("1", "Piecewise((sign(z)*Max(abs(z)-lam, 0), lam > 10^-20), (z, True))", lambda z, lam: lam <= 1e-20,
     lambda z, lam: math.copysign(max(abs(z) - lam, 0.0), z)),
]


@pytest.mark.parametrize("k, claim, wrong_where, hand", PROX_FAR_WRONG, ids=[f"{c[0]}-{c[1]}" for c in PROX_FAR_WRONG])
def test_prox_claims_wrong_only_far_out_are_wrong(k, claim, wrong_where, hand):
    (v,) = verify(k, prox=claim).claims
    assert not v.holds and v.counterexample is not None, v.line()
    c = v.counterexample
    assert wrong_where(c.w_value, c.lam_value), v.line()
    assert c.true_value == pytest.approx(hand(c.w_value, c.lam_value), rel=1e-9)
    assert _sp.sympify(c.to_dict()["z_exact"]) == _sp.sympify(c.w_exact) and c.lam_exact is not None
    assert len(v.line().split("correct:")[0]) < 200  # floats, not 300-digit integers


def test_prox_ok_states_its_far_coverage():
    (v,) = verify("2", prox="z/(1+2*lam)").claims
    assert v.holds, v.line()
    coverage = v.to_dict()["coverage"]
    assert coverage["variable"] == "z" and coverage["lam_from"] == "1e-300" and coverage["lam_to"] == "1e+300"
    assert coverage["points"] == coverage["planned"] > 300 and coverage["failed"] == 0
