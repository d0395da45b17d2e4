"""The shared training helpers: loaders, fit, early stopping, history, checkpoints."""

import math

import numpy as np
import pytest
import torch
from torch import nn

from codes.training import (
    History,
    count_parameters,
    evaluate,
    fit,
    get_device,
    load_checkpoint,
    make_loader,
    one_cpu_thread_without_gpu,
    plot_curves,
    predict,
    save_checkpoint,
    set_seed,
    train_epoch,
)

CPU = torch.device("cpu")
# The CPU always runs; a GPU runner adds "cuda" (a device that is absent is not a test case).
DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


def blobs(n=200, seed=0):
    """Two well separated Gaussian clouds in 2-D: an easy classification problem."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    x = rng.standard_normal((n, 2)) + 3.0 * y[:, None]
    return x, y


def small_net(outputs=2):
    return nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, outputs))


def test_get_device_prints_once(capsys):
    device = get_device()
    get_device()
    assert device.type in ("cpu", "cuda")
    printed = capsys.readouterr().out
    assert printed.count("Verwendetes Gerät") <= 1  # at most once per process
    assert get_device(verbose=False) == device


def test_one_cpu_thread_only_without_gpu(monkeypatch):
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
        one_cpu_thread_without_gpu()
        assert torch.get_num_threads() == 2  # a GPU computes: the CPU threads stay as they were
        monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
        one_cpu_thread_without_gpu()
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)


def test_set_seed_makes_torch_and_numpy_reproducible():
    set_seed(3)
    first = torch.rand(3), np.random.rand(3)
    set_seed(3)
    torch.testing.assert_close(torch.rand(3), first[0])
    np.testing.assert_array_equal(np.random.rand(3), first[1])


def test_make_loader_types_batches_and_seeded_shuffle():
    x, y = blobs(50)
    loader = make_loader(x, y, batch_size=16)
    batches = list(loader)
    assert [len(b[0]) for b in batches] == [16, 16, 16, 2]
    assert batches[0][0].dtype == torch.float32 and batches[0][1].dtype == torch.int64
    order = [torch.cat([b[1] for b in make_loader(x, y, 8, shuffle=True, seed=5)])
             for _ in range(2)]
    torch.testing.assert_close(order[0], order[1])  # same seed, same order
    assert not torch.equal(order[0], torch.as_tensor(y))  # but shuffled
    regression = next(iter(make_loader(x, x[:, 0], 4)))
    assert regression[1].dtype == torch.float32


def test_make_loader_rejects_bad_input():
    x, y = blobs(10)
    with pytest.raises(ValueError, match="gleich viele"):
        make_loader(x, y[:5], 4)
    with pytest.raises(ValueError, match="batch_size"):
        make_loader(x, y, 0)


def test_fit_lowers_the_loss_and_records_history():
    set_seed(0)
    x, y = blobs()
    model = small_net()
    train, val = make_loader(x, y, 32, shuffle=True, seed=0), make_loader(x, y, 100)
    before, _ = evaluate(model, val, nn.CrossEntropyLoss(), CPU)
    history = fit(model, train, val, epochs=5, lr=1e-2, device=CPU, progress=False)
    after, accuracy = evaluate(model, val, nn.CrossEntropyLoss(), CPU)
    assert after < 0.5 * before
    assert accuracy > 0.9
    assert len(history.train_loss) == len(history.val_acc) == len(history.epoch_seconds) == 5
    assert history.val_loss[-1] == pytest.approx(after, rel=1e-5)
    frame = history.to_frame()
    assert list(frame.index) == [1, 2, 3, 4, 5]
    assert {"train_loss", "train_acc", "val_loss", "val_acc", "epoch_seconds"} <= set(frame)
    german = history.to_frame(german=True)
    assert german.index.name == "Epoche"
    assert "Genauigkeit (Validierung)" in german and not any("_" in c for c in german)


def test_fit_prints_one_plain_line_per_epoch(capsys):
    x, y = blobs(40)
    fit(small_net(), make_loader(x, y, 20), make_loader(x, y, 20), epochs=3, device=CPU)
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("Epoche")]
    assert len(lines) == 3
    assert lines[0].startswith("Epoche 1/3 Verlust ")
    assert "Genauigkeit" in lines[0] and "| Validierung" in lines[0] and "%" in lines[0]
    assert "\r" not in "".join(lines)


def test_train_epoch_and_evaluate_return_loss_and_accuracy():
    x, y = blobs(64)
    model, loader = small_net(), make_loader(x, y, 16)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loss, accuracy = train_epoch(model, loader, nn.CrossEntropyLoss(), optimizer, CPU)
    assert loss > 0 and 0.0 <= accuracy <= 1.0
    assert model.training
    evaluate(model, loader, nn.CrossEntropyLoss(), CPU)
    assert not model.training
    with pytest.raises(ValueError, match="leer"):
        evaluate(model, make_loader(x[:0], y[:0], 4), nn.CrossEntropyLoss(), CPU)


def test_regression_task_uses_mse_and_has_no_accuracy():
    set_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((128, 2))
    target = x[:, 0] - 2 * x[:, 1]  # shape (n,), the model gives (n, 1)
    model = small_net(outputs=1)
    loader = make_loader(x, target, 32, shuffle=True, seed=0)
    history = fit(model, loader, loader, epochs=20, lr=1e-2, task="regression", device=CPU,
                  progress=False)
    assert history.val_loss[-1] < 0.2 * history.val_loss[0]
    assert all(math.isnan(a) for a in history.train_acc + history.val_acc)
    assert predict(model, loader, CPU).shape == (128, 1)


class Memorizer(nn.Module):
    """Overfits on purpose: the validation loss rises after a few epochs."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(2, 256), nn.ReLU(), nn.Linear(256, 2))

    def forward(self, x):
        return self.net(x)


