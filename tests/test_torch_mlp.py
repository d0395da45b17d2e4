"""BasicMLP, ResidualBlock and AdvancedMLP: shapes, parameter counts, modes, errors."""

import numpy as np
import pytest
import torch
from torch import nn

from codes.mlp import MLP
from codes.torch_mlp import (
    AdvancedMLP,
    BasicMLP,
    ResidualBlock,
    block_gradient_norms,
    from_numpy_mlp,
    linear,
)
from codes.training import count_parameters


def linear_params(d_in, d_out):
    """A linear layer: weight matrix d_in * d_out plus bias d_out."""
    return d_in * d_out + d_out


def batchnorm_params(d):
    """BatchNorm1d learns a scale gamma and a shift beta per feature (running stats are buffers)."""
    return 2 * d


def basic_mlp_params(n, hidden, classes, batchnorm=True):
    """sum_l [(d_{l-1} + 1) d_l + 2 d_l] over hidden layers, plus (d_{L-1} + 1) * classes."""
    widths = [n, *hidden]
    total = sum(linear_params(a, b) + (batchnorm_params(b) if batchnorm else 0)
                for a, b in zip(widths[:-1], widths[1:], strict=True))
    return total + linear_params(widths[-1], classes)


def residual_block_params(d_in, d_out, batchnorm=True, residual=True):
    """Two linear layers d_in -> d_out -> d_out, two BatchNorms, a projection if widths differ."""
    total = linear_params(d_in, d_out) + linear_params(d_out, d_out)
    total += 2 * batchnorm_params(d_out) if batchnorm else 0
    total += linear_params(d_in, d_out) if residual and d_in != d_out else 0
    return total


def advanced_mlp_params(n, hidden, classes, batchnorm=True, residual=True):
    total = linear_params(n, hidden[0]) + (batchnorm_params(hidden[0]) if batchnorm else 0)
    total += sum(residual_block_params(a, b, batchnorm, residual)
                 for a, b in zip(hidden[:-1], hidden[1:], strict=True))
    return total + linear_params(hidden[-1], classes)


CONFIGS = [
    (784, [128], 10),
    (784, [256, 128, 64], 10),
    (20, [16, 16, 8], 3),
    (5, [7], 1),
]


@pytest.mark.parametrize(("n", "hidden", "classes"), CONFIGS)
@pytest.mark.parametrize("batchnorm", [True, False])
def test_basic_mlp_shape_and_parameter_count(n, hidden, classes, batchnorm):
    model = BasicMLP(n, hidden, classes, dropout=0.2, use_batchnorm=batchnorm)
    assert model(torch.randn(6, n)).shape == (6, classes)
    assert count_parameters(model) == basic_mlp_params(n, hidden, classes, batchnorm)


@pytest.mark.parametrize(("n", "hidden", "classes"), CONFIGS)
@pytest.mark.parametrize(("batchnorm", "residual"), [(True, True), (False, True), (False, False)])
def test_advanced_mlp_shape_and_parameter_count(n, hidden, classes, batchnorm, residual):
    model = AdvancedMLP(n, hidden, classes, dropout=0.1, use_batchnorm=batchnorm,
                        residual=residual)
    assert model(torch.randn(6, n)).shape == (6, classes)
    assert count_parameters(model) == advanced_mlp_params(n, hidden, classes, batchnorm, residual)


def test_images_are_flattened():
    model = BasicMLP(784, [32], 10)
    assert model(torch.rand(4, 1, 28, 28)).shape == (4, 10)


def test_shortcut_is_identity_exactly_when_widths_match():
    assert isinstance(ResidualBlock(32, 32).shortcut, nn.Identity)
    projection = ResidualBlock(32, 16).shortcut
    assert isinstance(projection, nn.Linear)
    assert (projection.in_features, projection.out_features) == (32, 16)
    assert ResidualBlock(32, 32, residual=False).shortcut is None
    model = AdvancedMLP(10, [8, 8, 4, 4], 2)
    kinds = [type(block.shortcut) for block in model.blocks]
    assert kinds == [nn.Identity, nn.Linear, nn.Identity]


def test_residual_block_adds_the_shortcut():
    torch.manual_seed(0)
    block = ResidualBlock(6, 6, use_batchnorm=False).eval()
    x = torch.randn(5, 6)
    expected = torch.relu(block.branch(x) + x)  # F(x) + x, then ReLU
    torch.testing.assert_close(block(x), expected)
    plain = ResidualBlock(6, 6, use_batchnorm=False, residual=False).eval()
    plain.load_state_dict(block.state_dict())
    torch.testing.assert_close(plain(x), torch.relu(block.branch(x)))


def test_dropout_is_random_in_train_and_off_in_eval():
    torch.manual_seed(0)
    model = BasicMLP(20, [64, 64], 3, dropout=0.5, use_batchnorm=False)
    x = torch.randn(8, 20)
    model.train()
    assert not torch.equal(model(x), model(x))  # a new dropout mask per call
    model.eval()
    torch.testing.assert_close(model(x), model(x))


