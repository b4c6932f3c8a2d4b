"""The command line, through click's CliRunner and (for start-up cost) a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import sympy as sp
from click.testing import CliRunner

from lksym import __version__
from lksym.cli import main

W = sp.Symbol("w", real=True)


@pytest.fixture()
def runner() -> CliRunner:
    return CliRunner()


def test_version(runner):
    result = runner.invoke(main, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output


@pytest.mark.parametrize("args", [["--help"], ["analyze", "--help"], ["report", "--help"], ["-h"]])
def test_help_everywhere(runner, args):
    result = runner.invoke(main, args)
    assert result.exit_code == 0
    assert "Usage:" in result.output


def test_analyze_summary(runner):
    result = runner.invoke(main, ["analyze", "--k", "1.5"])
    assert result.exit_code == 0, result.output
    assert "k = 3/2" in result.output
    assert "4/9" in result.output and "9/16" in result.output
    assert "prox of λ|x|^k: only z = 0 maps to 0;" in result.output  # not "zero for |z| <= 0"


def test_analyze_summary_prox_threshold(runner):
    result = runner.invoke(main, ["analyze", "--k", "1"])
    assert "prox of λ|x|^k: 0 for |z| ≤ λ; prox(z) = z − λ above" in result.output


def test_analyze_json_keys_and_values(runner):
    result = runner.invoke(main, ["analyze", "--k", "3/2", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    for key in ("k", "penalty", "gradient", "curvature", "limits", "smoothness", "convex", "sparse"):
        assert key in data
    assert data["k"] == "3/2"
    assert data["limits"]["gradient"] == {"0+": "0", "0-": "0", "+oo": "oo", "-oo": "-oo"}
    assert data["limits"]["curvature"]["0+"] == "oo"
    assert data["smoothness"] == 1
    assert data["convex"] is True and data["sparse"] is False
    gradient = sp.sympify(data["gradient"], locals={"w": W})
    assert sp.simplify(gradient.subs(W, 4) - 3) == 0  # 3/2 * sqrt(4)


def test_analyze_json_even_integer_is_smooth(runner):
    data = json.loads(runner.invoke(main, ["analyze", "--k", "2", "--json"]).output)
    assert data["smoothness"] == "inf"
    assert data["limits"]["curvature"]["0+"] == "2"


@pytest.mark.parametrize(
    "k, words",
    [
        ("0", "positive"),
        ("-1", "positive"),
        ("nan", "nan"),
        ("1e999", "1e999"),
        ("abc", "abc"),
        ("1+2j", "complex"),
        ("", "empty"),
        ("9" * 10_000, "long"),
        ("k", "symbolic"),
        ("__import__('os')", "__import__"),
    ],
)
def test_bad_k_is_one_line_exit_2(runner, k, words):
    result = runner.invoke(main, ["analyze", "--k", k])
    assert result.exit_code == 2
    message = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(message) == 1, result.output
    assert words.lower() in message[0].lower()
    assert "Traceback" not in result.output


def test_report_writes_and_prints_paths(runner, tmp_path):
    result = runner.invoke(main, ["report", "--k", "1.5", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    path = tmp_path / "k-1.5" / "report.md"
    assert result.output.strip() == str(path)
    assert path.exists()
    assert (tmp_path / "README.md").exists()


def test_report_several_k_shows_progress_on_stderr(tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["report", "--k", "1", "--k", "2", "--k", "2.0", "--out", str(tmp_path), "-j", "1"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [str(tmp_path / "k-1" / "report.md"), str(tmp_path / "k-2" / "report.md")]
    assert "[2/2]" in result.stderr


def test_bad_k_in_report_writes_nothing(runner, tmp_path):
    result = runner.invoke(main, ["report", "--k", "2", "--k", "-3", "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert not (tmp_path / "out").exists()


def test_help_does_not_import_sympy_or_matplotlib():
    code = (
        "import sys\n"
        "from lksym.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('sympy', 'matplotlib', 'numpy') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "HEAVY []" in out


def test_module_entry_point():
    result = subprocess.run([sys.executable, "-m", "lksym", "analyze", "--k", "abc"], capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith("Error:")


def test_unwritable_out_is_one_line_exit_2(runner, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = runner.invoke(main, ["report", "--k", "2", "-j", "1", "--out", str(blocker / "sub")])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "cannot write" in errors[0]


def test_failed_drawing_is_one_line_exit_1(runner, tmp_path, monkeypatch):
    import threading

    import lksym.writers.plots

    def broken(name, data):
        raise RuntimeError("disk on fire")

    # The drawing server is forked from this process and inherits the patch (fork needs one thread).
    assert threading.active_count() == 1
    monkeypatch.setattr(lksym.writers.plots, "render_figure", broken)
    result = runner.invoke(main, ["report", "--k", "1.5", "--jobs", "2", "--out", str(tmp_path)])
    assert result.exit_code == 1, result.output
    assert result.output.strip().splitlines() == ["Error: drawing a figure failed: RuntimeError: disk on fire"]
    assert not (tmp_path / "k-1.5").exists()


# --------------------------------------------------------------------------- option values (issue: click's usage block)

@pytest.mark.parametrize(
    "args",
    [
        ["simulate", "--k", "2", "--eta", "0.1", "--steps", "abc"],
        ["simulate", "--k", "2", "--eta", "0.1", "--steps", "١٢"],  # Arabic-Indic digits: refused like for k
        ["simulate", "--k", "2", "--eta", "0.1", "--steps", "0"],
        ["simulate", "--k", "2", "--eta", "0.1", "--steps", "1.5"],
        ["report", "--k", "2", "--jobs", "x"],
        ["report", "--k", "2", "--jobs", "0"],
        ["report", "--k", "2", "--jobs", "٣"],
        ["fit", "--k", "2", "--seed", "x"],
        ["fit", "--k", "2", "--seed", "-1"],
        ["fit", "--k", "2", "--seed", "１"],  # a full-width digit
        ["verify", "--k", "2", "--gradient", "2*w", "--budget", "abc"],
        ["verify", "--k", "2", "--gradient", "2*w", "--budget", "nan"],
        ["verify", "--k", "2", "--gradient", "2*w", "--budget", "-1"],
        ["verify", "--k", "2", "--gradient", "2*w", "--budget", "0"],
        ["verify", "--k", "2", "--gradient", "2*w", "--budget", "٥"],
    ],
)
def test_bad_option_values_are_one_line_exit_2(runner, args, tmp_path):
    result = runner.invoke(main, [*args, "--out", str(tmp_path)] if args[0] in ("report", "fit") else args)
    assert result.exit_code == 2, result.output
    [line] = result.output.strip().splitlines()
    assert line.startswith("Error: Invalid value for '--"), line
    assert list(tmp_path.iterdir()) == []


def test_fit_seed_below_zero_from_python_is_an_input_error(tmp_path):
    from lksym.errors import InputError
    from lksym.app.fit import write_fit

    with pytest.raises(InputError, match="seed must be a non-negative integer"):
        write_fit(["2"], tmp_path, seed=-1)


@pytest.mark.parametrize("budget", ["inf", "1e12", "Infinity"])
def test_verify_budget_without_limit_decides_a_true_claim(runner, budget):
    result = runner.invoke(main, ["verify", "--k", "2", "--gradient", "2*w", "--budget", budget])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "gradient: 2*w  OK (symbolic)"


# --------------------------------------------------------------------------- repeated options

def test_analyze_prints_every_k_once(runner):
    result = runner.invoke(main, ["analyze", "--k", "1.5", "--k", "3", "--k", "3/2"])
    assert result.exit_code == 0, result.output
    heads = [line for line in result.output.splitlines() if line.startswith("k = ")]
    assert [h.split()[2] for h in heads] == ["3/2", "3"]


def test_analyze_json_several_k_is_a_list(runner):
    result = runner.invoke(main, ["analyze", "--k", "1.5", "--k", "3", "--k", "k", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [d["k"] for d in data] == ["3/2", "3", "k"] and "cases" in data[2]
    one = json.loads(runner.invoke(main, ["analyze", "--k", "3", "--json"]).output)
    assert one == data[1]  # one k: the object itself, as before


def test_analyze_several_k_one_bad_prints_nothing(runner):
    result = runner.invoke(main, ["analyze", "--k", "1.5", "--k", "abc"])
    assert result.exit_code == 2
    [line] = result.output.strip().splitlines()
    assert line.startswith("Error: unknown penalty 'abc' (known: ")  # a word: the known names follow


def test_verify_checks_every_repeated_claim(runner):
    result = runner.invoke(
        main,
        ["verify", "--k", "3", "--gradient", "3*w*abs(w)", "--gradient", "2*w", "--curvature", "6*abs(w)",
         "--penalty", "abs(w)^3", "--penalty", "w^3", "--json"],
    )
    assert result.exit_code == 1, result.output
    claims = json.loads(result.output)["claims"]
    assert [(c["part"], c["claim"], c["holds"]) for c in claims] == [
        ("penalty", "abs(w)^3", True), ("gradient", "3*w*abs(w)", True), ("curvature", "6*abs(w)", True),
        ("penalty", "w^3", False), ("gradient", "2*w", False),
    ]


@pytest.mark.parametrize(
    "args",
    [
        ["prox", "--k", "1", "--lam", "1", "--lam", "2", "--z", "1"],
        ["simulate", "--k", "2", "--eta", "0.1", "--eta", "0.2"],
        ["simulate", "--k", "2", "--eta", "0.1", "--steps", "3", "--steps=4"],
        ["verify", "--k", "2", "--gradient", "2*w", "--budget", "1", "--budget", "2"],
        ["fit", "--k", "2", "--seed", "1", "--seed", "2"],
        ["report", "--k", "2", "-j", "1", "--jobs", "2"],
        ["report", "--k", "2", "--out", "a", "--out", "b"],
    ],
)
def test_a_repeated_single_option_is_refused_not_dropped(runner, args):
    # (--k of prox and verify is now "one PENALTY": the tests folded in below hold "give one PENALTY")
    result = runner.invoke(main, args)
    assert result.exit_code == 2, result.output
    [line] = result.output.strip().splitlines()
    assert line.startswith("Error: option --") and "given 2 times; give it once" in line


def _run_code(argv: list[str], before: str = "") -> subprocess.CompletedProcess:
    code = f"import sys\n{before}\nsys.argv = {['lksym', *argv]!r}\nfrom lksym.cli import run\nrun()\n"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)


@pytest.mark.parametrize("argv, code", [(["analyze", "2"], 0), (["analyze", "2", "--json"], 0),
                                        (["analyze", "--k", "abc"], 2), (["analyze"], 2), (["no-such-command"], 2)])
def test_run_keeps_the_exit_code_and_the_whole_output(runner, argv, code):
    """``run`` (the console command) ends the process quickly: same exit code, same output as ``main``."""
    done = _run_code(argv)
    assert done.returncode == code
    expected = runner.invoke(main, argv, prog_name="lksym")
    assert expected.exit_code == code
    assert done.stdout == expected.stdout
    assert "Traceback" not in done.stderr


def test_run_help_exits_0():
    done = _run_code(["--help"])
    assert done.returncode == 0 and done.stdout.startswith("Usage: ")


def test_run_runs_the_exit_handlers_and_flushes_what_they_print():
    done = _run_code(["analyze", "2"], before="import atexit\natexit.register(lambda: print('handler ran'))")
    assert done.returncode == 0
    assert done.stdout.rstrip().endswith("handler ran")


def test_run_into_a_closed_pipe_is_quiet():
    # `lksym analyze ... | head -1`: the reader leaves early; no traceback, no "Exception ignored".
    reader = subprocess.Popen(["head", "-c", "1"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
    done = subprocess.run([sys.executable, "-m", "lksym", "analyze", "1.5", "--json"], stdout=reader.stdin,
                          stderr=subprocess.PIPE, text=True)
    reader.stdin.close()
    reader.wait()
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr


def test_run_waits_for_threads_like_python_does():
    # A non-daemon thread still working when the command is done: Python waits for it, so must run().
    before = ("import threading, time\n"
              "threading.Thread(target=lambda: (time.sleep(0.5), print('thread finished', flush=True))).start()")
    done = _run_code(["analyze", "2"], before=before)
    assert done.returncode == 0
    assert "thread finished" in done.stdout


@pytest.mark.parametrize("argv, code", [("analyze 1.5", 0), ("analyze abc", 2), ("verify 1.5 --gradient 'sign(w)'", 1)])
def test_run_with_stdout_closed_keeps_the_exit_code(argv, code):
    # `lksym analyze 1.5 >&-`: sys.stdout is None; no traceback, the command's own exit code.
    done = subprocess.run(f"'{sys.executable}' -m lksym {argv} >&-", shell=True, capture_output=True, text=True)
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr


def test_run_on_a_latin_1_terminal_escapes_what_it_cannot_encode():
    env = {**__import__("os").environ, "PYTHONIOENCODING": "latin-1"}
    done = subprocess.run([sys.executable, "-m", "lksym", "analyze", "scad(lam=1, a=3.7)"], capture_output=True, env=env)
    assert done.returncode == 0 and b"Traceback" not in done.stderr
    assert b"SCAD (\\u03bb = 1, a = 3.7)" in done.stdout


@pytest.mark.parametrize("after", [0.2, 1.5])
def test_ctrl_c_is_exit_130_quietly_and_leaves_no_process_or_half_folder(tmp_path, after):
    import signal
    import time

    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "lksym", "report", "1.5", "3", "10", "0.5", "2", "1", "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    time.sleep(after)
    os.killpg(proc.pid, signal.SIGINT)  # the terminal sends Ctrl-C to the whole process group
    stdout, stderr = proc.communicate(timeout=60)
    if proc.returncode == 0:
        pytest.skip("the report finished before the interrupt")
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr and "Exception" not in stderr, stderr
    assert stderr.strip().endswith("Interrupted.")
    time.sleep(0.5)
    left = subprocess.run(["ps", "-o", "pid=", "-g", str(proc.pid)], capture_output=True, text=True).stdout.split()
    assert left == [], left
    for folder in out.glob("*") if out.exists() else []:
        if folder.is_dir():  # every folder that exists is whole
            assert (folder / "report.md").exists(), folder


@pytest.mark.parametrize("argv", [["report", "2"], ["compare", "1", "2"], ["fit", "2"], ["report", "k"]])
def test_a_users_readme_in_out_stops_the_run_before_anything_is_written(runner, tmp_path, argv):
    (tmp_path / "README.md").write_text("my own notes\n")
    result = runner.invoke(main, [*argv, "--out", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert "refusing to overwrite" in result.output and "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["README.md"]
    assert (tmp_path / "README.md").read_text() == "my own notes\n"


def test_explore_leaves_a_readme_that_is_not_lksyms_index_alone(runner, tmp_path):
    (tmp_path / "README.md").write_text("my own notes\n")
    result = runner.invoke(main, ["explore", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "README.md").read_text() == "my own notes\n" and (tmp_path / "explore.html").exists()


def test_a_users_file_in_a_report_folder_is_kept(runner, tmp_path):
    assert runner.invoke(main, ["report", "2", "--out", str(tmp_path)]).exit_code == 0
    (tmp_path / "k-2" / "notes.txt").write_text("mine")
    result = runner.invoke(main, ["report", "2", "--format", "png", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "notes.txt was not written by lksym" in result.output
    assert (tmp_path / "k-2" / "notes.txt").read_text() == "mine"
    (tmp_path / "k-2" / "notes.txt").unlink()
    # lksym's own folder is replaced as before, figures of the other format included.
    assert runner.invoke(main, ["report", "2", "--format", "png", "--out", str(tmp_path)]).exit_code == 0
    assert not list((tmp_path / "k-2").glob("*.svg")) and list((tmp_path / "k-2").glob("*.png"))


@pytest.mark.parametrize("argv", [["verify", "1.5", "--gradient", "1.5*abs(w)**0.5*sign(w)"], ["--help"], ["analyze", "--help"], ["--version"]])
def test_a_reader_that_leaves_early_is_not_bad_input(argv):
    # `lksym verify ... | true`: once was "Error: cannot write: Broken pipe" and exit 2, the code for bad input.
    reader = subprocess.Popen(["true"], stdin=subprocess.PIPE)
    reader.wait()
    done = subprocess.run([sys.executable, "-m", "lksym", *argv], stdout=reader.stdin, stderr=subprocess.PIPE, text=True)
    reader.stdin.close()
    assert done.returncode == 141, done.stderr
    assert done.stderr == ""


def test_help_into_a_full_disk_is_one_line_and_exit_2():
    done = subprocess.run(f"'{sys.executable}' -m lksym --help > /dev/full", shell=True, capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stderr.strip() == "Error: cannot write: No space left on device"


def test_bad_input_with_its_error_unreadable_is_still_exit_2():
    # `lksym analyze 'bogus(' 2>&1 | true`: click's own handler of a broken pipe would say 1, "a check failed".
    done = subprocess.run(f"'{sys.executable}' -m lksym analyze 'bogus(' 2>&1 | true; exit ${{PIPESTATUS[0]}}",
                          shell=True, executable="/bin/bash", capture_output=True, text=True)
    assert done.returncode == 2


# --------------------------------------------------------------------------- defaults of prox and simulate


@pytest.mark.parametrize("args, value", [
    (["prox", "--k", "1", "--z", "2.5"], 1.5),           # soft threshold at the default lam = 1: 2.5 - 1
    (["prox", "--k", "2", "--z", "3"], 1.0),             # z / (1 + 2 lam) at lam = 1
    (["prox", "--k", "1", "--z", "2.5", "--lam", "0.5"], 2.0),
    (["prox", "l0", "--z", "1"], 0.0),                   # L0's threshold at lam = 1 is sqrt(2)
])
def test_prox_without_lam_uses_lam_1(runner, args, value):
    result = runner.invoke(main, [*args, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["value"] == pytest.approx(value, abs=1e-12)


def test_prox_and_simulate_help_name_their_defaults(runner):
    assert "default: 1" in runner.invoke(main, ["prox", "--help"]).output.replace("\n", " ")
    text = " ".join(runner.invoke(main, ["simulate", "--help"]).output.split())
    assert "default: 0.1" in text and "current folder" in text and "never reports/" in text


def test_simulate_defaults_to_eta_0_1_in_the_current_folder(runner, tmp_path, monkeypatch):
    """Not into reports/ (the committed pages): into the folder the user is in, named after k and eta."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "reports").mkdir()
    result = runner.invoke(main, ["simulate", "--k", "3", "--steps", "20"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == os.path.join(".", "simulate-k-3-eta-0.1.svg") or lines[0].endswith("simulate-k-3-eta-0.1.svg")
    assert (tmp_path / "simulate-k-3-eta-0.1.svg").is_file()
    assert list((tmp_path / "reports").iterdir()) == []
    explicit = runner.invoke(main, ["simulate", "--k", "3", "--steps", "20", "--eta", "0.1"])
    assert explicit.output == result.output  # the default is exactly --eta 0.1

# --------------------------------------------------------------------------- no file of the user's is lost (issue 26)

WRITERS = [
    ["report", "--k", "1.5"],
    ["report", "l1"],
    ["compare", "1", "2"],
    ["fit", "2"],
    ["simulate", "--k", "2", "--eta", "0.1", "--steps", "3"],
    ["explore", "l1"],
]


def _snapshot(folder) -> dict:
    return {str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else None) for p in sorted(folder.rglob("*"))}


@pytest.mark.parametrize("argv", WRITERS, ids=lambda a: " ".join(a))
def test_every_command_that_writes_keeps_every_file_it_did_not_write(runner, tmp_path, argv):
    """Run once; then a user's file in each folder it wrote, or an edit to each page it wrote, stops the next
    run with one Error line and exit 2, and nothing changes."""
    from lksym.fileio import MANIFEST

    first = runner.invoke(main, [*argv, "--out", str(tmp_path)])
    assert first.exit_code == 0, first.output
    folders = sorted({p.parent for p in tmp_path.rglob(MANIFEST)})
    pages = sorted(p for p in tmp_path.iterdir() if p.is_file())
    assert folders or pages
    plants = [(folder / name, b"mine\n") for folder in folders for name in ("thesis.md", "drafts/ch1.md", "notes.txt")]
    plants += [(page, page.read_bytes().replace(b"\n", b"\nmine\n", 1)) for page in pages if page.name != "README.md"]
    if (tmp_path / "README.md").exists():
        plants.append((tmp_path / "README.md", b"my own notes\n"))
    for path, raw in plants:
        old = path.read_bytes() if path.exists() else None
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(raw)
        before = _snapshot(tmp_path)
        again = runner.invoke(main, [*argv, "--out", str(tmp_path)])
        if argv[0] == "explore" and path.name == "README.md":
            assert again.exit_code == 0, again.output  # explore leaves a README that is not its index alone
        else:
            assert again.exit_code == 2, (path, again.output)
            lines = again.output.strip().splitlines()
            assert lines[-1].startswith("Error: refusing to") and "Traceback" not in again.output, again.output
        assert path.read_bytes() == raw
        after = _snapshot(tmp_path)
        if again.exit_code == 2:
            assert after == before
        if old is None:
            path.unlink()
            if path.parent.name == "drafts":
                path.parent.rmdir()
        else:
            path.write_bytes(old)
    assert runner.invoke(main, [*argv, "--out", str(tmp_path)]).exit_code == 0  # all its own again: replaced


def test_the_issue_26_example_keeps_the_thesis(tmp_path):
    out = tmp_path / "out"
    (out / "k-1.5" / "drafts").mkdir(parents=True)
    (out / "k-1.5" / "thesis.md").write_text("mine\n")
    (out / "k-1.5" / "drafts" / "ch1.md").write_text("d\n")
    result = subprocess.run([sys.executable, "-m", "lksym", "report", "--k", "1.5", "--out", str(out)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 2 and result.stderr.startswith("Error: refusing to replace"), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert (out / "k-1.5" / "thesis.md").read_text() == "mine\n" and (out / "k-1.5" / "drafts" / "ch1.md").read_text() == "d\n"


@pytest.mark.parametrize("name", ["l1.5", "L1.5", "lasso", "ridge", "L2", "l0.5"])
@pytest.mark.parametrize("how", ["argument", "--k"])
def test_the_articles_names_everywhere_a_penalty_or_k_is_taken(runner, tmp_path, name, how):
    from lksym.derivation.penalty import parse_subject

    number = parse_subject(name).text
    given_as = [name] if how == "argument" else ["--k", name]
    expected = runner.invoke(main, ["analyze", "--json", number]).output
    assert runner.invoke(main, ["analyze", "--json", *given_as]).output == expected
    prox = runner.invoke(main, ["prox", *given_as, "--lam", "1", "--z", "2"])
    assert prox.exit_code == 0 and prox.output == runner.invoke(main, ["prox", number, "--lam", "1", "--z", "2"]).output
    if name == "l1.5" and how == "--k":
        report = runner.invoke(main, ["report", *given_as, "--out", str(tmp_path)])
        assert report.exit_code == 0, report.output
        assert (tmp_path / "k-1.5" / "report.md").exists()


@pytest.mark.parametrize("name", ["1.5", "l1.5", "lasso", "L2", "3/2"])
def test_explore_takes_what_every_other_command_takes(runner, tmp_path, name):
    result = runner.invoke(main, ["explore", name, "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "explore.html").exists()


@pytest.mark.parametrize("damage", [
    "[" * 200000 + "]" * 200000,
    '{"a":' * 200000 + "1" + "}" * 200000,
    '{"schema": 1, "k_float": ' + "9" * 5000 + "}",
    '{"schema": 1, "k_float": 1e999}',
    "\udcff",
    "",
])
@pytest.mark.parametrize("where", ["k-3", "scad-x"])
def test_a_damaged_analysis_in_out_is_skipped_with_one_line(runner, tmp_path, damage, where):
    folder = tmp_path / where
    folder.mkdir()
    (folder / "analysis.json").write_bytes(damage.encode("utf-8", "surrogateescape"))
    (folder / "report.md").write_text("x")
    result = runner.invoke(main, ["report", "2", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output and "skipped" in result.output
    assert f"{where}/report.md" not in (tmp_path / "README.md").read_text()


@pytest.mark.parametrize("error", [RecursionError("deep"), MemoryError(), ZeroDivisionError("x"), StopIteration(), KeyError("k")])
def test_an_unexpected_exception_is_one_line_and_exit_1(runner, monkeypatch, error):
    import lksym.api

    def boom(*args, **kwargs):
        raise error

    monkeypatch.setattr(lksym.api, "analyze_text", boom)
    monkeypatch.delenv("LKSYM_DEBUG", raising=False)
    result = runner.invoke(main, ["analyze", "2"])
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: internal error ({type(error).__name__}") and result.output.count("\n") == 1
    monkeypatch.setenv("LKSYM_DEBUG", "1")
    assert isinstance(runner.invoke(main, ["analyze", "2"]).exception, type(error))


@pytest.mark.parametrize("text", ["Min(abs(w), 1) + Min(abs(w), 2)", "(1/2)^(1/2)^(1/2)", "abs(w)*10^-1000",
                                  "w^2*10^-500"])
def test_the_issue_26_tracebacks_are_answers(runner, tmp_path, text):
    for argv in (["analyze", text], ["analyze", "--json", text], ["report", text, "--jobs", "1", "--out", str(tmp_path)]):
        result = runner.invoke(main, argv)
        assert result.exit_code == 0, (argv, result.output)

# ====================================================================================================
# Folded in from tests/test_cli_penalty.py (issue 22: one test file per module):
# Every command takes a positional PENALTY (or --k): the catalogue, expressions in w, numbers.
# ====================================================================================================


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


@pytest.mark.parametrize("argv, in_the_way, work", [
    (["report", "2", "--jobs", "1"], "k-2", "lksym.api._analysis_task"),
    (["report", "k", "--jobs", "1"], "k-symbolic", "lksym.app.family.symbolic_family"),
    (["compare", "1", "2"], "compare", "lksym.app.compare.render_compare"),
    (["fit", "2"], "fit", "lksym.app.fit.render_fit"),
    (["explore", "l1"], "explore.html", "lksym.app.explore.explorer_page"),
])
def test_a_users_file_in_the_way_is_refused_before_the_work(runner, tmp_path, monkeypatch, argv, in_the_way, work):
    """Refused at once, not after minutes of deriving and drawing: the work itself is never called."""
    import importlib

    from lksym.fileio import write_folder

    if in_the_way.endswith(".html"):
        (tmp_path / in_the_way).write_text("my own page\n")
    else:
        write_folder(tmp_path / in_the_way, {"page.md": "lksym's\n"})
        (tmp_path / in_the_way / "thesis.md").write_text("mine\n")
    module, _, name = work.rpartition(".")

    def never(*args, **kwargs):
        raise AssertionError("the work started before the refusal")

    monkeypatch.setattr(importlib.import_module(module), name, never)
    before = _snapshot(tmp_path)
    result = runner.invoke(main, [*argv, "--out", str(tmp_path)])
    assert result.exit_code == 2, result.output
    line = result.output.strip().splitlines()[-1]  # (fit's progress bar has shown its label on stderr)
    assert line.startswith("Error: refusing to") and in_the_way in line and "Traceback" not in result.output
    assert _snapshot(tmp_path) == before
