"""The ``lksym`` command line: parse options, call the library once, report errors.

Only :mod:`click` is imported at start-up; each command imports what it needs,
so ``lksym --help`` stays as fast as a bare ``import click``.
Exit codes: 0 success, 1 a check failed, 2 bad input, 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import os
import re
import sys

import click

from lksym import __version__
from lksym.errors import InputError, LksymError

K_HELP = "Exponent k > 0: an integer (3), a fraction (3/2), a decimal (1.5 = 3/2 exactly) or sqrt(2), pi, 1+1/3."


PENALTY_TEXT = """\b
PENALTY is what to analyse:
  1.5, 3/2, sqrt(2)        |w|^k with that exact k (--k K says the same)
  k                        the symbolic family, one case per range of k
  l1, l2, l0, elastic_net(l1=A, l2=B), scad(lam=L, a=A), mcp(lam=L, gamma=G),
  logsum(eps=E), capped_l1(theta=T), huber(delta=D)
                           the catalogue, exact parameters as keywords
  'log(1 + abs(w)/0.1)'    any even expression in w
"""


def subjects_option(f):
    """Positional ``PENALTY`` arguments and the repeatable ``--k``: what a command analyses."""
    f = click.option("--k", "ks", multiple=True, metavar="K", help=K_HELP + " Same as a positional PENALTY; repeatable.")(f)
    return click.argument("penalties", nargs=-1, metavar="[PENALTY]...")(f)


def given(penalties: tuple[str, ...], ks: tuple[str, ...], *, one: bool = False, optional: bool = False) -> tuple[str, ...]:
    """The subjects given, positional first, then ``--k``; one line of error when there are none (or several where one is meant)."""
    subjects = tuple(penalties) + tuple(ks)
    if not subjects and not optional:
        raise InputError("give a PENALTY (e.g. 1.5 or 'scad(lam=1, a=3.7)') or --k K")
    if one and len(subjects) > 1:
        raise InputError(f"give one PENALTY (or --k), got {len(subjects)}: {', '.join(subjects)}")
    return subjects


def out_option(receives: str):
    """The ``--out`` folder option, default ``reports/``."""
    return click.option(
        "--out",
        "out_dir",
        default="reports",
        show_default=True,
        type=click.Path(file_okay=False, writable=True),
        help=f"Folder that receives {receives}.",
    )


class Integer(click.ParamType):
    """An integer option read like k and lam are: ASCII digits only (``١٢`` is refused), within bounds.

    A bad value is one ``Error:`` line and exit code 2, like every other bad input
    (see :class:`LksymGroup`).
    """

    name = "integer"

    def __init__(self, min: int | None = None, max: int | None = None) -> None:
        self.min, self.max = min, max

    def convert(self, value, param, ctx):
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        else:
            text = str(value).strip()
            if not re.fullmatch(r"[+-]?[0-9]+", text):
                self.fail(f"{value!r} is not an integer (ASCII digits, e.g. 3)", param, ctx)
            number = int(text)
        if self.min is not None and number < self.min:
            self.fail(f"{number} is below the smallest allowed value {self.min}", param, ctx)
        if self.max is not None and number > self.max:
            self.fail(f"{number} is above the largest allowed value {self.max}", param, ctx)
        return number

    def __repr__(self) -> str:
        return f"Integer({self.min}, {self.max})"


class Seconds(click.ParamType):
    """A positive number of seconds in ASCII digits (``5``, ``0.5``, ``1e3``), or ``inf`` for no limit."""

    name = "seconds"

    def convert(self, value, param, ctx):
        import math

        if isinstance(value, (int, float)) and not isinstance(value, bool):
            number = float(value)
        else:
            text = str(value).strip()
            if not re.fullmatch(r"\+?(inf|infinity|(\d+\.?\d*|\.\d+)(e[+-]?\d+)?)", text, re.IGNORECASE | re.ASCII):
                self.fail(f"{value!r} is not a number of seconds (e.g. 5, 0.5 or inf)", param, ctx)
            number = float(text)
        if not number > 0 or math.isnan(number):
            self.fail(f"{value!r} must be positive", param, ctx)
        return number


def image_options(f):
    """``--format svg|png`` and ``--dpi`` for the commands that draw figures."""
    f = click.option("--dpi", type=Integer(min=20, max=1200), default=None, metavar="N",
                     help="Resolution of PNG figures [default: 150].")(f)
    return click.option("--format", "image_format", type=click.Choice(["svg", "png"]), default="svg",
                        show_default=True, help="Format of the figures; the Markdown links them.")(f)


class BadInput(click.ClickException):
    """A value the user gave is not acceptable: one ``Error:`` line and exit code 2.

    Unlike :class:`click.UsageError` no usage block is printed: the options were
    well formed, their value is what is wrong, and the message says why.
    """

    exit_code = 2

    def show(self, file=None) -> None:
        try:
            super().show(file)
        except BrokenPipeError:  # `lksym analyze 'bogus(' 2>&1 | true`: still bad input (2), not click's 1
            pass


class LksymCommand(click.Command):
    """A command that refuses a single-value option given twice instead of silently keeping the last one."""

    def parse_args(self, ctx, args):
        try:
            _, _, order = self.make_parser(ctx).parse_args(args=list(args))
        except click.NoSuchOption as error:
            # "-abs(w)" or "-1" read as options: say how to pass a penalty that starts with a minus sign.
            typed = next((a for a in args if a.startswith(error.option_name) and a != error.option_name), None)
            if typed is not None and re.search(r"[(w0-9]", typed[1:]):
                raise BadInput(f"{typed!r} reads as an option; put -- before a penalty that starts with "
                               f"'-': lksym {ctx.info_name} -- {typed!r}") from None
            raise
        for param in dict.fromkeys(order):
            if isinstance(param, click.Option) and not (param.multiple or param.is_flag or param.count):
                times = sum(p is param for p in order)
                if times > 1:
                    raise BadInput(f"option {param.opts[0]} given {times} times; give it once")
        return super().parse_args(ctx, args)


EXIT_BROKEN_PIPE = 141
"""Exit code when the reader of stdout leaves early: 128 + SIGPIPE, what a shell reports for ``yes | true``."""


class LksymGroup(click.Group):
    """Turns library errors into one-line messages: bad input and unwritable outputs exit 2, other failures 1."""

    command_class = LksymCommand

    def make_context(self, info_name, args, parent=None, **extra):
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except BrokenPipeError:  # `lksym --help | true`: written while parsing, before any command runs
            raise SystemExit(EXIT_BROKEN_PIPE) from None
        except OSError as error:  # `lksym --help > /dev/full`
            raise BadInput(f"cannot write: {error.strerror or error}") from None

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            # Ctrl-C: the shell's convention (128 + SIGINT), not click's "Aborted!" and 1 (a failed check here).
            click.echo("Interrupted.", err=True)
            raise SystemExit(130) from None
        except click.MissingParameter:
            raise  # a usage error: the usage block helps
        except click.BadParameter as error:  # a malformed option value: one line, like any bad value
            raise BadInput(error.format_message()) from None
        except InputError as error:
            raise BadInput(str(error)) from None
        except LksymError as error:  # a failure lksym noticed, not the user's input: exit code 1
            raise click.ClickException(str(error)) from None
        except BrokenPipeError:
            # `lksym verify ... | true`: the reader left, which is neither bad input nor a failed check.
            # Quietly, with the code a shell shows for a command killed by SIGPIPE, as `git log | true` gives.
            raise SystemExit(EXIT_BROKEN_PIPE) from None
        except OSError as error:
            # An --out folder that cannot be written is bad input too: say which path and why.
            where = f" {error.filename}" if error.filename else ""
            raise BadInput(f"cannot write{where}: {error.strerror or error}") from None
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as error:  # noqa: BLE001 - a bug of lksym's: one line and exit 1, the traceback on request
            if os.environ.get("LKSYM_DEBUG"):
                raise
            text = " ".join(str(error).split())[:200]
            raise click.ClickException(f"internal error ({type(error).__name__}{': ' + text if text else ''}); "
                                       "please report it with the command (LKSYM_DEBUG=1 shows the traceback)") from None


@click.group(cls=LksymGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="lksym")
def main() -> None:
    """Exact analysis of the weight penalty alpha * mean(p(w_i)): |w|^k for any k > 0, or any other penalty.

    \b
    Examples:
      lksym analyze 1.5                     readable summary of |w|^1.5 (or --k 1.5)
      lksym analyze 3/2 --json              every derived fact as JSON
      lksym report --k 1.5                  Markdown report + figures in reports/k-1.5/
      lksym analyze "scad(lam=1, a=3.7)"    SCAD: breakpoints, Fan and Li's properties, prox
      lksym compare 1 1.5 "mcp(lam=1, gamma=3)"
    """


@main.command(epilog=PENALTY_TEXT)
@subjects_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (keys documented in the README); a list of them for several.")
def analyze(penalties: tuple[str, ...], ks: tuple[str, ...], as_json: bool) -> None:
    """Derive each PENALTY's gradient and curvature, limits, breakpoints, smoothness, convexity, sparsity and prox.

    Several: one summary each (a JSON list with --json), equal ones once.
    """
    from lksym.api import analyze_text

    click.echo(analyze_text(given(penalties, ks), as_json=as_json))


@main.command(epilog=PENALTY_TEXT)
@subjects_option
@out_option("one folder per penalty (k-<K>/, scad-lam-1-a-3.7/, ...) and an index README.md")
@click.option("--jobs", "-j", type=Integer(min=1), default=None, help="Processes that draw the figures while this one derives [default and at most: one per core available]; 1 does all in one process.")
@image_options
def report(penalties: tuple[str, ...], ks: tuple[str, ...], out_dir: str, jobs: int | None, image_format: str, dpi: int | None) -> None:
    """Write a Markdown report with figures for each PENALTY; print each report's path.

    PENALTY may also be the letter k: the general report, a case analysis over every k > 0.
    """
    ks = given(penalties, ks)
    from lksym.api import write_reports

    def progress(done: int, total: int, path) -> None:
        if total > 1:
            click.echo(f"[{done}/{total}] {path}", err=True)

    for path in write_reports(ks, out_dir, jobs=jobs, progress=progress, image_format=image_format, dpi=dpi):
        click.echo(str(path))


@main.command(epilog=PENALTY_TEXT)
@subjects_option
@out_option("compare.md, its figures in compare/ and the index README.md")
@image_options
def compare(penalties: tuple[str, ...], ks: tuple[str, ...], out_dir: str, image_format: str, dpi: int | None) -> None:
    """Compare several PENALTY on one page: overlaid penalties, gradients, shrinkage maps and a table of facts.

    With none: the article's 0.5, 1, 1.5, 2, 3, 10.
    """
    from lksym.app.compare import write_compare

    ks = given(penalties, ks, optional=True)
    click.echo(str(write_compare(ks, out_dir, image_format, dpi)))


@main.command(epilog=PENALTY_TEXT)
@subjects_option
@click.option("--penalty", "claimed_penalties", multiple=True, metavar="EXPR", help="Claimed |w|^K in w, e.g. 'w^2' or '|w|^1.5'. Repeatable.")
@click.option("--gradient", "gradients", multiple=True, metavar="EXPR",
              help="Claimed derivative for w != 0, e.g. '3/2*sign(w)*sqrt(|w|)'. Repeatable.")
@click.option("--curvature", "curvatures", multiple=True, metavar="EXPR", help="Claimed second derivative for w != 0. Repeatable.")
@click.option("--limit", "limits", multiple=True, metavar="PART@POINT=VALUE",
              help="Claimed one-sided limit, e.g. gradient@0+=oo (points 0+, 0-, +oo, -oo). Repeatable.")
@click.option("--prox", "proxes", multiple=True, metavar="EXPR",
              help="Claimed prox of lam*|x|^K in z and lam, e.g. 'sign(z)*Max(abs(z)-lam, 0)' for K = 1. Repeatable.")
@click.option("--budget", type=Seconds(), default=15.0, show_default=True,
              help="Seconds per claim before the exact check gives way to 50-digit evaluation (inf: no limit).")
@click.option("--json", "as_json", is_flag=True, help="Print the verdicts as one JSON object.")
@click.pass_context
def verify(ctx, penalties, ks, claimed_penalties, gradients, curvatures, limits, proxes, budget, as_json) -> None:
    """Check hand-derived formulas (for all w != 0) and limits; exit 1 with a counterexample if one is wrong.

    Every claim is checked, repeated ones too (two --gradient: two verdicts).
    """
    import json
    from dataclasses import replace
    from itertools import zip_longest

    from lksym.verify import verify as run

    # verify() takes one claim per part: a repeated part is checked in a further call, in the order given.
    (k,) = given(penalties, ks, one=True)
    rounds = list(zip_longest(claimed_penalties, gradients, curvatures, proxes)) or [(None, None, None, None)]
    results = [
        run(k, penalty=p, gradient=g, curvature=c, limits=limits if i == 0 else (), prox=x, budget=budget)
        for i, (p, g, c, x) in enumerate(rounds)
    ]
    result = replace(results[0], claims=tuple(v for r in results for v in r.claims))
    click.echo(json.dumps(result.to_dict(), indent=2) if as_json else result.lines())
    if not result.all_hold:
        ctx.exit(1)


@main.command(epilog=PENALTY_TEXT)
@subjects_option
@out_option("fit.md, its histograms in fit/ and the index README.md")
@click.option("--seed", type=Integer(min=0), default=0, show_default=True, help="Seed of the synthetic regression data.")
@image_options
def fit(penalties: tuple[str, ...], ks: tuple[str, ...], out_dir: str, seed: int, image_format: str, dpi: int | None) -> None:
    """Fit a sparse linear regression with each PENALTY (plain and proximal GD); report zeros, errors and jitter.

    With none: 0.5, 1, 1.5, 2, 3 (the published fit.md).
    """
    from lksym.api import distinct
    from lksym.numerics.fitting import OPTIMISERS
    from lksym.app.fit import write_fit
    from lksym.writers.fit import FIT_KS

    ks = given(penalties, ks, optional=True)
    # Validate every penalty before the bar appears: bad input must fail fast with exit 2.
    count = len(distinct(ks or FIT_KS)) * len(OPTIMISERS)
    with click.progressbar(length=count, label="fitting", file=sys.stderr) as bar:
        path = write_fit(ks, out_dir, seed=seed, progress=lambda: bar.update(1), image_format=image_format, dpi=dpi)
    click.echo(str(path))


@main.command()
@out_option("every committed page: the article's k reports, the symbolic report, compare.md, fit.md, the index")
def regenerate(out_dir: str) -> None:
    """Rebuild everything under reports/ (CI checks that nothing changes); print each page written."""
    from lksym.regenerate import regenerate as run

    for path in run(out_dir, progress=lambda target: click.echo(f"{target.name}: {target.command}", err=True)):
        click.echo(str(path))


@main.command(epilog=PENALTY_TEXT)
@subjects_option
@click.option("--lam", "lam", default="1", show_default=True, metavar="L",
              help="Prox strength lam > 0 (exact: 0.1 = 1/10); 1 is the strength the reports' shrinkage maps use.")
@click.option("--z", "z", required=True, metavar="Z", help="The input z, any real number.")
@click.option("--json", "as_json", is_flag=True, help='Print {"value", "exact", "threshold", "threshold_exact"}.')
def prox(penalties: tuple[str, ...], ks: tuple[str, ...], lam: str, z: str, as_json: bool) -> None:
    """Proximal step of lam*PENALTY at z: argmin 1/2 (x - z)^2 + lam p(x), exact where possible."""
    from lksym.app.prox import prox_command

    click.echo(prox_command(given(penalties, ks, one=True)[0], lam, z, as_json=as_json))


@main.command(epilog=PENALTY_TEXT)
@subjects_option
@click.option("--eta", "eta", default="0.1", show_default=True, metavar="E",
              help="Step size eta > 0; 0.1 is the step the reports' gradient-descent figures use.")
@click.option("--steps", type=Integer(min=1, max=100_000), default=200, show_default=True, help="Steps to run.")
@click.option(
    "--out",
    "out_dir",
    default=".",
    show_default=True,
    type=click.Path(file_okay=False, writable=True),
    help="Folder that receives simulate-k-<K>-eta-<E>.svg: the current folder unless given, never reports/ "
    "(that folder holds the committed pages).",
)
def simulate(penalties: tuple[str, ...], ks: tuple[str, ...], eta: str, steps: int, out_dir: str) -> None:
    """Plain gradient descent w <- w - E p'(w) on PENALTY from six starts; plot and summarise."""
    from lksym.app.simulate import run_simulation

    path, lines = run_simulation(given(penalties, ks, one=True)[0], eta, steps, out_dir)
    click.echo(path)
    for line in lines:
        click.echo(line)


