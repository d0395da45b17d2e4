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


def test_power_of_ten():
    import math

    import numpy as np
    import torch

    from codes.backprop_example import power_of_ten as from_backprop_example
    from codes.plotting import power_of_ten

    assert from_backprop_example is power_of_ten  # the pages import it from there
    assert power_of_ten(2.2e-16) == "2 · 10⁻¹⁶"
    assert power_of_ten(9.7e-9) == "1 · 10⁻⁸"            # rounded up to the next power; 1 stays
    assert power_of_ten(-2.149e-5, 3) == "\u22122,15 · 10⁻⁵"
    assert power_of_ten(5.7e7, 2) == "5,7 · 10⁷"
    assert power_of_ten(4.04e-7) == "4 · 10⁻⁷"
    assert power_of_ten(9.96e-5, 2) == "1,0 · 10⁻⁴"
    assert power_of_ten(123456.789, 4) == "1,235 · 10⁵"
    assert power_of_ten(0.085) == "9 · 10⁻²"              # the float is 0.08500000000000000611
    assert power_of_ten(245.0, 2) == "2,4 · 10²"          # an exact tie: to even, as Python rounds
    assert power_of_ten(0) == power_of_ten(-0.0) == "0"
    assert power_of_ten(5e-324, 2) == "4,9 · 10⁻³²⁴"
    assert power_of_ten(np.float32(0.95), 2) == "9,5 · 10⁻¹"
    assert power_of_ten(np.int64(12345), 2) == "1,2 · 10⁴"
    assert power_of_ten(torch.tensor(-9.96e-5, dtype=torch.float64), 2) == "\u22121,0 · 10⁻⁴"
    for value in (math.nan, math.inf, -math.inf):
        with pytest.raises(ValueError):
            power_of_ten(value)


def test_german_ticks_on_axes_and_colour_bars():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from codes.plotting import german_ticks, use_book_style

    use_book_style()

    def labels(axis):
        axis.figure.canvas.draw()
        return [t.get_text() for t in axis.get_ticklabels()]

    fig, (left, right) = plt.subplots(1, 2)
    left.plot([0, 5], [-1, 1])
    right.plot([1, 5], [1e-3, 1e2])
    right.set_yscale("log")
    german_ticks(left, right)
    assert {"\u22121", "\u22120,5", "0", "0,5", "1"} <= set(labels(left.yaxis))
    assert "1,0" not in labels(left.yaxis)  # as few digits as needed
    assert {"0", "2", "4"} <= set(labels(left.xaxis))
    assert "10⁻³" not in labels(right.yaxis)  # linear_only: the log axis keeps matplotlib's labels
    assert any("10^{" in t for t in labels(right.yaxis))
    german_ticks(right, axis="y", linear_only=False)
    right.set_yticks([0.02, 0.5])
    assert labels(right.yaxis) == ["0,02", "0,5"]

    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 40000])
    german_ticks(ax, axis="y", spec=".0f")
    assert "40\u202f000" in labels(ax.yaxis)
    assert "0,2" in labels(ax.xaxis) and "0,20" not in labels(ax.xaxis)  # x: the book's default
    bar = fig.colorbar(ax.imshow(np.linspace(-0.01, 0.01, 4).reshape(2, 2)))
    german_ticks(bar)
    assert {"\u22120,01", "\u22120,005", "0", "0,005", "0,01"} <= set(labels(bar.ax.yaxis))
    with pytest.raises(ValueError, match="axis"):
        german_ticks(ax, axis="z")
    plt.close("all")


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
