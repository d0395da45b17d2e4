"""Self-checks for the PyTorch sheets: parameter counts, residual blocks (4), attention (5)."""

import numpy as np
import torch

from codes.lstm import AdditiveAttention
from codes.selfcheck.core import (
    CheckResult,
    StudentError,
    call,
    compare,
    finish,
    require_callable,
    run_case,
)
from codes.torch_mlp import BasicMLP, ResidualBlock
from codes.training import count_parameters

MLP_CONFIGS = [
    ("784-256-128-10 mit BatchNorm", 784, [256, 128], 10, True),
    ("784-256-128-10 ohne BatchNorm", 784, [256, 128], 10, False),
    ("eine verdeckte Schicht 20-7-3", 20, [7], 3, True),
    ("5-64-32-16-2 mit BatchNorm", 5, [64, 32, 16], 2, True),
]


def mlp_configs(seed=0):
    """MLP_CONFIGS for seed 0, else four random configurations (hidden cases of the grading)."""
    if seed == 0:
        return MLP_CONFIGS
    rng = np.random.default_rng(seed)
    configs = []
    for bn in (True, False, True, True):
        d0, k = int(rng.integers(3, 100)), int(rng.integers(2, 12))
        hidden = [int(w) for w in rng.integers(2, 64, size=int(rng.integers(1, 4)))]
        name = "-".join(str(w) for w in [d0, *hidden, k])
        configs.append((f"{name} {'mit' if bn else 'ohne'} BatchNorm", d0, hidden, k, bn))
    return configs


def check_parameter_count(fn, verbose=True, seed=0):
    """Check ``fn(input_size, hidden_sizes, num_classes, use_batchnorm)`` = parameters of BasicMLP."""
    require_callable(fn, "eine Funktion fn(input_size, hidden_sizes, num_classes, "
                         "use_batchnorm), die die Zahl der Parameter berechnet")
    result = CheckResult("check_parameter_count")
    for label, d0, hidden, k, bn in mlp_configs(seed):
        expected = count_parameters(BasicMLP(d0, hidden, k, use_batchnorm=bn))
        widths = [d0, *hidden, k]
        pairs = list(zip(widths[:-1], widths[1:], strict=True))
        bn_units = sum(hidden) if bn else 0
        mistakes = [
            (expected - sum(d for _, d in pairs), "Die Biasvektoren b_l fehlen in Ihrer Zählung.",
             "Eine Schicht d_{l−1} → d_l hat d_{l−1}·d_l Gewichte und d_l Biases."),
            (expected + 2 * bn_units, "Sie zählen bei BatchNorm auch den laufenden Mittelwert und "
             "die laufende Varianz mit; das sind Puffer, keine trainierbaren Parameter.",
             "BatchNorm1d lernt pro Neuron nur γ und β (2 Parameter)."),
            (expected - 2 * bn_units, "Die Parameter γ und β von BatchNorm fehlen.",
             "BatchNorm1d lernt pro Neuron einen Faktor γ und eine Verschiebung β."),
            (expected - (widths[-2] * k + k), "Die Ausgabeschicht fehlt in Ihrer Zählung.",
             "Auch die letzte lineare Schicht d_{L−1} → K hat Gewichte und Biases."),
        ]
        mistakes = [m for m in mistakes if m[0] != expected]
        run_case(result, label, fn, (d0, list(hidden), k, bn), expected, mistakes,
                 hint="Zählen Sie Schicht für Schicht: Gewichte, Biases, BatchNorm (γ, β).")
    return finish(result, verbose)


