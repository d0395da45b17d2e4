"""Ein Multi-Layer-Perzeptron in NumPy, trainiert mit Backpropagation und Mini-Batch-SGD.

Notation wie im Buch: Schichten l = 1, ..., L mit d_l Neuronen, Gewichte W_l der Form
(d_{l-1}, d_l), Biases b_l der Form (d_l,). Ein Mini-Batch aus n Beispielen steht
zeilenweise in H_0 = X der Form (n, d_0), und jede Schicht rechnet (Gl. eq:mlp-batch-forward)

    A_l = H_{l-1} W_l + 1 b_l^T,    H_l = sigma_l(A_l).

Die Backpropagation läuft ebenso rückwärts, wieder auf ganzen Matrizen: Es gibt keine
Python-Schleife über die Beispiele eines Mini-Batches (vergleiche codes/mlp_loop.py). Die
Kommentare nennen die vier Gleichungen (BP1)-(BP4) des Kastens "Die vier Gleichungen der
Backpropagation" (Label box-backprop in chapters/03_mlp/theorie.md). Delta_l enthält eine
Zeile delta_l je Beispiel; das Buch definiert es unskaliert, und der Code multipliziert den
Faktor 1/n des Mittelwerts (oder eta/n eines SGD-Schritts) einmal in Delta_L hinein, von wo
er durch die lineare Rekursion getragen wird.
"""

from collections.abc import Mapping

import numpy as np

from codes.activations import ReLU, Softmax, get_activation
from codes.checks import check_learning_rate, check_positive_int, is_positive_int
from codes.losses import check_output_activation, get_loss


# ANCHOR: layers
def parse_layers(layers):
    """Zerlegt eine Architektur in Breiten [d_0, ..., d_L] und Aktivierungen [sigma_1, ..., sigma_L].

    ``layers`` ist ein geordnetes Wörterbuch ``{784: None, 30: "sigmoid", 10: "sigmoid"}``
    oder eine Liste von Paaren ``[(784, None), (30, "relu"), (30, "relu"), (10, "softmax")]``;
    die Listenform erlaubt zwei Schichten gleicher Breite. Der erste Eintrag ist die
    Eingabe (ohne Aktivierung), jeder weitere eine Schicht l = 1, ..., L.
    """
    if isinstance(layers, str) or not isinstance(layers, Mapping | list | tuple):
        raise ValueError(
            f"Erwartet wird eine Liste von Paaren (Breite, Aktivierung) oder ein Wörterbuch "
            f"{{Breite: Aktivierung}}, erhalten: {layers!r}. Beispiel: "
            "MLP({784: None, 30: 'sigmoid', 10: 'sigmoid'}) oder "
            "MLP([(784, None), (30, 'sigmoid'), (10, 'sigmoid')]).")
    pairs = list(layers.items()) if isinstance(layers, Mapping) else list(layers)
    if len(pairs) < 2:
        raise ValueError("Erwartet werden mindestens zwei Einträge: Eingabebreite und eine Schicht.")
    for pair in pairs:
        if not (isinstance(pair, tuple | list) and len(pair) == 2):
            raise ValueError(f"Erwartet wird ein Paar (Breite, Aktivierung), erhalten: {pair!r}.")
        width = pair[0]
        if not is_positive_int(width):
            raise ValueError(f"Schichtbreiten müssen positive ganze Zahlen sein, erhalten: {width!r}.")
    if pairs[0][1] is not None:
        raise ValueError("Der erste Eintrag ist die Eingabe und hat keine Aktivierung (None).")
    sizes = [int(width) for width, _ in pairs]
    activations = [get_activation(name) for _, name in pairs[1:]]
    if any(isinstance(act, Softmax) for act in activations[:-1]):
        raise ValueError("'softmax' ist nur als Aktivierung der letzten Schicht erlaubt.")
    return sizes, activations
# ANCHOR_END: layers