def test_early_stopping_stops_and_restores_the_best_weights():
    set_seed(0)
    rng = np.random.default_rng(0)
    # Random labels: training can memorise them, validation only gets worse.
    x_train, y_train = rng.standard_normal((64, 2)), rng.integers(0, 2, 64)
    x_val, y_val = rng.standard_normal((64, 2)), rng.integers(0, 2, 64)
    model = Memorizer()
    val = make_loader(x_val, y_val, 64)
    history = fit(model, make_loader(x_train, y_train, 16, shuffle=True, seed=0), val,
                  epochs=200, lr=1e-2, patience=3, device=CPU, progress=False)
    assert history.stopped_early
    assert len(history.val_loss) == history.best_epoch + 3
    assert history.val_loss[history.best_epoch - 1] == min(history.val_loss)
    restored, _ = evaluate(model, val, nn.CrossEntropyLoss(), CPU)
    assert restored == pytest.approx(min(history.val_loss), rel=1e-5)


def test_fit_rejects_bad_arguments():
    x, y = blobs(20)
    loader = make_loader(x, y, 10)
    with pytest.raises(ValueError, match="task"):
        fit(small_net(), loader, epochs=1, task="clustering", device=CPU)
    with pytest.raises(ValueError, match="epochs"):
        fit(small_net(), loader, epochs=0, device=CPU)
    with pytest.raises(ValueError, match="val_loader"):
        fit(small_net(), loader, epochs=1, patience=2, device=CPU)


def test_history_defaults_are_independent():
    first, second = History(), History()
    first.train_loss.append(1.0)
    assert second.train_loss == [] and second.best_epoch == 0 and not second.stopped_early


