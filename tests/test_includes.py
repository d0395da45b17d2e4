"""The snippet convention holds for the whole book, and the checker catches each kind of break."""

from pathlib import Path

import pytest

from tools.includes import check_tree

ROOT = Path(__file__).resolve().parents[1]


def test_book_includes_and_anchors_are_consistent():
    assert check_tree(ROOT) == []


def make_tree(tmp_path, code, page):
    (tmp_path / "codes").mkdir()
    (tmp_path / "chapters").mkdir()
    (tmp_path / "codes" / "demo.py").write_text(code, encoding="utf-8")
    (tmp_path / "chapters" / "page.md").write_text(page, encoding="utf-8")
    return tmp_path


GOOD_CODE = "# ANCHOR: f\ndef f():\n    return 1\n# ANCHOR_END: f\n"


def page_for(anchor, path="../codes/demo.py"):
    return (f"# Seite\n\n```{{literalinclude}} {path}\n:language: python\n"
            f":start-after: \"# ANCHOR: {anchor}\"\n:end-before: \"# ANCHOR_END: {anchor}\"\n```\n")


def test_good_tree_passes(tmp_path):
    assert check_tree(make_tree(tmp_path, GOOD_CODE, page_for("f"))) == []


@pytest.mark.parametrize(
    ("code", "page", "expected"),
    [
        (GOOD_CODE, page_for("f", "../codes/missing.py"), "fehlt"),
        (GOOD_CODE, page_for("g"), "nicht vor"),
        (GOOD_CODE + GOOD_CODE, page_for("f"), "zweimal geöffnet"),
        ("# ANCHOR: f\nx = 1\n", "# leer\n", "nie geschlossen"),
        ("x = 1\n# ANCHOR_END: f\n", "# leer\n", "ohne offenen Anker"),
        ("# ANCHOR: f\n\n# ANCHOR_END: f\n", page_for("f"), "keinen Code"),
    ],
    ids=["missing-file", "missing-anchor", "opened-twice", "never-closed", "stray-end", "empty"],
)
def test_broken_trees_are_reported(tmp_path, code, page, expected):
    problems = check_tree(make_tree(tmp_path, code, page))
    assert any(expected in problem for problem in problems), problems
