"""Logistic regression: gradients (finite differences, torch.autograd), training, bad input."""

import numpy as np
import pytest
import torch

from codes.gradcheck import check_gradients, numerical_gradient, relative_error
from codes.logistic_regression import LogisticRegression, binary_cross_entropy


def toy_data(n=40, d=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = (X @ rng.normal(size=d) + 0.5 * rng.normal(size=n) > 0).astype(np.int64)
    return X, y


def random_model(d=3, seed=1):
    rng = np.random.default_rng(seed)
    model = LogisticRegression(d)
    model.w[:] = rng.normal(size=d)
    model.b[...] = rng.normal()
    return model


def test_numerical_gradient_of_a_quadratic():
    theta = np.array([1.0, -2.0, 3.0])
    grad = numerical_gradient(lambda: np.sum(theta**2), theta)
    np.testing.assert_allclose(grad, 2 * theta, rtol=1e-8)
    np.testing.assert_array_equal(theta, [1.0, -2.0, 3.0])  # restored


def test_relative_error_sees_a_wrong_gradient():
    assert relative_error([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert relative_error([1.0, 2.0], [1.0, 2.2]) > 1e-2


def test_gradient_matches_finite_differences():
    X, y = toy_data()
    errors = check_gradients(random_model(), X, y)
    assert max(errors) < 1e-6, errors


def test_gradient_matches_torch_autograd():
    X, y = toy_data()
    model = random_model()
    w = torch.tensor(model.w, requires_grad=True)
    b = torch.tensor(model.b, requires_grad=True)
    loss = torch.nn.functional.binary_cross_entropy_with_logits(
        torch.tensor(X) @ w + b, torch.tensor(y, dtype=torch.float64))
    loss.backward()
    assert np.isclose(loss.item(), model.loss(X, y), rtol=1e-12)
    grad_w, grad_b = model.gradient(X, y)
    np.testing.assert_allclose(grad_w, w.grad.numpy(), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(grad_b, b.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_cross_entropy_is_stable_for_large_logits():
    a = np.array([-800.0, 800.0])
    assert np.isclose(binary_cross_entropy(a, np.array([0, 1])), 0.0)
    assert np.isclose(binary_cross_entropy(a, np.array([1, 0])), 800.0)


@pytest.mark.parametrize("batch_size", [None, 8])
def test_training_lowers_the_loss_and_separates_the_data(batch_size):
    X, y = toy_data(n=200)
    model = LogisticRegression(3)
    before = model.loss(X, y)
    losses = model.fit(X, y, eta=0.5, epochs=20, batch_size=batch_size)
    assert losses[-1] < 0.5 * before
    assert np.mean(model.predict(X) == y) > 0.85
    assert set(np.unique(model.predict(X))) <= {0, 1}
    np.testing.assert_allclose(model.predict_proba(X).sum(), np.sum(model.predict_proba(X)))


def test_float32_training_keeps_float32_weights():
    X, y = toy_data()
    model = LogisticRegression(3, dtype=np.float32)
    model.fit(X.astype(np.float32), y, epochs=2)
    assert model.w.dtype == np.float32


@pytest.mark.parametrize(
    ("X", "y", "expected"),
    [
        (np.zeros((5, 4)), np.zeros(5), r"\(n, 3\)"),
        (np.zeros(3), np.zeros(1), r"\(n, 3\)"),
        (np.zeros((5, 3)), np.zeros(4), r"\(5,\)"),
        (np.zeros((5, 3)), np.full(5, 2), "0 und 1"),
    ],
    ids=["columns", "1-D", "labels-length", "labels-values"],
)
def test_bad_input_raises_a_clear_value_error(X, y, expected):
    with pytest.raises(ValueError, match=expected):
        LogisticRegression(3).loss(X, y)


def test_bad_settings_raise():
    with pytest.raises(ValueError, match="positiv"):
        LogisticRegression(0)
    X, y = toy_data()
    with pytest.raises(ValueError, match="eta"):
        LogisticRegression(3).fit(X, y, eta=-1.0)
    with pytest.raises(ValueError, match="float64"):
        check_gradients(LogisticRegression(3, dtype=np.float32), X, y)