def check_residual_block(cls, verbose=True, seed=0):
    """Check a class ``cls(in_features, out_features)`` that implements the book's ResidualBlock.

    Tests the output shape, the parameter count against ``codes.torch_mlp.ResidualBlock``
    (identity shortcut for equal widths, a linear shortcut otherwise), and the shortcut
    itself: with every parameter set to zero the branch gives F(x) = 0 and the block must
    return ReLU(x) (notation of chapter 4: output F(x) + x, F the branch).
    """
    require_callable(cls, "eine Klasse cls(in_features, out_features) (ein nn.Module)")
    result = CheckResult("check_residual_block")
    torch.manual_seed(seed)
    widths = [(8, 8), (8, 5), (5, 12)]
    if seed:
        rng = np.random.default_rng(seed)
        d = [int(w) for w in rng.integers(2, 20, size=3)]
        widths = [(d[0], d[0]), (d[1], d[1] + 3), (d[2] + 4, d[2])]
    for d_in, d_out in widths:
        label = f"Block {d_in} → {d_out}"
        try:
            block = call(cls, d_in, d_out)
            block.eval()
            out = call(block, torch.randn(4, d_in))
        except (StudentError, AttributeError) as error:
            result.fail(f"{label}: Ihr Block bricht mit {error} ab.",
                        "Bei verschiedenen Breiten braucht die Abkürzung eine lineare Abbildung "
                        "nn.Linear(in_features, out_features).")
            continue
        if tuple(out.shape) != (4, d_out):
            result.fail(f"{label}: Ausgabe hat die Form {tuple(out.shape)}, erwartet (4, {d_out}).")
            continue
        expected = count_parameters(ResidualBlock(d_in, d_out))
        got = count_parameters(block)
        if got == expected:
            result.ok(f"{label}: Form und Zahl der Parameter ({got}) stimmen")
        elif d_in != d_out and got == expected - (d_in * d_out + d_out):
            result.fail(f"{label}: Es fehlt die lineare Abkürzung für verschiedene Breiten.",
                        "s(x) = W_s^T x + b_s bringt x auf die Breite out_features.")
        elif d_in == d_out and got == expected + d_in * d_out + d_out:
            result.fail(f"{label}: Bei gleicher Breite soll die Abkürzung die Identität sein "
                        "(keine zusätzlichen Parameter).", "nn.Identity() statt nn.Linear.")
        else:
            result.fail(f"{label}: {got} Parameter, erwartet {expected}.",
                        "Zweig F: Linear, BatchNorm1d, ReLU, Linear, BatchNorm1d.")
    _check_identity_shortcut(result, cls)
    return finish(result, verbose)


def _check_identity_shortcut(result, cls):
    """All parameters zero: F(x) = 0, so ReLU(F(x) + x) = ReLU(x)."""
    try:
        block = call(cls, 6, 6)
        with torch.no_grad():
            for parameter in block.parameters():
                parameter.zero_()
        block.eval()
        x = torch.randn(5, 6)
        out = call(block, x)
    except (StudentError, Exception) as error:  # reported, not raised
        result.fail(f"Abkürzung: Test bricht mit {error} ab.")
        return
    if torch.allclose(out, torch.relu(x), atol=1e-6):
        result.ok("Abkürzung: mit F = 0 gibt der Block ReLU(x) zurück, also ReLU(F(x) + x)")
    elif torch.allclose(out, torch.zeros_like(out)):
        result.fail("Abkürzung: Mit H = 0 kommt 0 heraus; die Addition des Eingangs x fehlt.",
                    "forward: out = self.branch(x) + self.shortcut(x), danach ReLU.")
    elif torch.allclose(out, x, atol=1e-6):
        result.fail("Abkürzung: Mit H = 0 kommt x statt ReLU(x) heraus; die Aktivierung nach der "
                    "Addition fehlt.", "Ausgabe = ReLU(F(x) + x).")
    else:
        result.fail("Abkürzung: Mit H = 0 sollte der Block ReLU(x) zurückgeben.",
                    "Ausgabe = ReLU(F(x) + x); prüfen Sie die Reihenfolge der Operationen.")


