"""Sphinx extension: numbers glued into German prose get a decimal comma.

``{glue:text}`acc:.1f``` formats with Python's format spec, which writes 97.8 and
23,860. German text writes 97,8 and 23.860, so after formatting a number the two
separators are swapped. Text glued without a numeric format spec is left as it is.
"""

from myst_nb.core.variables import format_plain_text
from myst_nb.ext.glue import crossref, roles

NUMERIC_TYPES = set("eEfFgGn%d")
SWAP_SEPARATORS = str.maketrans(".,", ",.")


def format_german(text, fmt_spec):
    """Like myst-nb's ``format_plain_text``, with German decimal and thousands separators."""
    formatted = format_plain_text(text, fmt_spec)
    if fmt_spec and fmt_spec[-1] in NUMERIC_TYPES:
        return formatted.translate(SWAP_SEPARATORS)
    return formatted


def setup(app):
    # myst-nb's glue role and glue cross-references import the formatter by name.
    roles.format_plain_text = format_german
    crossref.format_plain_text = format_german
    return {"parallel_read_safe": True, "parallel_write_safe": True}