class MLP:
    """Vollständig verbundenes Netz mit einer Aktivierung je Schicht und dem Verlust
    "half_squared_error" oder "cross_entropy"."""

    # ANCHOR: init
    def __init__(self, layers, loss="half_squared_error", *, dtype=np.float32, seed=0):
        self.sizes, self.activations = parse_layers(layers)
        self.loss = get_loss(loss)
        check_output_activation(self.loss, self.activations[-1])
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise ValueError(f"dtype muss float32 oder float64 sein, erhalten: {self.dtype}.")
        rng = np.random.default_rng(seed)
        self.weights, self.biases = [], []
        for d_in, d_out, act in zip(self.sizes[:-1], self.sizes[1:], self.activations, strict=True):
            # Die Varianz von a_l bleibt unabhängig von der Breite: He u. a. (2015) für ReLU,
            # Glorot und Bengio (2010) für Sigmoid, tanh und die Ausgabeschicht.
            scale = np.sqrt(2.0 / d_in) if isinstance(act, ReLU) else np.sqrt(2.0 / (d_in + d_out))
            self.weights.append((scale * rng.standard_normal((d_in, d_out))).astype(self.dtype))
            self.biases.append(np.zeros(d_out, dtype=self.dtype))
    # ANCHOR_END: init

    def __repr__(self):
        names = ", ".join(f"{d}: {act.name!r}" for d, act in zip(self.sizes[1:], self.activations, strict=True))
        return f"MLP({{{self.sizes[0]}: None, {names}}}, loss={self.loss.name!r})"

    # ANCHOR: feedforward
    def feedforward(self, x):
        """Gibt die Ausgabe H_L für einen Mini-Batch x der Form (n, d_0) zurück (oder für ein Beispiel der Form (d_0,))."""
        h = self._check_x(x)
        for W, b, sigma in zip(self.weights, self.biases, self.activations, strict=True):
            h = sigma(h @ W + b)  # Gl. (eq:mlp-batch-forward)
        return h

    def forward(self, x):
        """Vorwärtsrechnung, die behält, was die Backpropagation braucht: [A_1, ..., A_L], [H_0, ..., H_L]."""
        activations_in, hs = [], [x]
        for W, b, sigma in zip(self.weights, self.biases, self.activations, strict=True):
            a = hs[-1] @ W
            a += b  # Gl. (eq:mlp-batch-forward); an Ort und Stelle, ohne Zwischenfeld
            activations_in.append(a)
            hs.append(sigma(a))
        return activations_in, hs
    # ANCHOR_END: feedforward

    # ANCHOR: backprop
    def backward(self, x, y, scale):
        """Liefert (k, dW, db), die Gradienten von scale * sum_i l^(i) nach W_{k+1}, b_{k+1}, k = L-1..0.

        Der Python-Index k ist die Schicht l = k + 1: weights[k] ist W_l und hs[k] ist H_{l-1}.
        ``scale`` steckt in Delta_L (1/n ergibt die Gradienten des mittleren Verlusts L_B).
        delta_{l-1} ist berechnet, bevor W_l herausgegeben wird; der Aufrufer darf W_l ändern.
        """
        activations_in, hs = self.forward(x)
        delta = self.loss.delta(activations_in[-1], hs[-1], y, self.activations[-1])
        delta *= scale  # (BP1), Gl. (eq:delta-L-batch), mit 1/n (oder eta/n) multipliziert
        for k in range(len(self.weights) - 1, -1, -1):
            grad_w = hs[k].T @ delta  # (BP3), Gl. (eq:grad-batch): H_{l-1}^T Delta_l
            grad_b = delta.sum(axis=0)  # (BP4), Gl. (eq:grad-batch): Delta_l^T 1
            if k > 0:  # (BP2), Gl. (eq:delta-recursion-batch), sigma'(A_{l-1}) aus H_{l-1}
                delta = delta @ self.weights[k].T
                delta *= self.activations[k - 1].gradient(activations_in[k - 1], hs[k])
            yield k, grad_w, grad_b

    def backprop(self, x, y):
        """Gradienten des mittleren Verlusts eines Mini-Batches: Listen [dL/dW_1, ...], [dL/db_1, ...].

        x hat die Form (n, d_0), y die Form (n, d_L); alle n Beispiele laufen als Matrizen gemeinsam.
        """
        x, y = self._check_xy(x, y, one_hot=False)  # nur Formen: billig genug für jeden Mini-Batch
        grads_w, grads_b = [None] * len(self.weights), [None] * len(self.weights)
        for k, grad_w, grad_b in self.backward(x, y, 1.0 / len(x)):  # 1/n: Mittel über den Mini-Batch
            grads_w[k], grads_b[k] = grad_w, grad_b
        return grads_w, grads_b
    # ANCHOR_END: backprop

    # ANCHOR: update
    def update_mini_batch(self, x, y, eta, weight_decay=0.0):
        """Ein SGD-Schritt W_l <- W_l - eta dL/dW_l, b_l <- b_l - eta dL/db_l (Gl. eq:sgd-step).

        Mit scale = eta / n liefert der Rückwärtsdurchlauf die fertigen Schritte, und jedes
        W_l wird an Ort und Stelle geändert, sobald delta_{l-1} es nicht mehr braucht.
        """
        x, y = self._check_xy(x, y, one_hot=False)
        eta = check_learning_rate(eta, "eta")
        for k, step_w, step_b in self.backward(x, y, eta / len(x)):
            if weight_decay:  # L2-Strafterm lambda/2 ||W_l||^2 addiert lambda W_l zum Gradienten
                self.weights[k] *= 1.0 - eta * weight_decay
            self.weights[k] -= step_w
            self.biases[k] -= step_b
    # ANCHOR_END: update

    # ANCHOR: train_step
    def train_step(self, x, y, eta, batch_size, *, weight_decay=0.0, rng=None, epoch=1):
        """Eine Epoche Mini-Batch-SGD: einmal mischen, dann ein Schritt je Mini-Batch."""
        x, y = self._check_xy(x, y)
        for batch, (x_batch, y_batch) in enumerate(minibatches(x, y, batch_size, rng), start=1):
            self.update_mini_batch(x_batch, y_batch, eta, weight_decay)
            self._check_finite_step(epoch, batch)
    # ANCHOR_END: train_step

    # ANCHOR: train_epochs
    def train(self, x, y, *, epochs, batch_size, eta, weight_decay=0.0,
              validation_data=None, seed=0):
        """Trainiert ``epochs`` Epochen; gibt den Verlauf von Verlust (und Genauigkeit) je Epoche zurück.

        ``eta`` ist eine Lernrate oder eine Funktion Epoche -> Lernrate (Epochen ab 0 gezählt).
        Der Verlauf hat die Schlüssel "loss" und, mit ``validation_data=(x_val, y_val)``,
        "val_loss"; bei one-hot-Zielwerten auch "accuracy" und "val_accuracy".
        """
        schedule = eta if callable(eta) else (lambda epoch: eta)
        _check_train_arguments(epochs, batch_size, schedule)
        x, y = self._check_xy(x, y)
        sets = {"": (x, y)}
        if validation_data is not None:
            sets["val_"] = self._check_xy(*_check_validation_data(validation_data))
        _check_finite_data(sets)  # NaN oder inf in den Daten: Abbruch vor jeder Rechnung
        rng = np.random.default_rng(seed)
        history = {}
        for epoch in range(epochs):
            self.train_step(x, y, schedule(epoch), batch_size, weight_decay=weight_decay, rng=rng,
                            epoch=epoch + 1)
            for prefix, (xs, ys) in sets.items():
                for name, value in self.evaluate(xs, ys).items():
                    history.setdefault(prefix + name, []).append(value)
            _check_finite_loss(history, sets, epoch + 1)
        return history
    # ANCHOR_END: train_epochs

    # ANCHOR: evaluate
    def evaluate(self, x, y):
        """Mittlerer Verlust auf (x, y); bei one-hot-kodiertem y auch die Genauigkeit (Anteil richtiger argmax)."""
        x, y = self._check_xy(x, y)
        activations_in, hs = self.forward(x)
        result = {"loss": self.loss(activations_in[-1], hs[-1], y)}
        if _is_one_hot(y):
            result["accuracy"] = float(np.mean(hs[-1].argmax(axis=1) == y.argmax(axis=1)))
        return result

    def predict(self, x):
        """Klassenlabels argmax_j h_L,j für einen Mini-Batch x."""
        return self.feedforward(x).argmax(axis=-1)
    # ANCHOR_END: evaluate

    def _check_x(self, x):
        try:
            x = _numbers(x, self.dtype)
        except (TypeError, ValueError):
            raise ValueError(
                f"Die Eingaben müssen Zahlen sein (ein NumPy-Feld der Form (n, {self.sizes[0]}) "
                f"oder ({self.sizes[0]},)), erhalten: {type(x).__name__} {_short(x)}. Wandeln Sie "
                "Texte vorher in Zahlen um, etwa mit np.asarray(x, dtype=float).") from None
        if x.ndim not in (1, 2) or x.shape[-1] != self.sizes[0]:
            raise ValueError(
                f"Erwartet werden Eingaben der Form (n, {self.sizes[0]}) oder ({self.sizes[0]},), "
                f"erhalten: {x.shape}.")
        return x

    def _check_xy(self, x, y, one_hot=True):
        x = self._check_x(x)
        try:
            y = _numbers(y, self.dtype)
        except (TypeError, ValueError):
            raise ValueError(
                f"Die Zielwerte y müssen Zahlen sein (Form (n, {self.sizes[-1]})), erhalten: "
                f"{type(y).__name__} {_short(y)}. Klassenlabels bitte mit one_hot kodieren.") from None
        if x.ndim != 2 or y.shape != (x.shape[0], self.sizes[-1]):
            raise ValueError(
                f"Erwartet werden x der Form (n, {self.sizes[0]}) und y der Form "
                f"(n, {self.sizes[-1]}), erhalten: x {x.shape}, y {y.shape}. "
                "Klassenlabels bitte mit one_hot kodieren.")
        if len(x) == 0:
            raise ValueError(f"Der (Mini-)Batch ist leer: x hat die Form {x.shape}, "
                             "erwartet wird mindestens ein Beispiel (n ≥ 1).")
        if one_hot and self.loss.name == "cross_entropy" and len(y) and not _is_one_hot(y):
            raise ValueError("Kreuzentropie verlangt one-hot-kodierte Zielwerte y (eine 1 pro Zeile).")
        return x, y

    def _check_finite_step(self, epoch, batch):
        # Jede nicht endliche Zeile von delta_L erreicht b_L im Schritt: eine Prüfung von d_L Zahlen.
        if not np.isfinite(self.biases[-1]).all():
            raise FloatingPointError(_diverged(f"in Epoche {epoch}, Mini-Batch {batch}"))


