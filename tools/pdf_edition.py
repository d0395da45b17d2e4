"""Sphinx extension for the PDF edition (``local_extensions`` in ``_config.yml``).

All of it acts in LaTeX builds only:

- a notebook output that holds an HTML table (a pandas ``DataFrame`` or ``Styler``)
  becomes a real table; LaTeX cannot show HTML, and the plain-text fallback of a
  ``Styler`` is only its ``repr``. The transform runs before myst-nb selects a mime type
  per output (priority 4), so every other output keeps myst-nb's own choice;
- tables keep their natural column widths, in a font small enough to fit;
- exercises carry the numbers of the web edition ("Aufgabe 3.1"): sphinx-jupyterbook-latex
  counts per part and chapter in LaTeX builds (``numfig_secnum_depth`` 2), which would
  make it "Aufgabe 3.5.1";
- ``{numref}`` to an exercise prints its number. Sphinx writes such a reference as
  ``\ref`` to a label that sphinx-exercise never numbers, which prints "Aufgabe ??"; here it
  keeps the text Sphinx resolved and links it to sphinx-exercise's anchor of the exercise.

Only in the sheet PDFs (``pdf_sheet_documents``, set by tools/sheets.py), where each PDF holds
one problem sheet and the rest of the book is read for the references only:

- a reference to a page, section, figure or equation outside the sheet reads like a
  reference to the book, with the number and title of the web edition: "Abschnitt 3.4
  (Handschriftliche Ziffern: MNIST) im Kursbuch", "Gleichung (3.7) im Kursbuch". Sphinx
  would print the bare label ("sec-notation", "index"): it has no page to link to;
- the glue warnings of the pages read without execution are left out (their values are
  missing by design, and none of them is printed).
"""

import logging
import re
from pathlib import Path, PurePosixPath

from docutils import nodes
from sphinx import addnodes
from sphinx.environment.collectors.toctree import TocTreeCollector
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import docname_join
from sphinx.util import logging as sphinx_logging
from sphinx_exercise.nodes import exercise_enumerable_node, exercise_latex_number_reference

try:  # as tools.pdf_edition, or as pdf_edition from tools/ (Sphinx local extension)
    from tools.equation_numbers import equation_number
    from tools.html_tables import table_rows
except ImportError:
    from equation_numbers import equation_number
    from html_tables import table_rows

logger = sphinx_logging.getLogger(__name__)


def html_table(html):
    """The docutils table for the first ``<table>`` in ``html``, or ``None``.

    Header rows (``<thead>``) become the table head; index cells (``<th>`` in the body)
    are plain cells. Rows are padded to the widest row (pandas leaves index-name rows short).
    """
    rows, caption, _ = table_rows(html)
    if not rows:
        return None
    width = len(rows[0][1])
    table = nodes.table(classes=["nb-html-table"])
    group = nodes.tgroup(cols=width)
    table += group
    group.extend(nodes.colspec(colwidth=1) for _ in range(width))
    head, body = nodes.thead(), nodes.tbody()
    for in_head, cells in rows:
        row = nodes.row()
        for text in cells:
            row += nodes.entry("", nodes.paragraph(text=text))
        (head if in_head else body).append(row)
    if len(head):
        group += head
    group += body
    if caption:
        table.insert(0, nodes.title(text=caption))
    return table


class HtmlTablesForLatex(SphinxPostTransform):
    """Replace an output's mime bundle by a table when it holds an HTML table (LaTeX only)."""

    default_priority = 3  # before myst-nb's SelectMimeType (4)
    formats = ("latex",)

    def run(self, **kwargs):
        for bundle in list(self.document.findall(nodes.container)):
            if bundle.get("nb_element") != "mime_bundle":
                continue
            html = [child for child in bundle.children if child.get("mime_type") == "text/html"]
            if not html or "<table" not in html[0].astext():
                continue
            table = html_table(html[0].astext())
            if table is None:
                logger.warning("HTML-Tabelle ohne Zeilen in der Ausgabe", location=bundle)
                continue
            bundle.replace_self(table)


