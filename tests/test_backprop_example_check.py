"""The self-check of the hand calculation on the 2-3-2 network (sheet 3)."""

import numpy as np
import pytest

from codes.selfcheck import check_backprop_example
from codes.selfcheck.backprop_example_check import QUANTITIES, reference_steps


def test_rounded_correct_answers_pass():
    steps = reference_steps(0.5)
    answers = {key: np.round(steps[key], 4) for key in QUANTITIES}
    assert check_backprop_example(answers, verbose=False).passed


def test_one_sgd_step_lowers_the_loss():
    steps = reference_steps(0.5)
    assert steps["loss_new"] < steps["loss"]


@pytest.mark.parametrize("key, wrong, message", [
    ("delta1", lambda s: np.array([0.5, -0.3, 0.8]) @ np.zeros((3, 3)) + (
        np.array([[0.6, -0.5], [-0.2, 0.4], [0.3, 0.9]]) @ s["delta2"]), "σ'"),
    ("delta2", lambda s: -s["delta2"], "Vorzeichen"),
    ("grad_W1", lambda s: s["grad_W1"].T, "transponierte"),
    ("W1_new", lambda s: s["W1_new"] + 2 * 0.5 * s["grad_W1"], "falsche Richtung"),
    ("loss_new", lambda s: s["loss"], "alte Verlust"),
])
def test_known_mistakes_are_named(key, wrong, message):
    result = check_backprop_example({key: wrong(reference_steps(0.5))}, verbose=False)
    assert not result.passed
    assert any(message in line for line in result.messages)


def test_unknown_names_and_wrong_types():
    result = check_backprop_example({"h3": 1.0}, verbose=False)
    assert not result.passed and "Unbekannte Namen: h3" in result.messages[0]
    with pytest.raises(TypeError, match="Wörterbuch"):
        check_backprop_example([0.5, 0.1])
