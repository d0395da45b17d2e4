"""One plotting style for every chapter: crisp SVG figures with German numbers.

Call ``use_book_style()`` once at the top of a notebook. Figures then render as SVG
(sharp on phones, small to download), keep a white background so that they stay
legible in the theme's dark mode, and are byte-identical from build to build.

German numbers everywhere the reader looks: ``use_book_style`` installs one tick
formatter (:class:`GermanScalarFormatter`) as the default of every linear axis and
colour bar, so tick labels read ``0,5`` and ``60 000``. Annotations, legends and
tables use the same rule through :func:`german_number` and :func:`german_table`, printed
outputs through :func:`german_print` (``german_print("Genauigkeit: {:.2%}", acc)``), and
glued numbers through tools/german_numbers.py: one rule for everything the reader sees.
Tick labels that should read like the text (``0,5`` rather than ``0,50``) come from
:func:`german_ticks`, very large and small numbers from :func:`power_of_ten`
(``3,2 · 10⁻⁵``), mean and spread from :func:`german_mean_sd`.
"""

import math
import numbers
import re
import string

import matplotlib as mpl
import matplotlib.scale
import matplotlib.ticker

# A narrow no-break space groups the thousands (130 831) and never breaks a number.
THIN_SPACE = "\u202f"
# Numbers below this magnitude keep their digits together (2000, but 20 000).
GROUP_FROM = 10_000
# Holds "±" to its numbers (96,65 ± 0,30 never breaks after the ±).
NO_BREAK = "\u00a0"
MINUS = "\u2212"
_SWAP = str.maketrans({".": ",", ",": THIN_SPACE})
_DIGITS = re.compile(r"\d{5,}")
# Python's "," grouping (9,943 and 1,234,567.8): removed first, regrouped by _DIGITS.
_PYTHON_GROUPS = re.compile(r"(?<![\d.,])\d{1,3}(?:,\d{3})+(?![\d,])")
_E_NOTATION = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)[eE]([+-]?\d+)(?![\w.])")
_HYPHEN_MINUS = re.compile(r"(?<![\w)\]])-(?=\d)")
_SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")

BOOK_STYLE = {
    # Text size relative to the figure width decides legibility on a phone, where a
    # figure is scaled down to a column of about 360 px: 12 pt on 6 inches stays readable.
    "figure.figsize": (6.0, 3.8),
    "figure.dpi": 100,
    "font.size": 12,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "savefig.bbox": "tight",
    "svg.fonttype": "path",        # no dependency on the reader's fonts
    "svg.hashsalt": "nn-kursbuch",  # deterministic element ids
    "axes.formatter.use_locale": False,
    "axes.formatter.use_mathtext": False,
    "mathtext.default": "it",       # variables in labels italic, as in the text's formulas
}


def germanize(formatted):
    """German separators in a number Python formatted: ``1,234.5`` -> ``1234,5``.

    The book's rule (as DIN 5008 and the Duden): a decimal comma; a narrow no-break space
    groups the thousands only from five digits on (``130831`` -> ``130 831``, but
    ``9943`` stays together, also when Python's ``,`` spec wrote ``9,943``); the digits
    after a decimal comma are left alone. A minus sign replaces the hyphen (``-0.5`` ->
    ``−0,5``), and e-notation becomes a power of ten (``3.1e-30`` -> ``3,1 · 10⁻³⁰``).
    """
    text = _PYTHON_GROUPS.sub(lambda m: m.group().replace(",", ""), formatted)
    text = _E_NOTATION.sub(_power_of_ten, text)
    text = text.translate(_SWAP)
    text = _HYPHEN_MINUS.sub(MINUS, text)

    def group(match):
        start = match.start()
        if start > 0 and text[start - 1] == ",":        # decimal places
            return match.group()
        digits = match.group()
        head = len(digits) % 3 or 3
        return THIN_SPACE.join([digits[:head]] + [digits[k:k + 3]
                                                  for k in range(head, len(digits), 3)])

    return _DIGITS.sub(group, text)


def _superscript(exponent):
    """``-5`` (or ``"-05"``) -> ``⁻⁵``."""
    return str(int(exponent)).translate(_SUPERSCRIPTS)


def _power_of_ten(match):
    mantissa, power = match.group(1), _superscript(match.group(2))
    return f"10{power}" if mantissa in ("1", "1.0") else f"{mantissa} · 10{power}"


