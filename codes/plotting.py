"""One plotting style for every chapter: crisp SVG figures with German numbers.

Call ``use_book_style()`` once at the top of a notebook. Figures then render as SVG
(sharp on phones, small to download), keep a white background so that they stay
legible in the theme's dark mode, and are byte-identical from build to build.

German numbers everywhere the reader looks: ``use_book_style`` installs one tick
formatter (:class:`GermanScalarFormatter`) as the default of every linear axis and
colour bar, so tick labels read ``0,5`` and ``60 000``. Annotations, legends and
tables use the same rule through :func:`german_number` and :func:`german_table`.
"""

import re

import matplotlib as mpl
import matplotlib.scale
import matplotlib.ticker

# A narrow no-break space groups the thousands (130 831) and never breaks a number.
THIN_SPACE = "\u202f"
# Numbers below this magnitude keep their digits together (2000, but 20 000).
GROUP_FROM = 10_000
_SWAP = str.maketrans({".": ",", ",": THIN_SPACE})
_DIGITS = re.compile(r"\d{5,}")

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
    """German separators in a number Python formatted: ``1,234.5`` -> ``1 234,5``.

    Runs of five or more digits without a separator get thin spaces as well
    (``130831`` -> ``130 831``); the digits after a decimal comma are left alone.
    """
    text = formatted.translate(_SWAP)

    def group(match):
        start = match.start()
        if start > 0 and text[start - 1] == ",":        # decimal places
            return match.group()
        digits = match.group()
        head = len(digits) % 3 or 3
        return THIN_SPACE.join([digits[:head]] + [digits[k:k + 3]
                                                  for k in range(head, len(digits), 3)])

    return _DIGITS.sub(group, text)


def german_number(value, spec=".2f"):
    """``value`` formatted with Python's ``spec``, written the German way.

    >>> german_number(0.5, ".1f"), german_number(130831, "d"), german_number(0.973, ".1%")
    ('0,5', '130\u202f831', '97,3\u202f%')
    """
    text = germanize(format(value, spec))
    return text[:-1] + THIN_SPACE + "%" if spec.endswith("%") else text


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
