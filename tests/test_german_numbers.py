"""Glued numbers, tick labels and tables use German separators; other text is untouched."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
from german_numbers import format_german  # noqa: E402


@pytest.mark.parametrize(
    ("text", "spec", "expected"),
    [
        ("97.84", ".1f", "97,8"),
        ("23860", ",d", "23\u202f860"),
        ("130831", "d", "130\u202f831"),
        ("0.123456", ".5f", "0,12346"),
        ("1234567.891", ",.2f", "1\u202f234\u202f567,89"),
        ("1.5e-09", ".1e", "1,5 · 10⁻⁹"),
        ("3.1e-30", ".0e", "3 · 10⁻³⁰"),
        ("0.9784", ".1%", "97,8\u202f%"),
        ("'3.13'", "", "3.13"),
        ("'v1.2'", "s", "v1.2"),
        ("'der CPU'", "", "der CPU"),
        # glued without a format spec: still German (130 831, not 130831)
        ("130831", "", "130\u202f831"),
        ("130831", "s", "130\u202f831"),        # myst-nb's spec for "no spec"
        ("np.float64(0.5)", "s", "0,5"),
        ("'text'", "s", "text"),
        ("80000", "", "80\u202f000"),
        ("9943", "", "9943"),
        ("9943", ",d", "9943"),
        ("1234", ",.1f", "1234,0"),
        ("0.1", "", "0,1"),
        ("-0.25", "", "\u22120,25"),
        ("2.1e-05", "", "2,1 · 10⁻⁵"),
        ("np.float64(0.973)", "", "0,973"),
        ("np.float64(0.973)", ".1%", "97,3\u202f%"),
        ("np.int64(235146)", "", "235\u202f146"),
        ("np.int64(47720)", "d", "47\u202f720"),
        ("True", "", "True"),
    ],
)
def test_format_german(text, spec, expected):
    assert format_german(text, spec) == expected


def test_plot_ticks_and_tables_use_the_same_rule():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    import pandas as pd

    from codes.plotting import german_number, german_table, use_book_style

    use_book_style()
    fig, ax = plt.subplots()
    image = ax.imshow(np.linspace(0, 0.01, 4).reshape(2, 2))
    bar = fig.colorbar(image)
    ax.plot([0, 60000], [0, 0.5])
    fig.canvas.draw()
    xticks = [t.get_text() for t in ax.get_xticklabels()]
    bar_ticks = [t.get_text() for t in bar.ax.get_yticklabels()]
    plt.close(fig)
    assert "60\u202f000" in xticks
    assert "0,004" in bar_ticks and not any("." in t for t in bar_ticks)
    assert german_number(0.5, ".1f") == "0,5"
    table = german_table(pd.DataFrame({"n": [130831], "acc": [0.9784]}), {"acc": ".1%"})
    assert table.iloc[0].tolist() == ["130\u202f831", "97,8\u202f%"]


def test_one_rule_for_helpers_and_glue():
    import numpy as np

    from codes.plotting import german_mean_sd, german_number, germanize

    assert germanize("9,943") == "9943"
    assert germanize("23,860") == "23\u202f860"
    assert germanize("1,234,567.5") == "1\u202f234\u202f567,5"
    assert german_number(np.float32(0.5), ".1f") == "0,5"
    assert german_number(np.int64(130831), "") == "130\u202f831"
    assert german_number(-3, "d") == "\u22123"
    assert german_mean_sd(96.652, 0.3) == "96,65\u00a0±\u00a00,30"


def test_german_print(capsys):
    import numpy as np

    from codes.plotting import german_format, german_print, german_text

    german_print("Genauigkeit: {:.2%}", 0.95662)
    german_print("η₀ = {eta}, Verlust NumPy: {loss:.4f}", eta=0.3, loss=np.float64(1.40371))
    german_print({"Val.-Genauigkeit": 0.922, "Bilder": 50000})
    german_print("Name: {name}, Liste: {values}", name="MLP", values=[0.5, 2])
    assert capsys.readouterr().out.splitlines() == [
        "Genauigkeit: 95,66\u202f%",
        "η₀ = 0,3, Verlust NumPy: 1,4037",
        "Val.-Genauigkeit: 0,922; Bilder: 50\u202f000",
        "Name: MLP, Liste: 0,5; 2",
    ]
    assert german_format("{x!r}", x="a") == "'a'"
    assert german_text((1e-30, 12345.5), ".2g") == "10⁻³⁰; 1,2 · 10⁴"
