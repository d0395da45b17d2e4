"""Multi-layer perceptrons in PyTorch: ``BasicMLP`` and ``AdvancedMLP`` with residual blocks.

Both take a batch ``x`` of shape ``(n, input_size)`` (images are flattened) and return
logits of shape ``(n, num_classes)``; for regression use ``num_classes`` outputs and
``task="regression"`` in ``codes.training.fit``. The widths of the hidden layers come from
a list ``hidden_sizes``, e.g. ``[256, 128, 64]`` for a net that narrows gradually.
"""

import math

import torch
from torch import nn

from codes.checks import check_dropout, check_tensor, is_positive_int

TORCH_ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "gelu": nn.GELU,
                     "identity": nn.Identity}
INITS = ("he_glorot", "pytorch")


def make_activation(name):
    """The ``nn.Module`` for an activation name such as ``"relu"``."""
    key = str(name).lower()
    if key not in TORCH_ACTIVATIONS:
        raise ValueError(
            f"Unbekannte Aktivierung {name!r}; erlaubt sind {sorted(TORCH_ACTIVATIONS)}.")
    return TORCH_ACTIVATIONS[key]()


def check_sizes(input_size, hidden_sizes, num_classes, dropout):
    """Raise a ValueError that says what is expected for impossible layer sizes."""
    if isinstance(hidden_sizes, str) or not hasattr(hidden_sizes, "__iter__"):
        raise ValueError(f"hidden_sizes ist eine Liste von Breiten, z. B. [128, 64], "
                         f"nicht {hidden_sizes!r}.")
    hidden_sizes = list(hidden_sizes)
    if not hidden_sizes:
        raise ValueError("hidden_sizes darf nicht leer sein; erwartet wird z. B. [128, 64].")
    sizes = {"input_size": [input_size], "hidden_sizes": hidden_sizes, "num_classes": [num_classes]}
    for name, values in sizes.items():
        if not all(is_positive_int(v) for v in values):
            raise ValueError(f"{name} muss aus positiven ganzen Zahlen bestehen, nicht {values}.")
    check_dropout(dropout)
    return [int(v) for v in hidden_sizes]


def check_batch(x, first_layer):
    """Raise a ValueError unless x is a batch of shape (n, d_0) for ``first_layer`` (nn.Linear).

    Any shape (n, ...) with d_0 values per example is accepted (images are flattened).
    """
    width = first_layer.in_features
    check_tensor(x, f"(n, {width})", first_layer)
    if x.dim() < 2 or math.prod(x.shape[1:]) != width:
        single = " Ein einzelnes Beispiel machen Sie mit x.unsqueeze(0) zum Batch." if x.dim() < 2 else ""
        raise ValueError(
            f"Erwartet wird ein Batch der Form (n, {width}) (oder (n, ...) mit {width} Werten pro "
            f"Beispiel, z. B. Bilder), nicht {tuple(x.shape)}.{single}")


def check_batchnorm_batch(model, x):
    """Raise a ValueError for a single example through BatchNorm in training mode.

    BatchNorm normalises with the mean and variance of the mini-batch, which one example
    does not have (PyTorch stops with an English error). ``fit`` skips such batches.
    """
    if model.training and model.use_batchnorm and x.shape[0] == 1:
        raise ValueError(
            "Ein einzelnes Beispiel im Trainingsmodus: BatchNorm kann aus einem Beispiel "
            "keinen Mittelwert und keine Varianz des Mini-Batches schätzen. Für Vorhersagen "
            "schalten Sie mit model.eval() in den Auswertungsmodus (BatchNorm nimmt dann "
            "die gelernten Statistiken); zum Trainieren geben Sie Batches mit mindestens "
            "2 Beispielen.")