DYNAMICS_EPILOG = PENALTY_TEXT + """
\b
OPTIMIZER (torch.optim's update rules and names; lr defaults to 1/100 for all, so they compare at one step):
  sgd        --lr --weight-decay
  momentum   --lr --momentum (9/10) --dampening (0) --weight-decay      heavy ball, PyTorch's convention
  nesterov   --lr --momentum (9/10) --weight-decay
  adam       --lr --betas (0.9 0.999) --eps (1e-8) --amsgrad --weight-decay (coupled, as torch's Adam)
  adamw      --lr --betas --eps --amsgrad --weight-decay (1/100, decoupled)
  rmsprop    --lr --smoothing (0.99: torch's RMSprop 'alpha', renamed: --alpha is the penalty's) --eps --weight-decay
  prox-sgd   --lr                                     w <- prox_{lr*alpha*p}(w - lr*g_data)
  adam-prox  --lr --betas --eps --amsgrad             Adam on the data gradient, then prox_{lr*alpha*p}
\b
Examples:
  lksym dynamics 3 --optimizer adam --eps 0 --w0 0.3 --steps 20000
  lksym dynamics 1 --optimizer prox-sgd --lr 1/100 --alpha 1/2 --exact-steps 10
  lksym dynamics 1.5 --optimizer momentum --data 'quadratic(c=1, target=0.5)' --json
"""


