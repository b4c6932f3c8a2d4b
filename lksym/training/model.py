r"""Train a small network with a penalty under a real optimiser and measure what it did to the weights.

The numbers behind ``lksym train`` (:func:`lksym.api.train`); :mod:`lksym.writers.train` writes the page.

Data (:func:`load_data`)
    scikit-learn's handwritten digits (``sklearn.datasets.load_digits``: 1797 images of 8x8
    pixels, 10 classes, shipped inside the package, no download), split by a seeded permutation
    into :data:`N_TEST` test and the rest training images, each pixel standardised with the
    training set's mean and standard deviation.

Model (:func:`make_model`)
    A multilayer perceptron 64-64-10 with ReLU, PyTorch's default initialisation under
    ``torch.manual_seed(seed)``, float32 on the CPU, one thread.  Only the two weight matrices
    (64*64 + 64*10 = 4736 weights) are penalised and measured; the biases are not, as the article says.

Loss
    Mean cross-entropy over a mini-batch of :data:`BATCH` plus
    :math:`\alpha \sum_i p(w_i)`: the strength ``alpha`` is per weight (the sum, not the mean, of
    the penalty), so that the one-weight analysis applies with the same ``alpha``, and AdamW's
    ``weight_decay`` is :math:`2\alpha` for L2.

Optimisers (:data:`OPTIMISERS`; learning rates in :data:`LEARNING_RATES`)
    ``sgd``
        ``torch.optim.SGD`` (no momentum) on data loss plus penalty; the penalty's gradient is
        ``lksym.torch.penalty``'s (its subgradient 0 at :math:`w = 0`).
    ``adam``
        ``torch.optim.Adam`` on data loss plus penalty (the "L2 in Adam" people write).
    ``adamw``
        Decoupled decay: ``torch.optim.AdamW(weight_decay=0)`` on the data loss, and the penalty's
        gradient step :math:`w \leftarrow w - lr\,\alpha\,p'(w)` taken beside it, outside Adam's
        normalisation, at the same point and in the same order as AdamW applies its decay
        (before the Adam step).  For L2 this *is* AdamW with ``weight_decay`` :math:`= 2\alpha`
        (checked in the tests against ``torch.optim.AdamW``); for any other penalty it is the
        same idea: what AdamW decouples is the penalty's gradient, not the number 2w.
    ``adam-prox``
        ``torch.optim.Adam`` on the data loss, then the exact proximal step of the penalty,
        :math:`w \leftarrow \operatorname{prox}_{lr\,\alpha\,p}(w)`
        (``lksym.torch.ProximalPenalty``): the decoupled penalty generalised from decay to prox.

Measures (:func:`measure`)
    Test accuracy; the fraction of penalised weights exactly 0, below 1e-6 and below 1e-3 in
    absolute value; histograms of :math:`\log_{10}|w|` and of signed :math:`w` near 0; how many
    weights small at the end (:math:`|w| <` :data:`SMALL`) took both signs during the last
    :data:`TAIL_EPOCHS` epochs (checked after every step); the time the run took, wall and CPU (the CPU
    seconds mean something on a shared machine, the wall seconds only on an idle one).

Everything but the time is a function of the seed: the same seed gives the same numbers on the same
CPU and PyTorch build (float32 kernels may round differently on another processor).
"""

from __future__ import annotations

import gzip
import importlib.util
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np
import torch

import lksym.torch as lt

N_TEST = 360
"""Test images (about a fifth of the 1797)."""

HIDDEN = 64

BATCH = 64

EPOCHS = 20
"""Default number of passes over the training set."""

TAIL_EPOCHS = 3
"""Epochs at the end during which sign changes of small weights are counted."""

SMALL = 1e-3
"""A weight below this at the end counts as small (for the sign-change count)."""

OPTIMISERS = ("sgd", "adam", "adamw", "adam-prox")

LEARNING_RATES = {"sgd": 0.05, "adam": 1e-3, "adamw": 1e-3, "adam-prox": 1e-3}
"""Step sizes: a usual one per optimiser (Adam's default; SGD's the largest of 0.02, 0.05, 0.1 that trains stably)."""

LOG_EDGES = np.linspace(-10.0, 1.0, 45)
"""Bin edges of the histogram of log10 |w| (0.25 wide); exact zeros and |w| < 1e-10 are counted apart."""

SIGNED_EDGES = np.linspace(-0.02, 0.02, 41)
"""Bin edges of the histogram of signed w near 0 (0.001 wide)."""


@dataclass(frozen=True)
class Data:
    """Standardised digits: training and test arrays (float32) and labels (int64)."""

    X: torch.Tensor
    y: torch.Tensor
    X_test: torch.Tensor
    y_test: torch.Tensor


