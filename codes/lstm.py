"""Recurrent classifiers for batches of sequences of shape (batch, time, features).

``BasicLSTM`` reads a sequence with a stacked, optionally bidirectional LSTM and
classifies the output of the last time step. ``AdvancedLSTM`` pools the outputs of
*all* time steps with additive attention pooling (a learned score per step, as in
Yang et al., 2016; the additive score comes from Bahdanau et al., 2015) and classifies
the weighted sum; with ``pooling="mean"`` it takes the plain mean instead (a control).
``BasicGRU`` is ``BasicLSTM`` with a GRU cell instead of the LSTM cell. All share one
trunk, ``LSTMTrunk``: argument checks, the recurrent layer with ``batch_first=True``,
dropout between layers only when there are several, and zero initial states on the
input's device.
"""

import torch
from torch import nn

from codes.checks import check_dropout, check_tensor
from codes.checks import check_positive_int as _check_positive_int


def check_sequence_batch(x, input_size, model=None):
    """Raise a ValueError unless x is a tensor of shape (batch, time, input_size).

    With ``model`` the tensor must also have the dtype and device of its weights.
    """
    check_tensor(x, f"(batch, time, features) = (n, T, {input_size})", model)
    if x.dim() != 3:
        raise ValueError(
            f"Erwartet wird eine Eingabe der Form (batch, time, features) = (n, T, {input_size}) "
            f"mit 3 Achsen, nicht die Form {tuple(x.shape)} mit {x.dim()} Achsen. Eine einzelne "
            "Sequenz machen Sie mit x.unsqueeze(0) zu einem Batch.")
    if x.shape[-1] != input_size:
        raise ValueError(
            f"Die letzte Achse der Eingabe muss {input_size} Merkmale haben (input_size), "
            f"nicht {x.shape[-1]}; erhalten wurde die Form {tuple(x.shape)}.")
    if x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(f"Batch und Sequenz dürfen nicht leer sein; Form {tuple(x.shape)}.")


# ANCHOR: head
def classifier_head(widths, dropout):
    """Linear -> ReLU -> Dropout between consecutive widths, then a last Linear for the logits.

    widths = [d_0, d_1, ..., d_L]: d_0 is the size of the feature vector that comes in,
    d_L the number of classes.
    """
    layers = []
    for d_in, d_out in zip(widths[:-2], widths[1:-1], strict=True):
        layers += [nn.Linear(d_in, d_out), nn.ReLU(), nn.Dropout(dropout)]
    layers.append(nn.Linear(widths[-2], widths[-1]))  # no activation: logits
    return nn.Sequential(*layers)
# ANCHOR_END: head


# ANCHOR: trunk
class LSTMTrunk(nn.Module):
    """A stacked (bi)LSTM that maps x of shape (n, T, input_size) to all its outputs.

    The outputs H have shape (n, T, D * hidden_size) with D = 2 directions when
    bidirectional, else D = 1; ``output_size`` = D * hidden_size. A subclass may set
    ``recurrent_layer = nn.GRU`` to use the same trunk with a GRU cell.
    """

    recurrent_layer = nn.LSTM

    def __init__(self, input_size, hidden_size, num_layers=1, dropout=0.0,
                 bidirectional=False):
        super().__init__()
        for name, value in (("input_size", input_size), ("hidden_size", hidden_size),
                            ("num_layers", num_layers)):
            _check_positive_int(name, value)
        check_dropout(dropout)
        if not isinstance(bidirectional, bool):
            raise ValueError(
                f"bidirectional muss True oder False sein, nicht {bidirectional!r}.")
        self.input_size, self.hidden_size = input_size, hidden_size
        self.num_layers = num_layers
        self.num_directions = 2 if bidirectional else 1
        self.output_size = self.num_directions * hidden_size
        self.rnn = self.recurrent_layer(
            input_size, hidden_size, num_layers,
            batch_first=True,  # (batch, time, features), like every batch in the book
            dropout=dropout if num_layers > 1 else 0.0,  # acts only *between* layers
            bidirectional=bidirectional)

    def encode(self, x):
        """All outputs H = (h_1, ..., h_T) of the last layer, shape (n, T, output_size)."""
        check_sequence_batch(x, self.input_size, self)
        # h_0 = c_0 = 0, created where x lives (CPU or GPU) and with its dtype.
        shape = (self.num_layers * self.num_directions, x.shape[0], self.hidden_size)
        h0 = x.new_zeros(shape)
        state = (h0, x.new_zeros(shape)) if isinstance(self.rnn, nn.LSTM) else h0  # GRU: no c
        outputs, _ = self.rnn(x, state)
        return outputs