def power_of_ten(value, digits=1):
    """``value`` with ``digits`` significant digits times a power of ten, the German way.

    Rounded as Python's ``e`` format rounds (the exact value of the float, ties to even).
    The mantissa always stands, also a 1 (``1 · 10⁻⁸``, where :func:`german_number`'s
    e-notation writes ``10⁻⁸``); zero is ``0``. numpy scalars and one-element tensors work.

    >>> power_of_ten(2.2e-16), power_of_ten(-2.149e-5, 3), power_of_ten(5.7e7, 2)
    ('2 · 10⁻¹⁶', '−2,15 · 10⁻⁵', '5,7 · 10⁷')
    """
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"power_of_ten: {value} hat keine Zehnerpotenz")
    if value == 0:
        return "0"
    mantissa, exponent = f"{value:.{digits - 1}e}".split("e")
    return f"{germanize(mantissa)} · 10{_superscript(exponent)}"


def _plain(value):
    """``value`` as a Python number if it is one (numpy scalars included), else None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    return None


def german_number(value, spec=".2f"):
    """``value`` formatted with Python's ``spec``, written the German way.

    ``spec=""`` (or None) keeps Python's own digits: whole numbers as they are, other
    numbers in their shortest form (``0.1`` -> ``0,1``). numpy scalars work like Python
    numbers. The percent sign stands after a narrow space (``97,3 %``).

    >>> german_number(0.5, ".1f"), german_number(130831, "d"), german_number(0.973, ".1%")
    ('0,5', '130\u202f831', '97,3\u202f%')
    >>> german_number(9943, ",d"), german_number(-2.5e-5, ""), german_number(80000, None)
    ('9943', '−2,5 · 10⁻⁵', '80\u202f000')
    """
    number = _plain(value)
    spec = spec or ""
    if number is None and not spec:
        return str(value)
    if number is not None and not spec:
        text = repr(number)
    else:
        text = format(value if number is None else number, spec)
    text = germanize(text)
    return text[:-1] + THIN_SPACE + "%" if spec.endswith("%") else text


def german_mean_sd(mean, sd, spec=".2f", space=NO_BREAK):
    """``mean ± sd`` the German way; the ± is held to its numbers by no-break spaces, so
    a narrow column (phone) never breaks the pair apart: ``96,65 ± 0,30``.

    ``space=" "`` puts ordinary spaces around the ± (chapter 4's ``pm`` has always done so).
    """
    return f"{german_number(mean, spec)}{space}±{space}{german_number(sd, spec)}"


class _GermanFormatter(string.Formatter):
    """``str.format`` with every number in a replacement field written the German way."""

    def format_field(self, value, format_spec):
        if _plain(value) is not None:
            return german_number(value, format_spec)
        return german_text(value) if not format_spec else format(value, format_spec)

    def convert_field(self, value, conversion):
        return value if conversion is None else super().convert_field(value, conversion)


def german_text(obj, spec=None):
    """What the reader sees of ``obj`` in a printed output, with German numbers.

    A number as :func:`german_number`; a dict as ``key: value`` pairs separated by
    semicolons (a comma would clash with the decimal comma); a list or tuple the same way;
    a numpy array in numpy's layout (rows in brackets, numbers apart by spaces); anything
    else as ``str(obj)``. ``spec`` formats every number inside.

    >>> german_text({"Genauigkeit": 0.9566, "Epochen": 20}, ".4g")
    'Genauigkeit: 0,9566; Epochen: 20'
    >>> import numpy as np
    >>> german_text(np.array([36.858, -2.9, 0.5]), ".3f")
    '[36,858 −2,900 0,500]'
    """
    if hasattr(obj, "shape") and hasattr(obj, "dtype") and getattr(obj, "ndim", 0) == 0:
        obj = obj.item()
    if _plain(obj) is not None:
        return german_number(obj, spec)
    if hasattr(obj, "shape") and hasattr(obj, "dtype") and obj.dtype.kind in "iuf":
        import numpy as np

        return np.array2string(np.asarray(obj), separator=" ", formatter={
            "all": lambda v: german_number(v, spec if spec else "g" if obj.dtype.kind == "f" else "d")})
    if isinstance(obj, dict):
        return "; ".join(f"{key}: {german_text(value, spec)}" for key, value in obj.items())
    if isinstance(obj, (list, tuple)):
        return "; ".join(german_text(value, spec) for value in obj)
    return str(obj)


def german_format(template, /, *args, **kwargs):
    """``template.format(*args, **kwargs)`` with German numbers in the replacement fields.

    >>> german_format("Genauigkeit: {acc:.2%}, η₀ = {eta}", acc=0.95662, eta=0.3)
    'Genauigkeit: 95,66\u202f%, η₀ = 0,3'
    """
    return _GermanFormatter().format(template, *args, **kwargs)


def german_print(template, /, *args, **kwargs):
    """Print a line for the reader with German numbers: the one helper for printed outputs.

    ``template`` is a ``str.format`` template; every number that fills a field is written
    the German way (decimal comma, ``130 831``, ``97,3 %``, ``3,1 · 10⁻³⁰``, minus sign).
    A non-string ``template`` (a number, dict, list) is printed with :func:`german_text`.
    Use it instead of ``print(f"...")`` wherever the output is shown in the book::

        german_print("Genauigkeit: {:.2%}", 0.95662)        # Genauigkeit: 95,66 %
        german_print("η₀ = {eta}, Verlust: {loss:.4f}", eta=0.3, loss=1.40371)
        german_print({"Val.-Genauigkeit": 0.922, "Epochen": 20})

    Keys and texts stay as written: name them in German (no ``val_acc``).
    """
    if isinstance(template, str):
        print(german_format(template, *args, **kwargs))
    else:
        print(german_text(template, *args))


def german_table(frame, formats=None, default=".3g"):
    """A copy of the DataFrame ``frame`` with every number written the German way.

    ``formats`` maps a column name to a format spec (e.g. ``{"Genauigkeit": ".1%"}``);
    other float columns use ``default``, integer columns are grouped (60 000).
    The result holds strings and is meant for display only.
    """
    import pandas as pd

    formats = formats or {}
    table = frame.copy()
    for column in table.columns:
        series = table[column]
        if column in formats:
            spec = formats[column]
        elif pd.api.types.is_integer_dtype(series):
            spec = "d"
        elif pd.api.types.is_float_dtype(series):
            spec = default
        else:
            continue
        table[column] = [german_number(v, spec) if pd.notna(v) else "–" for v in series]
    if pd.api.types.is_numeric_dtype(table.index) and not pd.api.types.is_bool_dtype(table.index):
        table.index = [germanize(str(v)) for v in table.index]
    return table


class GermanScalarFormatter(mpl.ticker.ScalarFormatter):
    """Matplotlib's default tick formatter with a decimal comma and grouped thousands."""

    def _format_maybe_minus_and_locale(self, fmt, arg):
        text = super()._format_maybe_minus_and_locale(fmt, arg)
        if self._useMathText:      # a comma in mathtext needs braces to stay tight
            return germanize(text).replace(",", "{,}")
        return germanize(text)


def german_ticks(*targets, axis="both", spec="g", linear_only=True):
    """Tick labels written by :func:`german_number` with ``spec``: ``0,5``, ``1``, ``−2``.

    ``targets`` are Axes or colour bars (``fig.colorbar(...)``: its long axis). Of an
    Axes, ``axis`` ("x", "y" or "both") names the axes to label; with ``linear_only``
    (default) only linear ones, so a log axis keeps matplotlib's powers of ten (a log
    axis with chosen ticks, e.g. 0,02 and 0,5: ``linear_only=False``). Unlike the default
    :class:`GermanScalarFormatter`, every label has as few digits as it needs with the
    default ``spec="g"`` (``0``, ``0,5``, ``1`` rather than ``0,0``, ``0,5``, ``1,0``).
    """
    if axis not in ("x", "y", "both"):
        raise ValueError(f'axis muss "x", "y" oder "both" sein, nicht {axis!r}')

    def formatter():  # one per axis: a formatter belongs to the axis it labels
        return mpl.ticker.FuncFormatter(lambda value, _: german_number(value, spec))

    for target in targets:
        if hasattr(target, "long_axis"):  # a colour bar
            target.formatter = formatter()
            continue
        for name in ("x", "y") if axis == "both" else (axis,):
            if not linear_only or getattr(target, f"get_{name}scale")() == "linear":
                getattr(target, f"{name}axis").set_major_formatter(formatter())


def use_book_style(vector=True):
    """Apply the book's matplotlib style; ``vector=False`` keeps PNG (dense scatter plots).

    Every linear axis and colour bar created afterwards gets the German tick formatter.
    """
    mpl.rcParams.update(BOOK_STYLE)
    mpl.scale.ScalarFormatter = GermanScalarFormatter
    try:
        from matplotlib_inline.backend_inline import set_matplotlib_formats
    except ImportError:  # plain Python, not a notebook
        return
    set_matplotlib_formats("svg" if vector else "png", metadata={"Date": None})
