"""Sequence data and the gradient measurement of the chapter on recurrent networks."""

import numpy as np
import pytest
import torch

from codes.lstm import AdvancedLSTM, BasicLSTM
from codes.sequences import (
    attention_of,
    cell_path_gradient_norms,
    early_signal_task,
    fit_with_lr_drop,
    input_gradient_norms,
    length_sweep,
    mnist_as_sequences,
    set_forget_bias,
    vanishing_gradient_curves,
)


def test_mnist_rows_are_time_steps():
    images = np.arange(2 * 784, dtype=np.float32).reshape(2, 784)
    sequences = mnist_as_sequences(images)
    assert sequences.shape == (2, 28, 28)
    assert np.array_equal(sequences[1, 3], images[1, 3 * 28:4 * 28])  # row 3 = step 3


def test_mnist_rows_reject_other_shapes():
    with pytest.raises(ValueError, match="784"):
        mnist_as_sequences(np.zeros((2, 28, 28)))


def test_early_signal_task_is_deterministic_with_a_seed():
    x1, y1 = early_signal_task(40, 12, seed=3)
    x2, y2 = early_signal_task(40, 12, seed=3)
    x3, _ = early_signal_task(40, 12, seed=4)
    assert np.array_equal(x1, x2) and np.array_equal(y1, y2)
    assert not np.array_equal(x1, x3)
    assert x1.shape == (40, 12, 5) and x1.dtype == np.float32 and y1.dtype == np.int64
    assert np.bincount(y1).tolist() == [10, 10, 10, 10]  # balanced classes


def test_label_sits_in_the_first_steps_and_only_there():
    x, y = early_signal_task(2000, 30, num_classes=4, signal_steps=3, noise=0.5, seed=0)
    # The class code: channel 1 + y, averaged over the first three steps.
    decoded = x[:, :3, 1:].mean(axis=1).argmax(axis=1)
    assert np.mean(decoded == y) > 0.95
    assert x[:, :3, 0].mean() == pytest.approx(2.0, abs=0.05)  # the flag
    # After the signal steps there is only noise: mean 0, and nothing to decode.
    later = x[:, 3:, :]
    assert abs(later.mean()) < 0.01 and later.std() == pytest.approx(0.5, abs=0.01)
    assert np.mean(later[:, :, 1:].mean(axis=1).argmax(axis=1) == y) < 0.3


def test_noise_free_task_is_exactly_the_code():
    x, y = early_signal_task(8, 6, num_classes=2, signal_steps=2, signal=1.0, noise=0.0)
    expected = np.zeros((8, 6, 3), dtype=np.float32)
    expected[:, :2, 0] = 1.0
    expected[np.arange(8), :2, 1 + y] = 1.0
    assert np.array_equal(x, expected)


@pytest.mark.parametrize("arguments", [
    {"n": 0}, {"seq_len": 0}, {"num_classes": 1}, {"signal_steps": 5, "seq_len": 4},
    {"noise": -1.0}, {"seq_len": 2.5},
])
def test_early_signal_task_rejects_bad_arguments(arguments):
    with pytest.raises(ValueError):
        early_signal_task(**{"n": 10, "seq_len": 8, **arguments})


def test_plain_rnn_gradient_vanishes_faster_than_an_lstm_with_open_forget_gate():
    curves = vanishing_gradient_curves(seq_len=40, hidden_size=16, batch_size=4)
    rnn, open_lstm = curves["RNN (tanh)"], curves["LSTM, b_f = 3"]
    assert all(len(c) == 40 and np.all(c > 0) for c in curves.values())
    assert rnn[0] / rnn[-1] < 1e-6             # early inputs barely reach h_T
    assert open_lstm[0] / open_lstm[-1] > 1e-2  # with f close to 1 they still do


def test_gradient_norms_of_a_linear_readout():
    torch.manual_seed(0)
    rnn = torch.nn.RNN(2, 3, batch_first=True).double()
    norms = input_gradient_norms(rnn, torch.randn(5, 4, 2))
    assert norms.shape == (4,) and np.all(norms > 0)


def test_set_forget_bias_sets_the_sum_of_both_biases():
    lstm = set_forget_bias(torch.nn.LSTM(3, 4, num_layers=2), 2.5)
    for layer in range(2):
        b_ih, b_hh = getattr(lstm, f"bias_ih_l{layer}"), getattr(lstm, f"bias_hh_l{layer}")
        assert torch.allclose((b_ih + b_hh)[4:8], torch.full((4,), 2.5))