@main.command(epilog=DYNAMICS_EPILOG)
@subjects_option
@click.option("--optimizer", "optimizer", default="sgd", show_default=True, metavar="NAME",
              help="sgd, momentum, nesterov, adam, adamw, rmsprop, prox-sgd or adam-prox (see below).")
@click.option("--lr", default=None, metavar="LR", help="Step size > 0, exact (1/100 = 0.01) [default: 1/100].")
@click.option("--alpha", default="1", show_default=True, metavar="A", help="The penalty's strength alpha > 0 (loss alpha*p(w)).")
@click.option("--momentum", default=None, metavar="MU", help="momentum/nesterov: 0 <= MU < 1 [default: 9/10].")
@click.option("--dampening", default=None, metavar="D", help="momentum: 0 <= D <= 1 [default: 0].")
@click.option("--betas", nargs=2, default=None, metavar="B1 B2", help="adam, adamw, adam-prox: 0 <= B < 1 [default: 0.9 0.999].")
@click.option("--eps", default=None, metavar="EPS", help="adam, adamw, adam-prox, rmsprop: EPS >= 0 [default: 1e-8].")
@click.option("--amsgrad", is_flag=True, default=None, help="adam, adamw, adam-prox: divide by the largest v seen.")
@click.option("--weight-decay", "weight_decay", default=None, metavar="WD",
              help="WD >= 0: coupled (added to the gradient) except for adamw (decoupled) [default: 0; adamw 1/100].")
