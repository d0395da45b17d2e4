"""A multi-layer perceptron in NumPy, trained by backpropagation and mini-batch SGD.

Notation as in the book: layers l = 1, ..., L with d_l neurons, weights W_l of shape
(d_{l-1}, d_l), biases b_l of shape (d_l,). A mini-batch of n samples is stored as rows,
H_0 = X of shape (n, d_0), and every layer computes (Gl. eq:mlp-batch-forward)

    A_l = H_{l-1} W_l + 1 b_l^T,    H_l = sigma_l(A_l).

Backpropagation runs the same way backwards, again on whole matrices: there is no
Python loop over the samples of a batch (compare codes/mlp_loop.py). The comments name
the four equations (BP1)-(BP4) of the box "Die vier Gleichungen der Backpropagation"
(label box-backprop in chapters/03_mlp/theorie.md). Delta_l holds one row delta_l per
sample; the book defines it unscaled, and the code folds the factor 1/n of the mean
(or eta/n of an SGD step) into Delta_L once, which carries through the linear recursion.
"""

from collections.abc import Mapping

import numpy as np

from codes.activations import ReLU, Softmax, get_activation
from codes.checks import check_learning_rate, check_positive_int, is_positive_int
from codes.losses import check_output_activation, get_loss


# ANCHOR: layers
def parse_layers(layers):
    """Split an architecture into widths [d_0, ..., d_L] and activations [sigma_1, ..., sigma_L].

    ``layers`` is an ordered mapping ``{784: None, 30: "sigmoid", 10: "sigmoid"}`` or a
    list of pairs ``[(784, None), (30, "relu"), (30, "relu"), (10, "softmax")]``; the
    list form allows two layers of the same width. The first entry is the input
    (it has no activation), every further entry one layer l = 1, ..., L.
    """
    pairs = list(layers.items()) if isinstance(layers, Mapping) else list(layers)
    if len(pairs) < 2:
        raise ValueError("Erwartet werden mindestens zwei Einträge: Eingabebreite und eine Schicht.")
    for pair in pairs:
        if not (isinstance(pair, tuple | list) and len(pair) == 2):
            raise ValueError(f"Erwartet wird ein Paar (Breite, Aktivierung), erhalten: {pair!r}.")
        width = pair[0]
        if not is_positive_int(width):
            raise ValueError(f"Schichtbreiten müssen positive ganze Zahlen sein, erhalten: {width!r}.")
    if pairs[0][1] is not None:
        raise ValueError("Der erste Eintrag ist die Eingabe und hat keine Aktivierung (None).")
    sizes = [int(width) for width, _ in pairs]
    activations = [get_activation(name) for _, name in pairs[1:]]
    if any(isinstance(act, Softmax) for act in activations[:-1]):
        raise ValueError("'softmax' ist nur als Aktivierung der letzten Schicht erlaubt.")
    return sizes, activations
# ANCHOR_END: layers


