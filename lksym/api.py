"""Writing report folders: the one call the command line makes for ``lksym report``.

Each k gets a folder ``k-<k>/`` with ``report.md``, ``analysis.json`` and the
SVG figures.  Everything is rendered in memory first and only written once
every k is derived; each folder then appears whole or not at all
(:func:`lksym.fileio.write_folder`), so a failure never leaves a half-written
report; several k are rendered on all cores.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Optional, Union

from lksym.fileio import check_replaceable, check_replaceable_early, write_folder
from lksym.writers.index import check_index, short_name, write_index

if TYPE_CHECKING:
    from lksym.derivation.penalty import Penalty


@dataclass(frozen=True)
class SymbolicPower:
    """What the text ``"k"`` asks for: :math:`|w|^k` over every k, one case per range of k.

    Not a :class:`~lksym.derivation.penalty.Penalty` (it has no one exact k): its facts are
    :mod:`lksym.derivation.family`'s cases, rendered by :mod:`lksym.writers.family`.
    """

    text: str = "k"


SYMBOLIC = SymbolicPower()
"""The one :class:`SymbolicPower`: what :func:`parse_request` gives for ``"k"``."""


def parse_request(text) -> Union[Penalty, SymbolicPower]:
    """A subject as the commands take it: :data:`SYMBOLIC` for ``"k"``, else :func:`~lksym.derivation.penalty.parse_subject`'s Penalty.

    Examples
    --------
    >>> parse_request(" k ") is SYMBOLIC, parse_request("3/2").k
    (True, 3/2)
    """
    from lksym.derivation.penalty import parse_subject  # SymPy: loaded once the drawing server is forked

    if isinstance(text, str) and text.strip() == SYMBOLIC.text:
        return SYMBOLIC
    return parse_subject(text)


def distinct(ks: Iterable) -> list:
    """Each distinct subject of ``ks`` once (:func:`parse_request`), in the order first given.

    Every entry is parsed before this returns, so a bad one raises
    :class:`~lksym.errors.InputError` before any work is done.  Equal definitions
    (``1.5`` and ``3/2``) count once.

    Examples
    --------
    >>> [getattr(p, "k", p) for p in distinct(["1.5", "3", "3/2", "k", " k", "3.0"])]
    [3/2, 3, SymbolicPower(text='k')]
    """
    order: list = []
    for k in ks:
        value = parse_request(k)
        if value not in order:
            order.append(value)
    return order


def analyze_text(ks: Iterable, *, as_json: bool = False) -> str:
    """What ``lksym analyze`` prints for one or several k (repeated ``--k``).

    One k: its summary, or its JSON object.  Several: one summary per distinct
    k, separated by a blank line, or a JSON array of the objects, in the order
    given (equal values once).  ``"k"`` (symbolic) needs ``as_json``.  Every k is
    parsed and analysed before anything is returned.

    Examples
    --------
    >>> import json
    >>> [d["k"] for d in json.loads(analyze_text(["2", "1.5", "3/2"], as_json=True))]
    ['2', '3/2']
    """
    from lksym.errors import InputError
    from lksym.results import analyze

    values = distinct(ks)
    if not values:
        raise InputError("give at least one k")
    if SYMBOLIC in values and not as_json:
        raise InputError("symbolic k is only supported with --json (lksym analyze --k k --json)")
    if as_json:
        from lksym.app.family import symbolic_family
        from lksym.writers import family, jsonout

        objects = [family.to_dict(symbolic_family()) if v is SYMBOLIC else jsonout.to_dict(analyze(v)) for v in values]
        return json.dumps(objects[0] if len(objects) == 1 else objects, indent=2, ensure_ascii=False)
    from lksym.writers.terminal import summary

    return "\n\n".join(summary(analyze(v)) for v in values)


def _analysis_task(k, image_format: str = "svg", dpi: Optional[int] = None) -> tuple[str, dict[str, bytes], dict]:
    """The SymPy half of a report: text files and the figures' numbers (no matplotlib), keyed by output file name."""
    from lksym.results import analyze
    from lksym.writers.jsonout import dumps
    from lksym.writers.plots import figure_data, image_name
    from lksym.writers.report import report_markdown

    a = analyze(k)
    from lksym.derivation.dynamics import cycle_rows
    from lksym.writers.report import with_optimizers

    report = with_optimizers(report_markdown(a, image_format=image_format), cycle_rows(a.gd))
    texts = {"report.md": report.encode("utf-8"), "analysis.json": (dumps(a) + "\n").encode("utf-8")}
    extra = {} if image_format == "svg" or dpi is None else {"_dpi": dpi}  # read by plots.render_figure
    data = {image_name(name, image_format): {**numbers, **extra} for name, numbers in figure_data(a).items()}
    return short_name(a.subject.slug), texts, data