def _diverged(where):
    return (f"Training abgebrochen {where}: Gewichte oder Verlust sind NaN oder unendlich "
            f"geworden, das Training divergiert. Verkleinern Sie die Lernrate eta.")


def _numbers(values, dtype):
    """Wandelt in ein Zahlenfeld um; Texte (auch "0.5") lehnt es ab, statt sie stillschweigend umzuwandeln."""
    if isinstance(values, np.ndarray) and values.dtype.kind in "biuf":
        return values.astype(dtype, copy=False)
    if np.asarray(values).dtype.kind not in "biufc":
        raise TypeError("keine Zahlen")
    return np.asarray(values, dtype=dtype)


def _short(value, limit=60):
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + " ..."


def _check_validation_data(validation_data):
    """validation_data muss ein Paar (x_val, y_val) sein."""
    if isinstance(validation_data, str) or not isinstance(validation_data, tuple | list) \
            or len(validation_data) != 2:
        count = (f"eine Folge der Länge {len(validation_data)}"
                 if isinstance(validation_data, tuple | list) else type(validation_data).__name__)
        raise ValueError(
            f"validation_data muss ein Paar (x_val, y_val) sein, erhalten: {count}. Übergeben Sie "
            "validation_data=(x_val, y_val), mit y_val one-hot-kodiert wie y.")
    return validation_data


