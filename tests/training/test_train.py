"""lksym train: a reduced grid that checks the same kinds of agreement as reports/train/train.md.

A few epochs and penalties, one thread; the whole file takes about 30 s of CPU
(``python benchmarks/suite_time.py python -m pytest -n 0 tests/training``; its wall time depends on the machine's load).
"""

from __future__ import annotations

import builtins
import dataclasses
import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("sklearn")

from click.testing import CliRunner  # noqa: E402

from lksym.cli import main  # noqa: E402
from lksym.errors import InputError  # noqa: E402
from lksym.numerics import train_claims  # noqa: E402
from lksym.training import model as training  # noqa: E402
from lksym.training.model import RunSpec  # noqa: E402

EPOCHS = 2


@pytest.fixture(scope="module")
def data():
    return training.load_data(0)


def _timeless(r):
    return dataclasses.replace(r, seconds=0.0, cpu_seconds=0.0)


def _run(penalty, optimizer, alpha, data, epochs=EPOCHS):
    return training.run(RunSpec(penalty, optimizer, alpha, epochs, 0), data)


@pytest.mark.parametrize("penalty", ["1", "scad(lam=1, a=3.7)"])
def test_prox_of_a_sparse_penalty_gives_exact_zeros(penalty, data):
    r = _run(penalty, "adam-prox", 0.5, data)
    assert r.exact_zero > 0.01
    assert r.below_1e6 >= r.exact_zero


@pytest.mark.parametrize("optimizer, penalty, alpha", [("adam", "1", 1e-3), ("sgd", "2", 5e-3), ("sgd", "1", 1e-3),
                                                       ("adamw", "1", 0.5)])
def test_gradient_steps_give_no_exact_zeros(optimizer, penalty, alpha, data):
    assert _run(penalty, optimizer, alpha, data).exact_zero == 0


def test_l1_under_sgd_flips_small_weights_far_more_than_the_baseline(data):
    base = _run("none", "sgd", 0.0, data)
    l1 = _run("1", "sgd", 1e-2, data)
    assert l1.small_sign_changes >= train_claims.FLIP_FACTOR * base.small_sign_changes + train_claims.FLIP_MARGIN
    assert l1.below_1e3 > 5 * base.below_1e3


def test_same_seed_same_numbers(data):
    a, b = (_timeless(_run("0.5", "sgd", 2e-3, data)) for _ in range(2))
    assert a == b
    c = _timeless(training.run(RunSpec("0.5", "sgd", 2e-3, EPOCHS, 1)))
    assert c.test_accuracy != a.test_accuracy or c.log_hist != a.log_hist


def test_adamw_decoupled_l2_is_torch_adamw_weight_decay(data):
    """The decoupled penalty step for L2 is AdamW's weight_decay = 2 alpha (torch.optim.AdamW itself)."""
    alpha, spec = 0.05, RunSpec("2", "adamw", 0.05, 1, 0)
    ours = training.train_model(spec, data)[0]
    torch.set_num_threads(1)
    model = training.make_model(0)
    weights, biases = [model[0].weight, model[2].weight], [model[0].bias, model[2].bias]
    opt = torch.optim.AdamW([{"params": weights, "weight_decay": 2 * alpha}, {"params": biases, "weight_decay": 0.0}],
                            lr=spec.lr)
    order = torch.randperm(data.X.shape[0], generator=torch.Generator().manual_seed(0))
    for i in range(0, data.X.shape[0], training.BATCH):
        idx = order[i:i + training.BATCH]
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(data.X[idx]), data.y[idx]).backward()
        opt.step()
    theirs = torch.cat([w.detach().reshape(-1) for w in weights]).double().numpy()
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-6)
    assert not np.allclose(ours, training.train_model(RunSpec("none", "adamw", 0.0, 1, 0), data)[0], atol=1e-6)


def test_digits_are_scikit_learns():
    """The digits read from scikit-learn's file without importing it are load_digits()'s, value for value."""
    from sklearn.datasets import load_digits

    X, y = training.digits()
    theirs = load_digits()
    assert X.dtype == theirs.data.dtype and np.array_equal(X, theirs.data)
    assert np.array_equal(y, theirs.target)


