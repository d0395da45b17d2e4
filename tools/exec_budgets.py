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

# Calibration (seconds) on the course machine when the figures below were set: 0,74 and
# 0,75 s in two builds on 1 December 2026 with no other work on the machine. (Runs while
# seven other builds shared its 2 cores gave 1,95 to 4,83 s: a calibration is only
# comparable when the machine does nothing else.)
REFERENCE_CALIBRATION = 0.75

# A page may need this much more than its budget before the check fails (25 %).
TOLERANCE = 0.25

# Budgets of chapters 3–6, per page (docname -> multiple of the calibration).
# The long page of chapters 4, 5 and 6 gets its chapter's budget (240 s, 300 s, 300 s on
# the course machine), chapter 3's two long pages about 1,1 to 1,2 times their time in the
# parallel build of 1 December (MNIST 204 s -> 225 s, QM9 93 s -> 112 s; the pages grew
# with issue 23's controls, and two notebooks side by side share the memory bandwidth).
# Every other page: SMALL_PAGE (30 s on the course machine; they take a few seconds).
SMALL_PAGE = 40
BUDGETS = {
    # Kapitel 3
    "chapters/03_mlp/theorie": SMALL_PAGE,
    "chapters/03_mlp/backprop_beispiel": SMALL_PAGE,
    "chapters/03_mlp/implementierung": SMALL_PAGE,
    "chapters/03_mlp/mnist": 300,           # 225 s
    "chapters/03_mlp/qm9": 150,             # 112 s
    "psets/blatt_03_mlp": SMALL_PAGE,
    # Kapitel 4
    "chapters/04_pytorch/von_numpy_zu_pytorch": SMALL_PAGE,
    "chapters/04_pytorch/architekturen": SMALL_PAGE,
    "chapters/04_pytorch/experimente": 320,  # 240 s
    "psets/blatt_04_pytorch": SMALL_PAGE,
    # Kapitel 5
    "chapters/05_lstm/rnn": SMALL_PAGE,
    "chapters/05_lstm/lstm": SMALL_PAGE,
    "chapters/05_lstm/experimente": 400,     # 300 s
    "psets/blatt_05_lstm": SMALL_PAGE,
    # Kapitel 6
    "chapters/06_hyperparameter/suche": 400,  # 300 s
    "psets/blatt_06_hyperparameter": SMALL_PAGE,
}

# The whole book (every notebook together): 960 s.
BOOK_BUDGET = 1280

# Typical run times (multiples) of the long pages on the course machine, for the order
# and the estimate of the time left; every other page is expected to take DEFAULT_TYPICAL.
TYPICAL = {
    "chapters/03_mlp/mnist": 271,            # 204 s (1 December, after issue 23)
    "chapters/03_mlp/qm9": 123,              # 93 s (1 December, after issue 23)
    "chapters/04_pytorch/experimente": 286,  # 216 s (1 December, after issue 22)
    "chapters/05_lstm/experimente": 392,     # 296 s (1 December, after issue 22)
    "chapters/06_hyperparameter/suche": 175,  # 132 s (1 December, after issue 22)
}
DEFAULT_TYPICAL = 8


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