def test_checkpoint_round_trip(tmp_path):
    set_seed(0)
    model, copy = small_net(), small_net()
    path = save_checkpoint(model, tmp_path / "sub" / "model.pt")
    assert path.is_file()
    assert [p.name for p in path.parent.iterdir()] == ["model.pt"]  # no temporary file left
    load_checkpoint(copy, path)
    x = torch.randn(5, 2)
    torch.testing.assert_close(copy(x), model(x))
    assert count_parameters(copy) == 2 * 16 + 16 + 16 * 2 + 2


def test_missing_and_corrupt_checkpoints_give_clear_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="nicht gefunden"):
        load_checkpoint(small_net(), tmp_path / "missing.pt")
    corrupt = tmp_path / "corrupt.pt"
    corrupt.write_bytes(b"this is not a checkpoint")
    with pytest.raises(ValueError, match="beschädigt"):
        load_checkpoint(small_net(), corrupt)
    truncated = tmp_path / "truncated.pt"
    save_checkpoint(small_net(), truncated)
    truncated.write_bytes(truncated.read_bytes()[:100])
    with pytest.raises(ValueError, match="beschädigt"):
        load_checkpoint(small_net(), truncated)
    wrong_shape = tmp_path / "other.pt"
    save_checkpoint(small_net(outputs=3), wrong_shape)
    with pytest.raises(ValueError, match="passt nicht"):
        load_checkpoint(small_net(), wrong_shape)


@pytest.mark.parametrize("device", DEVICES)
def test_fit_predict_and_checkpoint_on_every_device(device, tmp_path):
    set_seed(0)
    x, y = blobs()
    model = small_net()
    loader = make_loader(x, y, 50, shuffle=True, seed=0)
    history = fit(model, loader, loader, epochs=3, lr=1e-2, device=torch.device(device),
                  patience=2, progress=False)
    assert next(model.parameters()).device.type == device
    assert history.val_acc[-1] > 0.8
    outputs = predict(model, make_loader(x, y, 64), torch.device(device))
    assert outputs.device.type == "cpu" and outputs.shape == (len(x), 2)
    path = save_checkpoint(model, tmp_path / "model.pt")
    copy = load_checkpoint(small_net(), path, device=torch.device(device))
    assert next(copy.parameters()).device.type == device
    torch.testing.assert_close(predict(copy, make_loader(x, y, 64), torch.device(device)), outputs)


def test_plot_curves_draws_one_line_per_run():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = {"a": History(train_loss=[3.0, 2.0, 1.0]), "b": History(train_loss=[2.0, 1.0])}
    fig, ax = plt.subplots()
    plot_curves(ax, runs, "train_loss")
    assert [line.get_label() for line in ax.lines] == ["a", "b"]
    assert list(ax.lines[0].get_xdata()) == [1, 2, 3]
    plt.close(fig)


# --- robust inputs: NaN and inf stop training, bad arguments stop before it -------------


def frozen_copy(model):
    return {name: value.clone() for name, value in model.state_dict().items()}


def assert_unchanged(model, before):
    for name, value in model.state_dict().items():
        torch.testing.assert_close(value, before[name])


@pytest.mark.parametrize(("column", "value", "what"), [
    ("x", math.nan, "Eingaben x"), ("x", math.inf, "Eingaben x"), ("y", math.inf, "Zielwerte y"),
])
def test_nan_or_inf_in_the_data_stops_fit_naming_epoch_and_batch(column, value, what):
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((40, 2)), rng.standard_normal(40)
    (x[25] if column == "x" else y[25:26])[0] = value  # example 25 sits in mini-batch 3 of 10
    with pytest.raises(FloatingPointError, match=rf"Epoche 1, Mini-Batch 3: die {what}"):
        fit(small_net(outputs=1), make_loader(x, y, 10), epochs=2, task="regression",
            device=CPU, progress=False)


def test_nan_in_the_validation_data_stops_fit_instead_of_stopping_early():
    x, y = blobs(40)
    x_val = x.copy()
    x_val[5, 1] = math.nan
    with pytest.raises(FloatingPointError, match=r"Auswertung abgebrochen in Epoche 1, Mini-Batch 1"):
        fit(small_net(), make_loader(x, y, 20), make_loader(x_val, y, 20), epochs=5, patience=1,
            device=CPU, progress=False)