class MLP:
    """Fully connected network with per-layer activations and an "mse" or "cross_entropy" loss."""

    # ANCHOR: init
    def __init__(self, layers, loss="mse", *, dtype=np.float32, seed=0):
        self.sizes, self.activations = parse_layers(layers)
        self.loss = get_loss(loss)
        check_output_activation(self.loss, self.activations[-1])
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise ValueError(f"dtype muss float32 oder float64 sein, erhalten: {self.dtype}.")
        rng = np.random.default_rng(seed)
        self.weights, self.biases = [], []
        for d_in, d_out, act in zip(self.sizes[:-1], self.sizes[1:], self.activations, strict=True):
            # Keep the variance of a_l independent of the width: He et al. (2015) for ReLU,
            # Glorot and Bengio (2010) for sigmoid, tanh and the output layers.
            scale = np.sqrt(2.0 / d_in) if isinstance(act, ReLU) else np.sqrt(2.0 / (d_in + d_out))
            self.weights.append((scale * rng.standard_normal((d_in, d_out))).astype(self.dtype))
            self.biases.append(np.zeros(d_out, dtype=self.dtype))
    # ANCHOR_END: init

    def __repr__(self):
        names = ", ".join(f"{d}: {act.name!r}" for d, act in zip(self.sizes[1:], self.activations, strict=True))
        return f"MLP({{{self.sizes[0]}: None, {names}}}, loss={self.loss.name!r})"

    # ANCHOR: feedforward
    def feedforward(self, x):
        """Return the output H_L for a batch x of shape (n, d_0) (or one sample of shape (d_0,))."""
        h = self._check_x(x)
        for W, b, sigma in zip(self.weights, self.biases, self.activations, strict=True):
            h = sigma(h @ W + b)  # Gl. (eq:mlp-batch-forward)
        return h

    def forward(self, x):
        """Forward pass that keeps what backpropagation needs: [A_1, ..., A_L], [H_0, ..., H_L]."""
        activations_in, hs = [], [x]
        for W, b, sigma in zip(self.weights, self.biases, self.activations, strict=True):
            a = hs[-1] @ W
            a += b  # Gl. (eq:mlp-batch-forward); in place, no temporary array
            activations_in.append(a)
            hs.append(sigma(a))
        return activations_in, hs
    # ANCHOR_END: feedforward

    # ANCHOR: backprop
    def backward(self, x, y, scale):
        """Yield (k, dW, db), the gradients of scale * sum_i l^(i) for W_{k+1}, b_{k+1}, k = L-1..0.

        Python index k is layer l = k + 1: weights[k] is W_l and hs[k] is H_{l-1}.
        ``scale`` is folded into Delta_L (1/n gives the gradients of the mean loss L_B).
        delta_{l-1} is computed before W_l is handed out, so the caller may update W_l.
        """
        activations_in, hs = self.forward(x)
        delta = self.loss.delta(activations_in[-1], hs[-1], y, self.activations[-1])
        delta *= scale  # (BP1), Gl. (eq:delta-L-batch), times 1/n (or eta/n) folded in
        for k in range(len(self.weights) - 1, -1, -1):
            grad_w = hs[k].T @ delta  # (BP3), Gl. (eq:grad-batch): H_{l-1}^T Delta_l
            grad_b = delta.sum(axis=0)  # (BP4), Gl. (eq:grad-batch): Delta_l^T 1
            if k > 0:  # (BP2), Gl. (eq:delta-recursion-batch), sigma'(A_{l-1}) from H_{l-1}
                delta = delta @ self.weights[k].T
                delta *= self.activations[k - 1].gradient(activations_in[k - 1], hs[k])
            yield k, grad_w, grad_b

    def backprop(self, x, y):
        """Gradients of the mean loss over a mini-batch: lists [dL/dW_1, ...], [dL/db_1, ...].

        x has shape (n, d_0), y shape (n, d_L); all n samples travel together as matrices.
        """
        x, y = self._check_xy(x, y, one_hot=False)  # shapes only: cheap enough for every batch
        grads_w, grads_b = [None] * len(self.weights), [None] * len(self.weights)
        for k, grad_w, grad_b in self.backward(x, y, 1.0 / len(x)):  # 1/n: mean over the batch
            grads_w[k], grads_b[k] = grad_w, grad_b
        return grads_w, grads_b
    # ANCHOR_END: backprop

    # ANCHOR: update
    def update_mini_batch(self, x, y, eta, weight_decay=0.0):
        """One SGD step W_l <- W_l - eta dL/dW_l, b_l <- b_l - eta dL/db_l (Gl. eq:sgd-step).

        With scale = eta / n the backward pass hands out the finished steps, and every
        W_l is updated in place as soon as delta_{l-1} no longer needs it.
        """
        x, y = self._check_xy(x, y, one_hot=False)
        eta = check_learning_rate(eta, "eta")
        for k, step_w, step_b in self.backward(x, y, eta / len(x)):
            if weight_decay:  # L2 penalty lambda/2 ||W_l||^2 adds lambda W_l to the gradient
                self.weights[k] *= 1.0 - eta * weight_decay
            self.weights[k] -= step_w
            self.biases[k] -= step_b
    # ANCHOR_END: update

    # ANCHOR: train_step
    def train_step(self, x, y, eta, batch_size, *, weight_decay=0.0, rng=None, epoch=1):
        """One epoch of mini-batch SGD: shuffle once, then one update per mini-batch."""
        x, y = self._check_xy(x, y)
        for batch, (x_batch, y_batch) in enumerate(minibatches(x, y, batch_size, rng), start=1):
            self.update_mini_batch(x_batch, y_batch, eta, weight_decay)
            self._check_finite_step(epoch, batch)
    # ANCHOR_END: train_step

    # ANCHOR: train_epochs
    def train(self, x, y, *, epochs, batch_size, eta, weight_decay=0.0,
              validation_data=None, seed=0):
        """Train for ``epochs`` epochs; return the history of loss (and accuracy) per epoch.

        ``eta`` is a learning rate or a function epoch -> learning rate (epochs count from 0).
        The history has the keys "loss" and, with ``validation_data=(x_val, y_val)``,
        "val_loss"; for one-hot targets also "accuracy" and "val_accuracy".
        """
        schedule = eta if callable(eta) else (lambda epoch: eta)
        _check_train_arguments(epochs, batch_size, schedule)
        x, y = self._check_xy(x, y)
        sets = {"": (x, y)}
        if validation_data is not None:
            sets["val_"] = self._check_xy(*validation_data)
        _check_finite_data(sets)  # NaN or inf in the data: stop before any computation
        rng = np.random.default_rng(seed)
        history = {}
        for epoch in range(epochs):
            self.train_step(x, y, schedule(epoch), batch_size, weight_decay=weight_decay, rng=rng,
                            epoch=epoch + 1)
            for prefix, (xs, ys) in sets.items():
                for name, value in self.evaluate(xs, ys).items():
                    history.setdefault(prefix + name, []).append(value)
            _check_finite_loss(history, sets, epoch + 1)
        return history
    # ANCHOR_END: train_epochs

    # ANCHOR: evaluate
    def evaluate(self, x, y):
        """Mean loss on (x, y); for one-hot y also the accuracy (fraction of correct argmax)."""
        x, y = self._check_xy(x, y)
        activations_in, hs = self.forward(x)
        result = {"loss": self.loss(activations_in[-1], hs[-1], y)}
        if _is_one_hot(y):
            result["accuracy"] = float(np.mean(hs[-1].argmax(axis=1) == y.argmax(axis=1)))
        return result

    def predict(self, x):
        """Class labels argmax_j h_L,j for a batch x."""
        return self.feedforward(x).argmax(axis=-1)
    # ANCHOR_END: evaluate

    def _check_x(self, x):
        x = np.asarray(x, dtype=self.dtype)
        if x.ndim not in (1, 2) or x.shape[-1] != self.sizes[0]:
            raise ValueError(
                f"Erwartet werden Eingaben der Form (n, {self.sizes[0]}) oder ({self.sizes[0]},), "
                f"erhalten: {x.shape}.")
        return x

    def _check_xy(self, x, y, one_hot=True):
        x = self._check_x(x)
        y = np.asarray(y, dtype=self.dtype)
        if x.ndim != 2 or y.shape != (x.shape[0], self.sizes[-1]):
            raise ValueError(
                f"Erwartet werden x der Form (n, {self.sizes[0]}) und y der Form "
                f"(n, {self.sizes[-1]}), erhalten: x {x.shape}, y {y.shape}. "
                "Klassenlabels bitte mit one_hot kodieren.")
        if len(x) == 0:
            raise ValueError(f"Der (Mini-)Batch ist leer: x hat die Form {x.shape}, "
                             "erwartet wird mindestens ein Beispiel (n ≥ 1).")
        if one_hot and self.loss.name == "cross_entropy" and len(y) and not _is_one_hot(y):
            raise ValueError("Kreuzentropie verlangt one-hot-kodierte Zielwerte y (eine 1 pro Zeile).")
        return x, y

    def _check_finite_step(self, epoch, batch):
        # Every non-finite row of delta_L reaches b_L in the update: a check of d_L numbers.
        if not np.isfinite(self.biases[-1]).all():
            raise FloatingPointError(_diverged(f"in Epoche {epoch}, Mini-Batch {batch}"))