def attention_cases(seed=0):
    """Named (module, H): the reference AdditiveAttention in float64 and outputs H (n, T, s)."""
    torch.manual_seed(seed)
    cases = []
    for label, n, T, s, scale in [("zufällige Ausgaben H (n = 3, T = 5, s = 4)", 3, 5, 4, 1.0),
                                  ("Batchgröße 1 (T = 6)", 1, 6, 4, 1.0),
                                  ("quadratisch (n = T = 4)", 4, 4, 3, 1.0),
                                  ("große Scores (|e_t| bis über 1000)", 2, 5, 4, 5000.0)]:
        module = AdditiveAttention(s, 3).double()
        with torch.no_grad():
            module.score[2].weight.mul_(scale)
        cases.append((label, module, torch.randn(n, T, s, dtype=torch.float64)))
    return cases


def attention_mistakes(scores, H):
    e = np.exp(scores)
    col = np.exp(scores - scores.max(axis=0, keepdims=True))
    glob = np.exp(scores - scores.max())
    return [
        (e / e.sum(axis=1, keepdims=True), "Bei großen Scores entsteht nan: softmax ohne "
         "Verschiebung um das Maximum läuft über.", "Ziehen Sie vor exp das Maximum über t ab."),
        (col / col.sum(axis=0, keepdims=True), "Sie normieren über den Batch (axis=0) statt über "
         "die Zeitschritte t: Die Gewichte einer Sequenz summieren sich nicht zu 1.",
         "α = softmax über die Zeitachse: axis=1 bei Scores der Form (n, T)."),
        (glob / glob.sum(), "Sie normieren über alle Einträge statt für jede Sequenz einzeln.",
         "Jede Zeile von α (eine Sequenz) soll die Summe 1 haben."),
        (scores, "Sie geben die Scores e_t zurück, ohne softmax.", "α_t = softmax_t(e)."),
    ]


def check_attention_weights(fn, verbose=True, seed=0):
    """Check additive attention ``fn(H, W, b, v) -> (context, alpha)`` (NumPy arrays).

    H has shape (n, T, s); W (s, a), b (a,), v (a,). Expected: scores
    e_t = v^T tanh(W^T h_t + b), weights alpha = softmax over t (shape (n, T)) and the
    context c = sum_t alpha_t h_t (shape (n, s)), as in ``codes.lstm.AdditiveAttention``.
    """
    require_callable(fn, "eine Funktion fn(H, W, b, v), die (context, alpha) zurückgibt")
    result = CheckResult("check_attention_weights")
    for label, module, H in attention_cases(seed):
        with torch.no_grad():
            context, weights = (t.numpy() for t in module(H))
            scores = module.score(H).squeeze(-1).numpy()
        W = module.score[0].weight.detach().numpy().T.copy()
        b = module.score[0].bias.detach().numpy().copy()
        v = module.score[2].weight.detach().numpy()[0].copy()
        try:
            answer = call(fn, H.numpy().copy(), W, b, v)
        except StudentError as error:
            result.fail(f"{label}: Ihre Funktion bricht mit {error} ab.",
                        "Achsen: H (n, T, s) @ W (s, a) ergibt (n, T, a); e = tanh(...) @ v hat "
                        "die Form (n, T).")
            continue
        if not isinstance(answer, tuple | list) or len(answer) != 2:
            result.fail(f"{label}: Erwartet wird ein Paar (context, alpha).",
                        "return context, alpha")
            continue
        with np.errstate(all="ignore"):
            mistakes = attention_mistakes(scores, H.numpy())
        if compare(result, f"{label}, Gewichte α", answer[1], weights, mistakes,
                   hint="α_t = exp(e_t) / Σ_τ exp(e_τ) für jede Sequenz."):
            compare(result, f"{label}, Kontext c", answer[0], context, [
                (H.numpy().mean(axis=1), "Sie mitteln die h_t ungewichtet; die Gewichte α_t "
                 "fehlen im Kontext.", "c = Σ_t α_t h_t."),
                (H.numpy()[:, -1], "Sie geben den letzten Zustand h_T zurück statt der "
                 "gewichteten Summe.", "c = Σ_t α_t h_t über alle Zeitschritte.")],
                hint="c = Σ_t α_t h_t: gewichtete Summe über die Zeitachse, Form (n, s).")
    return finish(result, verbose)

