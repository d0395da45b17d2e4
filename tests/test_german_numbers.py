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
        ("1.5e-09", ".1e", "1,5e-09"),
        ("0.9784", ".1%", "97,8\u202f%"),
        ("'3.13'", "", "3.13"),
        ("'v1.2'", "s", "v1.2"),
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