def digits() -> tuple:
    """The 1797 digit images as float64 rows of 64 pixels and their int64 labels: ``load_digits()``'s ``data, target``.

    Read from the file ``load_digits`` reads (``sklearn/datasets/data/digits.csv.gz``, found
    without importing scikit-learn, which alone takes a second or two to import), parsed as it
    parses it (``np.loadtxt`` of the gzip text, comma separated, the label in the last column);
    ``load_digits()`` itself where that file is not where this scikit-learn keeps it.  The tests
    hold the two equal.

    Examples
    --------
    >>> X, y = digits()
    >>> X.shape, X.dtype, y[:5].tolist()
    ((1797, 64), dtype('float64'), [0, 1, 2, 3, 4])
    """
    spec = importlib.util.find_spec("sklearn")
    path = Path(spec.submodule_search_locations[0], "datasets", "data", "digits.csv.gz") if spec else None
    if path is None or not path.is_file():
        from sklearn.datasets import load_digits

        found = load_digits()
        return found.data, found.target.astype(np.int64)
    with gzip.open(path, mode="rt", encoding="utf-8") as handle:
        table = np.loadtxt(handle, delimiter=",")
    return table[:, :-1], table[:, -1].astype(np.int64)


def load_data(seed: int) -> Data:
    """The digits split by ``seed`` (a NumPy permutation) and standardised with the training statistics.

    Examples
    --------
    >>> d = load_data(0)
    >>> tuple(d.X.shape), tuple(d.X_test.shape), abs(round(float(d.X.mean()), 6))
    ((1437, 64), (360, 64), 0.0)
    """
    X, target = digits()
    order = np.random.default_rng(seed).permutation(len(target))
    test, train = order[:N_TEST], order[N_TEST:]
    X = X.astype(np.float64)
    mean = X[train].mean(axis=0)
    sd = X[train].std(axis=0)
    sd[sd == 0] = 1.0  # pixels that are always 0 in training stay 0
    X = (X - mean) / sd

    def tensor(a):
        return torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32))

    y = torch.from_numpy(target)
    return Data(tensor(X[train]), y[train], tensor(X[test]), y[test])


def constant_pixels(data: Data) -> list:
    """The input pixels constant over the training images (0 once standardised).

    The first-layer weights from such a pixel get no data gradient at all: they move by the
    penalty alone (Adam's step of a zero gradient is 0), which is the one-weight model itself.

    Examples
    --------
    >>> constant_pixels(load_data(0))
    [0, 32, 39]
    """
    return [int(i) for i in torch.nonzero((data.X == 0).all(dim=0)).flatten()]


def make_model(seed: int) -> torch.nn.Sequential:
    """The 64-64-10 ReLU perceptron, initialised under ``torch.manual_seed(seed)``."""
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(64, HIDDEN), torch.nn.ReLU(), torch.nn.Linear(HIDDEN, 10))


@dataclass(frozen=True)
class RunSpec:
    """One configuration of the grid: a penalty text (``"none"`` for the baseline), an optimiser, alpha."""

    penalty: str
    optimizer: str
    alpha: float
    epochs: int
    seed: int

    @property
    def lr(self) -> float:
        return LEARNING_RATES[self.optimizer]


@dataclass(frozen=True)
class RunResult:
    """What one run measured on its trained weights (see the module docstring)."""

    spec: RunSpec
    test_accuracy: float
    train_loss: float
    weights: int
    exact_zero: float
    below_1e6: float
    below_1e3: float
    small_sign_changes: int
    log_hist: tuple
    log_zeros: int
    log_below: int
    signed_hist: tuple
    seconds: float
    cpu_seconds: float = 0.0


def warm_up() -> None:
    """Take one step of each optimiser on a throwaway parameter, so that what torch loads then is loaded once.

    ``torch.optim`` imports ``torch._dynamo`` (about 2 s of CPU) on an optimiser's first use;
    done in the parent before the grid forks its workers, they inherit it instead of each
    importing it again.  Touches no state a run depends on (no seed, no generator).
    """
    torch.set_num_threads(1)
    p = torch.zeros(1, requires_grad=True)
    for make in (torch.optim.SGD, torch.optim.Adam, torch.optim.AdamW):
        optimizer = make([p], lr=0.0)
        optimizer.zero_grad(set_to_none=True)
        p.sum().backward()
        optimizer.step()


def _weights(model) -> list:
    return [model[0].weight, model[2].weight]


def run(spec: RunSpec, data: Optional[Data] = None) -> RunResult:
    """Train one configuration and measure it; one thread, seeded by ``spec.seed``.

    Examples
    --------
    >>> r = run(RunSpec("1", "adam-prox", 0.5, 2, 0))
    >>> r.exact_zero > 0, r.weights
    (True, 4736)
    """
    return measure(spec, *train_model(spec, data))


