"""Sequence data and measurements for the chapter on recurrent networks.

- ``mnist_as_sequences``: an MNIST image read row by row, 28 time steps of 28 pixels.
- ``early_signal_task``: a synthetic classification task whose label sits only in the
  first few time steps of a long, noisy sequence.
- ``fit_with_lr_drop``: train with Adam, the last epoch at a tenth of the learning rate.
- ``length_sweep``: train models on the synthetic task for several sequence lengths
  and seeds, each until it solves the task or its epochs are spent.
- ``input_gradient_norms``: how strongly the last hidden state h_T reacts to the input
  x_t at each earlier step t, to compare a plain RNN with an LSTM (vanishing gradients).
"""

import math

import numpy as np
import pandas as pd
import torch
from torch import nn

from codes.training import fit, make_loader, one_cpu_thread_without_gpu, set_seed

MNIST_SIDE = 28  # an MNIST image has 28 rows of 28 pixels


# ANCHOR: mnist_rows
def mnist_as_sequences(images):
    """Images (n, 784) -> sequences (n, 28, 28): time step t is the pixel row t (top to bottom)."""
    images = np.asarray(images, dtype=np.float32)
    if images.ndim != 2 or images.shape[1] != MNIST_SIDE * MNIST_SIDE:
        raise ValueError(f"Erwartet werden MNIST-Bilder der Form (n, {MNIST_SIDE ** 2}), "
                         f"nicht {images.shape}.")
    return images.reshape(-1, MNIST_SIDE, MNIST_SIDE)
# ANCHOR_END: mnist_rows


# ANCHOR: early_signal
def early_signal_task(n, seq_len, num_classes=4, signal_steps=3, signal=2.0, noise=1.0, seed=0):
    """Sequences whose class is visible only in their first ``signal_steps`` time steps.

    x has shape (n, seq_len, 1 + num_classes); every entry is Gaussian noise with standard
    deviation ``noise``. In the steps t < signal_steps two channels are raised by
    ``signal``: channel 0 (a flag: "the information is here") and channel 1 + y (the
    class y as a one-hot code). All later steps are pure noise, drawn independently of y,
    so a model must carry the code across seq_len - signal_steps steps. Returns x
    (float32) and y (int64); the classes are balanced and shuffled.
    """
    for name, value in (("n", n), ("seq_len", seq_len), ("num_classes", num_classes),
                        ("signal_steps", signal_steps)):
        if int(value) != value or value < 1:
            raise ValueError(f"{name} muss eine positive ganze Zahl sein, nicht {value!r}.")
    if num_classes < 2 or signal_steps > seq_len or noise < 0:
        raise ValueError("Erwartet: num_classes >= 2, signal_steps <= seq_len und noise >= 0; "
                         f"erhalten: num_classes={num_classes}, signal_steps={signal_steps}, "
                         f"seq_len={seq_len}, noise={noise}.")
    rng = np.random.default_rng(seed)
    y = rng.permutation(np.arange(n) % num_classes).astype(np.int64)
    x = rng.normal(0.0, noise, size=(n, seq_len, 1 + num_classes)).astype(np.float32)
    x[:, :signal_steps, 0] += signal                    # the flag
    x[np.arange(n), :signal_steps, 1 + y] += signal     # the class code, shape (n, steps)
    return x, y
# ANCHOR_END: early_signal


# ANCHOR: gradient_norms
def input_gradient_norms(rnn, x, seed=0):
    """||d l / d x_t|| for t = 1..T, averaged over the batch, for the readout l = u^T h_T.

    ``rnn`` is an ``nn.RNN`` or ``nn.LSTM`` with ``batch_first=True`` in double precision
    (float64, so that tiny gradients do not underflow to 0); u is a fixed random
    unit vector, so l stands for the loss of a linear layer on the last hidden state h_T.
    By the chain rule, d l / d x_t passes through every step from t to T: the smaller it
    is for early t, the less the early inputs can learn from the loss.
    """
    x = torch.as_tensor(x, dtype=torch.float64).clone().requires_grad_(True)
    outputs, _ = rnn(x)
    h_last = outputs[:, -1, :]
    u = torch.randn(h_last.shape[-1], generator=torch.Generator().manual_seed(seed),
                    dtype=torch.float64)
    (h_last @ (u / u.norm())).sum().backward()
    return x.grad.norm(dim=2).mean(dim=0).numpy()  # shape (T,)