def test_batchnorm_uses_batch_statistics_in_train_and_running_ones_in_eval():
    torch.manual_seed(0)
    model = BasicMLP(4, [16], 2, use_batchnorm=True)
    x = 5.0 + 3.0 * torch.randn(32, 4)
    model.train()
    train_out = model(x)  # also updates the running mean and variance
    batchnorm = model.network[1]
    assert isinstance(batchnorm, nn.BatchNorm1d)
    assert batchnorm.num_batches_tracked.item() == 1
    # In train mode one sample's output depends on the rest of the batch ...
    assert not torch.allclose(model(x[:4])[0], train_out[0])
    model.eval()
    # ... in eval mode it does not, and no statistics are updated.
    torch.testing.assert_close(model(x[:4])[0], model(x)[0])
    assert batchnorm.num_batches_tracked.item() == 2


@pytest.mark.parametrize("cls", [BasicMLP, AdvancedMLP])
@pytest.mark.parametrize(("args", "message"), [
    ((784, [], 10), "hidden_sizes darf nicht leer"),
    ((784, [64, 0], 10), "positiven ganzen Zahlen"),
    ((784, [64, -3], 10), "positiven ganzen Zahlen"),
    ((0, [64], 10), "input_size"),
    ((784, [64], 0), "num_classes"),
    ((784, [64.5], 10), "positiven ganzen Zahlen"),
])
def test_bad_sizes_raise_a_clear_error(cls, args, message):
    with pytest.raises(ValueError, match=message):
        cls(*args)


@pytest.mark.parametrize("cls", [BasicMLP, AdvancedMLP])
def test_bad_dropout_and_activation_raise(cls):
    with pytest.raises(ValueError, match="dropout"):
        cls(10, [8], 2, dropout=1.0)
    with pytest.raises(ValueError, match="Unbekannte Aktivierung"):
        cls(10, [8], 2, activation="swish-ish")


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "gelu"])
def test_activation_is_used(activation):
    model = BasicMLP(4, [8, 8], 2, activation=activation)
    names = {type(m).__name__.lower() for m in model.modules()}
    assert activation in names


@pytest.mark.parametrize("init", ["he_glorot", "pytorch"])
def test_shortcuts_keep_the_gradient_and_he_init_keeps_it_without_them(init):
    torch.manual_seed(0)
    x, y = torch.rand(64, 20), torch.randint(0, 3, (64,))
    plain = AdvancedMLP(20, [16] * 11, 3, residual=False, use_batchnorm=False, init=init)
    residual = AdvancedMLP(20, [16] * 11, 3, residual=True, use_batchnorm=False, init=init)
    plain_ratio = block_gradient_norms(plain, x, y)
    residual_ratio = block_gradient_norms(residual, x, y)
    assert len(plain_ratio) == 10
    plain_ratio, residual_ratio = (n[0] / n[-1] for n in (plain_ratio, residual_ratio))
    # Gradient at the first block relative to the last: with shortcuts always of order one;
    # without them tiny with PyTorch's default init, but not with He init.
    assert residual_ratio > 1e-1
    if init == "pytorch":
        assert plain_ratio < 1e-2
    else:
        assert plain_ratio > 1e-1


@pytest.mark.parametrize(("activation", "variance"), [
    ("relu", lambda d_in, d_out: 2 / d_in),              # He et al. (2015)
    ("tanh", lambda d_in, d_out: 2 / (d_in + d_out)),    # Glorot and Bengio (2010)
])
def test_linear_has_the_variance_of_chapter_3(activation, variance):
    torch.manual_seed(0)
    layer = linear(400, 300, activation)
    assert torch.equal(layer.bias, torch.zeros(300))
    assert layer.weight.var().item() == pytest.approx(variance(400, 300), rel=0.02)


def test_pytorch_init_is_uniform_with_bound_one_over_sqrt_fan_in():
    torch.manual_seed(0)
    weight = linear(400, 300, init="pytorch").weight
    assert weight.abs().max().item() <= 400 ** -0.5
    assert weight.var().item() == pytest.approx(1 / (3 * 400), rel=0.02)


def test_every_linear_layer_of_the_models_is_initialised():
    torch.manual_seed(0)
    model = AdvancedMLP(100, [200, 200, 100], 10, use_batchnorm=False)
    for layer in (m for m in model.modules() if isinstance(m, nn.Linear)):
        assert torch.equal(layer.bias, torch.zeros_like(layer.bias))
    first_branch = model.blocks[0].branch[0].weight  # followed by a ReLU: He
    assert first_branch.var().item() == pytest.approx(2 / 200, rel=0.05)
    basic = BasicMLP(100, [200], 10, init="pytorch")
    assert basic.network[0].bias.abs().sum() > 0  # PyTorch's default keeps random biases


