"""``lksym fit``: exact zeros where the analysis predicts them, ridge closed form, prox, determinism."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from lksym.cli import main
from lksym.fit import N_FEATURES, fit_one, make_data, measures
from lksym.prox import prox_vector


@pytest.fixture(scope="module")
def data():
    return make_data(0)


def test_data_as_documented(data):
    assert data.X.shape == (200, 50) and data.X_test.shape == (1000, 50)
    true = data.w_true[data.w_true != 0]
    assert true.size == 5
    assert np.all((np.abs(true) >= 1) & (np.abs(true) <= 3))
    # Residual of the truth on the training data is the noise, sd 0.1.
    assert np.std(data.y - data.X @ data.w_true) == pytest.approx(0.1, rel=0.3)


@pytest.mark.parametrize("k, zeros", [("1", True), ("0.5", True), ("2", False), ("3/2", False)])
def test_prox_exact_zeros(analysis_of, data, k, zeros):
    r = fit_one(analysis_of(k), data, "prox")
    n_zero = int((r.w == 0).sum())
    assert (n_zero > 0) is zeros
    if zeros:
        # The five true weights survive, the 45 noise weights are switched off exactly.
        assert np.all(r.w[data.support] != 0)
        assert n_zero == N_FEATURES - 5


def test_plain_gd_never_gives_exact_zeros(analysis_of, data):
    for k in ("0.5", "1"):
        assert int((fit_one(analysis_of(k), data, "gd").w == 0).sum()) == 0


def test_l2_plain_gd_is_ridge(analysis_of, data):
    r = fit_one(analysis_of("2"), data, "gd")
    n, p = data.X.shape
    # alpha * mean(w^2) has gradient 2 alpha w / p.
    ridge = np.linalg.solve(data.X.T @ data.X / n + (2 * r.alpha / p) * np.eye(p), data.X.T @ data.y / n)
    assert np.max(np.abs(r.w - ridge)) < 1e-6
    assert np.max(np.abs(fit_one(analysis_of("2"), data, "prox").w - ridge)) < 1e-6


def test_l1_prox_satisfies_optimality(analysis_of, data):
    r = fit_one(analysis_of("1"), data, "prox")
    n, p = data.X.shape
    grad = data.X.T @ (data.X @ r.w - data.y) / n
    lam = r.alpha / p
    nz = r.w != 0
    # KKT of the lasso: grad = -lam sign(w) on the support, |grad| <= lam off it.
    assert np.allclose(grad[nz], -lam * np.sign(r.w[nz]), atol=1e-8)
    assert np.all(np.abs(grad[~nz]) <= lam + 1e-8)


@pytest.mark.parametrize("k", ["0.3", "0.5", "0.9", "1", "1.5", "2", "3", "10"])
@pytest.mark.parametrize("lam", [0.01, 0.5])
def test_prox_vector_is_the_minimiser(k, lam):
    z = np.linspace(-3, 3, 121)
    got = prox_vector(k, lam, z)
    kf = float(k)
    grid = np.linspace(-3.5, 3.5, 140001)
    objective = 0.5 * (grid[None, :] - z[:, None]) ** 2 + lam * np.abs(grid[None, :]) ** kf
    brute = grid[np.argmin(objective, axis=1)]
    mine = 0.5 * (got - z) ** 2 + lam * np.abs(got) ** kf
    best = objective.min(axis=1)
    assert np.all(mine <= best + 1e-9)
    assert np.allclose(got, brute, atol=1e-4) or kf < 1  # k < 1 may tie at the threshold


@pytest.mark.parametrize("k", ["0.1", "0.5", "0.9", "1", "1.5", "1.9", "2", "7/3", "3", "10", "sqrt(2)"])
@pytest.mark.parametrize("lam", [0.3, 1.0])
def test_prox_vector_matches_prox_numeric(k, lam):
    from lksym.expr import parse_k
    from lksym.prox import prox_numeric

    z = np.linspace(-3, 3, 601)  # the report's shrinkage grid at lam = 1
    ref = np.array([prox_numeric(parse_k(k), lam, v) for v in z])
    np.testing.assert_allclose(prox_vector(parse_k(k), lam, z), ref, rtol=1e-12, atol=1e-12)


def test_jitter_and_stall_as_predicted(analysis_of, data):
    from lksym.fit import _observed_gd, predictions

    for k in ("0.5", "1", "2", "3"):
        a = analysis_of(k)
        assert _observed_gd(a, fit_one(a, data, "gd"), data) == predictions(a)["gd"], k


def test_measures(analysis_of, data):
    m = measures(fit_one(analysis_of("1"), data, "prox"), data)
    assert m["exact_zeros"] == 45 and m["small"] == 45
    assert m["support_rmse"] < 0.1 and m["test_mse"] < 0.05


def test_cli_deterministic(tmp_path):
    runner = CliRunner()
    outs = []
    for name in ("a", "b"):
        out = tmp_path / name
        result = runner.invoke(main, ["fit", "--k", "1", "--k", "1.0", "--out", str(out), "--seed", "3"])
        assert result.exit_code == 0, result.output
        assert str(out / "fit.md") in result.output
        outs.append(out)
    files = sorted(p.relative_to(outs[0]) for p in outs[0].rglob("*") if p.is_file())
    assert {str(f) for f in files} >= {"fit.md", "fit/k-1.svg", "README.md"}
    for f in files:
        assert (outs[0] / f).read_bytes() == (outs[1] / f).read_bytes(), f
    page = (outs[0] / "fit.md").read_text(encoding="utf-8")
    assert page.count("| prox |") == 1 and page.count("| gd |") == 1  # 1 and 1.0 are one k
    assert "[fit.md](fit.md)" in (outs[0] / "README.md").read_text(encoding="utf-8")


def test_seed_changes_data():
    assert not np.array_equal(make_data(0).w_true, make_data(1).w_true)


def test_cli_bad_k(tmp_path):
    result = CliRunner().invoke(main, ["fit", "--k", "-1", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert not (tmp_path / "fit.md").exists()
