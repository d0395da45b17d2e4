"""The worked 2-3-2 example agrees with codes/mlp.py, with autograd and with a hand calculation."""

import numpy as np
import pytest

from codes.backprop_example import (
    EXAMPLE,
    autograd_gradients,
    backprop_by_hand,
    difference_to_mlp,
    draw_computational_graph,
    time_gradients,
)
from codes.mlp import MLP


def test_first_values_by_hand():
    steps = backprop_by_hand(**EXAMPLE)
    # a_1 = W_1^T x + b_1 = (0.5 + 0.1 + 0.1, -0.3 + 0.35 - 0.1, 0.8 - 0.2 + 0)
    np.testing.assert_allclose(steps["a1"], [0.7, -0.05, 0.6], atol=1e-15)
    assert steps["h1"][0] == pytest.approx(1 / (1 + np.exp(-0.7)))
    assert steps["h2"].sum() == pytest.approx(1.0)
    np.testing.assert_allclose(steps["delta2"], steps["h2"] - EXAMPLE["y"])
    np.testing.assert_allclose(steps["grad_W1"], np.outer(EXAMPLE["x"], steps["delta1"]))


def test_by_hand_equals_mlp_and_autograd():
    steps = backprop_by_hand(**EXAMPLE)
    assert difference_to_mlp(steps) < 1e-12
    for key, value in autograd_gradients().items():
        np.testing.assert_allclose(value, steps[key], rtol=1e-12, atol=1e-15)


def test_time_gradients_counts_parameters_and_agrees():
    rng = np.random.default_rng(0)
    net = MLP([(6, None), (4, "sigmoid"), (3, "sigmoid")], loss="half_squared_error", dtype=np.float64)
    x, y = rng.random((5, 6)), np.eye(3)[rng.integers(0, 3, 5)]
    result = time_gradients(net, x, y, repeats=2)
    assert result["parameters"] == 6 * 4 + 4 + 4 * 3 + 3
    assert result["error"] < 1e-6
    assert result["backprop"] > 0 and result["numeric"] > 0


def test_graph_labels_the_forward_and_backward_quantities():
    fig = draw_computational_graph()
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert r"$\delta_1$" in texts and r"$\ell$" in texts
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_power_of_ten_in_german():
    from codes.backprop_example import power_of_ten

    assert power_of_ten(2.2e-16) == "2 · 10⁻¹⁶"
    assert power_of_ten(9.7e-9) == "1 · 10⁻⁸"