def test_unknown_init_raises():
    with pytest.raises(ValueError, match="Initialisierung"):
        BasicMLP(10, [8], 2, init="zeros")


def test_from_numpy_mlp_gives_the_same_outputs_and_gradients():
    rng = np.random.default_rng(1)
    mlp = MLP([(4, None), (6, "relu"), (5, "tanh"), (3, "softmax")], loss="cross_entropy",
              dtype=np.float64, seed=2)
    x, labels = rng.standard_normal((9, 4)), rng.integers(0, 3, 9)
    net = from_numpy_mlp(mlp)
    logits = net(torch.from_numpy(x))
    np.testing.assert_allclose(torch.softmax(logits, 1).detach().numpy(), mlp.feedforward(x))
    nn.functional.cross_entropy(logits, torch.from_numpy(labels)).backward()
    grads_w, grads_b = mlp.backprop(x, np.eye(3)[labels])
    linears = [m for m in net if isinstance(m, nn.Linear)]
    for layer, grad_w, grad_b in zip(linears, grads_w, grads_b, strict=True):
        np.testing.assert_allclose(layer.weight.grad.numpy().T, grad_w, atol=1e-12)
        np.testing.assert_allclose(layer.bias.grad.numpy(), grad_b, atol=1e-12)


# --- robust inputs: a German error that names the expected shape or type ----------------


@pytest.mark.parametrize("cls", [BasicMLP, AdvancedMLP])
@pytest.mark.parametrize(("x", "message"), [
    (torch.randn(4, 11), r"Form \(n, 10\).*\(4, 11\)"),
    (torch.randn(10), r"Form \(n, 10\).*unsqueeze"),
    (torch.randn(4, 2, 6), r"Form \(n, 10\)"),
    (torch.randn(0, 10), r"leer.*\(n, 10\)"),
    (np.ones((4, 10), dtype=np.float32), r"torch\.Tensor der Form \(n, 10\).*ndarray"),
    ([[0.0] * 10], r"torch\.Tensor der Form \(n, 10\).*list"),
    (torch.randn(4, 10, dtype=torch.float64), r"dtype torch\.float32.*x\.to"),
    (torch.ones(4, 10, dtype=torch.int64), r"dtype torch\.float32"),
    (torch.empty(4, 10, device="meta"), r"liegt auf meta, das Modell auf cpu.*x\.to\(device\)"),
])
def test_wrong_inputs_raise_a_clear_error(cls, x, message):
    with pytest.raises(ValueError, match=message):
        cls(10, [8, 4], 2)(x)


@pytest.mark.parametrize("cls", [BasicMLP, AdvancedMLP])
@pytest.mark.parametrize(("args", "kwargs", "message"), [
    ((10, [8], 2), {"dropout": None}, "dropout"),
    ((10, [8], 2), {"dropout": True}, "dropout"),
    ((10, [8], 2), {"dropout": float("nan")}, "dropout"),
    ((10, [8], 2), {"dropout": "0.2"}, "dropout"),
    ((10, [True], 2), {}, "hidden_sizes.*positiven ganzen"),
    ((True, [8], 2), {}, "input_size"),
    ((10, [8], False), {}, "num_classes"),
    ((10, 8, 2), {}, "hidden_sizes ist eine Liste"),
    ((10, ["8"], 2), {}, "positiven ganzen"),
])
def test_bad_constructor_arguments_raise_a_clear_error(cls, args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        cls(*args, **kwargs)


def test_numpy_integer_widths_are_accepted():
    model = BasicMLP(np.int64(6), [np.int64(4)], np.int64(2))
    assert model(torch.randn(3, 6)).shape == (3, 2)


@pytest.mark.parametrize("cls", [BasicMLP, AdvancedMLP])
def test_a_single_example_through_batchnorm_in_training_mode_says_what_to_do(cls):
    model = cls(4, [8, 8], 3)
    with pytest.raises(ValueError, match=r"model\.eval\(\).*mindestens 2 Beispielen"):
        model(torch.rand(1, 4))
    assert model.eval()(torch.rand(1, 4)).shape == (1, 3)  # eval mode: running statistics
    assert cls(4, [8, 8], 3, use_batchnorm=False)(torch.rand(1, 4)).shape == (1, 3)


@pytest.mark.parametrize("batchnorm", [True, False])
def test_the_shortcut_is_the_only_difference_between_residual_and_plain(batchnorm):
    models = []
    for residual in (True, False):
        torch.manual_seed(0)
        models.append(AdvancedMLP(20, [16] * 4, 3, residual=residual,
                                  use_batchnorm=batchnorm))
    residual, plain = (model.state_dict() for model in models)
    assert residual.keys() == plain.keys()
    for name in residual:
        assert torch.equal(residual[name], plain[name]), name
    x = torch.rand(8, 20)
    assert not torch.allclose(models[0].eval()(x), models[1].eval()(x))