@click.option("--smoothing", "--rho", "smoothing", default=None, metavar="RHO",
              help="rmsprop's smoothing constant, torch's RMSprop 'alpha' (renamed: --alpha is the penalty's) [default: 0.99].")
@click.option("--data", default=None, metavar="'quadratic(c=C, target=T)'", help="Add the data term C/2 (w - T)^2 to the loss.")
@click.option("--w0", "starts", multiple=True, metavar="W", help="A starting weight (exact); repeatable [default: -1 -0.3 -0.05 0.05 0.3 1].")
@click.option("--steps", type=Integer(min=1, max=200_000), default=1000, show_default=True, help="Float64 steps to simulate.")
@click.option("--exact-steps", "exact_steps", type=Integer(min=0, max=1000), default=0, show_default=True,
              help="Also run this many steps in exact rationals (sgd, momentum, nesterov, prox-sgd).")
@click.option("--figure", default=None, type=click.Path(dir_okay=False), metavar="FILE.svg|png",
              help="Draw |w_t| for every optimiser side by side (this one with its options, the others at defaults).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object: every fact and every trajectory.")
def dynamics(penalties, ks, optimizer, lr, alpha, momentum, dampening, betas, eps, amsgrad, weight_decay, smoothing,
             data, starts, steps, exact_steps, figure, as_json) -> None:
    """What an optimiser does to a weight under alpha*PENALTY: exact facts and simulated trajectories.

    Exact facts (SymPy): scaling in alpha, the first step, the symmetric two-cycle and whether it attracts
    (multipliers of the two-step map in the optimiser's full state), fixed points with --data, steps to an
    exact zero for the proximal optimisers.  Then the exact update rules in float64 from each --w0 and what
    each trajectory does in the long run: exact zero, converges, two-cycle, cycle of period N, chaotic, diverges.
    """
    from lksym.api import dynamics_command

    (penalty,) = given(penalties, ks, one=True)
    click.echo(dynamics_command(penalty, as_json=as_json, figure=figure, optimizer=optimizer, lr=lr, alpha=alpha,
                                momentum=momentum, dampening=dampening, betas=betas, eps=eps, amsgrad=bool(amsgrad),
                                weight_decay=weight_decay, smoothing=smoothing, data=data, starts=starts,
                                steps=steps, exact_steps=exact_steps))