# ANCHOR: linear
def linear(in_features, out_features, activation="relu", init="he_glorot"):
    """``nn.Linear``, initialisiert wie in Kapitel 3: Biases null, Gewichte normalverteilt

    mit Varianz 2 / d_in (He et al. 2015), wenn eine ReLU (oder GELU) folgt, sonst
    2 / (d_in + d_out) (Glorot und Bengio 2010; auch für die Ausgabeschicht).
    ``init="pytorch"`` behält PyTorchs Voreinstellung U(-1/sqrt(d_in), 1/sqrt(d_in)).
    """
    if init not in INITS:
        raise ValueError(f"Unbekannte Initialisierung init={init!r}; erlaubt sind {INITS}.")
    layer = nn.Linear(in_features, out_features)
    if init == "he_glorot":
        relu_like = str(activation).lower() in ("relu", "gelu")
        fan = in_features / 2 if relu_like else (in_features + out_features) / 2
        nn.init.normal_(layer.weight, std=fan ** -0.5)
        nn.init.zeros_(layer.bias)
    return layer
# ANCHOR_END: linear


# ANCHOR: hidden_layer
def hidden_layer(in_features, out_features, dropout=0.0, use_batchnorm=True,
                 activation="relu", init="he_glorot"):
    """Linear -> BatchNorm1d -> Aktivierung -> Dropout als Liste von Modulen.

    Berechnet h = Dropout(sigma(BN(W^T x + b))); BN und Dropout sind optional.
    """
    layers = [linear(in_features, out_features, activation, init)]
    if use_batchnorm:
        layers.append(nn.BatchNorm1d(out_features))
    layers.append(make_activation(activation))
    if dropout > 0:
        layers.append(nn.Dropout(dropout))
    return layers
# ANCHOR_END: hidden_layer


# ANCHOR: basic_mlp
class BasicMLP(nn.Module):
    """Eine ``hidden_layer`` je Eintrag von ``hidden_sizes``, dann eine lineare Ausgabe.

    Für ``hidden_sizes = [d_1, ..., d_{L-1}]`` sind die Schichtbreiten
    input_size -> d_1 -> ... -> d_{L-1} -> num_classes.
    """

    def __init__(self, input_size, hidden_sizes, num_classes, dropout=0.0, *,
                 use_batchnorm=True, activation="relu", init="he_glorot"):
        super().__init__()
        hidden_sizes = check_sizes(input_size, hidden_sizes, num_classes,
                                   dropout)
        widths = [input_size, *hidden_sizes]
        layers = []
        for d_in, d_out in zip(widths[:-1], widths[1:], strict=True):
            layers += hidden_layer(d_in, d_out, dropout, use_batchnorm,
                                   activation, init)
        layers.append(linear(widths[-1], num_classes, "identity", init))  # logits
        self.network = nn.Sequential(*layers)
        self.use_batchnorm = use_batchnorm

    def forward(self, x):
        check_batch(x, self.network[0])  # deutsche Fehlermeldung bei falscher Form
        check_batchnorm_batch(self, x)
        return self.network(x.flatten(start_dim=1))
# ANCHOR_END: basic_mlp


# ANCHOR: residual_block
class ResidualBlock(nn.Module):
    """Dropout(ReLU(F(x) + s(x))) (Gl. eq:residual-block).

    Zweig mit zwei Schichten: F(x) = BN(W_2^T ReLU(BN(W_1^T x + b_1)) + b_2).
    Die Abkürzung s ist die Identität, wenn die Breiten gleich sind, sonst linear.
    ``residual=False`` lässt sie weg (Ausgabe ReLU(F(x))): derselbe Block als gewöhnlicher
    Stapel zweier Schichten, zum Vergleich. Die Abkürzung ist der einzige Unterschied:
    Beide Varianten initialisieren W_1 mit He und W_2 mit Glorot; mit demselben Seed
    und gleichen Breiten beginnen sie mit denselben Gewichten.
    """

    def __init__(self, in_features, out_features, dropout=0.0, *, residual=True,
                 use_batchnorm=True, activation="relu", init="he_glorot"):
        super().__init__()
        def norm():
            if use_batchnorm:
                return nn.BatchNorm1d(out_features)
            return nn.Identity()

        self.branch = nn.Sequential(
            linear(in_features, out_features, activation, init), norm(),
            make_activation(activation),
            # Glorot: es folgt die Summe F(x) + s(x), mit oder ohne Abkürzung
            linear(out_features, out_features, "identity", init), norm(),
        )
        if not residual:
            self.shortcut = None
        elif in_features == out_features:
            self.shortcut = nn.Identity()
        else:
            # eine Projektion auf die neue Breite
            self.shortcut = linear(in_features, out_features, "identity", init)
        self.activation = make_activation(activation)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x):
        out = self.branch(x)
        if self.shortcut is not None:
            out = out + self.shortcut(x)  # H lernt nur die Abweichung
        return self.dropout(self.activation(out))
