"""BasicLSTM and AdvancedLSTM: shapes, attention weights, devices, dropout, learning, errors."""

import numpy as np
import pytest
import torch

from codes.lstm import AdvancedLSTM, BasicGRU, BasicLSTM, check_sequence_batch, classifier_head

MODELS = [BasicLSTM, AdvancedLSTM, BasicGRU]
# The CPU always runs; the GPU runner adds "cuda" (a device that is absent is not a test case).
DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


@pytest.mark.parametrize("model_class", MODELS)
@pytest.mark.parametrize("num_layers", [1, 3])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_output_shape(model_class, num_layers, bidirectional):
    torch.manual_seed(0)
    model = model_class(5, 8, num_layers, 3, 0.1, bidirectional)
    logits = model(torch.randn(4, 7, 5))
    assert logits.shape == (4, 3)
    assert model.output_size == (2 if bidirectional else 1) * 8
    assert model.encode(torch.randn(4, 7, 5)).shape == (4, 7, model.output_size)


@pytest.mark.parametrize("bidirectional", [False, True])
def test_attention_weights_are_a_distribution_over_time(bidirectional):
    torch.manual_seed(0)
    model = AdvancedLSTM(5, 8, 2, 3, 0.0, bidirectional)
    logits, weights = model(torch.randn(6, 11, 5), return_attention=True)
    assert logits.shape == (6, 3)
    assert weights.shape == (6, 11)
    assert torch.all(weights >= 0)
    assert torch.allclose(weights.sum(dim=1), torch.ones(6))


def test_attention_context_is_the_weighted_sum_of_outputs():
    torch.manual_seed(0)
    model = AdvancedLSTM(3, 4, 1, 2)
    outputs = model.encode(torch.randn(2, 5, 3))
    context, weights = model.attention(outputs)
    expected = (weights.unsqueeze(-1) * outputs).sum(dim=1)
    assert torch.allclose(context, expected, atol=1e-6)


def test_advanced_head_narrows_from_double_width_when_bidirectional():
    model = AdvancedLSTM(4, 16, 1, 5, bidirectional=True)
    widths = [(m.in_features, m.out_features) for m in model.head
              if isinstance(m, torch.nn.Linear)]
    assert widths == [(32, 16), (16, 8), (8, 5)]


def test_basic_uses_only_the_last_time_step():
    torch.manual_seed(0)
    model = BasicLSTM(3, 6, 1, 2).eval()
    x = torch.randn(2, 9, 3)
    longer = torch.cat([x, torch.randn(2, 4, 3)], dim=1)
    # Outputs of a unidirectional LSTM at step t depend only on x_1..x_t: with the
    # head applied to the last step, the prediction changes when steps are appended.
    assert not torch.allclose(model(x), model(longer))
    assert torch.allclose(model.head(model.encode(longer)[:, 8]), model(x), atol=1e-6)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("model_class", MODELS)
@pytest.mark.parametrize("bidirectional", [False, True])
def test_runs_on_the_device_of_its_input(device, model_class, bidirectional):
    torch.manual_seed(0)
    model = model_class(4, 8, 2, 3, 0.2, bidirectional).to(device)
    x = torch.randn(3, 6, 4, device=device)
    logits = model(x)
    assert logits.device.type == device
    logits.sum().backward()  # zero initial states were created on the same device
    assert all(p.grad.device.type == device for p in model.parameters())


@pytest.mark.parametrize("model_class", MODELS)
def test_dropout_between_layers_only_with_several_layers(model_class):
    assert model_class(4, 8, 1, 3, dropout=0.5).rnn.dropout == 0.0
    assert model_class(4, 8, 2, 3, dropout=0.5).rnn.dropout == 0.5
    head_dropouts = [m.p for m in model_class(4, 8, 1, 3, dropout=0.5).head
                     if isinstance(m, torch.nn.Dropout)]
    assert head_dropouts and all(p == 0.5 for p in head_dropouts)


@pytest.mark.parametrize("model_class", MODELS)
def test_a_few_adam_steps_lower_the_loss(model_class):
    torch.manual_seed(0)
    model = model_class(3, 16, 1, 2)
    x = torch.randn(32, 6, 3)
    y = (x[:, 0, 0] > 0).long()  # the label is the sign of the first input
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    loss_fn = torch.nn.CrossEntropyLoss()
    first = loss_fn(model(x), y).item()
    for _ in range(30):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
    assert loss_fn(model(x), y).item() < 0.7 * first


@pytest.mark.parametrize("model_class", MODELS)
@pytest.mark.parametrize("shape", [(7, 5), (5,), (2, 3, 7, 5)])
def test_wrong_rank_is_a_clear_error(model_class, shape):
    model = model_class(5, 4, 1, 2)
    with pytest.raises(ValueError, match=r"\(batch, time, features\)"):
        model(torch.randn(*shape))


