"""German citations for sphinxcontrib-bibtex (``local_extensions`` in ``_config.yml``).

Registers two styles:

- reference style ``author_year_de`` (``bibtex_reference_style``): author-year citations
  as in German texts, "Hochreiter und Schmidhuber (1997)", "(Rumelhart u. a., 1986)";
- formatting style ``plain_de`` (``bibtex_default_style``): pybtex's ``plain`` with
  "und" between the last two authors of an entry.
"""

from dataclasses import dataclass, field

import pybtex.plugin
from pybtex.richtext import Text
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.template import names, sentence
from sphinxcontrib.bibtex.plugin import register_plugin
from sphinxcontrib.bibtex.style.referencing import BracketStyle, PersonStyle
from sphinxcontrib.bibtex.style.referencing.author_year import AuthorYearReferenceStyle


def _round_brackets():
    return BracketStyle(left="(", right=")")


def _german_persons():
    return PersonStyle(sep2=" und ", last_sep=" und ", other=Text(" u.\u00a0a."))


@dataclass
class GermanAuthorYearStyle(AuthorYearReferenceStyle):
    """Author-year citations with round brackets, "und" and "u. a."."""

    bracket_textual: BracketStyle = field(default_factory=_round_brackets)
    bracket_parenthetical: BracketStyle = field(default_factory=_round_brackets)
    bracket_author: BracketStyle = field(default_factory=_round_brackets)
    bracket_year: BracketStyle = field(default_factory=_round_brackets)
    person: PersonStyle = field(default_factory=_german_persons)


class GermanPlainStyle(PlainStyle):
    """pybtex's plain style; author lists end in "und" instead of ", and"."""

    def format_names(self, role, as_sentence=True):
        formatted = names(role, sep=", ", sep2=" und ", last_sep=" und ")
        return sentence[formatted] if as_sentence else formatted


register_plugin("sphinxcontrib.bibtex.style.referencing", "author_year_de", GermanAuthorYearStyle)
pybtex.plugin.register_plugin("pybtex.style.formatting", "plain_de", GermanPlainStyle)


def setup(app):
    return {"parallel_read_safe": True, "parallel_write_safe": True}
