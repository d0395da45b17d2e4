"""Single-layer perceptron: gradients for every hidden activation and both outputs, training,
the circles data set and bad input."""

import numpy as np
import pytest
import torch

from codes.gradcheck import check_gradients
from codes.logistic_regression import LogisticRegression
from codes.slp import SLP
from codes.synthetic import make_circles, sample_function, target_function

HIDDEN = ["sigmoid", "tanh", "relu", "identity"]
OUTPUTS = ["sigmoid", "identity"]
TORCH_ACTIVATIONS = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu,
                     "identity": lambda a: a}


def toy_problem(output, n=30, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    y = (rng.random(n) < 0.5).astype(np.int64) if output == "sigmoid" else rng.normal(size=n)
    return X, y


@pytest.mark.parametrize("output", OUTPUTS)
@pytest.mark.parametrize("activation", HIDDEN)
def test_gradient_matches_finite_differences(activation, output):
    X, y = toy_problem(output)
    errors = check_gradients(SLP(3, 5, activation, output, seed=1), X, y)
    assert max(errors) < 1e-6, errors


@pytest.mark.parametrize("output", OUTPUTS)
@pytest.mark.parametrize("activation", HIDDEN)
def test_gradient_matches_torch_autograd(activation, output):
    X, y = toy_problem(output)
    model = SLP(3, 5, activation, output, seed=1)
    params = [torch.tensor(p, requires_grad=True) for p in model.parameters()]
    W1, b1, W2, b2 = params
    a2 = (TORCH_ACTIVATIONS[activation](torch.tensor(X) @ W1 + b1) @ W2 + b2)[:, 0]
    target = torch.tensor(y, dtype=torch.float64)
    if output == "sigmoid":
        loss = torch.nn.functional.binary_cross_entropy_with_logits(a2, target)
    else:
        loss = 0.5 * torch.mean((a2 - target) ** 2)
    loss.backward()
    assert np.isclose(loss.item(), model.loss(X, y), rtol=1e-12)
    for ours, theirs in zip(model.gradient(X, y), params, strict=True):
        np.testing.assert_allclose(ours, theirs.grad.numpy(), rtol=1e-9, atol=1e-13)


def test_circles_defeat_logistic_regression_but_not_the_slp():
    X, y = make_circles(400, noise=0.1, seed=0)
    X_val, y_val = make_circles(400, noise=0.1, seed=1)
    logreg = LogisticRegression(2)
    logreg.fit(X, y, eta=0.5, epochs=30, batch_size=32)
    slp = SLP(2, 8, "tanh", seed=0)
    losses = slp.fit(X, y, eta=0.5, epochs=100, batch_size=32)
    assert losses[-1] < 0.5 * losses[0]
    assert np.mean(logreg.predict(X_val) == y_val) < 0.7
    assert np.mean(slp.predict(X_val) == y_val) > 0.9


def test_circles_are_reproducible_and_balanced():
    X, y = make_circles(100, seed=3)
    X2, y2 = make_circles(100, seed=3)
    np.testing.assert_array_equal(X, X2)
    assert X.shape == (100, 2) and y.shape == (100,) and y.sum() == 50
    radius = np.linalg.norm(make_circles(200, noise=0.0, factor=0.4)[0], axis=1)
    np.testing.assert_allclose(np.sort(np.unique(radius.round(6))), [0.4, 1.0])


def test_regression_output_fits_a_function():
    X, y = sample_function(target_function, 128, seed=0)
    model = SLP(1, 10, "tanh", "identity", seed=0)
    losses = model.fit(X, y, eta=0.1, epochs=600, batch_size=16)
    assert losses[-1] < 0.2 * losses[0]
    assert model.predict(X).shape == (128,)


def test_bad_input_raises_a_clear_value_error():
    model = SLP(3, 4)
    with pytest.raises(ValueError, match=r"\(n, 3\)"):
        model.feedforward(np.zeros((5, 2)))
    with pytest.raises(ValueError, match=r"\(5,\)"):
        model.gradient(np.zeros((5, 3)), np.zeros((5, 1)))
    with pytest.raises(ValueError, match="0 und 1"):
        model.loss(np.zeros((2, 3)), np.array([0.5, 1.0]))
    with pytest.raises(ValueError, match="erlaubt sind"):
        SLP(3, 4, activation="swish")
    with pytest.raises(ValueError, match="erlaubt sind"):
        SLP(3, 4, output="softmax")
    with pytest.raises(ValueError, match="positiv"):
        SLP(3, 0)
    with pytest.raises(ValueError, match="sigmoid"):
        SLP(3, 4, output="identity").predict_proba(np.zeros((1, 3)))
    with pytest.raises(ValueError, match="factor"):
        make_circles(10, factor=1.5)
    with pytest.raises(ValueError, match="low < high"):
        sample_function(target_function, 10, low=1.0, high=0.0)