# ANCHOR_END: gradient_norms


# ANCHOR: forget_bias
def set_forget_bias(lstm, value):
    """Set the total forget-gate bias b_f of every layer of an ``nn.LSTM`` to ``value``.

    PyTorch stores the gates in the order (input, forget, candidate, output) and adds two
    bias vectors; the forget gate's part of the first becomes ``value``, of the second 0.
    """
    hidden = lstm.hidden_size
    with torch.no_grad():
        for name, bias in lstm.named_parameters():
            if name.startswith("bias_"):
                bias[hidden:2 * hidden] = value if name.startswith("bias_ih") else 0.0
    return lstm
# ANCHOR_END: forget_bias


# ANCHOR: cell_path
def cell_path_gradient_norms(lstm, x, seed=0):
    """Like ``input_gradient_norms``, but the gradient may cross time only along c_t.

    Runs the equations of the one-layer ``nn.LSTM`` ``lstm`` step by step with its own
    weights, but feeds the gates a detached copy of h_{t-1}: every path from x_t to h_T
    through h_{t-1} and the gates is cut, and x_t reaches h_T only via
    c_t -> c_{t+1} -> ... -> c_T, multiplied by f_{t+1}, ..., f_T on the way.
    """
    x = torch.as_tensor(x, dtype=torch.float64).clone().requires_grad_(True)
    w_x, w_h = lstm.weight_ih_l0, lstm.weight_hh_l0
    bias = lstm.bias_ih_l0 + lstm.bias_hh_l0
    h = c = x.new_zeros(x.shape[0], lstm.hidden_size)
    for t in range(x.shape[1]):
        a = x[:, t] @ w_x.T + h.detach() @ w_h.T + bias    # PyTorch order: i, f, c~, o
        a_i, a_f, a_c, a_o = a.chunk(4, dim=1)
        c = torch.sigmoid(a_f) * c + torch.sigmoid(a_i) * torch.tanh(a_c)
        h = torch.sigmoid(a_o) * torch.tanh(c)
    u = torch.randn(h.shape[-1], generator=torch.Generator().manual_seed(seed),
                    dtype=torch.float64)
    (h @ (u / u.norm())).sum().backward()
    return x.grad.norm(dim=2).mean(dim=0).numpy()
# ANCHOR_END: cell_path


# ANCHOR: gradient_curves
def vanishing_gradient_curves(seq_len=100, input_size=8, hidden_size=32, batch_size=32,
                              forget_biases=(1.0, 3.0), seed=0):
    """Gradient norms per time step for a plain RNN and LSTMs, all freshly initialised.

    Returns a dict name -> array of shape (seq_len,): "RNN" (tanh), "LSTM" (PyTorch's
    default initialisation, forget-gate bias about 0), one LSTM per forget-gate bias
    b_f in ``forget_biases`` and, for the last of them, the cell path alone
    (``cell_path_gradient_norms``). Every model sees the same random input sequences.
    """
    torch.manual_seed(seed)
    x = torch.randn(batch_size, seq_len, input_size, dtype=torch.float64)
    models = {"RNN (tanh)": nn.RNN(input_size, hidden_size, batch_first=True),
              "LSTM (Standard, b_f ≈ 0)": nn.LSTM(input_size, hidden_size, batch_first=True)}
    for b_f in forget_biases:
        lstm = nn.LSTM(input_size, hidden_size, batch_first=True)
        models[f"LSTM, b_f = {b_f:g}"] = set_forget_bias(lstm, b_f)
    curves = {name: input_gradient_norms(model.double(), x, seed)
              for name, model in models.items()}
    curves[f"LSTM, b_f = {forget_biases[-1]:g}, nur Zellpfad"] = cell_path_gradient_norms(
        lstm, x, seed)
    return curves
