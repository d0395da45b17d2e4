"""tools/compare_builds.py on two small fake builds (jupyter caches written here)."""

import math

import nbformat
import pytest
from jupyter_cache import get_cache
from jupyter_cache.base import CacheBundleIn

from tools import compare_builds
from tools.compare_builds import main, parse_numbers

PAGE = """---
build_comparison:
  default: 0
  tolerances:
    "acc_*": 0.5
    "*_seconds": .inf
---

# Seite
"""


def glue_output(name, text, markdown=True):
    """A glue output as myst_nb.glue(name, value, display=False) writes it."""
    mime = "text/markdown" if markdown else "text/plain"
    return nbformat.v4.new_output(
        "display_data", data={compare_builds.GLUE_PREFIX + mime: text},
        metadata={"scrapbook": {"name": name, "mime_prefix": compare_builds.GLUE_PREFIX}})


def fake_build(root, glues, page_text=PAGE):
    """A book folder ``root`` with one page and a _build/.jupyter_cache holding its glues."""
    (root / "chapters").mkdir(parents=True)
    (root / "_config.yml").write_text("title: Test\n", encoding="utf-8")
    page = root / "chapters" / "seite.md"
    page.write_text(page_text, encoding="utf-8")
    cell = nbformat.v4.new_code_cell("glue(...)", execution_count=1)
    cell.outputs = [glue_output(name, text, markdown) for name, (text, markdown)
                    in glues.items()]
    nb = nbformat.v4.new_notebook(cells=[cell], metadata={"kernelspec": {
        "name": "python3", "display_name": "Python 3", "language": "python"}})
    get_cache(str(root / "_build" / ".jupyter_cache")).cache_notebook_bundle(
        CacheBundleIn(nb, str(page)), check_validity=False)
    return root / "_build"


GLUES = {"acc_bn": ("97,31 ± 0,12", True), "loss": ("0.1234", False),
         "epoch_seconds": ("12,5", True), "verdict": ("ist besser", True),
         "n_train": ("20\u202f000", True)}


def test_parse_numbers_reads_german_and_python_notation():
    values, skeleton = parse_numbers("97,3 ± 0,1 auf 130\u202f831 Bildern, 5,7 · 10⁻⁷, "
                                     "1e-05, −2,5 und np.float64")
    assert values == pytest.approx([97.3, 0.1, 130831, 5.7e-7, 1e-5, -2.5])
    assert skeleton == "# ± # auf # Bildern, #, #, # und np.float64"


def test_figures_are_skipped_and_tables_compared_by_their_text():
    figure = {compare_builds.GLUE_PREFIX + "image/svg+xml": "<svg>1.5</svg>",
              compare_builds.GLUE_PREFIX + "text/plain": "<Figure size 640x480 with 2 Axes>"}
    assert compare_builds.glue_text(figure) is None
    table = {"text/html": "<style> th {width: 12px} </style>"
                          "<table><tr><th>η</th><td>97,3 ± 0,1</td></tr></table>",
             "text/plain": "η 97,3 ± 0,1"}
    assert parse_numbers(compare_builds.glue_text(table))[0] == [97.3, 0.1]
    assert compare_builds.glue_text({"text/plain": "'50\\u202f000'"}) == "50\u202f000"
    assert compare_builds._german(5.954e7) == "5,954 · 10⁷"
    assert compare_builds._german(-3.776e-7) == "−3,776 · 10⁻⁷"


def test_identical_builds_flag_nothing(tmp_path, capsys):
    a = fake_build(tmp_path / "a", GLUES)
    b = fake_build(tmp_path / "b", GLUES)
    assert main([str(a), str(b)]) == 0
    out = capsys.readouterr().out
    assert "chapters/seite.md" in out
    assert "0 Abweichungen über der Toleranz" in out
    rows = compare_builds.compare_builds(a, b)
    assert {row.name for row in rows} == {"acc_bn[1]", "acc_bn[2]", "loss", "epoch_seconds",
                                          "verdict", "n_train"}
    assert next(r for r in rows if r.name == "n_train").a == "20\u202f000"


def test_differences_within_the_declared_tolerance_pass(tmp_path):
    other = {**GLUES, "acc_bn": ("97,69 ± 0,30", True), "epoch_seconds": ("99,0", True)}
    a = fake_build(tmp_path / "a", GLUES)
    b = fake_build(tmp_path / "b", other)
    rows = compare_builds.compare_builds(a, b)
    assert not any(row.flagged for row in rows)
    seconds = next(r for r in rows if r.name == "epoch_seconds")
    assert seconds.tolerance == math.inf and seconds.difference == pytest.approx(86.5)


@pytest.mark.parametrize(("name", "text"), [
    ("acc_bn", ("96,70 ± 0,12", True)),      # 0,61 points > 0,5
    ("loss", ("0.1235", False)),              # default tolerance 0
    ("verdict", ("ist Rauschen", True)),      # a different verdict
])
def test_differences_beyond_the_tolerance_are_flagged(tmp_path, capsys, name, text):
    a = fake_build(tmp_path / "a", GLUES)
    b = fake_build(tmp_path / "b", {**GLUES, name: text})
    assert main([str(a), str(b)]) == 1
    captured = capsys.readouterr()
    assert "ABWEICHUNG" in captured.out
    assert "1 Abweichung über der Toleranz" in captured.out
    assert "FEHLER: Die Builds weichen stärker ab" in captured.err


def test_a_glue_missing_in_one_build_is_flagged(tmp_path):
    a = fake_build(tmp_path / "a", GLUES)
    b = fake_build(tmp_path / "b", {k: v for k, v in GLUES.items() if k != "loss"})
    flagged = [row for row in compare_builds.compare_builds(a, b) if row.flagged]
    assert [(row.name, row.b) for row in flagged] == [("loss", "(fehlt)")]


def test_tolerances_come_from_the_notebook_metadata_without_source(tmp_path):
    a = fake_build(tmp_path / "a", GLUES)
    (tmp_path / "a" / "chapters" / "seite.md").unlink()
    b = fake_build(tmp_path / "b", {**GLUES, "acc_bn": ("97,51 ± 0,12", True)})
    (tmp_path / "b" / "chapters" / "seite.md").unlink()
    rows = compare_builds.compare_builds(a, b)
    assert next(r for r in rows if r.name == "acc_bn[1]").flagged  # no tolerance known: 0


def test_a_missing_cache_gives_a_german_error(tmp_path, capsys):
    assert main([str(tmp_path / "nichts"), str(tmp_path / "auch_nichts")]) == 2
    assert "Kein Ausführungs-Cache" in capsys.readouterr().err


def test_reasons_are_data_and_must_name_a_declared_pattern(tmp_path):
    explained = PAGE.replace('  tolerances:', '  why:\n    "acc_*": 3 sd der Seeds\n  tolerances:')
    page = tmp_path / "seite.md"
    page.write_text(explained, encoding="utf-8")
    assert compare_builds.declared_tolerances(page, {}) == (0.0, {"acc_*": 0.5, "*_seconds": math.inf})
    page.write_text(explained.replace('"acc_*": 3', '"akk_*": 3'), encoding="utf-8")
    with pytest.raises(ValueError, match="akk_"):
        compare_builds.declared_tolerances(page, {})
    page.write_text(PAGE.replace("  default: 0", "  defualt: 0"), encoding="utf-8")
    with pytest.raises(ValueError, match="defualt"):
        compare_builds.declared_tolerances(page, {})