# ANCHOR_END: trunk


# ANCHOR: basic_lstm
class BasicLSTM(LSTMTrunk):
    """LSTM trunk, the output at the last time step h_T, then Linear-ReLU-Dropout-Linear."""

    def __init__(self, input_size, hidden_size, num_layers=1, num_classes=10,
                 dropout=0.0, bidirectional=False):
        super().__init__(input_size, hidden_size, num_layers, dropout, bidirectional)
        _check_positive_int("num_classes", num_classes)
        widths = [self.output_size, hidden_size, num_classes]
        self.head = classifier_head(widths, dropout)

    def forward(self, x):
        """Logits of shape (n, num_classes) for x of shape (n, T, input_size)."""
        outputs = self.encode(x)
        return self.head(outputs[:, -1, :])  # only the last time step reaches the head
# ANCHOR_END: basic_lstm


# ANCHOR: basic_gru
class BasicGRU(BasicLSTM):
    """BasicLSTM with a GRU cell (update gate z_t, reset gate r_t, no cell state)."""

    recurrent_layer = nn.GRU
# ANCHOR_END: basic_gru


# ANCHOR: attention
class AdditiveAttention(nn.Module):
    """Attention pooling over time: e_t = v^T tanh(W^T h_t + b), alpha = softmax_t(e).

    The score is Bahdanau's additive one without a decoder state: the learned vector v
    acts as one query shared by all sequences (attention pooling, Yang et al., 2016).
    The context is the weighted mean c = sum_t alpha_t h_t of all outputs.
    """

    def __init__(self, size, attention_size):
        super().__init__()
        self.score = nn.Sequential(
            nn.Linear(size, attention_size), nn.Tanh(),
            nn.Linear(attention_size, 1, bias=False))  # a bias would cancel in the softmax

    def forward(self, outputs):
        """Context (n, size) and weights alpha (n, T) for outputs H of shape (n, T, size)."""
        scores = self.score(outputs).squeeze(-1)    # e_t, shape (n, T)
        weights = torch.softmax(scores, dim=1)      # alpha_t >= 0, sum over t is 1
        context = torch.einsum("nt,nts->ns", weights, outputs)  # sum_t alpha_t h_t
        return context, weights
# ANCHOR_END: attention


# ANCHOR: mean_pooling
class MeanPooling(nn.Module):
    """Plain mean over time, c = (1/T) sum_t h_t: every step gets the same weight 1/T.

    The control for attention pooling: like it, it connects every output h_t directly
    to the head, but it learns no weights. Returns the same pair (context, weights).
    """

    def forward(self, outputs):
        """Context (n, size) and the uniform weights 1/T, shape (n, T)."""
        weights = outputs.new_full(outputs.shape[:2], 1.0 / outputs.shape[1])
        return outputs.mean(dim=1), weights
# ANCHOR_END: mean_pooling


# ANCHOR: advanced_lstm
class AdvancedLSTM(LSTMTrunk):
    """LSTM trunk, attention over all time steps, then a head that narrows step by step.

    Head widths: D * hidden_size -> hidden_size -> hidden_size // 2 -> num_classes.
    With ``pooling="mean"`` the attention is replaced by the plain mean over time
    (``MeanPooling``), everything else stays the same: the control experiment.
    """

    def __init__(self, input_size, hidden_size, num_layers=1, num_classes=10,
                 dropout=0.0, bidirectional=False, attention_size=None,
                 pooling="attention"):
        super().__init__(input_size, hidden_size, num_layers, dropout, bidirectional)
        _check_positive_int("num_classes", num_classes)
        if hidden_size < 2:
            raise ValueError("AdvancedLSTM braucht hidden_size >= 2 (der Kopf verengt "
                             f"sich bis hidden_size // 2), nicht {hidden_size}.")
        if pooling not in ("attention", "mean"):
            raise ValueError(f'pooling muss "attention" oder "mean" sein, nicht {pooling!r}.')
        attention_size = hidden_size if attention_size is None else attention_size
        _check_positive_int("attention_size", attention_size)
        self.pooling = pooling
        self.attention = (AdditiveAttention(self.output_size, attention_size)
                          if pooling == "attention" else MeanPooling())
        widths = [self.output_size, hidden_size, hidden_size // 2, num_classes]
        self.head = classifier_head(widths, dropout)

    def forward(self, x, return_attention=False):
        """Logits (n, num_classes); with return_attention also the weights (n, T)."""
        context, weights = self.attention(self.encode(x))
        logits = self.head(context)
        return (logits, weights) if return_attention else logits
# ANCHOR_END: advanced_lstm