def test_a_nan_loss_stops_fit_naming_epoch_and_batch():
    calls = []

    def loss_that_breaks(output, target):  # NaN from the third mini-batch on
        calls.append(1)
        loss = nn.functional.cross_entropy(output, target)
        return loss * math.nan if len(calls) >= 3 else loss

    x, y = blobs(40)
    with pytest.raises(FloatingPointError, match=r"Epoche 2, Mini-Batch 1: der Verlust ist NaN.*lr"):
        fit(small_net(), make_loader(x, y, 20), epochs=5, loss_fn=loss_that_breaks, device=CPU,
            progress=False)


@pytest.mark.parametrize("lr", [0, -1e-3, math.nan, math.inf, True, "0.01", None])
def test_fit_rejects_a_learning_rate_that_is_not_positive_and_finite(lr):
    x, y = blobs(20)
    model = small_net()
    before = frozen_copy(model)
    with pytest.raises(ValueError, match="Lernrate lr"):
        fit(model, make_loader(x, y, 10), epochs=1, lr=lr, device=CPU, progress=False)
    assert_unchanged(model, before)


@pytest.mark.parametrize(("arguments", "message"), [
    ({"epochs": True}, "epochs"), ({"epochs": 2.5}, "epochs"), ({"epochs": 1, "patience": 0},
                                                                  "patience"),
])
def test_fit_rejects_non_integer_counts(arguments, message):
    x, y = blobs(20)
    loader = make_loader(x, y, 10)
    with pytest.raises(ValueError, match=message):
        fit(small_net(), loader, loader, device=CPU, progress=False, **arguments)


def test_fit_says_that_it_needs_a_data_loader():
    x, _ = blobs(20)
    with pytest.raises(ValueError, match="DataLoader.*make_loader"):
        fit(small_net(), x, epochs=1, device=CPU)


def test_a_last_mini_batch_of_one_example_is_skipped_with_batchnorm():
    from codes.torch_mlp import BasicMLP

    set_seed(0)
    x, y = blobs(33)  # batches of 16, 16 and 1
    model = BasicMLP(2, [8], 2, use_batchnorm=True)
    with pytest.warns(UserWarning, match="nur einem Beispiel.*BatchNorm"):
        history = fit(model, make_loader(x, y, 16, shuffle=True, seed=0), epochs=2, device=CPU,
                      progress=False)
    assert all(math.isfinite(loss) for loss in history.train_loss)
    # without BatchNorm nothing is skipped and nothing is said
    plain = nn.Sequential(nn.Linear(2, 2))
    loss, _ = train_epoch(plain, make_loader(x, y, 16), nn.CrossEntropyLoss(),
                          torch.optim.SGD(plain.parameters(), lr=0.0), CPU)
    assert loss == pytest.approx(evaluate(plain, make_loader(x, y, 33), nn.CrossEntropyLoss(),
                                          CPU)[0])


def test_batchnorm_with_batches_of_one_says_what_to_do():
    from codes.torch_mlp import BasicMLP

    x, y = blobs(4)
    with pytest.warns(UserWarning), pytest.raises(ValueError, match="batch_size >= 2"):
        fit(BasicMLP(2, [8], 2), make_loader(x, y, 1), epochs=1, device=CPU, progress=False)


