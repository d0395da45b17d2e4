"""The self-checks accept the reference implementations and reject known-wrong ones with a
German message that names the mistake."""

import numpy as np
import pytest

from codes import selfcheck
from codes.activations import Sigmoid, Softmax, get_activation
from codes.logistic_regression import LogisticRegression, binary_cross_entropy
from codes.mlp import MLP


def quiet(check, fn, *args):
    return check(fn, *args, verbose=False)


def text(result):
    return "\n".join(result.messages)


def assert_rejected(result, *phrases):
    assert not result.passed
    assert any(m.startswith("✗") for m in result.messages)
    for phrase in phrases:
        assert phrase in text(result), f"'{phrase}' fehlt in:\n{text(result)}"


def stable_softmax(a):
    z = np.exp(a - a.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


def logreg_gradient(w, b, X, y):
    model = LogisticRegression(len(w))
    model.w[:], model.b[...] = w, b
    return model.gradient(X, y)


# --- references pass -------------------------------------------------------------------------

@pytest.mark.parametrize("check, fn", [
    (selfcheck.check_sigmoid_derivative, Sigmoid().gradient),
    (selfcheck.check_softmax, Softmax()),
    (selfcheck.check_softmax, stable_softmax),
    (selfcheck.check_cross_entropy_gradient, lambda a, y: Softmax()(a) - y),
    (selfcheck.check_logreg_gradient, logreg_gradient),
    (selfcheck.check_binary_cross_entropy, binary_cross_entropy),
    (selfcheck.check_backprop, lambda net, x, y: net.backprop(x, y)),
    (selfcheck.check_backprop, MLP),
])
def test_reference_implementations_pass(check, fn):
    result = quiet(check, fn)
    assert result.passed, text(result)
    assert all(m.startswith("✓") for m in result.messages)


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu"])
def test_reference_activation_gradients_pass(name):
    result = quiet(selfcheck.check_activation_gradient, get_activation(name).gradient, name)
    assert result.passed, text(result)


def test_torch_references_pass():
    from codes.hpo import grid
    from codes.lstm import AdditiveAttention  # noqa: F401  (the reference of the attention check)
    from codes.torch_mlp import BasicMLP, ResidualBlock
    from codes.training import count_parameters

    def attention(H, W, b, v):
        e = np.tanh(H @ W + b) @ v
        alpha = stable_softmax(e)
        return np.einsum("nt,nts->ns", alpha, H), alpha

    for check, fn in [
        (selfcheck.check_residual_block, ResidualBlock),
        (selfcheck.check_attention_weights, attention),
        (selfcheck.check_parameter_count,
         lambda d, h, k, bn: count_parameters(BasicMLP(d, h, k, use_batchnorm=bn))),
        (selfcheck.check_grid, grid),
    ]:
        result = quiet(check, fn)
        assert result.passed, text(result)


# --- known-wrong implementations are rejected, with the reason ----------------------------------

def test_softmax_without_max_shift_is_rejected_for_large_logits():
    result = quiet(selfcheck.check_softmax, lambda a: np.exp(a) / np.exp(a).sum(1, keepdims=True))
    assert_rejected(result, "große Logits", "nan", "Maximum")
    # Small logits are fine: the report says which cases pass.
    assert any(m.startswith("✓ zufällige Logits") for m in result.messages)


def test_softmax_over_the_batch_axis_is_rejected():
    def wrong_axis(a):
        z = np.exp(a - a.max(axis=0, keepdims=True))
        return z / z.sum(axis=0, keepdims=True)

    assert_rejected(quiet(selfcheck.check_softmax, wrong_axis), "axis=0", "Spalten")


def test_softmax_without_keepdims_is_rejected():
    def no_keepdims(a):
        z = np.exp(a - a.max(axis=1, keepdims=True))
        return z / z.sum(axis=1)

    assert_rejected(quiet(selfcheck.check_softmax, no_keepdims), "keepdims")


def test_cross_entropy_delta_with_wrong_sign_is_rejected():
    result = quiet(selfcheck.check_cross_entropy_gradient, lambda a, y: y - stable_softmax(a))
    assert_rejected(result, "Vorzeichen")


def test_cross_entropy_delta_with_extra_softmax_derivative_is_rejected():
    def chained(a, y):
        s = stable_softmax(a)
        return (s - y) * s * (1 - s)

    assert_rejected(quiet(selfcheck.check_cross_entropy_gradient, chained), "kürzt sich")


def test_logreg_gradient_without_one_over_n_is_rejected():
    def summed(w, b, X, y):
        grad_w, grad_b = logreg_gradient(w, b, X, y)
        return grad_w * len(X), grad_b * len(X)

    result = quiet(selfcheck.check_logreg_gradient, summed)
    assert_rejected(result, "Faktor n", "1/n vergessen")
    assert any(m.startswith("✓ Batchgröße 1") for m in result.messages)  # n = 1 cannot show it


def test_logreg_gradient_with_wrong_sign_is_rejected():
    def ascent(w, b, X, y):
        grad_w, grad_b = logreg_gradient(w, b, X, y)
        return -grad_w, -grad_b

    assert_rejected(quiet(selfcheck.check_logreg_gradient, ascent), "Vorzeichen")


def test_logreg_least_squares_gradient_is_named():
    def least_squares(w, b, X, y):
        p = Sigmoid()(X @ w + b)
        r = (p - y) * p * (1 - p)
        return X.T @ r / len(X), r.mean()

    assert_rejected(quiet(selfcheck.check_logreg_gradient, least_squares), "quadratischen Fehlers")


def test_naive_binary_cross_entropy_is_rejected_for_large_logits():
    def naive(a, y):
        p = 1 / (1 + np.exp(-a))
        return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))

    result = quiet(selfcheck.check_binary_cross_entropy, naive)
    assert_rejected(result, "große Logits", "log(0)", "logaddexp")