def _penalty_in_the_loss(spec, data, steps):
    """The training loop with the penalty as a loss term through autograd (lksym.torch.penalty), for ``steps`` steps."""
    import lksym.torch as lt

    torch.set_num_threads(1)
    model = training.make_model(spec.seed)
    weights, biases = [model[0].weight, model[2].weight], [model[0].bias, model[2].bias]
    make = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW}[spec.optimizer]
    extra = {"weight_decay": 0.0} if spec.optimizer == "adamw" else {}
    opt = make([{"params": weights}, {"params": biases}], lr=spec.lr, **extra)
    reg = lt.penalty(spec.penalty, alpha=spec.alpha, reduction="sum")
    order = torch.randperm(data.X.shape[0], generator=torch.Generator().manual_seed(spec.seed))
    for i in range(0, steps * training.BATCH, training.BATCH):
        idx = order[i:i + training.BATCH]
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(data.X[idx]), data.y[idx])
        if spec.optimizer == "adamw":
            loss.backward()
            grads = torch.autograd.grad(reg(weights), weights)
            with torch.no_grad():
                for w, g in zip(weights, grads):
                    w.sub_(spec.lr * g)
        else:
            (loss + reg(weights)).backward()
        opt.step()
    return torch.cat([w.detach().reshape(-1) for w in weights]).double().numpy()


@pytest.mark.parametrize("penalty, optimizer, alpha", [("1", "sgd", 1e-2), ("0.5", "sgd", 2e-3),
                                                       ("scad(lam=1, a=3.7)", "adam", 1e-2), ("1.5", "adamw", 0.5),
                                                       ("logsum(eps=0.1)", "adam", 1e-3)])
def test_the_penalty_gradient_added_directly_is_the_penalty_in_the_loss(penalty, optimizer, alpha, data):
    """The loop adds alpha p'(w) to the gradient itself; autograd through alpha * sum p(w) gives the same float32 bits."""
    spec = RunSpec(penalty, optimizer, alpha, 1, 0)  # one epoch: 23 steps
    ours = training.train_model(spec, data)[0]
    theirs = _penalty_in_the_loss(spec, data, 23)
    assert np.array_equal(ours, theirs)
    assert not np.array_equal(ours, training.train_model(RunSpec("none", optimizer, 0.0, 1, 0), data)[0])


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_weights_from_constant_pixels_get_no_data_gradient(optimizer, data):
    """The page's claim: without a penalty the first-layer weights from constant pixels end where they started."""
    pixels = training.constant_pixels(data)
    assert pixels and all(float(data.X[:, i].abs().max()) == 0 for i in pixels)
    final = training.train_model(RunSpec("none", optimizer, 0.0, 1, 0), data)[0][:64 * training.HIDDEN]
    start = training.make_model(0)[0].weight.detach().double().numpy()
    moved = final.reshape(training.HIDDEN, 64) != start
    assert not moved[:, pixels].any() and moved.sum() > 0.9 * moved.size - len(pixels) * training.HIDDEN


def test_measure_counts_by_hand():
    w = np.array([0.0, -0.0, 1e-7, -5e-4, 2e-3, -0.5])
    r = training.measure(RunSpec("1", "sgd", 0.1, 1, 0), w, 0.5, 0.1, 0, 0.0)
    assert (r.exact_zero, r.below_1e6, r.below_1e3) == (2 / 6, 3 / 6, 4 / 6)
    assert r.log_zeros == 2 and sum(r.log_hist) + r.log_below == 4
    assert sum(r.signed_hist) == 5  # -0.5 lies outside [-0.02, 0.02]


@pytest.mark.parametrize("penalty, optimizer, alpha, expected", [
    ("1", "adam-prox", 0.1, "exact zeros"),
    ("1", "sgd", 1e-3, "no exact zeros, sign flips"),
    ("10", "sgd", 1e-4, "no exact zeros, small weights untouched"),
    ("2", "adam-prox", 5.0, "no exact zeros"),  # w / (1 + 2 lr alpha) per step: 0.01 after 460 steps
    ("2", "adam-prox", 0.05, "no exact zeros, small weights untouched"),  # 0.98 after 460 steps
])
def test_predictions_from_the_one_weight_model(penalty, optimizer, alpha, expected):
    from lksym.results import analyze

    p = train_claims.predict(analyze(penalty), penalty, optimizer, training.LEARNING_RATES[optimizer], alpha, 460)
    assert p.text() == expected