class ExerciseNumbersForLatex(SphinxPostTransform):
    """``{numref}`` to a numbered exercise: the resolved text, linked to the exercise (LaTeX only)."""

    default_priority = 30  # after Sphinx resolved the reference (10) and sphinx-exercise (20-22)
    formats = ("latex",)

    def run(self, **kwargs):
        registry = getattr(self.env, "sphinx_exercise_registry", {})
        for node in list(self.document.findall(addnodes.number_reference)):
            label = node.get("refid") or node.get("refuri", "").rpartition("#")[2]
            target = registry.get(label, {}).get("node")
            if not isinstance(target, exercise_enumerable_node):
                continue
            reference = exercise_latex_number_reference(refid=label)
            reference += nodes.Text(node.astext())
            node.replace_self(reference)


class NaturalWidthTables(SphinxPostTransform):
    """Tables keep their natural column widths, in a font small enough to fit (LaTeX only).

    Sphinx sets every table with ``tabulary`` over the full text width, which wraps short
    headers ("hid-den_size"), formulas and wide numbers (a ``DataFrame`` with 16 columns).
    Here a column gets ``l`` (natural width), as ``{tabularcolumns}`` would give it, and
    only a column with long text gets ``L`` (wrapped); a table without such a column gets
    a font size by the characters of its widest row (``\\pdftablesize``, see the
    preamble in _config.yml).
    """

    default_priority = 900  # after every table is made (myst-nb, book_extras, above)
    formats = ("latex",)
    # (most characters in a row, font size, gap between columns) from the A4 text width
    SIZES = [(105, "small", "4pt"), (130, "footnotesize", "3pt"), (165, "scriptsize", "2pt"),
             (215, "tiny", "2pt")]
    LONG_CELL = 60  # a cell with more characters is text to wrap
    MAX_NATURAL_BESIDE_TEXT = 60  # characters the natural columns may take next to text

    def run(self, **kwargs):
        for table in list(self.document.findall(nodes.table)):
            widest = self._widest_cells(table)
            if not widest:
                continue
            long_columns = [width > self.LONG_CELL for width in widest]
            natural = sum(width + 3 for width, long in zip(widest, long_columns, strict=True) if not long)
            if any(long_columns):
                if natural > self.MAX_NATURAL_BESIDE_TEXT:
                    continue
                size = self.SIZES[0]
            else:
                size = next((s for s in self.SIZES if natural <= s[0]), None)
                if size is None:
                    continue
            spec = "".join("L" if long else "l" for long in long_columns)
            size_command = rf"\def\pdftablesize{{\{size[1]}\setlength{{\tabcolsep}}{{{size[2]}}}}}"
            parent, index = table.parent, table.parent.index(table)
            parent.insert(index + 1, nodes.raw("", "\\let\\pdftablesize\\pdftablesizedefault\n", format="latex"))
            parent.insert(index, addnodes.tabular_col_spec(spec=spec))
            parent.insert(index, nodes.raw("", size_command + "\n", format="latex"))

    @staticmethod
    def _widest_cells(table):
        """Printed characters of the widest cell per column, or None (spans, blocks, given widths)."""
        previous = table.previous_sibling() if table.parent else None
        if isinstance(previous, addnodes.tabular_col_spec) or "colwidths-given" in table["classes"]:
            return None
        group = table.next_node(nodes.tgroup)
        rows = list(group.findall(nodes.row)) if group else []
        if not rows or any(len(row.children) != group["cols"] for row in rows):
            return None
        widest = [0] * group["cols"]
        for row in rows:
            for k, entry in enumerate(row.children):
                if len(entry.children) > 1 or entry.next_node(nodes.literal_block):
                    return None
                widest[k] = max(widest[k], printed_length(entry))
        return widest