# ANCHOR_END: gradient_curves


def cpu_settings_for_small_rnns():
    """One thread and subnormal numbers flushed to zero, for small RNNs on the CPU.

    A recurrent net computes step after step with small matrices, so extra threads gain
    little (see ``one_cpu_thread_without_gpu``). Vanishing gradients reach subnormal
    floats (below 1e-38), which many CPUs process very slowly; flushing them to 0
    changes no result that matters here.
    """
    one_cpu_thread_without_gpu()
    torch.set_flush_denormal(True)


# ANCHOR: fit_with_lr_drop
def fit_with_lr_drop(model, train_loader, val_loader, epochs, lr, device, drop_epochs=1,
                     factor=0.1):
    """``fit`` with Adam for ``epochs`` epochs, the last ``drop_epochs`` of them at lr * factor.

    A large learning rate learns fast but leaves the weights jumping around the minimum;
    a few final epochs with a smaller one settle them (step decay). Returns the list of
    validation accuracies, one per epoch.
    """
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    accuracies = fit(model, train_loader, val_loader, epochs=epochs - drop_epochs,
                     optimizer=optimizer, device=device).val_acc
    for group in optimizer.param_groups:
        group["lr"] = lr * factor
    return accuracies + fit(model, train_loader, val_loader, epochs=drop_epochs,
                            optimizer=optimizer, device=device).val_acc
# ANCHOR_END: fit_with_lr_drop


# ANCHOR: length_sweep
def length_sweep(models, seq_lens, n_train, n_val, max_epochs, device, seeds=(0, 1, 2),
                 solved=0.95, lr=2e-3, batch_size=64):
    """Train every model on ``early_signal_task`` for each length T and each seed.

    ``models`` maps a name to a function ``make(input_size, num_classes)`` that returns a
    fresh model. A run trains epoch by epoch (one Adam optimizer throughout) until its
    validation accuracy reaches ``solved`` or ``max_epochs`` are spent, so a model that
    learns the task stops early and one that does not gets the whole budget. For one
    seed every model starts from the same seed and sees the mini-batches in the same
    order. Returns a DataFrame with one row per (T, model, seed): the validation accuracy
    of the last epoch and the epochs used; and a dict (T, name, seed) -> trained model.
    """
    rows, trained = [], {}
    for seq_len in seq_lens:
        x, y = early_signal_task(n_train + n_val, seq_len, seed=seq_len)
        val = make_loader(x[n_train:], y[n_train:], 1000)
        num_classes = int(y.max()) + 1
        for seed in seeds:
            for name, make in models.items():
                # a fresh loader per model: the same order of mini-batches for all models
                train = make_loader(x[:n_train], y[:n_train], batch_size, shuffle=True,
                                    seed=seed)
                set_seed(seed)
                model = make(x.shape[-1], num_classes).to(device)
                optimizer = torch.optim.Adam(model.parameters(), lr=lr)
                epochs, val_acc = 0, -math.inf
                while epochs < max_epochs and val_acc < solved:  # one epoch per call
                    history = fit(model, train, val, epochs=1, optimizer=optimizer,
                                  device=device, progress=False)
                    epochs, val_acc = epochs + 1, history.val_acc[-1]
                rows.append({"seq_len": seq_len, "model": name, "seed": seed,
                             "num_classes": num_classes, "val_acc": val_acc,
                             "epochs": epochs})
                trained[seq_len, name, seed] = model
    return pd.DataFrame(rows), trained
# ANCHOR_END: length_sweep


@torch.no_grad()
def attention_of(model, x, device):
    """Predicted classes (n,) and attention weights (n, T) of an ``AdvancedLSTM``, as NumPy."""
    model.to(device).eval()
    logits, weights = model(torch.as_tensor(x, dtype=torch.float32).to(device),
                            return_attention=True)
    return logits.argmax(dim=1).cpu().numpy(), weights.cpu().numpy()
