"""lksym.app.explore: the explorer's frozen data, checked before anything is written."""

from __future__ import annotations

import re

import pytest

from lksym.app.explore import explorer_page, write_explore
from lksym.app.explore_optimizers import CYCLE_PARAMETERS, optimizer_data
from lksym.errors import InputError


def test_every_name_in_a_cycle_equation_is_bound():
    # The page binds CYCLE_PARAMETERS from its fields; a and G are the function's arguments.
    for record in optimizer_data():
        if record["cycle_js"] is None:
            continue
        names = set(re.findall(r"[A-Za-z_]\w*", record["cycle_js"])) - {"Math", "sqrt", "pow", "abs"}
        assert names <= {"a", "G", *CYCLE_PARAMETERS}, (record["name"], names - {"a", "G", *CYCLE_PARAMETERS})


def test_the_page_holds_the_penalties_asked_for_power_first():
    page = explorer_page(("l0", "1.5", "lasso"))
    assert [p["name"] for p in page.data["penalties"]] == ["power", "l0"]
    assert page.data["optimizers"] == optimizer_data() and page.cycle_parameters == CYCLE_PARAMETERS


@pytest.mark.parametrize("bad, message", [("scad(lam=1)", "takes the name only"), ("nope", "unknown penalty")])
def test_a_bad_name_writes_nothing(tmp_path, bad, message):
    with pytest.raises(InputError, match=message):
        write_explore((bad,), tmp_path)
    assert list(tmp_path.iterdir()) == []
