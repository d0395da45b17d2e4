"""Sphinx extension: numbers glued into German prose are written the German way.

``{glue:text}`acc:.1f``` formats with Python's format spec, which writes 97.8 and
23,860; ``{glue:text}`n``` without a spec writes Python's ``130831`` or
``np.float64(0.973)``. German text writes 97,8 and 130 831, so every glued number (a
Python int or float, a numpy scalar), with or without a format spec, is formatted by the
one rule of the figures, tables and printed outputs (``codes.plotting.german_number``):
decimal comma, a narrow space from 10 000 on, a minus sign, powers of ten instead of
e-notation, ``97,8 %``. Glued text that is not a number is left as it is.
"""

import re
from ast import literal_eval

from myst_nb.core.variables import format_plain_text
from myst_nb.ext.glue import crossref, roles

from codes.plotting import german_number

# IPython's text/plain of a numpy scalar under numpy 2: np.float64(0.973), np.int64(5).
NUMPY_REPR = re.compile(r"^np\.(?:float|int|uint)\d*\((?P<value>.*)\)$")


def glued_value(text):
    """The Python value behind a glued text/plain representation (a string if no number)."""
    text = text.strip()
    match = NUMPY_REPR.match(text)
    try:
        return literal_eval(match.group("value") if match else text)
    except (SyntaxError, ValueError):
        return text


def format_german(text, fmt_spec):
    """Like myst-nb's ``format_plain_text``, with every number written the German way."""
    value = glued_value(text)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not fmt_spec or fmt_spec[-1] == "s":     # no spec (myst-nb passes "s"): as it is
            return format(german_number(value, ""), fmt_spec)
        if fmt_spec[-1] in "eEfFgGn%":
            value = float(value)
        elif fmt_spec and fmt_spec[-1] in "bcdoxX":
            value = int(value)
        return german_number(value, fmt_spec)
    return format_plain_text(text, fmt_spec)


def setup(app):
    # myst-nb's glue role and glue cross-references import the formatter by name.
    roles.format_plain_text = format_german
    crossref.format_plain_text = format_german
    return {"parallel_read_safe": True, "parallel_write_safe": True}
