"""Run-time budgets of the book's pages, as multiples of the calibration (tools/calibrate.py).

The one place for them: tests/test_exec_budgets.py checks a finished build against
``BUDGETS`` (a page may exceed its budget by at most ``TOLERANCE``), tools/parallel_build.py
orders the notebooks and estimates the time left with ``TYPICAL``.

A multiple carries over between machines: on a machine whose calibration takes twice as
long, every page may take twice as long. Source of the figures: the course machine
(Intel Xeon, 2 cores, calibration ``REFERENCE_CALIBRATION`` seconds). Its budgets in
seconds were chapter 4 ≤ 240 s, chapter 5 ≤ 300 s, chapter 6 ≤ 300 s, the whole book
≤ 960 s; measured were chapter 3's MNIST page 112 s and its QM9 page 50 s, the
experiment pages of chapters 4, 5 and 6 141 s, 129 s and 118 s. Each multiple below is
those seconds divided by the calibration, rounded.
"""

# Calibration (seconds) on the course machine when the figures below were set.
REFERENCE_CALIBRATION = 1.95

# A page may need this much more than its budget before the check fails (25 %).
TOLERANCE = 0.25

# Budgets of chapters 3–6, per page (docname -> multiple of the calibration).
# Chapter budgets of the course machine, split between the pages: the experiment page
# takes the chapter's budget less the small pages' budgets. Chapter 3 has no budget of
# its own; its two long pages get their measured time plus a quarter.
BUDGETS = {
    # Kapitel 3 (MNIST 112 s, QM9 50 s measured)
    "chapters/03_mlp/theorie": 3,
    "chapters/03_mlp/backprop_beispiel": 3,
    "chapters/03_mlp/implementierung": 10,
    "chapters/03_mlp/mnist": 72,             # 140 s
    "chapters/03_mlp/qm9": 32,               # 62 s
    "psets/blatt_03_mlp": 5,
    # Kapitel 4: 240 s
    "chapters/04_pytorch/von_numpy_zu_pytorch": 10,
    "chapters/04_pytorch/architekturen": 10,
    "chapters/04_pytorch/experimente": 95,
    "psets/blatt_04_pytorch": 5,
    # Kapitel 5: 300 s
    "chapters/05_lstm/rnn": 10,
    "chapters/05_lstm/lstm": 10,
    "chapters/05_lstm/experimente": 125,
    "psets/blatt_05_lstm": 5,
    # Kapitel 6: 300 s
    "chapters/06_hyperparameter/suche": 145,
    "psets/blatt_06_hyperparameter": 5,
}

# The whole book (every notebook together): 960 s.
BOOK_BUDGET = 490

# Typical run times (multiples) of the long pages, for the order and the estimate of the
# time left; pages not listed are expected to take ``DEFAULT_TYPICAL``.
TYPICAL = {
    "chapters/03_mlp/mnist": 57,            # 112 s
    "chapters/03_mlp/qm9": 26,              # 50 s
    "chapters/04_pytorch/experimente": 72,  # 141 s
    "chapters/05_lstm/experimente": 66,     # 129 s
    "chapters/06_hyperparameter/suche": 61,  # 118 s
}
DEFAULT_TYPICAL = 3


def budget_of(docname):
    """The budget of a page (multiple of the calibration), or None outside chapters 3–6."""
    return BUDGETS.get(docname)


def expected_multiple(docname):
    """The typical run time of a page as a multiple of the calibration."""
    return TYPICAL.get(docname, DEFAULT_TYPICAL)


def needs_budget(docname):
    """Pages of chapters 3–6 (with their problem sheets) must have a budget."""
    return docname.startswith(("chapters/03_", "chapters/04_", "chapters/05_", "chapters/06_",
                               "psets/blatt_03", "psets/blatt_04", "psets/blatt_05",
                               "psets/blatt_06"))
