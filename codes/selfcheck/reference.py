"""The reference implementations from ``codes/`` in the call forms the self-checks expect.

The worked solutions call every self-check with these functions, so the sheets show
how a passing answer is called. Each one only adapts an existing implementation; the
logic lives in ``codes.activations``, ``codes.logistic_regression``, ``codes.losses``,
``codes.mlp``, ``codes.torch_mlp``, ``codes.lstm`` and ``codes.hpo``.
"""

import numpy as np

from codes.activations import Sigmoid, Softmax, get_activation
from codes.logistic_regression import LogisticRegression, binary_cross_entropy
from codes.losses import CrossEntropy

sigmoid_derivative = Sigmoid().gradient
softmax = Softmax()
__all__ = ["activation_gradient", "attention", "backprop", "binary_cross_entropy",
           "cross_entropy_delta", "grid", "logreg_gradient", "parameter_count",
           "sigmoid_derivative", "softmax"]


def grid(space):
    """All combinations of a search space: codes.hpo.grid (imports torch and optuna)."""
    from codes.hpo import grid as full_grid

    return full_grid(space)


def activation_gradient(name):
    """sigma'(a) of the activation ``name`` as a function of a."""
    return get_activation(name).gradient


def cross_entropy_delta(a, y):
    """delta_L = softmax(a_L) - y for every row (codes.losses.CrossEntropy.delta)."""
    return CrossEntropy().delta(a, softmax(a), y, softmax)


def logreg_gradient(w, b, X, y):
    """(dL/dw, dL/db) of the mean NLL, from codes.logistic_regression.LogisticRegression."""
    model = LogisticRegression(len(w), dtype=np.result_type(w, X))
    model.w[:], model.b[...] = w, b
    return tuple(model.gradient(X, y))


def backprop(net, x, y):
    """(grads_w, grads_b) of the mean loss: codes.mlp.MLP.backprop."""
    return net.backprop(x, y)


def parameter_count(input_size, hidden_sizes, num_classes, use_batchnorm):
    """Number of trainable parameters of codes.torch_mlp.BasicMLP."""
    from codes.torch_mlp import BasicMLP
    from codes.training import count_parameters

    return count_parameters(BasicMLP(input_size, hidden_sizes, num_classes,
                                     use_batchnorm=use_batchnorm))


def attention(H, W, b, v):
    """(context, alpha) of codes.lstm.AdditiveAttention with the weights W, b, v (NumPy in/out)."""
    import torch

    from codes.lstm import AdditiveAttention

    module = AdditiveAttention(W.shape[0], W.shape[1]).double()
    with torch.no_grad():
        module.score[0].weight.copy_(torch.from_numpy(W.T))
        module.score[0].bias.copy_(torch.from_numpy(b))
        module.score[2].weight.copy_(torch.from_numpy(v[None, :]))
        context, alpha = module(torch.from_numpy(np.asarray(H, dtype=np.float64)))
    return context.numpy(), alpha.numpy()
