"""Network drawings: deterministic SVG, ellipsis for large layers, clear errors."""

import io

import matplotlib
import matplotlib.pyplot as plt
import pytest
from matplotlib.patches import Circle

from codes.plotting import use_book_style
from codes.schematics import draw_network, draw_neuron

matplotlib.use("Agg")


def svg_bytes(fig):
    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None})
    plt.close(fig)
    return buffer.getvalue()


def circles(fig):
    return [p for p in fig.axes[0].patches if isinstance(p, Circle)]


@pytest.mark.parametrize("draw", [lambda: draw_network([3, 4, 2]), lambda: draw_neuron(3)],
                         ids=["network", "neuron"])
def test_svg_is_byte_identical_across_renderings(draw):
    use_book_style()
    first, second = svg_bytes(draw()), svg_bytes(draw())
    assert first.startswith(b"<?xml") and first == second


def test_small_network_draws_every_neuron_and_edge():
    fig = draw_network([3, 4, 2])
    assert len(circles(fig)) == 9
    assert len(fig.axes[0].lines) == 3 * 4 + 4 * 2
    plt.close(fig)


def test_large_layer_is_drawn_with_an_ellipsis():
    fig = draw_network([784, 30, 10], max_shown=6)
    assert len(circles(fig)) == 3 * 5  # five neurons and the dots per layer
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert sum(r"\vdots" in t for t in texts) == 3
    assert any("784" in t for t in texts)
    plt.close(fig)


def test_labels_and_existing_axes_are_used():
    fig, ax = plt.subplots()
    assert draw_network([2, 3, 1], labels=["x", "h", "y"], ax=ax) is fig
    assert {"x", "h", "y"} <= {t.get_text() for t in ax.texts}
    plt.close(fig)


def test_neuron_has_inputs_sum_and_output():
    fig = draw_neuron(4)
    assert len(circles(fig)) == 4 + 2  # inputs, the sum node and the output
    plt.close(fig)


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda: draw_network([3]), "mindestens zwei"),
        (lambda: draw_network([3, 0, 1]), "positive ganze"),
        (lambda: draw_network([3, 2], labels=["a"]), "2 Einträge"),
        (lambda: draw_network([3, 2], max_shown=2), "max_shown"),
        (lambda: draw_neuron(0), "positiv"),
    ],
)
def test_bad_arguments_raise_value_error(call, expected):
    with pytest.raises(ValueError, match=expected):
        call()
