"""``import lksym`` from the folder above a clone (issue 26): the README's install makes it the real package.

Python finds a folder named ``lksym`` in the current directory (the clone itself, which has no
``__init__.py``) as an empty *namespace* package, unless a regular package ``lksym`` is on
``sys.path``: then the regular one wins.  ``pip install -e . --config-settings editable_mode=compat``
(the README's install) puts the clone on ``sys.path`` through a ``.pth`` file, and ``pip install .``
puts ``lksym/`` in site-packages; both are regular.  pip's default editable mode installs an import
hook that Python consults only after the namespace package was found: the failure of the issue.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PROBE = "import lksym; print(lksym.analyze('3/2').power.k)"


def _run(cwd: Path, extra_path: list[str]) -> subprocess.CompletedProcess:
    # -I -S: isolated from this interpreter's own setup (its editable hook or .pth, PYTHONPATH); then the
    # current directory first, as for `python -c`, and the entries an install adds after it.
    code = ("import sys; sys.path[:0] = ['']; sys.path += " + repr(extra_path) + "; import os; os.chdir(" + repr(str(cwd))
            + "); " + PROBE)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    site = [p for p in sys.path if p.endswith("site-packages")]
    code = "import sys; sys.path += " + repr(site) + "; " + code
    return subprocess.run([sys.executable, "-I", "-S", "-c", code], cwd=cwd, capture_output=True, text=True, env=env, timeout=120)


@pytest.fixture()
def parent(tmp_path) -> Path:
    """A folder holding a clone named ``lksym`` (a link to this checkout)."""
    (tmp_path / "lksym").symlink_to(REPO, target_is_directory=True)
    return tmp_path


def test_the_readme_install_imports_the_real_package_from_the_folder_above(parent):
    """editable_mode=compat: the clone on sys.path after the current folder; the regular package wins."""
    result = _run(parent, [str(REPO)])
    assert result.returncode == 0 and result.stdout.strip() == "3/2", result.stderr


def test_without_the_clone_on_sys_path_the_folder_is_an_empty_namespace(parent):
    """What pip's default editable hook gives: the issue's AttributeError (why the README installs otherwise)."""
    result = _run(parent, [])
    assert result.returncode != 0 and "AttributeError" in result.stderr


def test_the_readme_says_how_to_install(parent):
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert "editable_mode=compat" in text