def test_cell_path_alone_shrinks_like_the_product_of_forget_gates():
    torch.manual_seed(0)
    lstm = set_forget_bias(torch.nn.LSTM(3, 6, batch_first=True), 3.0).double()
    x = torch.randn(4, 30, 3, dtype=torch.float64)
    cell, full = cell_path_gradient_norms(lstm, x), input_gradient_norms(lstm, x)
    assert np.allclose(cell[-1], full[-1])  # the last input needs no path through time
    # 29 steps back along c_t: each multiplies by f_t = sigma(3 + small) ~ 0.95.
    assert 0.2 * 0.95 ** 29 < cell[0] / cell[-1] < 5 * 0.95 ** 29


def test_length_sweep_stops_a_run_once_it_solves_the_task():
    models = {"Basis": lambda n_in, k: BasicLSTM(n_in, 8, 1, k)}
    results, _ = length_sweep(models, (4,), n_train=64, n_val=32, max_epochs=3,
                              device="cpu", seeds=(0,), solved=0.0)
    assert results["epochs"].tolist() == [1]


def test_length_sweep_and_attention_on_a_tiny_run():
    models = {"Basis": lambda n_in, k: BasicLSTM(n_in, 8, 1, k),
              "Attention": lambda n_in, k: AdvancedLSTM(n_in, 8, 1, k)}
    results, trained = length_sweep(models, (5, 8), n_train=64, n_val=32, max_epochs=2,
                                    device="cpu", seeds=(0, 1), solved=1.1)
    assert results[["seq_len", "model", "seed"]].values.tolist() == [
        [5, "Basis", 0], [5, "Attention", 0], [5, "Basis", 1], [5, "Attention", 1],
        [8, "Basis", 0], [8, "Attention", 0], [8, "Basis", 1], [8, "Attention", 1]]
    assert (results["epochs"] == 2).all()  # never solved: the whole budget
    assert results["val_acc"].between(0, 1).all()
    x, _ = early_signal_task(3, 8)
    predictions, weights = attention_of(trained[8, "Attention", 1], x, "cpu")
    assert predictions.shape == (3,) and weights.shape == (3, 8)
    assert np.allclose(weights.sum(axis=1), 1.0)


def test_length_sweep_gives_every_model_the_same_data_order():
    # A model's run must not depend on the models trained before it with the same seed.
    make = {"A": lambda n_in, k: BasicLSTM(n_in, 8, 1, k)}
    alone, _ = length_sweep(make, (6,), n_train=64, n_val=32, max_epochs=2, device="cpu",
                            seeds=(3,), solved=1.1)
    second, _ = length_sweep({"B": lambda n_in, k: AdvancedLSTM(n_in, 8, 1, k), **make},
                             (6,), n_train=64, n_val=32, max_epochs=2, device="cpu",
                             seeds=(3,), solved=1.1)
    assert second.loc[second["model"] == "A", "val_acc"].item() == alone["val_acc"].item()


def test_mean_pooling_control_and_open_forget_gate_run_in_a_sweep():
    models = {"offen": lambda n_in, k: set_forget_bias_of(BasicLSTM(n_in, 8, 1, k), 3.0),
              "Mittel": lambda n_in, k: AdvancedLSTM(n_in, 8, 1, k, pooling="mean")}
    results, trained = length_sweep(models, (5,), n_train=64, n_val=32, max_epochs=1,
                                    device="cpu", seeds=(0,), solved=1.1)
    assert results["model"].tolist() == ["offen", "Mittel"]
    assert trained[5, "Mittel", 0].pooling == "mean"


def set_forget_bias_of(model, value):
    set_forget_bias(model.rnn, value)
    return model


def test_fit_with_lr_drop_lowers_the_rate_for_the_last_epochs():
    torch.manual_seed(0)
    x, y = early_signal_task(64, 5, seed=1)
    from codes.training import make_loader
    loader = make_loader(x, y, 32)
    model = BasicLSTM(5, 8, 1, 4)
    accuracies = fit_with_lr_drop(model, loader, loader, epochs=3, lr=1e-2, device="cpu",
                                  drop_epochs=1)
    assert len(accuracies) == 3 and all(0 <= a <= 1 for a in accuracies)