def printed_length(node):
    """About how many characters ``node`` takes in print: ``\\mathcal{L}`` counts as one."""
    length = 0
    for part in node.findall(nodes.Text):
        text = part.astext()
        if isinstance(part.parent, nodes.math):
            text = re.sub(r"[{}^_ ]", "", re.sub(r"\\[a-zA-Z]+", "x", text))
        length += len(text)
    return length


BOOK = "im Kursbuch"
NBSP = "\u00a0"
# What a number stands for, and how a sentence may already have said it ("im Abschnitt").
KINDS = {"chapter": ("Kapitel", "Kap."), "section": ("Abschnitt", "Abschn."),
         "figure": ("Abbildung", "Abb."), "table": ("Tabelle", "Tab."),
         "code-block": ("Quelltext",), "exercise": ("Aufgabe",),
         "equation": ("Gleichung", "Gl.")}


class SheetReferencesToTheBook(SphinxPostTransform):
    """Sheet PDFs: a reference to something outside the sheet, as text that finds it in the book.

    Sphinx cannot link a reference to a page that is not in the LaTeX document; it prints
    the reference's own text, which is the bare label when the source gives no title
    ("siehe index", "(sec-notation)"). Here such a reference becomes, with the number and
    title of the web edition (``toc_secnumbers``; figure and equation numbers as counted
    for the web, see ``exercise_numbers_as_on_the_web``):

    - a page or section: "Abschnitt 3.4 (Titel) im Kursbuch", "Kapitel 4 (Titel) im
      Kursbuch", unnumbered "„Titel“ im Kursbuch"; the title in brackets when the
      reference stands in parentheses;
    - a figure, table, exercise or equation: "Abbildung 2.1 im Kursbuch", "Gleichung (3.4)
      im Kursbuch"; a ``{numref}`` format of its own ("Abb. %s") is kept;
    - with a text of its own: "Text (Abschnitt 3.4 im Kursbuch)".

    The word before the reference is not repeated ("im Abschnitt 4.3 (…)", "Gl. (3.4)").
    References inside the sheet stay links. Runs before Sphinx resolves references (10),
    and before the LaTeX builder turns equation references into ``\ref`` (5).
    """

    default_priority = 4
    formats = ("latex",)

    def is_supported(self):
        return super().is_supported() and self.config.pdf_sheet_documents

    def run(self, **kwargs):
        inside = self.app.builder.docnames  # the documents of this PDF (LaTeXBuilder.assemble_doctree)
        self._doctrees = {}
        for node in list(self.document.findall(addnodes.pending_xref)):
            target = self.target(node)
            if target is None or target["docname"] in inside:
                continue
            node.replace_self(self.text(node, target))

    # --- what the reference points to ----------------------------------------------------
    def target(self, node):
        """``{"docname", "kind", "number", "title"}`` of the reference's target, or None."""
        domain, role, name = node.get("refdomain"), node.get("reftype"), node.get("reftarget", "")
        std = self.env.get_domain("std")
        if domain == "math" and role in ("eq", "numref") or (
                role == "myst" and not domain and name in self.env.get_domain("math").equations):
            return self.equation(name)
        if domain == "std" and role == "doc":
            return self.page(docname_join(node.get("refdoc", self.env.docname), name))
        if role == "myst" and domain == "doc":
            anchor = node.get("reftargetid")
            return self.page(name) if not anchor else self.label_in(name, anchor)
        if domain == "std" and role in ("ref", "numref") or role == "myst" and not domain:
            found = std.labels.get(name) or std.anonlabels.get(name)
            return self.label_in(*found[:2]) if found else None
        return None

    def page(self, docname):
        if docname not in self.env.titles:
            return None
        number = self.env.toc_secnumbers.get(docname, {}).get("")
        return {"docname": docname, "number": number, "title": self.env.titles[docname],
                "kind": "section" if not number or len(number) > 1 else "chapter"}

    def label_in(self, docname, labelid):
        if docname not in self._doctrees:
            self._doctrees[docname] = self.env.get_doctree(docname)
        doctree = self._doctrees[docname]
        element = next((n for n in doctree.findall(nodes.Element) if labelid in n.get("ids", ())), None)
        if element is None:
            return None
        std = self.env.get_domain("std")
        figtype = std.get_enumerable_node_type(element)
        if figtype == "section":
            if element is doctree.next_node(nodes.section):  # the page's title
                return self.page(docname)
            number = self.env.toc_secnumbers.get(docname, {}).get("#" + element["ids"][0])
            return {"docname": docname, "number": number, "title": element.next_node(nodes.title),
                    "kind": "section" if not number or len(number) > 1 else "chapter"}
        numbers = getattr(self.env, "pdf_web_fignumbers", self.env.toc_fignumbers)
        number = numbers.get(docname, {}).get(figtype, {}).get(element["ids"][0]) if figtype else None
        title = element.next_node(nodes.caption) or element.next_node(nodes.title)
        return {"docname": docname, "number": number, "title": title, "kind": figtype or "section"}

    def equation(self, name):
        found = self.env.get_domain("math").equations.get(name)
        if not found:
            return None
        text = equation_number(self.env, name, getattr(self.env, "pdf_web_fignumbers", None))
        number = (self.config.math_eqref_format or "({number})").format(number=text) if text else None
        return {"docname": found[0], "number": number, "title": None, "kind": "equation"}

    # --- how the sentence reads -----------------------------------------------------------
    def text(self, node, target):
        """The nodes that replace ``node``."""
        number, title, kind = target["number"], target["title"], target["kind"]
        if isinstance(number, tuple):
            number = ".".join(map(str, number))
        title_text = title.astext().strip() if title is not None else ""
        words = KINDS.get(kind, KINDS["section"])
        before = self.text_before(node)
        explicit = node.get("refexplicit") and node.astext().strip()
        if number and explicit and node.get("reftype") == "numref" and re.search(
                r"%s|\{number\}", explicit):
            return [nodes.Text(f"{self.numref_format(explicit, number, title_text)} {BOOK}")]
        if number:
            said = before != before.rstrip() and before.rstrip().lower().endswith(
                tuple(word.lower() for word in words))
            where = [nodes.Text(number if said else f"{words[0]}{NBSP}{number}")]
        elif title_text:
            where = [nodes.Text("„"), *self.title_nodes(title), nodes.Text("“")]
        else:
            where = [nodes.Text(words[0])]
        if explicit and explicit != title_text:
            return [nodes.Text(f"{explicit} ("), *where, nodes.Text(f" {BOOK})")]
        if number and title_text and kind in ("chapter", "section"):
            inside_parentheses = before.count("(") > before.count(")")
            opening, closing = "[]" if inside_parentheses else "()"
            where += [nodes.Text(f" {opening}"), *self.title_nodes(title), nodes.Text(closing)]
        return [*where, nodes.Text(f" {BOOK}")]

    @staticmethod
    def title_nodes(title):
        """Copies of the title's nodes (math stays math), without links or anchors."""
        kept = [child.deepcopy() for child in title.children
                if not isinstance(child, (nodes.target, nodes.system_message))]
        for reference in [n for child in kept for n in child.findall(nodes.reference)]:
            reference.replace_self(reference.children)  # no links out of the title
        return kept

    @staticmethod
    def numref_format(text, number, name):
        if "{number}" in text or "{name}" in text:
            return text.format(number=number, name=name)
        return text % number

    @staticmethod
    def text_before(node):
        """The text of the paragraph (or title, caption, …) before ``node``."""
        block = node.parent
        while isinstance(getattr(block, "parent", None), nodes.TextElement):
            block = block.parent
        if not isinstance(block, nodes.TextElement):
            return ""
        first = node.next_node(nodes.Text)
        parts = []
        for text in block.findall(nodes.Text):
            if text is first:
                break
            parts.append(text.astext())
        return "".join(parts)


