"""Every command takes a positional PENALTY (or --k): the catalogue, expressions in w, numbers."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from lksym.cli import main


def run(*args):
    return CliRunner().invoke(main, list(args))


def test_analyze_positional_penalty_json():
    out = run("analyze", "scad(lam=1, a=3.7)", "--json")
    assert out.exit_code == 0, out.output
    d = json.loads(out.output)
    assert d["subject"]["family"] == "scad" and d["thresholding"]["continuous"] == "lam < 27/10"


def test_analyze_positional_number_is_the_power_family_and_equals_k_option():
    assert run("analyze", "1.5", "--json").output == run("analyze", "--k", "3/2", "--json").output


def test_analyze_several_penalties_give_a_list():
    d = json.loads(run("analyze", "l0", "huber(delta=1)", "1", "--json").output)
    assert [x["subject"]["text"] for x in d] == ["l0", "huber(delta=1)", "1"]


def test_analyze_summary_of_a_penalty_speaks_maths():
    out = run("analyze", "mcp(lam=1, gamma=3)")
    assert out.exit_code == 0 and "MCP (λ = 1, γ = 3)" in out.output and "continuous for λ < 3" in out.output


@pytest.mark.parametrize("args, message", [
    (["analyze", "w^3"], "even in w"),
    (["analyze", "scad(lam=1, a=0.5)"], "a must be greater than 2"),
    (["analyze", "foo(x=1)"], "unknown penalty"),
    (["analyze"], "give a PENALTY"),
    (["prox", "l1", "--k", "2", "--lam", "1", "--z", "1"], "give one PENALTY"),
    (["simulate", "mcp(lam=1)", "--eta", "0.1"], "missing parameter gamma"),
    (["verify", "scad(lam=1, a=3.7)", "1.5", "--gradient", "w"], "give one PENALTY"),
    (["prox", "--k", "1", "--k", "2", "--lam", "1", "--z", "1"], "give one PENALTY"),  # never silently dropped
    (["verify", "--k", "2", "--k", "3", "--gradient", "2*w"], "give one PENALTY"),
])
def test_bad_penalties_are_one_line_exit_2(args, message):
    out = run(*args)
    assert out.exit_code == 2, out.output
    lines = out.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error:") and message in lines[0], out.output


def test_prox_json_for_a_catalogue_entry():
    d = json.loads(run("prox", "mcp(lam=1, gamma=3)", "--lam", "1", "--z", "2", "--json").output)
    # firm thresholding by hand: (z - lam) / (1 - lam/gamma) = 1 / (2/3) = 3/2 for lam < |z| <= gamma lam
    assert d["value"] == 1.5 and d["exact"] == "3/2" and d["threshold"] == 1.0 and d["threshold_exact"] == "1"


def test_prox_text_for_power_family_is_unchanged():
    assert run("prox", "2", "--lam", "1", "--z", "3").output == run("prox", "--k", "2", "--lam", "1", "--z", "3").output


def test_verify_a_penalty_claim():
    right = "Piecewise((sign(w)*(1 - abs(w)/3), abs(w) <= 3), (0, True))"
    out = run("verify", "mcp(lam=1, gamma=3)", "--gradient", right)
    assert out.exit_code == 0 and "OK" in out.output, out.output
    wrong = run("verify", "mcp(lam=1, gamma=3)", "--gradient", right.replace("<= 3", "<= 4"))
    assert wrong.exit_code == 1 and "WRONG" in wrong.output
    d = json.loads(run("verify", "l0", "--prox", "Piecewise((0, abs(z) <= sqrt(2*lam)), (z, True))", "--json").output)
    assert d["all_hold"] and d["penalty"] == "l0" and d["k"] is None


@pytest.mark.parametrize("penalty, part, claim, where", [
    ("Heaviside(abs(w) - 1)", "penalty", "Piecewise((0, abs(w) < 1), (1, True))", "|w| = 1"),
    ("Heaviside(abs(w) - 1)", "penalty", "Heaviside(abs(w) - 1)", "|w| = 1"),
    ("capped_l1(theta=2)", "gradient", "Piecewise((sign(w), abs(w) <= 2), (0, True))", "|w| = 2"),
])
def test_verify_says_an_ok_does_not_cover_a_jump(penalty, part, claim, where):
    """At a jump the value is a convention (lksym reads the lower limit): an OK says it was not checked there."""
    out = run("verify", penalty, f"--{part}", claim)
    assert out.exit_code == 0, out.output
    assert f"OK (symbolic; not checked at {where}, where the {part} jumps)" in out.output
    verdict = json.loads(run("verify", penalty, f"--{part}", claim, "--json").output)["claims"][0]
    assert verdict["holds"] and verdict["note"] == f"not checked at {where}, where the {part} jumps"


def test_verify_a_claim_wrong_next_to_a_jump_is_caught():
    out = run("verify", "Heaviside(abs(w) - 1)", "--penalty", "Piecewise((0, abs(w) < 1 + 10^-6), (1, True))")
    assert out.exit_code == 1 and "WRONG at w = " in out.output


def test_verify_ok_without_a_jump_has_no_note():
    d = json.loads(run("verify", "mcp(lam=1, gamma=3)", "--penalty",
                       "Piecewise((abs(w) - w^2/6, abs(w) <= 3), (3/2, True))", "--json").output)
    assert d["all_hold"] and d["claims"][0]["note"] is None


def test_verify_a_wrong_hard_threshold_is_caught():
    out = run("verify", "l0", "--prox", "Piecewise((0, abs(z) <= lam), (z, True))")
    assert out.exit_code == 1 and "WRONG at z = " in out.output


def test_simulate_a_penalty(tmp_path):
    out = run("simulate", "l0", "--eta", "0.1", "--out", str(tmp_path))
    assert out.exit_code == 0, out.output
    assert out.output.splitlines()[0].endswith("simulate-l0-eta-0.1.svg")
    assert "stops at +1: the gradient is 0 there" in out.output


def test_report_for_a_penalty_writes_its_folder_and_index(tmp_path):
    out = run("report", "scad(lam=1, a=3.7)", "--out", str(tmp_path), "--jobs", "1")
    assert out.exit_code == 0, out.output
    folder = tmp_path / "scad-lam-1-a-3.7"
    report = (folder / "report.md").read_text()
    assert report.startswith("# The penalty SCAD (λ = 1, a = 3.7)")
    assert "Fan and Li" in report and "## Breakpoints" in report
    assert "gradients_l1_l2.svg" in report  # the bands of the three pulls are derived for SCAD: the figure applies
    assert "## Against L1 and L2" in report and "## Gradient descent near zero" in report
    for name in ("penalty_gradient.svg", "zoom.svg", "curvature.svg", "shrinkage.svg", "gd_trajectories.svg"):
        assert (folder / name).is_file(), name
    index = (tmp_path / "README.md").read_text()
    assert "[scad-lam-1-a-3.7/report.md](scad-lam-1-a-3.7/report.md)" in index and "`lam < 27/10`" in index


@pytest.mark.parametrize("text", [
    "abs(w)^(2/3) + abs(w)^(5/2)",   # solveset: undecidable set membership
    "abs(w)^sqrt(2)+abs(w)",         # relations SymPy cannot decide
    "abs(w) + sin(abs(w)^2)",        # no exact least curvature (critical points of x^2 sin x^2)
    "abs(w)^0", "abs(w)*0", "abs(w) - abs(w) + 3", "Heaviside(abs(w), 1)",  # constants typed in w are not exponents
])
def test_hostile_but_valid_expressions_are_one_line(text):
    out = run("analyze", text)
    assert out.exit_code == 2, out.output
    assert len(out.output.strip().splitlines()) == 1 and out.output.startswith("Error:")


@pytest.mark.parametrize("text", ["scad(lam=1, a=pi)", "scad(lam=sqrt(2), a=pi)", "exp(abs(w))-1"])
def test_irrational_parameters_and_fast_growth_are_analysed(text):
    out = run("analyze", text, "--json")
    assert out.exit_code == 0, out.output
    d = json.loads(out.output)
    assert d["sparse"] is True  # each has a kink at 0: p'(0+) > 0 (exp(|w|) - 1 too: slope 1)


@pytest.mark.parametrize("penalty, option, claim, code", [
    # right claims that differ from the derived Piecewise only where this part jumps (no value there): OK
    ("huber(delta=1)", "--curvature", "Piecewise((1, abs(w) < 1), (0, True))", 0),
    ("capped_l1(theta=1)", "--gradient", "Piecewise((sign(w), abs(w) < 1), (0, True))", 0),
    # wrong past the breakpoint, or at a breakpoint where the part is continuous: WRONG
    ("capped_l1(theta=1)", "--gradient", "Piecewise((sign(w), abs(w) < 1.5), (0, True))", 1),
    ("huber(delta=1)", "--gradient", "Piecewise((w, abs(w) < 1), (0, abs(w) == 1), (sign(w), True))", 1),
])
def test_claims_are_checked_off_the_jumps_of_the_part(penalty, option, claim, code):
    out = run("verify", penalty, option, claim)
    assert out.exit_code == code, out.output


@pytest.mark.parametrize("command", ["analyze", "report", "prox"])
def test_a_penalty_starting_with_minus_gets_a_hint_not_no_such_option(command):
    result = CliRunner().invoke(main, [command, "-abs(w)"])
    assert result.exit_code == 2
    assert "put -- before a penalty" in result.output and "No such option" not in result.output


def test_a_real_unknown_option_is_still_reported_as_such():
    result = CliRunner().invoke(main, ["analyze", "--bogus"])
    assert result.exit_code == 2 and "No such option" in result.output