def _diverged(where):
    return (f"Training abgebrochen {where}: Gewichte oder Verlust sind NaN oder unendlich "
            f"geworden, das Training divergiert. Verkleinern Sie die Lernrate eta.")


def _check_train_arguments(epochs, batch_size, schedule):
    check_positive_int("epochs", epochs)
    check_positive_int("batch_size", batch_size)
    for epoch in range(epochs):  # every learning rate of the schedule, before training
        check_learning_rate(schedule(epoch), "eta")


def _check_finite_data(sets):
    """Raise if x or y of a data set (prefix -> (x, y)) hold NaN or inf; name the first row."""
    for prefix, (x, y) in sets.items():
        for label, values in (("Eingaben x", x), ("Zielwerte y", y)):
            bad = ~np.isfinite(values).all(axis=1)
            if bad.any():
                name = "Validierungsdaten" if prefix else "Trainingsdaten"
                raise ValueError(
                    f"Training nicht gestartet: Die {label} der {name} enthalten NaN oder "
                    f"unendliche Werte (zuerst in Zeile {int(np.argmax(bad))}; {int(bad.sum())} "
                    f"von {len(bad)} Zeilen betroffen). Entfernen oder ersetzen Sie diese "
                    "Beispiele vor dem Training.")


def _check_finite_loss(history, sets, epoch):
    if not all(np.isfinite(history[prefix + "loss"][-1]) for prefix in sets):
        raise FloatingPointError(_diverged(f"nach Epoche {epoch}"))


# ANCHOR: minibatches
def minibatches(x, y, batch_size, rng=None):
    """Yield (x_batch, y_batch): consecutive slices, or random batches when ``rng`` is given.

    Each shuffled batch gathers its rows from the random order (a small copy per batch),
    which is cheaper than copying the whole data set once per epoch.
    """
    if not is_positive_int(batch_size):
        raise ValueError(f"batch_size muss eine positive ganze Zahl sein, erhalten: {batch_size!r}.")
    if rng is None:
        for start in range(0, len(x), batch_size):
            yield x[start:start + batch_size], y[start:start + batch_size]
        return
    order = rng.permutation(len(x))
    for start in range(0, len(x), batch_size):
        batch = order[start:start + batch_size]
        yield x[batch], y[batch]
# ANCHOR_END: minibatches


def _is_one_hot(y):
    return y.ndim == 2 and y.shape[1] > 1 and bool(
        np.all((y == 0) | (y == 1)) and np.all(y.sum(axis=1) == 1))