class _GlueOfPagesReadWithoutExecution(logging.Filter):
    """Sheet PDFs: drop the glue warnings of the pages excluded from execution.

    tools/sheets.py executes only the sheets; the other pages are read for the references,
    so every ``{glue}`` there finds no value (some 560 warnings per build, one per use,
    e.g. "No key 'basic_first_failed'" in chapters/05_lstm/experimente.md). None of these
    pages is printed. A glue warning of a sheet still shows.
    """

    def __init__(self, app):
        super().__init__()
        self.app, self.dropped = app, 0

    def filter(self, record):
        if getattr(record, "type", None) != "mystnb" or getattr(record, "subtype", None) != "glue":
            return True
        docname = getattr(record, "docname", None)
        if docname is None or docname not in self.app.env.found_docs:
            return True
        path = PurePosixPath(Path(self.app.env.doc2path(docname)).as_posix())
        if any(path.match(pattern) for pattern in self.app.config.nb_execution_excludepatterns):
            self.dropped += 1
            return False
        return True


def _sheet_documents(app):
    """Sheet PDFs: leave out the glue warnings of the pages read without execution."""
    if not app.config.pdf_sheet_documents or app.builder.format != "latex":
        return
    app._pdf_glue_filter = _GlueOfPagesReadWithoutExecution(app)
    for handler in logging.getLogger(sphinx_logging.NAMESPACE).handlers:
        if isinstance(handler, sphinx_logging.WarningStreamHandler):
            handler.filters.insert(0, app._pdf_glue_filter)


