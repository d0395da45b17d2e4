"""Sphinx extension: numbers glued into German prose are written the German way.

``{glue:text}`acc:.1f``` formats with Python's format spec, which writes 97.8 and
23,860. German text writes 97,8 and 23 860 (a narrow space groups the thousands), so
after formatting a number its separators are rewritten by the same rule that the
figures and tables use (``codes.plotting.germanize``). Text glued without a numeric
format spec is left as it is.
"""

from myst_nb.core.variables import format_plain_text
from myst_nb.ext.glue import crossref, roles

from codes.plotting import THIN_SPACE, germanize

NUMERIC_TYPES = set("eEfFgGn%d")


def format_german(text, fmt_spec):
    """Like myst-nb's ``format_plain_text``, with German decimal and thousands separators."""
    formatted = format_plain_text(text, fmt_spec)
    if not (fmt_spec and fmt_spec[-1] in NUMERIC_TYPES):
        return formatted
    formatted = germanize(formatted)
    return formatted[:-1] + THIN_SPACE + "%" if fmt_spec.endswith("%") else formatted


def setup(app):
    # myst-nb's glue role and glue cross-references import the formatter by name.
    roles.format_plain_text = format_german
    crossref.format_plain_text = format_german
    return {"parallel_read_safe": True, "parallel_write_safe": True}
