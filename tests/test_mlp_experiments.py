"""Seeds, mean and spread, dips and the learning-rate helpers of chapter 3's experiments."""

import numpy as np
import pytest

from codes.metrics import accuracy_standard_error, is_noise
from codes.mlp_experiments import (
    LADDER,
    best_learning_rate,
    dips_with_rising_loss,
    largest_drop,
    mean_and_spread,
    step_schedule,
    train_runs,
)


def tiny_data(seed=0, n=60):
    rng = np.random.default_rng(seed)
    x = rng.random((n, 784), dtype=np.float32)
    y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, n)]
    return x, y


def test_mean_and_spread_uses_the_sample_standard_deviation():
    assert mean_and_spread([1.0, 2.0, 3.0]) == pytest.approx((2.0, 1.0))
    assert mean_and_spread([5.0]) == (5.0, 0.0)


def test_noise_means_overlapping_intervals():
    assert is_noise((97.0, 0.2), (97.3, 0.15))
    assert not is_noise((97.0, 0.1), (97.5, 0.1))


def test_largest_drop_and_dips_with_rising_loss():
    assert largest_drop([0.9, 0.95, 0.88, 0.97]) == pytest.approx(0.07)
    assert largest_drop([0.9, 0.95]) == 0.0
    history = {"val_accuracy": [0.9, 0.95, 0.88, 0.97, 0.965],
               "loss": [0.3, 0.2, 0.4, 0.1, 0.09]}
    assert dips_with_rising_loss(history) == (1, 1)  # the 0.5-point drop is below 1 point


def test_step_schedule_divides_by_ten():
    schedule = step_schedule(0.1, 7)
    assert [schedule(e) for e in (0, 6, 7, 9)] == [0.1, 0.1, pytest.approx(0.01), pytest.approx(0.01)]


def test_ladder_changes_one_thing_per_row():
    rows = list(LADDER.values())
    assert rows[0][1] == "half_squared_error" and all(loss == "cross_entropy" for _, loss in rows[1:])
    assert [d for d, _ in rows[1][0]] == [d for d, _ in rows[0][0]]  # same widths, new output
    assert [a for _, a in rows[2][0]][1] == "relu" and [d for d, _ in rows[2][0]] == [784, 30, 10]
    assert [d for d, _ in rows[3][0]] == [784, 256, 128, 10]


def test_train_runs_are_reproducible_per_seed_and_differ_between_seeds():
    x, y = tiny_data()
    layers, loss = LADDER["+ ReLU mit He-Initialisierung"]
    kwargs = {"eta": 0.1, "epochs": 2, "batch_size": 20}
    first, nets = train_runs(layers, loss, (x, y), (x, y), seeds=[0, 1], **kwargs)
    again, _ = train_runs(layers, loss, (x, y), (x, y), seeds=[0], **kwargs)
    assert first[0]["val_loss"] == again[0]["val_loss"]
    assert first[0]["val_loss"] != first[1]["val_loss"]
    assert len(nets) == 2 and len(first[0]["val_accuracy"]) == 2


def test_best_learning_rate_returns_the_best_final_accuracy():
    x, y = tiny_data()
    layers, loss = LADDER["+ Softmax mit Kreuzentropie"]
    eta, finals, history = best_learning_rate(layers, loss, (x, y), (x, y), [0.01, 1.0],
                                              epochs_high=1, seed=0, epochs=2, batch_size=20)
    assert set(finals) == {0.01, 1.0} and finals[eta] == max(finals.values())
    assert history["val_accuracy"][-1] == finals[eta]


def test_noise_floor_and_standard_error():
    se = accuracy_standard_error(0.93, 2000)
    assert abs(se - 0.0057) < 1e-4
    assert is_noise((0.930, 0.0), (0.935, 0.0), floor=se)
    assert not is_noise((0.930, 0.0), (0.945, 0.0), floor=se)
    with pytest.raises(ValueError, match="n_images"):
        accuracy_standard_error(0.5, 0)
