"""The NumPy losses: the half squared error against PyTorch's MSELoss, and the old name."""

import numpy as np
import pytest

from codes.losses import get_loss


def test_half_squared_error_is_d_over_two_times_pytorchs_mse():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    h, y = rng.random((7, 10)), np.eye(10)[rng.integers(0, 10, 7)]
    ours = get_loss("half_squared_error")(None, h, y)
    mse = float(torch.nn.MSELoss()(torch.tensor(h), torch.tensor(y)))
    assert ours == pytest.approx(10 / 2 * mse)  # d_L / 2 = 5 for 10 outputs


def test_old_name_mse_gets_a_german_error_with_the_new_name():
    with pytest.raises(ValueError, match="heißt jetzt 'half_squared_error'"):
        get_loss("mse")