def test_binary_cross_entropy_sum_instead_of_mean_is_rejected():
    result = quiet(selfcheck.check_binary_cross_entropy,
                   lambda a, y: len(a) * binary_cross_entropy(a, y))
    assert_rejected(result, "Faktor n")


def test_sigmoid_derivative_mistakes_are_named():
    sigma = Sigmoid()
    assert_rejected(quiet(selfcheck.check_sigmoid_derivative, sigma), "nicht die Ableitung")
    assert_rejected(quiet(selfcheck.check_sigmoid_derivative, lambda a: -sigma.gradient(a)),
                    "Vorzeichen")
    naive = quiet(selfcheck.check_sigmoid_derivative,
                  lambda a: np.exp(-a) / (1 + np.exp(-a)) ** 2)
    assert_rejected(naive, "nan", "läuft über")


def test_tanh_derivative_without_tanh_is_rejected():
    result = quiet(selfcheck.check_activation_gradient, lambda a: 1 - a**2, "tanh")
    assert_rejected(result, "1 − a²")


def backprop_with(transpose_error=False, mean=True):
    """MLP.backprop's algorithm with one deliberate mistake (for the tests only)."""
    def backprop(net, x, y):
        hs, a_s = [x], []
        for W, b, sigma in zip(net.weights, net.biases, net.activations, strict=True):
            a_s.append(hs[-1] @ W + b)
            hs.append(sigma(a_s[-1]))
        delta = net.loss.delta(a_s[-1], hs[-1], y, net.activations[-1])
        if mean:
            delta = delta / len(x)
        grads_w, grads_b = [], []
        for k in range(len(net.weights) - 1, -1, -1):
            grads_w.insert(0, hs[k].T @ delta)
            grads_b.insert(0, delta.sum(axis=0))
            if k > 0:
                W = net.weights[k] if transpose_error else net.weights[k].T
                delta = (delta @ W) * net.activations[k - 1].gradient(a_s[k - 1])
        return grads_w, grads_b
    return backprop