def _check_train_arguments(epochs, batch_size, schedule):
    check_positive_int("epochs", epochs)
    check_positive_int("batch_size", batch_size)
    for epoch in range(epochs):  # jede Lernrate des Plans, vor dem Training
        check_learning_rate(schedule(epoch), "eta")


def _check_finite_data(sets):
    """Fehler, wenn x oder y eines Datensatzes (Präfix -> (x, y)) NaN oder inf enthalten; nennt die erste Zeile."""
    for prefix, (x, y) in sets.items():
        for label, values in (("Eingaben x", x), ("Zielwerte y", y)):
            bad = ~np.isfinite(values).all(axis=1)
            if bad.any():
                name = "Validierungsdaten" if prefix else "Trainingsdaten"
                raise ValueError(
                    f"Training nicht gestartet: Die {label} der {name} enthalten NaN oder "
                    f"unendliche Werte (zuerst in Zeile {int(np.argmax(bad))}; {int(bad.sum())} "
                    f"von {len(bad)} Zeilen betroffen). Entfernen oder ersetzen Sie diese "
                    "Beispiele vor dem Training.")


def _check_finite_loss(history, sets, epoch):
    if not all(np.isfinite(history[prefix + "loss"][-1]) for prefix in sets):
        raise FloatingPointError(_diverged(f"nach Epoche {epoch}"))


# ANCHOR: minibatches
def minibatches(x, y, batch_size, rng=None):
    """Liefert (x_batch, y_batch): aufeinanderfolgende Abschnitte, mit ``rng`` zufällige Mini-Batches.

    Jeder gemischte Mini-Batch holt seine Zeilen aus der zufälligen Reihenfolge (eine kleine
    Kopie je Mini-Batch); das ist billiger, als den ganzen Datensatz jede Epoche zu kopieren.
    """
    if not is_positive_int(batch_size):
        raise ValueError(f"batch_size muss eine positive ganze Zahl sein, erhalten: {batch_size!r}.")
    if rng is None:
        for start in range(0, len(x), batch_size):
            yield x[start:start + batch_size], y[start:start + batch_size]
        return
    order = rng.permutation(len(x))
    for start in range(0, len(x), batch_size):
        batch = order[start:start + batch_size]
        yield x[batch], y[batch]
# ANCHOR_END: minibatches


def _is_one_hot(y):
    return y.ndim == 2 and y.shape[1] > 1 and bool(
        np.all((y == 0) | (y == 1)) and np.all(y.sum(axis=1) == 1))
