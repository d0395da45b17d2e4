"""Plain PyTorch training loops shared by the chapters on MLPs, LSTMs and hyperparameters.

Shaped like ``pytorch/examples`` ``mnist/main.py``: pick a device, wrap the data in a
``DataLoader``, run ``train_epoch`` (one gradient step per mini-batch) and ``evaluate``
(no gradients) for a number of epochs. ``fit`` adds the bookkeeping that every chapter
needs: a ``History`` of losses and accuracies, one printed line per epoch and early
stopping on the validation loss.

A model used with these helpers takes a batch ``x`` and returns logits of shape
``(n, classes)`` (classification, integer targets) or predictions (regression,
floating-point targets). Whether an accuracy is computed is read off the targets:
integer labels give an accuracy, real-valued targets give ``None``.
"""

import functools
import math
import os
import random
import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from codes.checks import check_learning_rate, check_positive_int
from codes.files import atomic_path

TASKS = ("classification", "regression")


# ANCHOR: device
def get_device(verbose=True):
    """Die GPU (``cuda``), wenn es eine gibt, sonst die CPU; sagt einmal, welche."""
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if verbose:
        _announce(device.type)
    return device
# ANCHOR_END: device


@functools.cache
def _announce(device_type):
    """Print the device once per process (cached), so repeated calls stay quiet."""
    if device_type == "cuda":
        detail = torch.cuda.get_device_name(0)
    else:
        threads = torch.get_num_threads()
        detail = f"{threads} Thread{'s' if threads > 1 else ''}"
    print(f"Verwendetes Gerät: {device_type} ({detail})")


def one_cpu_thread_without_gpu():
    """Without a GPU, let PyTorch compute with a single CPU thread.

    The book's models are small: their matrices are split into pieces so small that extra
    threads mostly wait for each other, which on a busy machine made runs 10-40x slower.
    Call it before ``get_device``, which prints the number of threads.
    """
    if not torch.cuda.is_available():
        torch.set_num_threads(1)


def set_seed(seed):
    """Seed Python's ``random``, NumPy and PyTorch (CPU and all GPUs) for reproducible runs.

    Also switches PyTorch to deterministic algorithms (``use_deterministic_algorithms``),
    so that a run on a GPU repeats itself.
    """
    use_deterministic_algorithms()
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.cuda.manual_seed_all(seed)


def use_deterministic_algorithms():
    """Let PyTorch use only deterministic algorithms, so a GPU run repeats itself exactly.

    On a GPU some kernels (e.g. cuBLAS with several workspaces, cuDNN's autotuner) may
    give slightly different sums from run to run. This sets what PyTorch documents for
    reproducibility: ``CUBLAS_WORKSPACE_CONFIG=:4096:8`` (must be set before cuBLAS
    starts, hence here, before any model is built), ``cudnn.benchmark = False``,
    ``cudnn.deterministic = True`` and ``torch.use_deterministic_algorithms(True)``.
    An operation without a deterministic version warns instead of stopping the run
    (``warn_only``). On the CPU the results stay the same; it only switches this on.
    """
    if "CUBLAS_WORKSPACE_CONFIG" not in os.environ:
        if torch.cuda.is_available() and torch.cuda.is_initialized():
            warnings.warn(
                "CUDA läuft schon; CUBLAS_WORKSPACE_CONFIG wirkt womöglich erst in einem "
                "neuen Prozess. Rufen Sie set_seed vor der ersten Rechnung auf der GPU auf.",
                stacklevel=3)
        os.environ["CUBLAS_WORKSPACE_CONFIG"] = ":4096:8"
    torch.backends.cudnn.benchmark = False
    torch.backends.cudnn.deterministic = True
    torch.use_deterministic_algorithms(True, warn_only=True)


