"""Run-time budgets of chapters 3–6 (tools/exec_budgets.py), checked on the last build.

Not a timed test: it reads the report of a finished build (the execution cache and the
calibration in _build) and fails when a page needed more than its budget plus 25 %,
counted in multiples of the build's calibration. It runs with ``NN_REQUIRE_BUILD=1``
(.ci/run sets it after the build; then a missing build fails too):

    NN_REQUIRE_BUILD=1 python -m pytest tests/test_exec_budgets.py

Without it (``make test``) the build checks are skipped, so that the tests do not depend
on how busy the machine was during the last build. The table itself is checked always.
"""

import os
from pathlib import Path

import pytest

from tools import exec_budgets
from tools.exec_report import page_seconds, read_json
from tools.parallel_build import docname, read_notebook, toc_pages

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "_build"
NOTEBOOKS = [docname(p, ROOT) for p in toc_pages(ROOT) if read_notebook(p) is not None]


def test_every_notebook_of_chapters_3_to_6_has_a_budget():
    needing = [name for name in NOTEBOOKS if exec_budgets.needs_budget(name)]
    assert len(needing) >= 15
    assert [name for name in needing if exec_budgets.budget_of(name) is None] == []


def test_every_budget_belongs_to_a_notebook_of_the_book():
    assert sorted(set(exec_budgets.BUDGETS) - set(NOTEBOOKS)) == []
    assert sorted(set(exec_budgets.TYPICAL) - set(NOTEBOOKS)) == []
    for name, typical in exec_budgets.TYPICAL.items():
        assert 0 < typical <= exec_budgets.BUDGETS.get(name, exec_budgets.BOOK_BUDGET)


@pytest.fixture(scope="module")
def last_build():
    """(seconds per page, calibration seconds) of the build in _build."""
    if os.environ.get("NN_REQUIRE_BUILD") != "1":
        pytest.skip("prüft den letzten Bau nur mit NN_REQUIRE_BUILD=1 (wie .ci/run nach dem Bau)")
    calibration = read_json(BUILD, "calibration.json")
    if not (BUILD / ".jupyter_cache").is_dir() or calibration is None:
        pytest.fail("kein gebautes Buch mit Kalibrierung in _build (make book)")
    return page_seconds(BUILD, ROOT), calibration["seconds"]


def over_budget(seconds, calibration):
    """Pages that needed more than budget × (1 + TOLERANCE), with their multiples."""
    limit = 1 + exec_budgets.TOLERANCE
    return {name: (round(spent / calibration, 1), budget)
            for name, spent in seconds.items()
            if (budget := exec_budgets.budget_of(name)) and spent / calibration > budget * limit}


def test_no_page_exceeds_its_budget_by_more_than_a_quarter(last_build):
    seconds, calibration = last_build
    assert over_budget(seconds, calibration) == {}, (
        "Seite: (gebraucht, Budget) in Vielfachen der Kalibrierung")


def test_the_book_stays_within_its_budget(last_build):
    seconds, calibration = last_build
    total = sum(seconds[name] for name in NOTEBOOKS if name in seconds) / calibration
    assert total <= exec_budgets.BOOK_BUDGET * (1 + exec_budgets.TOLERANCE)


def test_the_check_counts_in_multiples_of_the_calibration():
    budget = exec_budgets.BUDGETS["chapters/03_mlp/mnist"]
    # twice as slow a machine: twice the seconds and twice the calibration -> within
    assert over_budget({"chapters/03_mlp/mnist": 2 * 1.2 * budget}, 2.0) == {}
    assert over_budget({"chapters/03_mlp/mnist": 1.3 * budget}, 1.0) == {
        "chapters/03_mlp/mnist": (round(1.3 * budget, 1), budget)}
