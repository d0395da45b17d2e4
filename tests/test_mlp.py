"""The NumPy MLP: gradients (finite differences, torch.autograd), shapes, errors, training."""

import os
from pathlib import Path

import numpy as np
import pytest
import torch

from codes.gradcheck import numerical_gradient, relative_error
from codes.mlp import MLP, minibatches, parse_layers
from codes.mlp_loop import backprop_sample, train_step_loop

ACTIVATIONS = ["sigmoid", "tanh", "relu", "identity"]
SHARED_DATA = Path(os.environ.get("NN_DATA_DIR") or Path(__file__).parents[1].parent / "shared/data")


def random_problem(widths, hidden, loss, n, seed=0):
    """A float64 MLP with the given widths and hidden activation, plus matching data."""
    rng = np.random.default_rng(seed)
    output = "softmax" if loss == "cross_entropy" else "sigmoid"
    layers = [(widths[0], None)] + [(d, hidden) for d in widths[1:-1]] + [(widths[-1], output)]
    model = MLP(layers, loss=loss, dtype=np.float64, seed=seed)
    for b in model.biases:  # non-zero biases, so that their gradients are tested too
        b += 0.1 * rng.standard_normal(b.shape)
    x = rng.standard_normal((n, widths[0]))
    if loss == "cross_entropy":
        y = np.eye(widths[-1])[rng.integers(0, widths[-1], n)]
    else:
        y = rng.random((n, widths[-1]))
    if hidden == "relu":  # keep a_l away from the kink at 0, where differences are wrong
        x += np.sign(x)
    return model, x, y


CASES = [
    ((3, 4), "sigmoid", "half_squared_error", 7),
    ((3, 5, 2), "sigmoid", "half_squared_error", 1),
    ((4, 6, 3), "tanh", "cross_entropy", 7),
    ((3, 5, 4, 3), "relu", "half_squared_error", 7),
    ((2, 4, 4, 3), "identity", "cross_entropy", 1),
    ((5, 3, 4, 6, 2), "tanh", "half_squared_error", 7),
    ((4, 7, 5, 3), "relu", "cross_entropy", 1),
    ((3, 4, 3), "sigmoid", "cross_entropy", 7),
]


@pytest.mark.parametrize("widths, hidden, loss, n", CASES)
def test_backprop_matches_central_differences(widths, hidden, loss, n):
    model, x, y = random_problem(widths, hidden, loss, n)
    grads_w, grads_b = model.backprop(x, y)
    for theta, grad in zip(model.weights + model.biases, grads_w + grads_b, strict=True):
        numeric = numerical_gradient(lambda: model.evaluate(x, y)["loss"], theta)
        assert relative_error(grad, numeric) < 1e-6


