"""The per-sample reference: mini-batch SGD where every sample is backpropagated alone.

This is the algorithm of Nielsen's network.py, written with the pieces of codes/mlp.py
(weights, activations, loss, mini-batches). It computes the same updates as
``MLP.train_step``, one sample (a vector) at a time; it exists to measure what
vectorisation buys.
"""

import numpy as np

from codes.mlp import minibatches


# ANCHOR: backprop_sample
def backprop_sample(model, x, y):
    """Gradients of l for ONE sample x of shape (d_0,) and its target y of shape (d_L,)."""
    activations_in, hs = [], [x]
    for W, b, sigma in zip(model.weights, model.biases, model.activations, strict=True):
        activations_in.append(W.T @ hs[-1] + b)  # Gl. (eq:mlp-layer)
        hs.append(sigma(activations_in[-1]))
    delta = model.loss.delta(activations_in[-1], hs[-1], y, model.activations[-1])  # Gl. (eq:delta-L)
    grads_w, grads_b = [None] * len(model.weights), [None] * len(model.weights)
    for k in range(len(model.weights) - 1, -1, -1):  # python index k is layer l = k + 1
        grads_w[k] = np.outer(hs[k], delta)  # Gl. (eq:grad-W)
        grads_b[k] = delta  # Gl. (eq:grad-b)
        if k > 0:  # Gl. (eq:delta-recursion)
            delta = model.activations[k - 1].gradient(activations_in[k - 1], hs[k]) * (
                model.weights[k] @ delta)
    return grads_w, grads_b
# ANCHOR_END: backprop_sample


# ANCHOR: train_step_loop
def train_step_loop(model, x, y, eta, batch_size, *, rng=None):
    """One epoch like ``MLP.train_step``, but with a Python loop over the samples of a batch."""
    for x_batch, y_batch in minibatches(x, y, batch_size, rng):
        sum_w = [np.zeros_like(W) for W in model.weights]
        sum_b = [np.zeros_like(b) for b in model.biases]
        for x_i, y_i in zip(x_batch, y_batch, strict=True):
            grads_w, grads_b = backprop_sample(model, x_i, y_i)
            for total, grad in zip(sum_w + sum_b, grads_w + grads_b, strict=True):
                total += grad
        for param, total in zip(model.weights + model.biases, sum_w + sum_b, strict=True):
            param -= (eta / len(x_batch)) * total  # the mean gradient of the batch
# ANCHOR_END: train_step_loop
