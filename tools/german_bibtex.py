"""German citations for sphinxcontrib-bibtex (``local_extensions`` in ``_config.yml``).

Registers two styles:

- reference style ``author_year_de`` (``bibtex_reference_style``): author-year citations
  as in German texts, "Hochreiter und Schmidhuber (1997)", "(Rumelhart u. a., 1986)";
- formatting style ``plain_de`` (``bibtex_default_style``): pybtex's ``plain`` with
  "und" between the last two authors of an entry.

A text that names the authors before a parenthetical citation ("He et al. {cite}`he2015`")
would print them twice: "He et al. (He u. a., 2015)". Such a citation is read as the
textual one that it means, ``{cite:t}`he2015```, so the page says "He u. a. (2015)"
(only where the named surname is the entry's first author).
"""

import re
from dataclasses import dataclass, field
from pathlib import Path

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


# "He et al. {cite}`he2015`", "Glorot und Bengio {cite}`glorot2010`", "Nielsen {cite:p}`k`".
NAMED_CITATION = re.compile(
    r"(?<![\w.])(?P<name>[A-ZÄÖÜ][\w'’-]+)(?P<rest>\s+(?:et\s+al\.|u\.\s?a\.)"
    r"|\s+(?:und|and|&)\s+[A-ZÄÖÜ][\w'’-]+)?\s+\{cite(?::p)?\}`(?P<key>[^`,\s]+)`")


def _first_authors(bibfiles):
    """``{key: surname of the first author}`` of the entries in ``bibfiles``."""
    from pybtex.database import parse_file

    surnames = {}
    for bibfile in bibfiles:
        for key, entry in parse_file(bibfile).entries.items():
            persons = entry.persons.get("author") or entry.persons.get("editor") or []
            if persons:
                last = " ".join(persons[0].last_names)
                surnames[key] = re.sub(r"[{}\\\"']", "", last)
    return surnames


def textual_citations(text, first_authors):
    """``text`` with "Name et al. {cite}`key`" written as "{cite:t}`key`" (see the top)."""
    def replace(match):
        surname = first_authors.get(match.group("key"), "")
        if surname and surname.split()[-1] == match.group("name"):
            return f"{{cite:t}}`{match.group('key')}`"
        return match.group()

    return NAMED_CITATION.sub(replace, text)


def _source_read(app, docname, source):
    if not hasattr(app.env, "_german_first_authors"):
        files = [Path(app.srcdir, f) for f in app.config.bibtex_bibfiles]
        app.env._german_first_authors = _first_authors(files)
    source[0] = textual_citations(source[0], app.env._german_first_authors)


def setup(app):
    app.connect("source-read", _source_read)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