def test_set_seed_turns_on_deterministic_algorithms(monkeypatch):
    monkeypatch.delenv("CUBLAS_WORKSPACE_CONFIG", raising=False)
    monkeypatch.setattr(torch.backends.cudnn, "benchmark", True)
    torch.use_deterministic_algorithms(False)
    try:
        set_seed(0)
        import os

        assert os.environ["CUBLAS_WORKSPACE_CONFIG"] == ":4096:8"
        assert torch.are_deterministic_algorithms_enabled()
        assert torch.is_deterministic_algorithms_warn_only_enabled()
        assert torch.backends.cudnn.benchmark is False
        assert torch.backends.cudnn.deterministic is True
        # the same training twice with deterministic algorithms: the same numbers
        x, y = blobs(64)
        runs = []
        for _ in range(2):
            set_seed(1)
            runs.append(fit(small_net(), make_loader(x, y, 16, shuffle=True, seed=1),
                            epochs=2, device=CPU, progress=False).train_loss)
        assert runs[0] == runs[1]
    finally:
        torch.use_deterministic_algorithms(True, warn_only=True)


def test_use_deterministic_algorithms_keeps_a_cublas_setting_of_the_user(monkeypatch):
    from codes.training import use_deterministic_algorithms

    monkeypatch.setenv("CUBLAS_WORKSPACE_CONFIG", ":16:8")
    use_deterministic_algorithms()
    import os

    assert os.environ["CUBLAS_WORKSPACE_CONFIG"] == ":16:8"


def test_fit_with_one_hot_labels_says_what_to_do():
    x, y = blobs(20)
    one_hot = np.eye(2, dtype=np.float32)[y]
    with pytest.raises(ValueError, match=r"One-hot.*argmax"):
        fit(small_net(), make_loader(x, one_hot, 8), epochs=1, device=CPU, progress=False)
    with pytest.raises(ValueError, match=r"One-hot"):  # also in the validation data
        fit(small_net(), make_loader(x, y, 8), make_loader(x, one_hot, 8), epochs=1,
            device=CPU, progress=False)


def test_fit_with_float_class_labels_says_what_to_do():
    x, y = blobs(20)
    with pytest.raises(ValueError, match=r"Gleitkommazahlen.*astype\(np.int64\)"):
        fit(small_net(), make_loader(x, y.astype(np.float32), 8), epochs=1, device=CPU,
            progress=False)


def test_the_label_check_leaves_the_shuffled_order_alone():
    x, y = blobs(40)
    loader = make_loader(x, y, 8, shuffle=True, seed=0)
    from codes.training import check_class_labels

    check_class_labels(loader)
    first = [batch[1].tolist() for batch in loader]
    second = [batch[1].tolist() for batch in make_loader(x, y, 8, shuffle=True, seed=0)]
    assert first == second


def test_train_eval_loader_measures_the_training_data_in_eval_mode():
    x, y = blobs(64)
    set_seed(0)
    model = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Dropout(0.8), nn.Linear(32, 2))
    train_eval = make_loader(x, y, 64)
    history = fit(model, make_loader(x, y, 16, shuffle=True, seed=0), epochs=3, device=CPU,
                  progress=False, train_eval_loader=train_eval)
    assert len(history.train_eval_loss) == len(history.train_eval_acc) == 3
    loss, acc = evaluate(model, train_eval, nn.CrossEntropyLoss(), CPU)
    assert history.train_eval_loss[-1] == pytest.approx(loss)
    assert history.train_eval_acc[-1] == pytest.approx(acc)
    assert history.train_eval_loss[-1] != pytest.approx(history.train_loss[-1])  # dropout
    assert "train_eval_acc" in history.to_frame()
    plain = fit(small_net(), make_loader(x, y, 16), epochs=1, device=CPU, progress=False)
    assert plain.train_eval_acc == [] and "train_eval_acc" not in plain.to_frame()
    # measuring does not change the training: same dropout masks with and without it
    runs = []
    for train_eval_loader in (None, train_eval):
        set_seed(0)
        model = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Dropout(0.8), nn.Linear(32, 2))
        runs.append(fit(model, make_loader(x, y, 16, shuffle=True, seed=0), epochs=3,
                        device=CPU, progress=False,
                        train_eval_loader=train_eval_loader).train_loss)
    assert runs[0] == runs[1]