@main.command()
@click.argument("penalties", nargs=-1, metavar="[PENALTY]...")
@out_option("explore.html (and a link in the index README.md if there is one)")
def explore(penalties: tuple[str, ...], out_dir: str) -> None:
    """Write one self-contained HTML page: sliders for k, lam and eta, penalties overlaid (zoom, pan, the values
    under the cursor), live plots and the derived facts with Fan and Li's properties.

    PENALTY names the penalties in the picker: power (|w|^k, always there) and the catalogue's elastic_net,
    scad, mcp, logsum, capped_l1, huber, l0 (default: all).
    """
    from lksym.app.explore import write_explore

    click.echo(str(write_explore(penalties, out_dir)))


@main.command(epilog=PENALTY_TEXT)
@subjects_option
@click.option("--to", "to", type=click.Choice(["torch", "numpy"]), required=True,
              help="The library the module uses (it imports only it and math; no lksym, no SymPy).")
@click.option("--out", "out", default=None, metavar="FILE", type=click.Path(dir_okay=False),
              help="Write the module to FILE (atomically; only a file lksym export wrote is replaced) "
                   "instead of printing it.")
def export(penalties: tuple[str, ...], ks: tuple[str, ...], to: str, out: str | None) -> None:
    """Write a standalone Python module with penalty(w), gradient(w), prox(z, lam) for PENALTY.

    \b
    Generated by SymPy's code printers from the derived expressions: the exact
    proximal step (closed form, or a vectorised bracketing solver of the derived
    stationarity equation), gradient 0 at w = 0, the left piece at a breakpoint,
    ties at a jump to the smaller |x|.  The header states the formulas and conventions.
      lksym export "scad(lam=1, a=3.7)" --to torch --out scad.py
      lksym export 0.5 --to numpy
    """
    from lksym.api import export_module

    text, path = export_module(given(penalties, ks, one=True)[0], to, out)
    click.echo(text if path is None else str(path), nl=path is not None)


