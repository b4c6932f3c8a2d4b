"""lksym.torch: the penalty as a loss term, its exact proximal step and the decoupled proximal penalty.

Held against lksym's own exact analysis and brute force (``lksym.check_prox``: the derived closed
forms and a dense-grid global minimiser), the derived gradient in mpmath, and plain loops.
"""

from __future__ import annotations

import functools
import math
import re
import subprocess
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

import mpmath  # noqa: E402
import sympy as sp  # noqa: E402

import lksym  # noqa: E402
import lksym.torch as lt  # noqa: E402
from lksym.derivation.symbols import W  # noqa: E402
from lksym.numerics.kernel import kernel  # noqa: E402
from lksym.results import analyze  # noqa: E402
from lksym.writers.export import module_source  # noqa: E402

PENALTIES = [
    "l1", "0.5", "1.5", "l2", "3", "elastic_net(l1=0.5, l2=0.25)", "scad(lam=1, a=3.7)", "mcp(lam=1, gamma=3)",
    "capped_l1(theta=1)", "huber(delta=1)", "l0", "logsum(eps=0.1)", "1 - exp(-abs(w))",
]
NO_CLOSED_FORM = ["logsum(eps=0.1)", "1 - exp(-abs(w))", "1/3", "sqrt(2)", "sqrt(1 + w^2) - 1"]
README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """torch on one thread here: the tests' tensors are small, and on cores that pytest-xdist's workers already share,
    torch's second thread costs far more than it saves (a float64 sqrt of 3000 elements took 26 ms, not 10 us)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@functools.lru_cache(maxsize=None)
def analysis(penalty):
    """``analyze(penalty)``, once per penalty for the whole module (a frozen result; 2 s for sqrt(1 + w^2) - 1)."""
    return analyze(penalty)


@functools.lru_cache(maxsize=None)
def kernel_of(penalty):
    return kernel(analysis(penalty))


def as_float(f, dtype=torch.float64):
    return lambda z, lam: float(f(torch.tensor(z, dtype=dtype), lam).double())


@pytest.mark.parametrize("penalty", PENALTIES + NO_CLOSED_FORM[2:])
def test_prox_passes_check_prox_in_float64(penalty):
    result = lksym.check_prox(as_float(lambda z, lam: lt.prox(penalty, z, lam)), penalty)
    assert result.passed, result.worst[:3]
    assert result.points > 50


def test_check_prox_can_fail():
    # The test above can fail: a prox that is off by 1e-6 beyond the threshold does.
    def wrong(z, lam):
        x = float(lt.prox("scad(lam=1, a=3.7)", torch.tensor(z, dtype=torch.float64), lam))
        return x * (1 + 1e-6)

    assert not lksym.check_prox(wrong, "scad(lam=1, a=3.7)").passed


@pytest.mark.parametrize("penalty", ["l1", "0.5", "scad(lam=1, a=3.7)", "mcp(lam=1, gamma=3)", "l0", "logsum(eps=0.1)"])
def test_prox_vectorised_equals_elementwise(penalty):
    gen = torch.Generator().manual_seed(0)
    z = torch.randn(4, 5, 6, generator=gen, dtype=torch.float64) * 3
    out = lt.prox(penalty, z, 0.7)
    assert out.shape == z.shape and out.dtype == z.dtype and out.device == z.device
    one = torch.stack([lt.prox(penalty, v.reshape(1), 0.7)[0] for v in z.reshape(-1)]).reshape(z.shape)
    assert torch.equal(out, one)
    assert torch.equal(lt.prox(penalty, -z, 0.7), -out)  # odd


@pytest.mark.parametrize("penalty", PENALTIES)
@pytest.mark.parametrize("dtype, tolerance", [(torch.float32, 2e-5), (torch.float16, 4e-3), (torch.bfloat16, 3e-2)])
def test_prox_low_precision(penalty, dtype, tolerance):
    # Inputs representable in the dtype; the answer is held against the exact prox of those inputs.
    zs = [float(torch.tensor(v, dtype=dtype)) for v in (0.0, 1e-3, 0.3, 0.9, 1.1, 1.7, 2.5, 3.3, 4.2, 8.0, 30.0, 1e3)]
    result = lksym.check_prox(as_float(lambda z, lam: lt.prox(penalty, z, lam), dtype), penalty,
                              lams=[0.1, 0.5, 1.0, 3.0], zs=zs + [-v for v in zs], tolerance=tolerance)
    assert result.passed, result.worst[:3]
    out = lt.prox(penalty, torch.tensor(zs, dtype=dtype), 0.5)
    assert out.dtype == dtype


@pytest.mark.parametrize("penalty", PENALTIES + ["1/3"])
@pytest.mark.parametrize("scale", [1e-300, 1e-30, 1e30, 1e150])
def test_prox_huge_and_tiny(penalty, scale):
    # At 1e-30 check_prox's reference once evaluated log(1 + 10x) and 1 - exp(-x) as written (0 there) and
    # returned |z| for log-sum and 1 - exp(-|w|); it now compares objectives through log1p / expm1 (stable_form).
    zs = [scale * v for v in (1.0, 2.5, -7.0)]
    result = lksym.check_prox(as_float(lambda z, lam: lt.prox(penalty, z, lam)), penalty, lams=[0.5, 2.0], zs=zs)
    assert result.passed, result.worst[:3]


@pytest.mark.parametrize("penalty, slope_at_zero", [("logsum(eps=0.1)", 10.0), ("1 - exp(-abs(w))", 1.0)])
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_tiny_inputs_of_log_sum_and_1_minus_exp_map_to_zero(penalty, slope_at_zero, dtype):
    # p is concave with p'(x) >= p'(|z|) > p'(0+) (1 - 1e-6) on (0, |z|]: G(x) = x - |z| + lam p'(x) > 0 there when
    # |z| < lam p'(0+) / 2, so no x > 0 is stationary and the prox is 0 (the objective at x = |z| is ~ lam p'(0) |z| > 0).
    z = torch.tensor([1e-300, 1e-30, -7e-30, 1e-8, -2.5e-7], dtype=dtype)
    for lam in (0.5, 2.0):
        x = lt.prox(penalty, z, lam)
        assert (x == 0).all() and torch.equal(torch.signbit(x), torch.signbit(z)), (lam, x)


@pytest.mark.parametrize("penalty", PENALTIES + ["1/3"])
@pytest.mark.parametrize("lam", [0.01, 0.5, 1.0, 3.0, 10.0])
def test_prox_exactly_at_the_threshold(penalty, lam):
    functions = lt.compiled(penalty)
    if not hasattr(functions, "threshold"):
        pytest.skip("the threshold is only an infimum")
    t = functions.threshold(lam)
    z = torch.tensor([t, -t], dtype=torch.float64)
    assert torch.equal(lt.prox(penalty, z, lam).abs(), torch.zeros(2, dtype=torch.float64))  # the threshold maps to 0
    above = math.nextafter(t, math.inf) if t > 0 else 1e-300
    result = lksym.check_prox(as_float(lambda z, lam: lt.prox(penalty, z, lam)), penalty, lams=[lam], zs=[t, above])
    assert result.passed, result.worst


@pytest.mark.parametrize("penalty", PENALTIES + NO_CLOSED_FORM[2:])
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32, torch.float16, torch.bfloat16])
def test_nan_and_inf(penalty, dtype):
    functions = lt.compiled(penalty)
    z = torch.tensor([math.nan, math.inf, -math.inf, 1.0], dtype=dtype)
    x = functions.prox(z, 0.5)
    assert math.isnan(float(x[0])) and float(x[1]) == math.inf and float(x[2]) == -math.inf
    assert x.dtype == dtype
    p = functions.penalty(z)
    limit = float(analysis(penalty).penalty.limits["+oo"])
    assert math.isnan(float(p[0])) and float(p[1]) == float(p[2]) == float(torch.tensor(limit, dtype=dtype))
    g = functions.gradient(z)
    slope = float(analysis(penalty).gradient.limits["+oo"])
    assert math.isnan(float(g[0])) and float(g[1]) == -float(g[2]) == float(torch.tensor(slope, dtype=dtype))


@pytest.mark.parametrize("penalty", PENALTIES + ["1/3"])
def test_prox_near_the_largest_float(penalty):
    z = torch.tensor([1e300, -1e300, 1e-320], dtype=torch.float64)
    x = lt.prox(penalty, z, 2.0)
    assert torch.isfinite(x).all() and (x.abs() <= z.abs()).all() and (x * z >= 0).all()
    assert (x[:2] != 0).all()  # no penalty here maps a huge input to 0
    big = torch.tensor([3e38, -3.4e38], dtype=torch.float32)  # a form's 4z/3 overflows float32 here
    x = lt.prox(penalty, big, 2.0)
    assert torch.isfinite(x).all() and (x.abs() <= big.abs()).all() and (x * big > 0).all()


def test_bad_lam_raises_value_error():
    for lam in (0.0, -1.0, math.inf, math.nan):
        with pytest.raises(ValueError, match="lam"):
            lt.prox("l1", torch.ones(3), lam)


# --------------------------------------------------------------------------- the penalty and its gradient


def derived_gradient(penalty):
    f = sp.lambdify(W, analysis(penalty).gradient.expr, "mpmath")
    return lambda w: float(_at_30_digits(f, w))


def _at_30_digits(f, w):
    """f(w) at 30 digits, whatever precision another test left mpmath at (at 15, 1 - exp(-w) cancels as in float64)."""
    with mpmath.workdps(30):
        return f(mpmath.mpf(w))


@pytest.mark.parametrize("penalty", PENALTIES + NO_CLOSED_FORM[2:])
def test_autograd_equals_the_derived_gradient_off_zero_and_breakpoints(penalty):
    breakpoints = [float(b) for b in analysis(penalty).subject.breakpoints]
    values = [v for v in torch.linspace(-6, 6, 241, dtype=torch.float64).tolist()
              if abs(v) > 1e-9 and all(abs(abs(v) - b) > 1e-6 for b in breakpoints)]
    w = torch.tensor(values + [1e-5, -3e-7, 1234.5], dtype=torch.float64, requires_grad=True)
    lt.penalty(penalty, reduction="sum")(w).backward()
    want = derived_gradient(penalty)
    for v, g in zip(w.detach().tolist(), w.grad.tolist()):
        assert g == pytest.approx(want(v), rel=1e-12, abs=1e-300), v
    # and the penalty itself is p
    p = sp.lambdify(W, analysis(penalty).penalty.expr, "mpmath")
    values = lt.compiled(penalty).penalty(w.detach())
    for v, got in zip(w.detach().tolist(), values.tolist()):
        assert got == pytest.approx(float(_at_30_digits(p, v)), rel=1e-12, abs=1e-300), v


@pytest.mark.parametrize("penalty", PENALTIES + NO_CLOSED_FORM[2:])
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32, torch.float16, torch.bfloat16])
def test_gradient_at_zero_and_breakpoints(penalty, dtype):
    a = analysis(penalty)
    points = [0.0, -0.0] + [float(b) for b in a.subject.breakpoints]
    tiny = [torch.finfo(dtype).tiny * s for s in (1, -1, 1e-3)]  # subnormal too, where |w|^k' is huge
    w = torch.tensor(points + tiny, dtype=dtype, requires_grad=True)
    loss = lt.penalty(penalty, reduction="sum")(w)
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(w.grad).all(), w.grad
    assert w.grad[0] == 0 and w.grad[1] == 0  # sign(0) = 0: the subgradient lksym's analysis uses
    for i, b in enumerate(a.breakpoints):  # the left piece holds at a breakpoint
        left = float(b.limits["gradient"]["left"])
        # (float16 rounds 3.7 down into the piece on its left: the left piece's gradient all the same)
        assert float(w.grad[2 + i]) == pytest.approx(left, rel=1e-2, abs=1e-6 if dtype.itemsize > 2 else 2e-3)
    assert w.grad.dtype == dtype


def test_sqrt_penalty_does_not_turn_weights_into_nan():
    # torch.abs(w) ** 0.5 has an infinite gradient at 0: one SGD step makes the tensor NaN.
    w = torch.tensor([0.0, 0.3, -1.0], requires_grad=True)
    (w.abs() ** 0.5).sum().backward()
    assert torch.isnan(w.grad).any()
    w = torch.nn.Parameter(torch.tensor([0.0, 0.3, -1.0]))
    opt = torch.optim.SGD([w], lr=0.1)
    for _ in range(3):
        opt.zero_grad()
        lt.penalty("0.5")(w).backward()
        opt.step()
    assert torch.isfinite(w).all()


def test_mean_sum_alpha_and_iterables():
    a, b = torch.randn(3, 4, dtype=torch.float64), torch.randn(5, dtype=torch.float64)
    p = lt.compiled("scad(lam=1, a=3.7)").penalty
    total = p(a).sum() + p(b).sum()
    assert torch.allclose(lt.penalty("scad(lam=1, a=3.7)", alpha=2.0)([a, b]), 2.0 * total / 17)
    assert torch.allclose(lt.penalty("scad(lam=1, a=3.7)", reduction="sum")(a, b), total)
    model = torch.nn.Linear(4, 2).double()
    loss = lt.penalty("l1", alpha=0.5)(model.parameters())
    assert torch.allclose(loss, 0.5 * torch.cat([q.abs().reshape(-1) for q in model.parameters()]).mean())
    with pytest.raises(ValueError):
        lt.penalty("l1", reduction="max")


def test_matches_hand_written_l1_and_sqrt_penalties():
    z = torch.randn(1000, dtype=torch.float64) * 3
    assert torch.equal(lt.prox("l1", z, 0.7).abs(), (torch.sign(z) * torch.clamp(z.abs() - 0.7, min=0)).abs())
    w = torch.randn(50, dtype=torch.float64, requires_grad=True)
    lt.penalty("1.5", reduction="sum")(w).backward()
    assert torch.allclose(w.grad, 1.5 * torch.sign(w) * w.detach().abs() ** 0.5)


# --------------------------------------------------------------------------- the decoupled proximal penalty


def test_proximal_penalty_steps_in_place():
    w = torch.nn.Parameter(torch.tensor([0.05, -0.3, 2.0, -5.0], dtype=torch.float64))
    before, pointer = w.detach().clone(), w.data_ptr()
    step = lt.ProximalPenalty("l2", [w], alpha=0.5)
    step.step(0.1)
    assert w.data_ptr() == pointer and not w.requires_grad is False
    assert torch.allclose(w.detach(), before / (1 + 2 * 0.1 * 0.5))  # AdamW-style decay for L2
    v = torch.nn.Parameter(torch.tensor([0.05, -0.3, 2.0, -5.0], dtype=torch.float64))
    lt.ProximalPenalty("mcp(lam=1, gamma=3)", [v], alpha=2.0).step(0.25)
    assert torch.equal(v.detach(), lt.prox("mcp(lam=1, gamma=3)", before, 0.5))


def test_proximal_gradient_descent_matches_a_plain_loop():
    # ISTA on a tiny least-squares problem: the torch step against a loop over lksym's scalar prox.
    from lksym.derivation.penalty import parse_penalty
    from lksym.derivation.penalty_prox import prox_numeric

    gen = torch.Generator().manual_seed(1)
    X = torch.randn(30, 6, generator=gen, dtype=torch.float64)
    y = X @ torch.tensor([2.0, 0, 0, -1.5, 0, 0.1], dtype=torch.float64)
    penalty = parse_penalty("scad(lam=1, a=3.7)")
    w = torch.nn.Parameter(torch.zeros(6, dtype=torch.float64))
    plain = [0.0] * 6
    opt = torch.optim.SGD([w], lr=0.05)
    prox_step = lt.ProximalPenalty(penalty, [w], alpha=0.4)
    for _ in range(40):
        opt.zero_grad()
        ((X @ w - y) ** 2).mean().mul(0.5).backward()
        grad = [sum((sum(X[i, j].item() * plain[j] for j in range(6)) - y[i].item()) * X[i, k].item() for i in range(30)) / 30
                for k in range(6)]
        plain = [prox_numeric(penalty, 0.05 * 0.4, plain[k] - 0.05 * grad[k]) for k in range(6)]
        opt.step()
        prox_step.step(0.05)
    assert w.detach().tolist() == pytest.approx(plain, rel=1e-9, abs=1e-12)
    assert (w.detach() == 0).sum() >= 2  # exact zeros


# --------------------------------------------------------------------------- README and import cost


def readme_example() -> str:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Use the exact penalty in training (lksym.torch, lksym export)", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_readme_training_example_runs_and_gives_exact_zeros():
    code = readme_example()
    assert len(code.strip().splitlines()) <= 14
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 -- our own README
    weight = namespace["model"].weight.detach()
    assert (weight == 0).sum() >= 10 and (weight != 0).sum() >= 3


def test_lksym_without_torch_imports_no_torch():
    code = "import sys, lksym, lksym.api, lksym.cli, lksym.results; lksym.analyze; assert 'torch' not in sys.modules, 'torch'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_compiled_once_per_penalty():
    assert lt.compiled("scad(lam=1, a=3.7)") is lt.compiled("scad(lam=1, a=37/10)")


# --------------------------------------------------------------------------- the solver's fallbacks


@functools.lru_cache(maxsize=None)
def _source(k):
    return compile(module_source(k, "torch"), "generated.py", "exec")


def generated(k):
    """A fresh namespace of the generated module for the kernel ``k`` (a test may change its constants)."""
    namespace: dict = {}
    exec(_source(k), namespace)  # noqa: S102 -- our own text
    return namespace


@pytest.mark.parametrize("penalty", ["logsum(eps=0.1)", "1 - exp(-abs(w))", "10", "1/3"])
def test_solver_fallback_for_an_undecided_curvature(penalty):
    # A piece whose p'' is not known to be monotone is cut into SUBDIVISIONS brackets, each bisected:
    # forcing that on penalties whose shape is known checks the path (no catalogue penalty needs it).
    import dataclasses

    k = kernel_of(penalty)
    assert all(piece.shape is not None for piece in k.pieces)
    undecided = dataclasses.replace(k, pieces=tuple(dataclasses.replace(p, shape=None) for p in k.pieces))
    namespace = generated(undecided)
    assert all(row[2] is None for row in namespace["PIECES"])
    prox = namespace["prox"]
    result = lksym.check_prox(as_float(prox), penalty, lams=[0.01, 0.5, 2.0])
    assert result.passed, result.worst[:3]
    z = torch.randn(2000, generator=torch.Generator().manual_seed(1), dtype=torch.float64) * 3
    for lam in (0.01, 0.7):
        assert torch.allclose(prox(z, lam), lt.prox(penalty, z, lam), rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize("penalty", ["logsum(eps=0.1)", "1 - exp(-abs(w))", "10", "1/3", "sqrt(2)", "sqrt(1 + w^2) - 1"])
@pytest.mark.parametrize("limit", [0, 1, 2])
def test_solver_bisects_what_newton_leaves_unsettled(penalty, limit):
    # With LIMIT Newton steps cut to 0-2, most elements are handed to bisection: same prox to rounding.
    namespace = generated(kernel_of(penalty))
    namespace["LIMIT"] = limit
    z = torch.cat([torch.randn(3000, generator=torch.Generator().manual_seed(2), dtype=torch.float64) * 3,
                   torch.tensor([0.0, 1e-300, 1e-30, 1e30, 1e150], dtype=torch.float64)])
    for lam in (1e-4, 0.01, 0.7, 5.0):
        assert torch.allclose(namespace["prox"](z, lam), lt.prox(penalty, z, lam), rtol=1e-12, atol=1e-300), lam
    result = lksym.check_prox(as_float(namespace["prox"]), penalty, lams=[0.01, 0.5, 2.0])
    assert result.passed, result.worst[:3]


@pytest.mark.parametrize("penalty", ["10", "4", "1/3", "sqrt(2)"])
def test_power_prox_without_closed_form_passes_check_prox(penalty):
    result = lksym.check_prox(as_float(lambda z, lam: lt.prox(penalty, z, lam)), penalty)
    assert result.passed, result.worst[:3]


@pytest.mark.parametrize("penalty", ["1/3", "sqrt(2)", "10"])
def test_power_prox_without_closed_form_of_huge_inputs(penalty):
    z = torch.tensor([1e30, 1e150, -1e300], dtype=torch.float64)
    x = lt.prox(penalty, z, 0.7)
    assert torch.isfinite(x).all() and (x.abs() <= z.abs()).all() and (x * z > 0).all()