# ANCHOR: make_loader
def make_loader(x, y, batch_size, shuffle=False, seed=None):
    """Ein ``DataLoader`` über die Paare (x_i, y_i) aus NumPy-Arrays oder Tensoren.

    Eingaben werden float32; Zielwerte bleiben ganzzahlig (Klassen) oder werden
    float32 (Regression). Mit ``shuffle`` wird die Reihenfolge in jeder Epoche neu
    gezogen, aus einem Generator mit dem Seed ``seed`` (None: PyTorchs globaler).
    """
    x, y = _as_tensor(x), _as_tensor(y)
    if len(x) != len(y):
        raise ValueError("x und y müssen gleich viele Beispiele haben, "
                         f"nicht {len(x)} und {len(y)}.")
    if int(batch_size) < 1:
        raise ValueError(f"batch_size muss positiv sein, nicht {batch_size}.")
    generator = None
    if shuffle and seed is not None:
        generator = torch.Generator().manual_seed(seed)
    return DataLoader(TensorDataset(x, y), batch_size=int(batch_size),
                      shuffle=shuffle, generator=generator)
# ANCHOR_END: make_loader


def _as_tensor(values):
    """A tensor without copying where possible; floating point becomes float32."""
    tensor = torch.as_tensor(values)
    return tensor.float() if tensor.is_floating_point() else tensor


@dataclass
class History:
    """Per-epoch record of a ``fit`` run; accuracies are fractions in [0, 1].

    Entries that do not exist (accuracy in regression, validation without a
    validation loader) are NaN, so that every list has one value per epoch.
    ``best_epoch`` counts from 1 and is the epoch with the lowest validation loss
    (training loss without validation data).

    ``train_loss`` and ``train_acc`` are the running values of ``train_epoch`` in
    training mode (dropout active, the weights change during the epoch).
    ``train_eval_loss`` and ``train_eval_acc`` are measured after each epoch in eval
    mode on the training data, like the validation values; they are filled only by
    ``fit(..., train_eval_loader=...)`` and are empty otherwise.
    """

    train_loss: list[float] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_acc: list[float] = field(default_factory=list)
    epoch_seconds: list[float] = field(default_factory=list)
    best_epoch: int = 0
    stopped_early: bool = False
    train_eval_loss: list[float] = field(default_factory=list)
    train_eval_acc: list[float] = field(default_factory=list)

    def to_frame(self, german=False):
        """The per-epoch lists as a table with one row per epoch (index ``epoch`` from 1).

        Lists that were not measured (empty) are left out. ``german=True`` gives the
        columns German names, for tables shown to readers.
        """
        columns = {key: value for key, value in asdict(self).items()
                   if isinstance(value, list) and value}
        frame = pd.DataFrame(columns)
        frame.index = pd.RangeIndex(1, len(frame) + 1, name="epoch")
        if german:
            frame = frame.rename(columns=GERMAN_COLUMNS).rename_axis("Epoche")
        return frame


GERMAN_COLUMNS = {
    "train_loss": "Verlust (Training)", "train_acc": "Genauigkeit (Training)",
    "val_loss": "Verlust (Validierung)", "val_acc": "Genauigkeit (Validierung)",
    "epoch_seconds": "Sekunden",
    "train_eval_loss": "Verlust (Training, Auswertungsmodus)",
    "train_eval_acc": "Genauigkeit (Training, Auswertungsmodus)"}


# ANCHOR: train_epoch
def train_epoch(model, loader, loss_fn, optimizer, device, epoch=None):
    """Ein Durchlauf durch ``loader`` mit einem Gradientenschritt je Mini-Batch.

    Gibt den mittleren Verlust über alle Beispiele und die Genauigkeit zurück (None
    bei Regression). NaN oder unendlich beendet das Training mit Epoche und Batch.
    """
    model.train()  # Dropout aktiv, BatchNorm nimmt die Statistik des Batches
    totals = _Totals()
    batchnorm = uses_batchnorm(model)
    for batch, (x, y) in enumerate(loader, start=1):
        if batchnorm and len(y) == 1:  # ein Beispiel hat keine Batch-Statistik
            totals.skip_single_example()
            continue
        x, y = x.to(device), y.to(device)
        optimizer.zero_grad()
        output = model(x)
        loss = loss_fn(output, _match_targets(y, output))
        check_finite(x, y, loss, epoch, batch)  # NaN/unendlich: abbrechen, Ort nennen
        loss.backward()  # Autograd: d Verlust / d Parameter für jeden Parameter
        optimizer.step()
        totals.add(loss, output, y)
    return totals.result()
# ANCHOR_END: train_epoch