@main.command(epilog=PENALTY_TEXT)
@click.option("--penalty", "penalties", multiple=True, metavar="PENALTY",
              help="A penalty to train with (repeatable; 'none' is the baseline, always run) "
                   "[default: 0.5 1 1.5 2 3 10 scad(lam=1, a=3.7) mcp(lam=1, gamma=3) logsum(eps=0.1)].")
@click.option("--optimizer", "optimizers", multiple=True, metavar="NAME",
              help="sgd, adam, adamw or adam-prox (repeatable) [default: all four].")
@click.option("--epochs", type=Integer(min=1, max=10_000), default=None, metavar="N", help="Passes over the training images [default: 20].")
@click.option("--alpha", default=None, metavar="A",
              help="One strength for every penalty, per weight (e.g. 0.001) [default: the largest of three that keeps "
                   "test accuracy within 2 points of the baseline].")
@click.option("--seed", type=Integer(min=0), default=0, show_default=True, help="Seed of the split, the initialisation and the batches.")
@click.option("--jobs", "-j", type=Integer(min=1), default=None, help="Processes, one thread each [default: one per core].")
@click.option("--out", "out_dir", default=None, type=click.Path(file_okay=False, writable=True),
              help="Write train.md, train.json and the figures in train/ there (e.g. reports/train).")