# ANCHOR_END: residual_block


# ANCHOR: advanced_mlp
class AdvancedMLP(nn.Module):
    """Merkmalsschicht, Residualblöcke, linearer Klassifikator.

    ``hidden_sizes = [d_1, ..., d_k]`` ergibt eine verdeckte Schicht input_size -> d_1
    und k - 1 Residualblöcke d_i -> d_{i+1} mit je zwei linearen Schichten.
    """

    def __init__(self, input_size, hidden_sizes, num_classes, dropout=0.0, *,
                 residual=True, use_batchnorm=True, activation="relu",
                 init="he_glorot"):
        super().__init__()
        widths = check_sizes(input_size, hidden_sizes, num_classes, dropout)
        self.features = nn.Sequential(*hidden_layer(
            input_size, widths[0], dropout, use_batchnorm, activation, init))
        self.blocks = nn.Sequential(*(
            ResidualBlock(d_in, d_out, dropout, residual=residual,
                          use_batchnorm=use_batchnorm, activation=activation,
                          init=init)
            for d_in, d_out in zip(widths[:-1], widths[1:], strict=True)))
        self.classifier = linear(widths[-1], num_classes, "identity", init)
        self.use_batchnorm = use_batchnorm

    def forward(self, x):
        check_batch(x, self.features[0])  # deutsche Fehlermeldung bei falscher Form
        check_batchnorm_batch(self, x)
        h = self.features(x.flatten(start_dim=1))
        return self.classifier(self.blocks(h))
# ANCHOR_END: advanced_mlp


def block_gradient_norms(model, x, y, loss_fn=None):
    """Norm of dL/dW for the first linear layer of each residual block after one backward pass.

    Shows how strongly the loss signal still reaches each depth of an ``AdvancedMLP``.
    """
    loss_fn = loss_fn or nn.CrossEntropyLoss()
    model.zero_grad()
    loss_fn(model(x), y).backward()
    norms = [block.branch[0].weight.grad.norm().item() for block in model.blocks]
    model.zero_grad()
    return torch.tensor(norms)


# ANCHOR: from_numpy
def from_numpy_mlp(mlp, dtype=torch.float64):
    """Das NumPy-``codes.mlp.MLP`` als ``nn.Sequential`` mit denselben Gewichten (float64).

    nn.Linear speichert W_l^T (Form d_l x d_{l-1}) und berechnet
    a_l = W_l^T h_{l-1} + b_l. Eine abschließende Softmax entfällt: PyTorchs
    Kreuzentropie nimmt die Logits a_L.
    """
    layers = []
    for W, b, sigma in zip(mlp.weights, mlp.biases, mlp.activations,
                           strict=True):
        linear = nn.Linear(*W.shape, dtype=dtype)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(W.T))
            linear.bias.copy_(torch.from_numpy(b))
        layers.append(linear)
        if sigma.name != "softmax":
            layers.append(make_activation(sigma.name))
    return nn.Sequential(*layers)
# ANCHOR_END: from_numpy