# ANCHOR: evaluate
@torch.no_grad()
def evaluate(model, loader, loss_fn, device, epoch=None):
    """Mittlerer Verlust und Genauigkeit (None bei Regression), ohne Gradienten."""
    model.eval()  # Dropout aus, BatchNorm nimmt die gelernte Statistik
    totals = _Totals()
    for batch, (x, y) in enumerate(loader, start=1):
        x, y = x.to(device), y.to(device)
        output = model(x)
        loss = loss_fn(output, _match_targets(y, output))
        check_finite(x, y, loss, epoch, batch, phase="Auswertung")
        totals.add(loss, output, y)
    return totals.result()
# ANCHOR_END: evaluate


@torch.no_grad()
def predict(model, loader, device=None):
    """All model outputs for the inputs of ``loader`` (first item of each batch), on the CPU."""
    device = device or get_device(verbose=False)
    model.to(device).eval()
    outputs = [model(batch[0].to(device)).cpu() for batch in loader]
    return torch.cat(outputs)


def _match_targets(y, output):
    """Regression targets of shape (n,) are compared with outputs of shape (n, 1)."""
    if y.is_floating_point() and y.shape != output.shape and y.numel() == output.numel():
        return y.view_as(output)
    return y


def uses_batchnorm(model):
    """True if ``model`` contains a BatchNorm layer (it needs >= 2 examples per training batch)."""
    kinds = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.SyncBatchNorm)
    return any(isinstance(module, kinds) for module in model.modules())


def check_finite(x, y, loss, epoch, batch, phase="Training"):
    """Raise a FloatingPointError naming epoch and batch if x, y or the loss hold NaN or inf."""
    parts = {"die Eingaben x enthalten NaN oder unendliche Werte": x,
             "die Zielwerte y enthalten NaN oder unendliche Werte": y,
             "der Verlust ist NaN oder unendlich": loss}
    finite = torch.stack([torch.isfinite(t).all() for t in parts.values()]).tolist()  # one sync
    if all(finite):
        return
    problem = next(text for text, ok in zip(parts, finite, strict=True) if not ok)
    if problem.startswith("der Verlust"):
        advice = ("Das Training divergiert: Verkleinern Sie die Lernrate lr oder prüfen Sie "
                  "Modell und Verlustfunktion.")
    else:
        advice = ("Entfernen oder ersetzen Sie diese Werte in den Daten, bevor Sie trainieren "
                  "(torch.isfinite zeigt, welche Beispiele betroffen sind).")
    where = f"Mini-Batch {batch}" if epoch is None else f"Epoche {epoch}, Mini-Batch {batch}"
    raise FloatingPointError(
        f"{phase} abgebrochen in {where}: {problem}. {advice}")


class _Totals:
    """Running sums for example-weighted mean loss and accuracy over mini-batches."""

    def __init__(self):
        self.loss, self.correct, self.count, self.classification = 0.0, 0, 0, True
        self.skipped = 0

    def skip_single_example(self):
        """Count a mini-batch of one example left out because of BatchNorm, and say so once."""
        self.skipped += 1
        warnings.warn(
            "Ein Mini-Batch mit nur einem Beispiel wird in jeder Epoche übersprungen: BatchNorm "
            "kann aus einem Beispiel keine Batch-Statistik schätzen. Wählen Sie eine Batchgröße, "
            "bei der kein Rest von 1 Beispiel bleibt, damit alle Beispiele trainiert werden.",
            stacklevel=3)

    def add(self, loss, output, y):
        n = len(y)
        self.loss += loss.item() * n  # loss is the batch mean
        self.count += n
        self.classification = self.classification and not y.is_floating_point()
        if self.classification:
            self.correct += (output.argmax(dim=1) == y).sum().item()

    def result(self):
        if self.count == 0 and self.skipped:
            raise ValueError(
                "Jeder Mini-Batch enthält nur ein Beispiel, BatchNorm braucht im Training "
                "mindestens zwei. Wählen Sie batch_size >= 2.")
        if self.count == 0:
            raise ValueError("Der DataLoader ist leer; es gibt keine Beispiele auszuwerten.")
        accuracy = self.correct / self.count if self.classification else None
        return self.loss / self.count, accuracy


