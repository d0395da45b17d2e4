"""Smoke test of the benchmark functions on tiny data (no timing assertions)."""

import numpy as np
import pytest

from codes import bench_mlp


def test_run_times_all_variants_on_tiny_data():
    rng = np.random.default_rng(0)
    x = rng.random((40, 12), dtype=np.float32)
    y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 40)]
    seconds, ratios = bench_mlp.run(x, y, batch_size=5, sizes=(12, 6, 3))
    assert set(seconds) == {"loop", "batched", "torch"}
    assert all(t > 0 for t in seconds.values())
    assert set(ratios) == {"loop/batched", "torch/batched"}
    np.testing.assert_allclose(ratios["loop/batched"], seconds["loop"] / seconds["batched"])


def test_torch_variant_reaches_the_same_weights_as_numpy():
    rng = np.random.default_rng(1)
    x = rng.random((30, 8), dtype=np.float32)
    y = np.eye(4, dtype=np.float32)[rng.integers(0, 4, 30)]
    model = bench_mlp.sigmoid_mlp((8, 5, 4))
    model.train_step(x, y, bench_mlp.ETA, 10, rng=np.random.default_rng(0))
    torch_model = bench_mlp.torch_sigmoid_mlp(bench_mlp.sigmoid_mlp((8, 5, 4)))
    bench_mlp.train_torch_epoch(torch_model, x, y, 10)
    for W, linear in zip(model.weights, torch_model[::2], strict=True):
        np.testing.assert_allclose(linear.weight.detach().numpy().T, W, rtol=1e-4, atol=1e-5)


def test_main_prints_seconds_and_ratios_per_batch_size(capsys):
    bench_mlp.main(["--samples", "60", "--batch-sizes", "10", "30"])
    out = capsys.readouterr().out
    assert out.count("Batches statt Schleife") == 2 and "PyTorch braucht" in out
    assert "Batchgröße 10 (6 Schritte)" in out and "Batchgröße 30 (2 Schritte)" in out


def test_cost_per_step_counts_a_short_last_batch():
    per_sample, per_step = bench_mlp.microseconds_per_step(25, 10, 0.5, 0.3)
    assert per_sample == 1e6 * 0.5 / 25
    assert per_step == 1e6 * 0.3 / 3  # batches of 10, 10 and 5


def test_report_explains_the_ratios_without_targets():
    seconds = {"loop": 2.0, "batched": 0.25, "torch": 0.5}
    ratios = {"loop/batched": 8.0, "torch/batched": 2.0}
    lines = bench_mlp.report(50_000, 10, seconds, ratios)
    text = "\n".join(lines)
    assert "Ziel" not in text and "erreicht" not in text
    assert any("pro Mini-Batch" in line and "50,0 µs" in line for line in lines)  # 0.25 s / 5000
    assert "8,0-mal so schnell" in text
    assert "so viel wie 1,2 Beispiele" in text  # 50 µs per step / 40 µs per sample
    assert "unter der Batchgröße 10" in text
    assert "PyTorch braucht 2,0-mal so lange" in text and "langsamer" in text


def test_main_stops_with_a_german_message_when_mnist_is_missing(tmp_path, monkeypatch):
    from codes.data import mnist

    monkeypatch.setenv("NN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(mnist, "MIRRORS", [])  # no download attempt
    with pytest.raises(SystemExit) as stop:
        bench_mlp.main(["--samples", "60"])
    message = str(stop.value.code)
    assert message.startswith("Fehler: MNIST-Datei") and "NN_DATA_DIR" in message
