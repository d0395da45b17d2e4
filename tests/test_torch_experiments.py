"""Repeated runs of chapter 4: one History per seed, mean and spread, the noise rule."""

import numpy as np
import pytest
import torch

from codes.torch_experiments import (
    activation_scales,
    differs,
    german,
    german_sci,
    gradient_norms_at_init,
    mean_spread,
    pm,
    run_seeds,
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


def test_german_formatting():
    assert german(93.75, 1) == "93,8"
    assert pm((93.71, 0.42)) == "93,7 ± 0,4"
    assert german_sci(5.7e7) == "5,7 · 10⁷"
    assert german_sci(4.04e-7, 0) == "4 · 10⁻⁷"


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