@pytest.mark.parametrize("model_class", MODELS)
def test_wrong_feature_size_is_a_clear_error(model_class):
    with pytest.raises(ValueError, match="5 Merkmale"):
        model_class(5, 4, 1, 2)(torch.randn(2, 3, 6))


def test_non_tensor_and_empty_inputs_are_clear_errors():
    with pytest.raises(ValueError, match="torch.Tensor"):
        check_sequence_batch([[[1.0]]], 1)
    with pytest.raises(ValueError, match="leer"):
        check_sequence_batch(torch.zeros(2, 0, 1), 1)


@pytest.mark.parametrize("model_class", MODELS)
@pytest.mark.parametrize("arguments", [
    {"input_size": 0}, {"hidden_size": -2}, {"num_layers": 0}, {"num_classes": 0},
    {"dropout": 1.0}, {"dropout": -0.1}, {"bidirectional": "ja"}, {"hidden_size": 2.5},
])
def test_bad_constructor_arguments_are_clear_errors(model_class, arguments):
    defaults = {"input_size": 4, "hidden_size": 8, "num_layers": 1, "num_classes": 3}
    with pytest.raises(ValueError, match=next(iter(arguments))):
        model_class(**{**defaults, **arguments})


def test_advanced_needs_room_to_narrow_the_head():
    with pytest.raises(ValueError, match="hidden_size"):
        AdvancedLSTM(4, 1, 1, 3)


def test_classifier_head_layers():
    head = classifier_head([6, 4, 2], dropout=0.3)
    kinds = [type(m).__name__ for m in head]
    assert kinds == ["Linear", "ReLU", "Dropout", "Linear"]


# --- robust inputs: a German error that names the expected shape or type ----------------


@pytest.mark.parametrize("model_class", MODELS)
@pytest.mark.parametrize(("x", "message"), [
    (np.zeros((2, 3, 5), dtype=np.float32), r"torch\.Tensor der Form .*\(n, T, 5\).*ndarray"),
    (torch.zeros(2, 3, 5, dtype=torch.float64), r"dtype torch\.float32"),
    (torch.zeros(2, 3, 5, dtype=torch.int64), r"dtype torch\.float32"),
    (torch.zeros(0, 3, 5), r"leer"),
])
def test_wrong_input_types_are_clear_errors(model_class, x, message):
    with pytest.raises(ValueError, match=message):
        model_class(5, 4, 1, 2)(x)


@pytest.mark.parametrize("model_class", MODELS)
@pytest.mark.parametrize("dropout", [None, True, "0.1", float("nan")])
def test_dropout_must_be_a_probability(model_class, dropout):
    with pytest.raises(ValueError, match=r"dropout ist eine Wahrscheinlichkeit in \[0, 1\)"):
        model_class(4, 8, 2, 3, dropout=dropout)


@pytest.mark.parametrize("model_class", MODELS)
def test_booleans_are_not_sizes(model_class):
    with pytest.raises(ValueError, match="num_layers"):
        model_class(4, 8, True, 3)


def test_gru_variant_shares_the_trunk_and_has_three_gate_blocks():
    gru, lstm = BasicGRU(5, 8, 2, 3), BasicLSTM(5, 8, 2, 3)
    assert isinstance(gru.rnn, torch.nn.GRU) and isinstance(lstm.rnn, torch.nn.LSTM)
    # A GRU layer stacks 3 blocks (r, z, candidate), an LSTM layer 4 (i, f, candidate, o).
    assert gru.rnn.weight_hh_l0.shape == (3 * 8, 8)
    assert lstm.rnn.weight_hh_l0.shape == (4 * 8, 8)


# --- the mean-pooling control: one change only, the pooling ---------------------------


def test_mean_pooling_is_the_plain_mean_over_time_with_uniform_weights():
    torch.manual_seed(0)
    model = AdvancedLSTM(3, 4, 1, 2, pooling="mean").eval()
    x = torch.randn(2, 5, 3)
    logits, weights = model(x, return_attention=True)
    assert torch.allclose(weights, torch.full((2, 5), 0.2))
    assert torch.allclose(logits, model.head(model.encode(x).mean(dim=1)), atol=1e-6)


def test_mean_pooling_changes_only_the_pooling():
    attention, mean = AdvancedLSTM(4, 8, 2, 3, 0.1, True), AdvancedLSTM(
        4, 8, 2, 3, 0.1, True, pooling="mean")
    shapes = {name: p.shape for name, p in attention.named_parameters()
              if not name.startswith("attention.")}
    assert {name: p.shape for name, p in mean.named_parameters()} == shapes
    assert repr(mean.head) == repr(attention.head)
    assert mean.pooling == "mean" and attention.pooling == "attention"


def test_unknown_pooling_is_a_clear_error():
    with pytest.raises(ValueError, match='pooling muss "attention" oder "mean"'):
        AdvancedLSTM(4, 8, pooling="max")