@pytest.mark.parametrize("widths, hidden, loss, n", CASES)
def test_backprop_matches_torch_autograd(widths, hidden, loss, n):
    model, x, y = random_problem(widths, hidden, loss, n, seed=1)
    params = [torch.tensor(p, requires_grad=True) for p in model.weights + model.biases]
    weights, biases = params[:len(model.weights)], params[len(model.weights):]
    sigma = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu,
             "identity": lambda t: t}[hidden]
    h = torch.tensor(x)
    for k, (W, b) in enumerate(zip(weights, biases, strict=True)):
        a = h @ W + b
        h = a if k == len(weights) - 1 else sigma(a)
    target = torch.tensor(y)
    if loss == "half_squared_error":
        value = 0.5 * ((torch.sigmoid(a) - target) ** 2).sum(dim=1).mean()
    else:
        value = -(target * torch.log_softmax(a, dim=1)).sum(dim=1).mean()
    value.backward()
    grads_w, grads_b = model.backprop(x, y)
    assert model.evaluate(x, y)["loss"] == pytest.approx(value.item(), rel=1e-12)
    for grad, p in zip(grads_w + grads_b, params, strict=True):
        np.testing.assert_allclose(grad, p.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_per_sample_loop_gives_the_same_gradients_and_updates():
    model, x, y = random_problem((4, 6, 5, 3), "tanh", "half_squared_error", 7)
    grads_w, grads_b = model.backprop(x, y)
    per_sample = [backprop_sample(model, x_i, y_i) for x_i, y_i in zip(x, y, strict=True)]
    for k in range(3):
        np.testing.assert_allclose(np.mean([g[0][k] for g in per_sample], axis=0), grads_w[k])
        np.testing.assert_allclose(np.mean([g[1][k] for g in per_sample], axis=0), grads_b[k])
    twin, _, _ = random_problem((4, 6, 5, 3), "tanh", "half_squared_error", 7)
    model.train_step(x, y, 0.5, 3, rng=np.random.default_rng(5))
    train_step_loop(twin, x, y, 0.5, 3, rng=np.random.default_rng(5))
    for p, q in zip(model.weights + model.biases, twin.weights + twin.biases, strict=True):
        np.testing.assert_allclose(p, q, rtol=1e-12)


def test_architecture_from_mapping_and_from_pairs():
    sizes, acts = parse_layers({784: None, 30: "sigmoid", 10: "sigmoid"})
    assert sizes == [784, 30, 10] and [a.name for a in acts] == ["sigmoid", "sigmoid"]
    model = MLP([(5, None), (8, "relu"), (8, "relu"), (3, "softmax")], loss="cross_entropy")
    assert [W.shape for W in model.weights] == [(5, 8), (8, 8), (8, 3)]
    assert [b.shape for b in model.biases] == [(8,), (8,), (3,)]
    assert all(p.dtype == np.float32 for p in model.weights + model.biases)
    assert model.feedforward(np.ones((4, 5))).shape == (4, 3)
    assert model.feedforward(np.ones(5)).shape == (3,)
    np.testing.assert_allclose(model.feedforward(np.ones((2, 5))).sum(axis=1), 1.0, rtol=1e-6)
    assert "loss='cross_entropy'" in repr(model)


def test_initialisation_is_scaled_to_the_width():
    relu = MLP({2000: None, 500: "relu", 10: "identity"}, seed=3)
    sigmoid = MLP({2000: None, 500: "sigmoid", 10: "sigmoid"}, seed=3)
    assert relu.weights[0].std() == pytest.approx(np.sqrt(2 / 2000), rel=0.02)  # He
    assert sigmoid.weights[0].std() == pytest.approx(np.sqrt(2 / 2500), rel=0.02)  # Glorot
    assert np.all(relu.biases[0] == 0)


@pytest.mark.parametrize("layers, loss, message", [
    ({784: None}, "half_squared_error", "mindestens zwei"),
    ({784: None, 0: "sigmoid"}, "half_squared_error", "positive ganze"),
    ({784: "relu", 10: "sigmoid"}, "half_squared_error", "keine Aktivierung"),
    ({784: None, 10: "swish"}, "half_squared_error", "Unbekannte Aktivierung"),
    ({784: None, 10: "sigmoid"}, "hinge", "Unbekannte Verlustfunktion"),
    ({784: None, 10: "sigmoid"}, "cross_entropy", "softmax"),
    ({784: None, 10: "softmax"}, "half_squared_error", "softmax"),
    ({784: None, 20: "softmax", 10: "softmax"}, "cross_entropy", "letzten Schicht"),
    ([(784, None), (10,)], "half_squared_error", "Paar"),
    (784, "half_squared_error", "Liste von Paaren"),
    ("784-30-10", "half_squared_error", "Liste von Paaren"),
    ({784: None, 10: "sigmoid"}, "mse", "heißt jetzt 'half_squared_error'"),
])
def test_bad_architectures_raise_clear_errors(layers, loss, message):
    with pytest.raises(ValueError, match=message):
        MLP(layers, loss=loss)


def test_bad_data_raise_clear_errors():
    model = MLP({4: None, 3: "relu", 2: "softmax"}, loss="cross_entropy")
    good_y = np.eye(2)[[0, 1, 1]]
    with pytest.raises(ValueError, match=r"\(n, 4\)"):
        model.feedforward(np.ones((3, 5)))
    with pytest.raises(ValueError, match="one_hot"):
        model.backprop(np.ones((3, 4)), np.array([0, 1, 1]))
    with pytest.raises(ValueError, match="one-hot"):
        model.train(np.ones((3, 4)), np.full((3, 2), 0.5), epochs=1, batch_size=2, eta=0.1)
    with pytest.raises(ValueError, match="positiv"):
        model.train(np.ones((3, 4)), good_y, epochs=0, batch_size=2, eta=0.1)
    with pytest.raises(ValueError, match="batch_size"):
        next(minibatches(np.ones((3, 4)), good_y, 0))
    with pytest.raises(ValueError, match="float32 oder float64"):
        MLP({4: None, 2: "sigmoid"}, dtype=np.int64)


@pytest.mark.parametrize("x", ["abc", ["1", "2", "3", "4"], np.array([["a", "b", "c", "d"]])])
def test_text_as_input_gets_a_german_error(x):
    model = MLP({4: None, 2: "sigmoid"}, loss="half_squared_error")
    with pytest.raises(ValueError, match="Eingaben müssen Zahlen sein"):
        model.feedforward(x)
    with pytest.raises(ValueError, match="Zielwerte y müssen Zahlen sein"):
        model.evaluate(np.ones((1, 4)), [["a", "b"]])


@pytest.mark.parametrize("validation_data", [
    (np.ones((3, 4)),),
    (np.ones((3, 4)), np.zeros((3, 2)), np.zeros(3)),
    np.ones((3, 4)),
])
def test_validation_data_must_be_a_pair(validation_data):
    model = MLP({4: None, 2: "sigmoid"}, loss="half_squared_error")
    with pytest.raises(ValueError, match=r"Paar \(x_val, y_val\)"):
        model.train(np.ones((3, 4)), np.zeros((3, 2)), epochs=1, batch_size=2, eta=0.1,
                    validation_data=validation_data)


def test_float32_stays_float32_and_float64_stays_float64():
    for dtype in (np.float32, np.float64):
        model = MLP({6: None, 5: "tanh", 2: "identity"}, dtype=dtype)
        model.update_mini_batch(np.ones((4, 6)), np.zeros((4, 2)), eta=0.1, weight_decay=1e-3)
        assert all(p.dtype == dtype for p in model.weights + model.biases)
        assert model.feedforward(np.ones((4, 6))).dtype == dtype


def test_one_epoch_on_a_small_mnist_subset_lowers_the_loss():
    from codes.data.mnist import load_mnist, one_hot

    data = load_mnist(SHARED_DATA)
    x, y = data.x_train[:2000], one_hot(data.y_train[:2000])
    x_val, y_val = data.x_val[:1000], one_hot(data.y_val[:1000])
    model = MLP({784: None, 30: "sigmoid", 10: "sigmoid"}, loss="half_squared_error")
    before = model.evaluate(x, y)
    history = model.train(x, y, epochs=1, batch_size=10, eta=3.0, validation_data=(x_val, y_val))
    assert set(history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert history["loss"][0] < 0.8 * before["loss"]
    assert history["val_accuracy"][0] > 0.7


def test_learning_rate_schedule_is_called_once_per_epoch():
    rng = np.random.default_rng(2)
    x, y = rng.standard_normal((20, 3)), rng.standard_normal((20, 2))
    seen = []

    def schedule(epoch):
        seen.append(epoch)
        return 0.1 / (1 + epoch)

    history = MLP({3: None, 4: "tanh", 2: "identity"}).train(x, y, epochs=3, batch_size=5,
                                                            eta=schedule)
    assert len(history["loss"]) == 3 and "accuracy" not in history
    assert seen[-3:] == [0, 1, 2]
    with pytest.raises(ValueError, match="eta"):
        MLP({3: None, 2: "identity"}).train(x, y, epochs=2, batch_size=5,
                                            eta=lambda epoch: 0.1 - 0.1 * epoch)


# --- robust inputs: NaN and inf stop training, bad arguments stop before it -------------


def small_regression(seed=0):
    rng = np.random.default_rng(seed)
    model = MLP({3: None, 8: "relu", 2: "identity"}, dtype=np.float64, seed=seed)
    return model, rng.standard_normal((40, 3)), rng.standard_normal((40, 2))


def parameters(model):
    return [p.copy() for p in model.weights + model.biases]


@pytest.mark.parametrize(("where", "value", "message"), [
    ("x", np.nan, r"Eingaben x der Trainingsdaten.*Zeile 17"),
    ("x", np.inf, r"Eingaben x der Trainingsdaten.*Zeile 17"),
    ("y", -np.inf, r"Zielwerte y der Trainingsdaten.*Zeile 17"),
    ("x_val", np.nan, r"Eingaben x der Validierungsdaten.*Zeile 17"),
])
def test_nan_or_inf_in_the_data_stops_before_training(where, value, message):
    model, x, y = small_regression()
    x_val, y_val = x.copy(), y.copy()
    {"x": x, "y": y, "x_val": x_val}[where][17, 1] = value
    before = parameters(model)
    with pytest.raises(ValueError, match=message):
        model.train(x, y, epochs=2, batch_size=8, eta=0.1, validation_data=(x_val, y_val))
    for p, q in zip(before, parameters(model), strict=True):
        np.testing.assert_array_equal(p, q)  # nothing was computed


def test_a_diverging_training_stops_naming_epoch_and_batch():
    model, x, y = small_regression()
    with np.errstate(all="ignore"), pytest.raises(
            FloatingPointError, match=r"Epoche 1, Mini-Batch \d+.*Lernrate eta"):
        model.train(100 * x, y, epochs=3, batch_size=4, eta=1e6)


@pytest.mark.parametrize("eta", [0, -0.1, np.nan, np.inf, True, "0.1", None])
def test_a_learning_rate_that_is_not_positive_and_finite_is_rejected(eta):
    model, x, y = small_regression()
    before = parameters(model)
    with pytest.raises(ValueError, match="Lernrate eta"):
        model.train(x, y, epochs=1, batch_size=8, eta=eta)
    with pytest.raises(ValueError, match="Lernrate eta"):
        model.update_mini_batch(x[:8], y[:8], eta)
    for p, q in zip(before, parameters(model), strict=True):
        np.testing.assert_array_equal(p, q)


def test_an_empty_batch_is_rejected():
    model, x, y = small_regression()
    for call in (lambda: model.update_mini_batch(x[:0], y[:0], 0.1),
                 lambda: model.backprop(x[:0], y[:0]),
                 lambda: model.train(x[:0], y[:0], epochs=1, batch_size=8, eta=0.1)):
        with pytest.raises(ValueError, match="leer"):
            call()


@pytest.mark.parametrize(("layers", "arguments", "message"), [
    ([(3, None), (True, "relu"), (2, "identity")], {}, "positive ganze"),
    ([(3, None), (4.0, "relu"), (2, "identity")], {}, "positive ganze"),
    ([(3, None), (2, "identity")], {"epochs": True}, "epochs"),
    ([(3, None), (2, "identity")], {"batch_size": True}, "batch_size"),
    ([(3, None), (2, "identity")], {"batch_size": 2.5}, "batch_size"),
])
def test_booleans_and_floats_are_not_counts(layers, arguments, message):
    _, x, y = small_regression()
    with pytest.raises(ValueError, match=message):
        MLP(layers).train(x, y, **{"epochs": 1, "batch_size": 8, "eta": 0.1, **arguments})