def _report_glue(app, exception):
    glue = getattr(app, "_pdf_glue_filter", None)
    if glue is not None and glue.dropped:
        logger.info(f"Blätter: {glue.dropped} Glue-Verweise in nicht ausgeführten Seiten "
                    "übergangen (sie stehen in keinem Blatt)")


def _remember_web_depth(app, config):
    config.pdf_web_numfig_secnum_depth = config.numfig_secnum_depth


def exercise_numbers_as_on_the_web(app, env):
    """In LaTeX builds, number exercises with the ``numfig_secnum_depth`` of the web edition."""
    web_depth = app.config.pdf_web_numfig_secnum_depth
    if app.builder.format != "latex":
        return []
    env.pdf_web_fignumbers = env.toc_fignumbers  # for SheetReferencesToTheBook
    if web_depth == app.config.numfig_secnum_depth:
        return []
    latex_numbers, latex_depth = env.toc_fignumbers, app.config.numfig_secnum_depth
    app.config.numfig_secnum_depth = web_depth
    try:
        TocTreeCollector().assign_figure_numbers(env)  # replaces env.toc_fignumbers
        web_numbers = env.toc_fignumbers
    finally:
        app.config.numfig_secnum_depth = latex_depth
        env.toc_fignumbers = latex_numbers
    env.pdf_web_fignumbers = web_numbers
    for docname, numbers in web_numbers.items():
        if "exercise" in numbers:
            latex_numbers.setdefault(docname, {})["exercise"] = numbers["exercise"]
    return []


def setup(app):
    app.add_config_value("pdf_web_numfig_secnum_depth", None, "env")
    # tools/sheets.py: every LaTeX document is one problem sheet.
    app.add_config_value("pdf_sheet_documents", False, "env")
    app.connect("builder-inited", _sheet_documents)
    app.connect("build-finished", _report_glue)
    app.connect("config-inited", _remember_web_depth)
    app.connect("env-get-updated", exercise_numbers_as_on_the_web, priority=900)
    app.add_post_transform(HtmlTablesForLatex)
    app.add_post_transform(ExerciseNumbersForLatex)
    app.add_post_transform(NaturalWidthTables)
    app.add_post_transform(SheetReferencesToTheBook)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
