"""The ``lksym`` command line: parse options, call the library once, report errors.

Only :mod:`click` is imported at start-up; each command imports what it needs,
so ``lksym --help`` stays as fast as a bare ``import click``.
Exit codes: 0 success, 1 a check failed, 2 bad input.
"""

from __future__ import annotations

import sys

import click

from . import __version__
from .errors import InputError

K_HELP = "Exponent k > 0: an integer (3), a fraction (3/2), a decimal (1.5 = 3/2 exactly) or sqrt(2), pi, 1+1/3."


class LksymGroup(click.Group):
    """Turns library input errors into click usage errors (exit code 2, one line)."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except InputError as error:
            raise click.UsageError(str(error), ctx) from None


@click.group(cls=LksymGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="lksym")
def main() -> None:
    """Exact analysis of the weight penalty alpha * mean(|w_i|^k), for any k > 0.

    \b
    Examples:
      lksym analyze --k 1.5          readable summary of |w|^1.5
      lksym analyze --k 3/2 --json   every derived fact as JSON
      lksym report --k 1.5           Markdown report + figures in reports/k-1.5/
    """


@main.command()
@click.option("--k", "k", required=True, metavar="K", help=K_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (keys documented in the README).")
def analyze(k: str, as_json: bool) -> None:
    """Derive the penalty |w|^K, its gradient and curvature, limits, smoothness, convexity and sparsity."""
    from .analysis import analyze as run

    result = run(k)
    if as_json:
        from .jsonout import dumps

        click.echo(dumps(result))
    else:
        from .terminal import summary

        click.echo(summary(result))


@main.command()
@click.option("--k", "ks", required=True, multiple=True, metavar="K", help=K_HELP + " Repeat for several.")
@click.option(
    "--out",
    "out_dir",
    default="reports",
    show_default=True,
    type=click.Path(file_okay=False, writable=True),
    help="Folder that receives one k-<K>/ folder per k and an index README.md.",
)
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, help="Worker processes [default: one per core].")
def report(ks: tuple[str, ...], out_dir: str, jobs: int | None) -> None:
    """Write a Markdown report with figures for each K; print each report's path."""
    from .api import write_reports

    def progress(done: int, total: int, path) -> None:
        if total > 1:
            click.echo(f"[{done}/{total}] {path}", err=True)

    for path in write_reports(ks, out_dir, jobs=jobs, progress=progress):
        click.echo(str(path))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