def _render_task(data: dict) -> dict[str, bytes]:
    """The matplotlib half, in this process: SVG bytes from the figures' numbers."""
    from lksym.writers.plots import render_figure

    return {name: render_figure(name, d) for name, d in data.items()}


def cores() -> int:
    """Cores this process may run on (its CPU affinity where the platform tells, else all)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _jobs(jobs: Optional[int], count: int) -> int:
    # Even one k is drawn on every core (a task is one figure, not one report), but never on
    # more processes than there are figures to draw or cores to draw them (300 would cost 3.6 GB).
    from lksym.writers.plots import FIGURES

    wanted = jobs if jobs is not None else cores()
    return max(1, min(wanted, cores(), count * len(FIGURES)))


def _symbolic_folder() -> str:
    from lksym.writers.family import FOLDER

    return FOLDER


def write_reports(
    ks: Iterable,
    out_dir: os.PathLike | str = "reports",
    *,
    jobs: Optional[int] = None,
    progress: Optional[Callable[[int, int, Path], None]] = None,
    image_format: str = "svg",
    dpi: Optional[int] = None,
) -> list[Path]:
    """Write one report folder per k under ``out_dir`` and refresh the index.

    Parameters
    ----------
    ks : iterable of str or exact numbers
        The exponents.  Every k is analysed before anything is written, so one
        bad k writes nothing.  Equal values (``1.5`` and ``3/2``) give one report,
        derived once.  The text ``"k"`` asks for the general report over every
        k (``k-symbolic/``, :mod:`lksym.derivation.family`).
    out_dir : path
        Parent folder of the report folders (created if needed).  A user's file where a report
        folder or the index goes is refused (:class:`~lksym.errors.InputError`) before any k is derived.
    jobs : int, optional
        Processes that draw the figures while this one derives (see
        :mod:`lksym.writers.pipeline`); default and at most: one per core available.
        ``jobs=1`` does everything in this process.
    progress : callable, optional
        Called as ``progress(done, total, path)`` after each report is written.
    image_format : {"svg", "png"}
        Format of the figures; ``report.md`` links them.
    dpi : int, optional
        Resolution of PNG figures (default :data:`lksym.writers.plots.DPI`).

    Returns
    -------
    list of Path
        The ``report.md`` written for each distinct k, in the order given.

    Examples
    --------
    >>> import tempfile
    >>> [p.parent.name for p in write_reports(["3/2", "1.5"], tempfile.mkdtemp(), jobs=1)]
    ['k-1.5']
    """
    from lksym.writers.plots import image_name

    image_name("check.svg", image_format)  # an unknown format fails before any work
    out = Path(out_dir)
    ks = list(ks)
    # The drawing server is forked before the first k is parsed: parsing imports SymPy
    # (~0.4 s), and matplotlib is to load in the server beside it, not after it.  Its size
    # is bounded by the entries given (equal ones are only known once parsed).
    given = [k for k in ks if not (isinstance(k, str) and k.strip() == SYMBOLIC.text)]
    workers = _jobs(jobs, len(given))
    early = None
    if workers > 1 and given:
        from lksym.writers.pipeline import DrawingServer

        early = DrawingServer(workers)
    try:
        # Every k is parsed before anything is derived or written, and each distinct value
        # (1.5 and 3/2, or the same k 200 times) is derived once.
        order = distinct(ks)
        # A user's file in the way is refused now, not after every k is derived and drawn (checked again below).
        for value in order:
            check_replaceable_early(out / (_symbolic_folder() if value is SYMBOLIC else short_name(value.slug)))
        check_index(out)
    except BaseException:
        if early is not None:
            early.close(0, abort=True)  # nothing was sent: no drawing worker exists yet
        raise
    numeric = [v for v in order if v is not SYMBOLIC]
    folders: dict = {}  # value -> (slug, files)

    def analysed() -> Iterable[tuple[object, str, dict[str, bytes], dict]]:
        for value in numeric:
            slug, texts, data = _analysis_task(value, image_format, dpi)
            yield value, slug, texts, data

    if early is None:
        for value, slug, texts, data in list(analysed()):
            folders[value] = (slug, {**_render_task(data), **texts})
    else:
        with early as server:
            remaining: dict = {}
            by_task: dict = {}  # a task's key -> its value
            for value, slug, texts, data in analysed():
                folders[value], remaining[value] = (slug, dict(texts)), len(data)
                # Keyed by plain text: an exact k (a SymPy number) in the key would make the
                # server import SymPy (~0.4 s) just to unpickle it, before drawing anything.
                task = str(len(by_task))
                by_task[task] = value
                for name, numbers in data.items():
                    server.submit((task, name), numbers)
            for (task, name), svg in server.results(sum(remaining.values())):
                folders[by_task[task]][1][name] = svg
    if SYMBOLIC in order:  # the general report over every k, rendered before anything is written too
        from lksym.app.family import symbolic_family
        from lksym.writers.family import FOLDER, render_report

        folders[SYMBOLIC] = (FOLDER, render_report(symbolic_family(), image_format, dpi))
    # Only now, with every k derived and drawn, is anything written: a bad k leaves the folder as it was,
    # and so does a file of the user's where a report or the index would go (checked for all first).
    for slug, files in folders.values():
        check_replaceable(out / slug, files)
    check_index(out)
    written: list[Path] = []
    for value in order:
        slug, files = folders[value]
        write_folder(out / slug, files)
        written.append(out / slug / "report.md")
        if progress is not None:
            progress(len(written), len(order), written[-1])
    write_index(out)
    return written


TRAIN_INSTALL = "pip install -e '.[train]'"


def train(
    penalties: Iterable = (),
    optimizers: Iterable = (),
    *,
    epochs: Optional[int] = None,
    alpha: Optional[float] = None,
    seed: int = 0,
    jobs: Optional[int] = None,
    out_dir: Optional[os.PathLike | str] = None,
    progress: Optional[Callable[[int, int], None]] = None,
):
    """Train the digits perceptron for each penalty and optimiser; return the frozen result (and write it).

    What ``lksym train`` does (:mod:`lksym.numerics.training`, :mod:`lksym.training.grid`):
    every penalty (``"none"``: the baseline, always run) under every optimiser of
    ``sgd``, ``adam``, ``adamw``, ``adam-prox`` at the strengths of
    :func:`~lksym.training.grid.alpha_grid` (or ``alpha`` for all), with each chosen run's
    prediction from the exact one-weight analysis beside what it did.

    Parameters
    ----------
    penalties, optimizers : iterable of str
        Default :data:`~lksym.training.grid.PENALTIES` and all four optimisers.
    epochs : int, optional
        Passes over the training images (default 20).
    alpha : float, optional
        One strength for every penalty instead of the selection rule.
    seed : int
        Split, initialisation and batch order.
    jobs : int, optional
        Processes (each one thread); default one per core available.
    out_dir : path, optional
        Write ``train.md``, ``train.json`` and ``train/`` figures there (whole or not at all).
    progress : callable, optional
        ``progress(done, total)`` after each run.

    Returns
    -------
    TrainResult

    Examples
    --------
    >>> r = train(["1"], ["adam-prox"], epochs=1, alpha=0.1, jobs=1)  # doctest: +SKIP
    >>> r.cell("1", "adam-prox").run.exact_zero > 0  # doctest: +SKIP
    True
    """
    import math
    import numbers

    from lksym.errors import InputError

    import importlib.util

    try:
        import torch  # noqa: F401
        if importlib.util.find_spec("sklearn") is None:  # found, not imported: only its digits file is read
            raise ImportError("No module named 'sklearn'", name="sklearn")
    except ImportError as error:
        raise InputError(f"lksym train needs PyTorch and scikit-learn ({error.name or 'a module'} is missing): "
                         f"{TRAIN_INSTALL}") from None
    from lksym.training import grid as train_grid
    from lksym.training.model import EPOCHS, OPTIMISERS

    def whole(name, value, low):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
            raise InputError(f"{name} must be an integer >= {low}, got {value!r}")
        return int(value)

    epochs = whole("epochs", EPOCHS if epochs is None else epochs, 1)
    if epochs > 10_000:
        raise InputError(f"epochs must be at most 10000, got {epochs}")
    seed = whole("seed", seed, 0)
    jobs = whole("jobs", cores() if jobs is None else jobs, 1)
    if alpha is not None:
        if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real) or not (math.isfinite(alpha) and alpha > 0):
            raise InputError(f"alpha must be a positive finite number, got {alpha!r}")
        alpha = float(alpha)
    opts = list(dict.fromkeys(str(o).strip().lower() for o in optimizers)) or list(OPTIMISERS)
    for o in opts:
        if o not in OPTIMISERS:
            raise InputError(f"unknown optimizer {o!r}: choose from {', '.join(OPTIMISERS)}")
    given = [str(p).strip() for p in penalties]
    texts: list = []
    for text in given or list(train_grid.PENALTIES):
        if text.lower() == "none":
            continue  # the baseline is always run
        texts.append(text)
    if given and not texts and not all(t.lower() == "none" for t in given):
        raise InputError("give at least one penalty")
    checked = []
    for text in texts:
        train_grid.check_penalty(text)
        if text not in checked:
            checked.append(text)
    if out_dir is not None:  # a folder that cannot be replaced is refused before minutes of training
        from lksym.writers.train import check_out

        check_out(Path(out_dir))
    jobs = min(jobs, cores())
    result = train_grid.run_grid(checked, opts, epochs, seed, alpha, jobs, progress)
    if out_dir is not None:
        from lksym.writers.train import write_train

        write_train(result, out_dir, jobs)
    return result


def export_module(subject, to: str, out: Optional[os.PathLike | str] = None) -> tuple[str, Optional[Path]]:
    """What ``lksym export PENALTY --to torch|numpy [--out FILE]`` does: the module's text, and where it was written.

    The text is :func:`lksym.writers.export.module_source` of the analysed penalty.  With
    ``out`` it is written atomically (:func:`lksym.fileio.write_atomic`), replacing only a file
    that ``lksym export`` wrote before; without, only returned.  Nothing imports torch here.

    Raises
    ------
    lksym.errors.InputError
        A bad penalty or backend, a file in the way that lksym did not write, or a penalty whose
        derived expressions cannot be printed as code.

    Examples
    --------
    >>> text, path = export_module("l1", "numpy")
    >>> text.startswith('\"\"\"Generated by lksym export'), "import sympy" in text, path
    (True, False, None)
    """
    from lksym.errors import InputError
    from lksym.fileio import write_atomic
    from lksym.numerics.kernel import kernel
    from lksym.results import analyze
    from lksym.writers.export import BACKENDS, MARK, module_source

    if to not in BACKENDS:
        raise InputError(f"--to must be one of {', '.join(BACKENDS)}, not {to!r}")
    a = analyze(subject)
    try:
        text = module_source(kernel(a), to, command=f"lksym export '{a.subject.text}' --to {to}")
    except (TypeError, ValueError, NotImplementedError, StopIteration) as error:
        raise InputError(f"{a.subject.text[:60]}: lksym cannot print this penalty as {to} code "
                         f"({type(error).__name__}: {str(error).splitlines()[0][:80] if str(error) else ''})") from None
    if out is None:
        return text, None
    marker = MARK.encode("utf-8")
    return text, write_atomic(Path(out), text, ours=lambda old: old.startswith(marker))


DYNAMICS_STARTS = ("-1", "-0.3", "-0.05", "0.05", "0.3", "1")
"""Default starting weights of ``lksym dynamics`` (those of ``lksym simulate``: both signs, small and large)."""

DYNAMICS_STEPS = 1000

MAX_STARTS = 20


def dynamics(penalty, *, optimizer: str = "sgd", lr=None, alpha="1", momentum=None, dampening=None, betas=None,
             eps=None, amsgrad: bool = False, weight_decay=None, smoothing=None, data=None, starts=None,
             steps: int = DYNAMICS_STEPS, exact_steps: int = 0):
    r"""What ``optimizer`` does to a weight under :math:`\alpha p(w)` (plus ``data``): exact facts and trajectories.

    Parameters
    ----------
    penalty : str, number or Penalty
        Anything :func:`lksym.derivation.penalty.parse_subject` reads (``"1.5"``, ``"scad(lam=1, a=3.7)"``).
    optimizer : str
        One of :data:`lksym.derivation.optimizers.NAMES`; its parameters as :mod:`torch.optim` names them
        (``smoothing`` is RMSprop's ``alpha``).  Every number is exact text (``"1/100"``) or a number.
    alpha : exact number text
        The penalty's strength, positive.
    data : str, optional
        ``"quadratic(c=C, target=T)"``: the data term :math:`\tfrac c2 (w-T)^2`.
    starts : iterable of exact number texts, optional
        Starting weights (default :data:`DYNAMICS_STARTS`).
    steps : int
        Float64 steps simulated (1 to 200000).
    exact_steps : int
        Exact rational steps per start (0: none; only ``sgd``, ``momentum``, ``nesterov``, ``prox-sgd``).

    Returns
    -------
    lksym.dynamics_result.Dynamics

    Examples
    --------
    >>> d = dynamics("3", optimizer="adam", lr="1/100", eps="0", starts=["0.3"], steps=20000)
    >>> d.fact("two-cycle").value, abs(float(d.path[-1, 0])) < 1e-7
    (['1/3800'], True)
    """
    from lksym.derivation.exact_steps import MAX_EXACT_STEPS
    from lksym.derivation.expr import parse_real
    from lksym.derivation.optimizers import optimizer as build, parse_data
    from lksym.derivation.penalty import parse_subject
    from lksym.errors import InputError
    from lksym.numerics.rejudge import dynamics_of

    subject = parse_subject(penalty)
    opt = build(optimizer, lr=lr, momentum=momentum, dampening=dampening, betas=betas, eps=eps, amsgrad=amsgrad,
                weight_decay=weight_decay, smoothing=smoothing)
    alpha_value = parse_real(str(alpha), "alpha", positive=True)
    data_term = parse_data(data)
    texts = DYNAMICS_STARTS if starts is None or len(tuple(starts)) == 0 else tuple(starts)
    if len(texts) > MAX_STARTS:
        raise InputError(f"give at most {MAX_STARTS} starts (--w0), got {len(texts)}")
    exact_starts = tuple(parse_real(str(s), "w0") for s in texts)
    if any(abs(float(s)) > 1e6 for s in exact_starts):
        raise InputError("w0 must be at most 1e6 in size")
    if not (isinstance(steps, int) and 1 <= steps <= 200_000):
        raise InputError(f"steps must be an integer from 1 to 200000, got {steps!r}")
    if not (isinstance(exact_steps, int) and 0 <= exact_steps <= MAX_EXACT_STEPS):
        raise InputError(f"exact steps must be an integer from 0 to {MAX_EXACT_STEPS}, got {exact_steps!r}")
    for name, value in (("lr", opt.lr), ("alpha", alpha_value)):
        if not float(value) >= 1e-300:
            raise InputError(f"{name} = {value} is too small to simulate in float64 (at least 1e-300)")
    return dynamics_of(subject, opt, alpha_value, data_term, exact_starts, steps, exact_steps)


def dynamics_command(penalty, *, as_json: bool = False, figure=None, **options) -> str:
    """What ``lksym dynamics`` prints; with ``figure`` (a ``.svg`` or ``.png`` path) also draws every optimiser side by side.

    The figure's other panels run each optimiser at its defaults with the same ``lr``, ``alpha``, data,
    starts and steps; the chosen one keeps every option given.  Everything is computed before the figure
    is written (atomically).
    """
    from pathlib import Path

    from lksym.derivation.optimizers import NAMES
    from lksym.errors import InputError
    from lksym.writers.dynamics import dumps, summary

    if figure is not None and Path(figure).suffix.lower() not in (".svg", ".png"):
        raise InputError(f"--figure must end in .svg or .png, got {figure!r}")
    d = dynamics(penalty, **options)
    text = dumps(d) if as_json else summary(d)
    if figure is not None:
        from lksym.fileio import write_atomic
        from lksym.writers.dynamics import figure_bytes

        shared = {key: options[key] for key in ("lr", "alpha", "data", "starts", "steps") if key in options}
        panels = [d if name == d.optimizer.name else dynamics(d.penalty, optimizer=name, **shared) for name in NAMES]
        fmt = Path(figure).suffix.lower()[1:]
        write_atomic(Path(figure), figure_bytes(panels, fmt),
                     ours=lambda old: old.lstrip().startswith((b"<?xml", b"<svg", b"\x89PNG")))
    return text