def test_backprop_helper_is_right_without_mistakes():
    assert quiet(selfcheck.check_backprop, backprop_with()).passed


def test_backprop_with_transposed_weights_is_rejected():
    result = quiet(selfcheck.check_backprop, backprop_with(transpose_error=True))
    # Non-square layers crash with a shape error, square ones give wrong numbers:
    # both are reported with a pointer to the transpose in the recursion for delta_l.
    assert_rejected(result, "W_{l+1}^T", "Rekursion für δ_l")
    assert "bricht" in text(result) and "letzte Schicht stimmt" in text(result)


def test_backprop_without_one_over_n_is_rejected():
    result = quiet(selfcheck.check_backprop, backprop_with(mean=False))
    assert_rejected(result, "1/n vergessen")


def test_attention_softmax_over_batch_and_without_shift_are_rejected():
    def attention(axis, shift):
        def fn(H, W, b, v):
            e = np.tanh(H @ W + b) @ v
            if shift:
                e = e - e.max(axis=axis, keepdims=True)
            alpha = np.exp(e) / np.exp(e).sum(axis=axis, keepdims=True)
            return np.einsum("nt,nts->ns", alpha, H), alpha
        return fn

    assert_rejected(quiet(selfcheck.check_attention_weights, attention(0, True)),
                    "über den Batch (axis=0)")
    assert_rejected(quiet(selfcheck.check_attention_weights, attention(1, False)),
                    "große Scores", "nan")


def test_residual_block_without_shortcut_is_rejected():
    from codes.torch_mlp import ResidualBlock

    def plain(d_in, d_out):
        return ResidualBlock(d_in, d_out, residual=False)

    assert_rejected(quiet(selfcheck.check_residual_block, plain), "lineare Abkürzung",
                    "Addition des Eingangs x fehlt")


def test_parameter_count_with_batchnorm_buffers_is_rejected():
    from codes.torch_mlp import BasicMLP
    from codes.training import count_parameters

    def with_buffers(d, h, k, bn):
        return count_parameters(BasicMLP(d, h, k, use_batchnorm=bn)) + (2 * sum(h) if bn else 0)

    assert_rejected(quiet(selfcheck.check_parameter_count, with_buffers), "Puffer")


def test_grid_with_zip_is_rejected():
    result = quiet(selfcheck.check_grid,
                   lambda s: [dict(zip(s, v, strict=True)) for v in zip(*s.values(), strict=False)])
    assert_rejected(result, "zip", "kartesische Produkt")


# --- the interface ----------------------------------------------------------------------------

def test_report_is_printed_in_german(capsys):
    selfcheck.check_softmax(Softmax())
    out = capsys.readouterr().out
    assert out.startswith("Selbsttest check_softmax: bestanden")


def test_crashing_student_code_is_reported_not_raised():
    def broken(a):
        raise RuntimeError("kaputt")

    result = quiet(selfcheck.check_softmax, broken)
    assert_rejected(result, "RuntimeError: kaputt")


@pytest.mark.parametrize("check", [selfcheck.check_softmax, selfcheck.check_backprop,
                                   selfcheck.check_logreg_gradient])
def test_not_callable_raises_a_clear_type_error(check):
    with pytest.raises(TypeError, match="ohne Klammern"):
        check(np.zeros(3))


def test_unknown_activation_name_is_a_value_error():
    with pytest.raises(ValueError, match="Unbekannte Aktivierung"):
        selfcheck.check_activation_gradient(np.tanh, "swish")


def test_a_repeated_mistake_is_explained_once_and_the_report_is_wrapped():
    def wrong_axis(a):
        z = np.exp(a - a.max(axis=0, keepdims=True))
        return z / z.sum(axis=0, keepdims=True)

    result = quiet(selfcheck.check_softmax, wrong_axis)
    assert sum("axis=0" in m for m in result.messages if m.startswith("✗")) == 1
    assert sum("derselbe Fehler wie oben" in m for m in result.messages) >= 3
    assert max(len(line) for line in result.report().splitlines()) <= 78