# ANCHOR: fit
def fit(model, train_loader, val_loader=None, *, epochs, optimizer=None,
        lr=1e-3, loss_fn=None, device=None, patience=None,
        task="classification", progress=True, train_eval_loader=None):
    """Trainiert ``model`` höchstens ``epochs`` Epochen lang; gibt die ``History`` zurück.

    Voreinstellung: Adam mit Lernrate ``lr``; Kreuzentropie für Klassifikation,
    mittlerer quadratischer Fehler für Regression. Mit ``patience`` (braucht
    ``val_loader``) endet das Training, sobald der Validierungsverlust ``patience``
    Epochen lang nicht besser wurde, und das Modell erhält die Gewichte seiner besten
    Epoche zurück. ``train_eval_loader`` (die Trainingsdaten, ungemischt) misst
    Trainingsverlust und -genauigkeit nach jeder Epoche im Auswertungsmodus
    (``History.train_eval_*``).
    """
    _check_fit_arguments(epochs, patience, task, train_loader, val_loader, lr)
    if loss_fn is None and task == "classification":
        for loader in (train_loader, val_loader, train_eval_loader):
            check_class_labels(loader)
    device = device or get_device()
    model.to(device)
    optimizer = optimizer or torch.optim.Adam(model.parameters(), lr=lr)
    if loss_fn is None:
        classify = task == "classification"
        loss_fn = nn.CrossEntropyLoss() if classify else nn.MSELoss()
    history, best_loss, best_state = History(), math.inf, None
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        train_loss, train_acc = train_epoch(model, train_loader, loss_fn,
                                            optimizer, device, epoch)
        val_loss, val_acc = math.nan, None
        if val_loader is not None:
            val_loss, val_acc = evaluate(model, val_loader, loss_fn, device, epoch)
        if train_eval_loader is not None:  # Auswertungsmodus, wie die Validierung
            with torch.random.fork_rng(devices=[]):  # Messen ändert den Zufall nicht
                loss, acc = evaluate(model, train_eval_loader, loss_fn, device, epoch)
            history.train_eval_loss.append(loss)
            history.train_eval_acc.append(math.nan if acc is None else acc)
        _record(history, train_loss, train_acc, val_loss, val_acc,
                time.perf_counter() - start)
        if progress:
            print(_epoch_line(history, epoch, epochs))
        monitored = train_loss if val_loader is None else val_loss
        if monitored < best_loss:
            best_loss, history.best_epoch = monitored, epoch
            if patience is not None:  # nur kopieren, wenn wir zurück müssen
                best_state = {name: value.detach().clone()
                              for name, value in model.state_dict().items()}
        elif patience is not None and epoch - history.best_epoch >= patience:
            history.stopped_early = True
            break
    if best_state is not None:
        model.load_state_dict(best_state)
    return history
# ANCHOR_END: fit


def _check_fit_arguments(epochs, patience, task, train_loader, val_loader, lr):
    if task not in TASKS:
        raise ValueError(f"Unbekannte Aufgabe task={task!r}; erlaubt sind {TASKS}.")
    check_positive_int("epochs", epochs)
    check_learning_rate(lr)
    for name, loader in (("train_loader", train_loader), ("val_loader", val_loader)):
        if isinstance(loader, np.ndarray | torch.Tensor):
            raise ValueError(
                f"{name} muss ein DataLoader sein, nicht {type(loader).__name__}. "
                "Erzeugen Sie ihn mit make_loader(x, y, batch_size).")
    if patience is not None:
        check_positive_int("patience", patience)
        if val_loader is None:
            raise ValueError("Early Stopping (patience) braucht einen val_loader.")