def test_reduced_grid_agrees_and_writes_the_folder(tmp_path):
    from lksym.api import train
    from lksym.fileio import MANIFEST

    out = tmp_path / "train"
    result = train(["1", "2"], ["sgd", "adam-prox"], epochs=EPOCHS, alpha=None, jobs=1, out_dir=out)
    l1 = result.cell("1", "adam-prox")
    assert l1.prediction.zeros and l1.verdict.zeros and l1.run.exact_zero > 0
    assert not result.cell("2", "sgd").verdict.zeros
    assert result.cell("1", "sgd").verdict.flips  # L1 under SGD throws small weights across 0, as predicted
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [MANIFEST, "train.md", "train.json", "zeros-vs-alpha.svg"] + [f"hist-{k}-{o}.svg" for o in ("sgd", "adam-prox")
                                                            for k in ("log", "signed")])
    doc = json.loads((out / "train.json").read_text())
    assert len(doc["runs"]) == 2 * (1 + 2 * 3) and doc["environment"]["torch"] == torch.__version__
    page = (out / "train.md").read_text()
    assert "| L1 | adam-prox |" in page and "Predictions beside observations" in page


def test_jobs_do_not_change_the_numbers():
    from lksym.training.grid import run_grid
    from lksym.writers.train import files

    one, two = (run_grid(["1"], ["adam-prox"], 1, 0, 0.5, jobs) for jobs in (1, 2))
    assert [_timeless(r) for r in one.runs] == [_timeless(r) for r in two.runs]
    assert [(c.prediction, c.verdict) for c in one.cells] == [(c.prediction, c.verdict) for c in two.cells]
    # the figures drawn on two processes are the bytes drawn on one
    assert files(two, 1) == files(two, 2)


@pytest.mark.parametrize("args, says", [
    (["--optimizer", "bogus"], "unknown optimizer"),
    (["--epochs", "0"], "epochs"),
    (["--alpha", "-1"], "alpha"),
    (["--alpha", "nan"], "alpha"),
    (["--penalty", "bogus("], ""),
    (["--seed", "-3"], "seed"),
])
def test_bad_input_is_one_line_and_exit_2(args, says, tmp_path):
    result = CliRunner().invoke(main, ["train", *args, "--out", str(tmp_path / "t")])
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error:") and says in lines[0]
    assert not (tmp_path / "t").exists()


def test_without_torch_says_what_to_install(monkeypatch):
    real = builtins.__import__

    def blocked(name, *args, **kwargs):
        if name == "torch" or name.startswith("torch."):
            raise ImportError(f"No module named {name!r}", name=name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", blocked)
    monkeypatch.delitem(__import__("sys").modules, "torch")
    with pytest.raises(InputError, match=r"pip install -e '\.\[train\]'"):
        from lksym.api import train

        train(["1"], ["sgd"], epochs=1)
    result = CliRunner().invoke(main, ["train", "--penalty", "1", "--epochs", "1"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "Error: lksym train needs PyTorch and scikit-learn (torch is missing): pip install -e '.[train]'"]


def test_without_scikit_learn_says_what_to_install(monkeypatch):
    """scikit-learn is found, not imported (only its digits file is read): a missing one is still named."""
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "sklearn" else real(name, *a))
    result = CliRunner().invoke(main, ["train", "--penalty", "1", "--epochs", "1"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "Error: lksym train needs PyTorch and scikit-learn (sklearn is missing): pip install -e '.[train]'"]


def test_out_never_replaces_another_folder(tmp_path):
    """A folder of lksym's own kind of files (a report) is not a train folder: refused before any training."""
    other = tmp_path / "k-1"
    other.mkdir()
    (other / "report.md").write_text("# |w|^1\n")
    result = CliRunner().invoke(main, ["train", "--penalty", "1", "--optimizer", "sgd", "--epochs", "1",
                                       "--out", str(other)])
    assert result.exit_code == 2 and "refusing to replace" in result.output
    assert [p.name for p in other.iterdir()] == ["report.md"]