def train_model(spec: RunSpec, data: Optional[Data] = None) -> tuple:
    """Train one configuration: ``(final weights as float64 NumPy, test accuracy, last loss, sign changes, wall seconds,
    CPU seconds)``.

    The penalty's gradient :math:`\\alpha\\,p'(w)` is ``lksym.torch.compiled(penalty).gradient``, the
    function ``lksym.torch.penalty``'s backward returns, called directly: added to the data
    gradient (``sgd``, ``adam``) it is the gradient of the loss with the penalty term, the same
    float32 numbers (``tests/training/test_train.py`` holds them equal to the penalty in the loss),
    without evaluating :math:`p` itself, which nothing measures.
    """
    torch.set_num_threads(1)
    start, cpu = time.perf_counter(), time.process_time()  # one thread: the process's CPU is the run's
    data = load_data(spec.seed) if data is None else data
    model = make_model(spec.seed)
    weights = _weights(model)
    biases = [model[0].bias, model[2].bias]
    lr, opt_name = spec.lr, spec.optimizer
    penalised = spec.penalty != "none"
    params = [{"params": weights}, {"params": biases}]
    if opt_name == "sgd":
        optimizer = torch.optim.SGD(params, lr=lr)
    elif opt_name in ("adam", "adam-prox"):
        optimizer = torch.optim.Adam(params, lr=lr)
    elif opt_name == "adamw":
        optimizer = torch.optim.AdamW(params, lr=lr, weight_decay=0.0)
    else:
        raise ValueError(f"unknown optimizer {opt_name!r}")
    gradient = lt.compiled(spec.penalty).gradient if penalised else None
    in_loss = penalised and opt_name in ("sgd", "adam")
    decoupled = penalised and opt_name == "adamw"
    proximal = lt.ProximalPenalty(spec.penalty, weights, alpha=spec.alpha) if penalised and opt_name == "adam-prox" else None
    loss_fn = torch.nn.CrossEntropyLoss()
    batches = torch.Generator().manual_seed(spec.seed)
    n = data.X.shape[0]
    tail_from = max(0, spec.epochs - TAIL_EPOCHS)
    high = low = None
    loss = torch.tensor(float("nan"))
    for epoch in range(spec.epochs):
        order = torch.randperm(n, generator=batches)
        X, y = data.X[order], data.y[order]  # one gather per epoch; each batch is a slice of it
        for i in range(0, n, BATCH):
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(X[i:i + BATCH]), y[i:i + BATCH])
            loss.backward()
            if in_loss or decoupled:
                with torch.no_grad():
                    for w in weights:
                        # alpha * p'(w) in float32, as autograd forms it through alpha * sum p(w).
                        step = gradient(w) * spec.alpha
                        if in_loss:
                            w.grad.add_(step)
                        else:  # AdamW's order: the decay uses the weights before the Adam step.
                            w.sub_(lr * step)
            optimizer.step()
            if proximal is not None:
                proximal.step(lr)
            if epoch >= tail_from:
                with torch.no_grad():
                    if high is None:
                        high = [w.detach().clone() for w in weights]
                        low = [w.detach().clone() for w in weights]
                    else:
                        for w, h, lo in zip(weights, high, low):
                            torch.maximum(h, w, out=h)
                            torch.minimum(lo, w, out=lo)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    with torch.inference_mode():
        accuracy = float((model(data.X_test).argmax(dim=1) == data.y_test).double().mean())
        final = torch.cat([w.detach().reshape(-1) for w in weights]).double().numpy()
        high = torch.cat([h.reshape(-1) for h in high]).double().numpy()
        low = torch.cat([lo.reshape(-1) for lo in low]).double().numpy()
    flipped = int(((np.abs(final) < SMALL) & (high > 0) & (low < 0)).sum())
    return final, accuracy, float(loss.detach()), flipped, seconds, cpu


def measure(spec: RunSpec, w: np.ndarray, accuracy: float, loss: float, flipped: int, seconds: float,
            cpu_seconds: float = 0.0) -> RunResult:
    """The measures of the final weights ``w`` (see the module docstring).

    Examples
    --------
    >>> r = measure(RunSpec("1", "sgd", 0.1, 1, 0), np.array([0.0, 1e-7, -1e-4, 0.5]), 0.9, 0.1, 1, 1.0)
    >>> r.exact_zero, r.below_1e6, r.below_1e3, r.log_zeros, sum(r.log_hist)
    (0.25, 0.5, 0.75, 1, 3)
    """
    a = np.abs(w)
    nonzero = a[a > 0]
    logs = np.log10(nonzero)
    count = w.size
    return RunResult(
        spec=spec,
        test_accuracy=accuracy,
        train_loss=loss,
        weights=int(count),
        exact_zero=float((a == 0).sum() / count),
        below_1e6=float((a < 1e-6).sum() / count),
        below_1e3=float((a < 1e-3).sum() / count),
        small_sign_changes=flipped,
        log_hist=tuple(int(c) for c in np.histogram(np.minimum(logs, LOG_EDGES[-1]), LOG_EDGES)[0]),
        log_zeros=int((a == 0).sum()),
        log_below=int((logs < LOG_EDGES[0]).sum()),
        signed_hist=tuple(int(c) for c in np.histogram(w, SIGNED_EDGES)[0]),
        seconds=seconds,
        cpu_seconds=cpu_seconds,
    )