@click.option("--json", "as_json", is_flag=True, help="Print every figure and setting as one JSON object.")
def train(penalties, optimizers, epochs, alpha, seed, jobs, out_dir, as_json) -> None:
    """Train a small MLP on the digits with each penalty and optimiser; predictions beside observations.

    Needs PyTorch and scikit-learn (pip install -e '.[train]').
    """
    from lksym.api import train as run_train

    value = None
    if alpha is not None:
        text = str(alpha).strip()
        if not re.fullmatch(r"\+?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?", text, re.IGNORECASE | re.ASCII):
            raise BadInput(f"--alpha {alpha!r} is not a positive number (e.g. 0.001)")
        value = float(text)
    bars: list = []  # the bar appears once the grid's size is known, on a terminal only

    def progress(done: int, total: int) -> None:
        if sys.stderr.isatty():
            if not bars:
                bars.append(click.progressbar(length=total, label="training", file=sys.stderr))
            bars[0].update(1)

    try:
        result = run_train(penalties, optimizers, epochs=epochs, alpha=value, seed=seed, jobs=jobs,
                           out_dir=out_dir, progress=progress)
    finally:
        if bars:
            bars[0].render_finish()
    if as_json:
        from lksym.writers.train import to_json

        click.echo(to_json(result))
    else:
        from lksym.writers.train import summary

        click.echo(summary(result))
    if out_dir is not None:
        click.echo(str(out_dir).rstrip("/") + "/train.md", err=True)


def run() -> None:
    """The ``lksym`` console command (and ``python -m lksym``): :func:`main`, then a quick exit.

    Once a command is done, tearing the interpreter down (every module, SymPy's caches, every
    object left, one by one) takes 0.1-0.25 s, a fifth of a one-penalty analysis.  Nothing in
    it matters to a finished command: its files are closed and renamed into place, its child
    processes reaped.  So the first steps of Python's own shutdown are taken, in its order
    (``Py_FinalizeEx``): threads started by ``threading`` are waited for (and executors told
    to stop), the exit handlers run (multiprocessing's, ``weakref.finalize``'s, anything a
    library registered), the output streams are flushed; then the process ends with the
    command's exit code.  An unexpected exception in a command is one ``Error: internal
    error (...)`` line and exit 1 (:class:`LksymGroup`; ``LKSYM_DEBUG=1`` shows the traceback).
    """
    import atexit
    import os
    import threading

    for stream in (sys.stdout, sys.stderr):
        # A terminal or pipe that is not UTF-8 (PYTHONIOENCODING=latin-1) gets λ as \u03bb, not a traceback.
        if stream is not None and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    try:
        main()
        code = 0
    except SystemExit as stop:
        code = stop.code
    except KeyboardInterrupt:  # Ctrl-C before a command runs (while Python imports)
        print("Interrupted.", file=sys.stderr)
        code = 130
    if code is None:
        code = 0
    elif not isinstance(code, int):  # sys.exit("message"): what Python itself would do
        print(code, file=sys.stderr)
        code = 1
    if code == 130 and "multiprocessing" in sys.modules:
        # Interrupted at any moment: a child still running (the drawing server ignores SIGINT) would be
        # joined by multiprocessing's exit handler, and wait for work that never comes.
        for child in sys.modules["multiprocessing"].active_children():
            child.terminate()
    shutdown = getattr(threading, "_shutdown", None)  # what the interpreter itself calls first
    if shutdown is not None:
        shutdown()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:  # None: started with the stream closed (`lksym analyze 1.5 >&-`)
                stream.flush()
        except (BrokenPipeError, ValueError):  # `lksym ... | head` closed the pipe; a closed stream
            pass
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