def check_class_labels(loader):
    """Raise a German ValueError unless the targets of ``loader`` are class numbers.

    Classification with cross-entropy expects one integer class number 0 … K−1 per
    example. One-hot vectors would train with NaN accuracies, float class numbers stop
    deep inside PyTorch with an English message; both are caught here, up front.
    Reads one example (``loader.dataset[0]``), so the shuffled order is not touched.
    """
    dataset = getattr(loader, "dataset", None)
    if loader is None or not hasattr(dataset, "__getitem__") or not hasattr(dataset, "__len__"):
        return
    if len(dataset) == 0:
        return
    example = dataset[0]
    if not isinstance(example, tuple | list) or len(example) < 2:
        return
    y = torch.as_tensor(example[1])
    if y.dim() >= 1:
        raise ValueError(
            f"Die Zielwerte haben pro Beispiel die Form {tuple(y.shape)}, wie One-hot-Vektoren. "
            "fit erwartet für die Klassifikation eine Klassennummer 0 … K−1 pro Beispiel "
            "(ganze Zahl). Wandeln Sie One-hot-Zielwerte um, z. B. mit y.argmax(axis=1), "
            "oder wählen Sie task=\"regression\" für Zielwerte mit mehreren Komponenten.")
    if y.is_floating_point() or y.is_complex():
        raise ValueError(
            f"Die Klassennummern sind Gleitkommazahlen ({y.dtype}). fit erwartet für die "
            "Klassifikation ganze Zahlen 0 … K−1: Wandeln Sie sie um, z. B. mit "
            "y.astype(np.int64) oder y.long(), oder wählen Sie task=\"regression\" für "
            "reelle Zielwerte.")


def _record(history, train_loss, train_acc, val_loss, val_acc, seconds):
    nan = math.nan
    history.train_loss.append(train_loss)
    history.train_acc.append(nan if train_acc is None else train_acc)
    history.val_loss.append(val_loss)
    history.val_acc.append(nan if val_acc is None else val_acc)
    history.epoch_seconds.append(seconds)


def _epoch_line(history, epoch, epochs):
    """E.g. 'Epoche  3/10 Verlust 0,2143 Genauigkeit 93,8 % | Validierung 0,2311 93,1 % (1,2 s)'.

    German decimal commas; short enough for the text column of the book.
    """
    width = len(str(epochs))
    line = f"Epoche {epoch:>{width}}/{epochs} Verlust {history.train_loss[-1]:.4f}"
    if not math.isnan(history.train_acc[-1]):
        line += f" Genauigkeit {100 * history.train_acc[-1]:.1f} %"
    if not math.isnan(history.val_loss[-1]):
        line += f" | Validierung {history.val_loss[-1]:.4f}"
        if not math.isnan(history.val_acc[-1]):
            line += f" {100 * history.val_acc[-1]:.1f} %"
    return (line + f" ({history.epoch_seconds[-1]:.1f} s)").replace(".", ",")


def count_parameters(model):
    """Number of trainable parameters (entries of all weight matrices and bias vectors)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


# ANCHOR: checkpoint
def save_checkpoint(model, path):
    """Speichert das ``state_dict`` atomar: temporäre Datei schreiben, umbenennen."""
    path = Path(path)
    with atomic_path(path) as temporary:  # alte oder neue Datei, nie eine halbe
        torch.save(model.state_dict(), temporary)
    return path


def load_checkpoint(model, path, device=None):
    """Lädt Gewichte aus ``save_checkpoint`` (nur Tensoren, kein gepickelter Code)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"Checkpoint {path} nicht gefunden. Speichern Sie ihn zuerst mit "
            "save_checkpoint(model, path) oder prüfen Sie den Pfad.")
    try:
        state = torch.load(path, map_location=device or "cpu",
                           weights_only=True)
        model.load_state_dict(state)
    except Exception as error:
        raise ValueError(
            f"Checkpoint {path} ist beschädigt oder passt nicht zu diesem "
            f"Modell ({type(error).__name__}). Löschen Sie die Datei und "
            "speichern Sie das Modell neu.") from error
    if device is not None:
        model.to(device)
    return model
# ANCHOR_END: checkpoint


def plot_curves(ax, histories, metric="train_loss", percent=False, **style):
    """One line per run over the epochs 1, 2, ...: ``histories`` maps labels to ``History``.

    Accuracies are stored as fractions; ``percent=True`` plots them in percent.
    """
    from matplotlib.ticker import MaxNLocator  # plotting only: keep training imports light

    for label, history in histories.items():
        values = np.asarray(getattr(history, metric), dtype=float) * (100 if percent else 1)
        ax.plot(np.arange(1, len(values) + 1), values, label=label,
                **{"marker": "o", "markersize": 3, **style})
    ax.set_xlabel("Epoche")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    return ax
