"""Smoke test of the benchmark functions on tiny data (no timing assertions)."""

import numpy as np

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
    assert out.count("Verhältnis loop/batched") == 2 and "PyTorch" in out
    assert "Batchgröße 10 (6 Schritte)" in out and "Batchgröße 30 (2 Schritte)" in out


def test_cost_per_step_counts_a_short_last_batch():
    per_sample, per_step = bench_mlp.microseconds_per_step(25, 10, 0.5, 0.3)
    assert per_sample == 1e6 * 0.5 / 25
    assert per_step == 1e6 * 0.3 / 3  # batches of 10, 10 and 5


def test_report_says_which_targets_are_met():
    seconds = {"loop": 2.0, "batched": 0.25, "torch": 0.5}
    ratios = {"loop/batched": 8.0, "torch/batched": 2.0}
    lines = bench_mlp.report(50_000, 10, seconds, ratios)
    assert any("loop/batched" in line and "NICHT erreicht" in line for line in lines)
    assert any("torch/batched" in line and "(Ziel mindestens 1: erreicht)" in line for line in lines)
    assert any("pro Mini-Batch" in line and "50.0 µs" in line for line in lines)  # 0.25 s / 5000
    assert not any("Ziel" in line for line in bench_mlp.report(50_000, 100, seconds, ratios))
