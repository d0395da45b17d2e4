"""Repeated runs of chapter 4: one History per seed, mean and spread, the noise rule."""

import numpy as np
import pytest
import torch

from codes.torch_experiments import (
    activation_scales,
    best_learning_rate,
    differs,
    gradient_norms_at_init,
    mean_spread,
    pm,
    run_seeds,
    sweep_learning_rates,
)
from codes.torch_mlp import AdvancedMLP, BasicMLP
from codes.training import History, make_loader


def test_run_seeds_gives_one_history_per_seed_and_is_reproducible():
    torch.manual_seed(0)
    x, y = torch.randn(64, 5), torch.randint(0, 2, (64,))
    val = make_loader(x, y, 32)

    def runs():
        return run_seeds(lambda: BasicMLP(5, [8], 2), x, y, val, seeds=[0, 1], epochs=2,
                         batch_size=16, device="cpu")

    first, second = runs(), runs()
    assert len(first) == 2 and all(len(h.val_acc) == 2 for h in first)
    assert [h.train_loss for h in first] == [h.train_loss for h in second]
    assert first[0].train_loss != first[1].train_loss  # another seed, another run


def test_mean_spread_and_noise_rule():
    runs = [History(val_acc=[0.5, a]) for a in (0.90, 0.92, 0.94)]
    mean, spread = mean_spread(runs, "val_acc", percent=True)
    assert mean == pytest.approx(92.0)
    assert spread == pytest.approx(2.0)
    assert mean_spread(runs, "val_acc", 0) == (0.5, 0.0)
    assert not differs((92.0, 2.0), (95.0, 1.5))  # 3 < 3.5: noise
    assert differs((92.0, 1.0), (95.0, 1.5))


def test_pm_is_german_mean_sd_with_plain_spaces():
    assert pm((93.71, 0.42)) == "93,7 ± 0,4"
    assert pm((0.12345, 0.0042), 3) == "0,123 ± 0,004"
    assert pm((-1.25, 0.5), 0) == "\u22121 ± 0"


def test_activation_scales_shrink_with_pytorch_init_and_not_with_he():
    torch.manual_seed(0)
    x = torch.rand(256, 100)
    scales = {}
    for init in ("he_glorot", "pytorch"):
        torch.manual_seed(0)
        model = BasicMLP(100, [64] * 8, 10, use_batchnorm=False, init=init)
        scales[init] = activation_scales(model, x)
    assert len(scales["pytorch"]) == 8
    assert scales["pytorch"][-1] < 1e-2 * scales["pytorch"][0]
    assert scales["he_glorot"][-1] > 0.2 * scales["he_glorot"][0]


def test_gradient_norms_at_init_has_one_row_per_seed():
    x, y = torch.randn(32, 6), torch.randint(0, 3, (32,))
    norms = gradient_norms_at_init(lambda: AdvancedMLP(6, [8] * 4, 3), x, y, [0, 1, 2])
    assert norms.shape == (3, 3)
    assert np.all(norms > 0)


def test_run_seeds_measures_the_training_data_in_eval_mode_on_request():
    torch.manual_seed(0)
    x, y = torch.randn(64, 5), torch.randint(0, 2, (64,))
    val = make_loader(x, y, 32)
    runs = run_seeds(lambda: BasicMLP(5, [8], 2, dropout=0.5), x, y, val, seeds=[0],
                     epochs=2, batch_size=16, device="cpu", train_eval=True)
    assert len(runs[0].train_eval_acc) == 2
    # on the training data in eval mode: the same numbers as the validation on it
    assert runs[0].train_eval_acc == runs[0].val_acc


def test_sweep_learning_rates_counts_diverged_runs_as_nan_and_never_picks_them():
    torch.manual_seed(0)
    x, y = torch.randn(64, 5), torch.randint(0, 2, (64,))
    val = make_loader(x, y, 32)
    results = sweep_learning_rates(lambda: BasicMLP(5, [8], 2, use_batchnorm=False), x, y,
                                   val, lrs=[0.1, 1e30], seeds=[0, 1], epochs=1,
                                   batch_size=16, device="cpu")
    assert results[0.1].shape == (2,) and np.isfinite(results[0.1]).all()
    assert np.isnan(results[1e30]).all()
    assert best_learning_rate(results) == 0.1
    assert best_learning_rate({0.1: np.array([50.0, 60.0]), 0.2: np.array([70.0, np.nan]),
                               0.3: np.array([52.0, 54.0])}) == 0.1
    with pytest.raises(ValueError, match="divergiert"):
        best_learning_rate({1.0: np.array([np.nan])})
