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
"""

import re
from html.parser import HTMLParser

from docutils import nodes
from sphinx import addnodes
from sphinx.environment.collectors.toctree import TocTreeCollector
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging
from sphinx_exercise.nodes import exercise_enumerable_node, exercise_latex_number_reference

logger = logging.getLogger(__name__)


class _TableParser(HTMLParser):
    """Collect the rows of the first ``<table>``: ``[(in_head, [cell text, ...]), ...]``."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.rows, self.caption = [], ""
        self._in_head = self._cell = self._in_caption = self._in_style = False
        self._depth = 0

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._depth += 1
        elif tag == "style":
            self._in_style = True
        elif self._depth != 1:
            return
        elif tag == "thead":
            self._in_head = True
        elif tag == "caption":
            self._in_caption = True
        elif tag == "tr":
            self.rows.append((self._in_head, []))
        elif tag in ("td", "th") and self.rows:
            self.rows[-1][1].append("")
            self._cell = True

    def handle_endtag(self, tag):
        if tag == "table":
            self._depth -= 1
        elif tag == "style":
            self._in_style = False
        elif tag == "thead":
            self._in_head = False
        elif tag == "caption":
            self._in_caption = False
        elif tag in ("td", "th"):
            self._cell = False

    def handle_data(self, data):
        if self._in_style or self._depth != 1:
            return
        if self._in_caption:
            self.caption += data
        elif self._cell:
            self.rows[-1][1][-1] += data


def html_table(html):
    """The docutils table for the first ``<table>`` in ``html``, or ``None``.

    Header rows (``<thead>``) become the table head; index cells (``<th>`` in the body)
    are plain cells. Rows are padded to the widest row (pandas leaves index-name rows short).
    """
    parser = _TableParser()
    parser.feed(html)
    rows = [(head, [" ".join(cell.split()) for cell in cells]) for head, cells in parser.rows]
    rows = [(head, cells) for head, cells in rows if cells]
    if not rows:
        return None
    width = max(len(cells) for _, cells in rows)
    rows = [(head, cells + [""] * (width - len(cells))) for head, cells in rows]
    rows = _merge_index_name_row(rows)
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
    if parser.caption.strip():
        table.insert(0, nodes.title(text=" ".join(parser.caption.split())))
    return table


def _merge_index_name_row(rows):
    """pandas puts the index name in a second header row ("Merkmal" under an empty cell
    left of "Wert"); merge the two rows when no column has text in both."""
    heads = [cells for head, cells in rows if head]
    if len(heads) == 2 and all(not (a and b) for a, b in zip(*heads, strict=True)):
        merged = [a or b for a, b in zip(*heads, strict=True)]
        return [(True, merged)] + [(head, cells) for head, cells in rows if not head]
    return rows


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


def _remember_web_depth(app, config):
    config.pdf_web_numfig_secnum_depth = config.numfig_secnum_depth


def exercise_numbers_as_on_the_web(app, env):
    """In LaTeX builds, number exercises with the ``numfig_secnum_depth`` of the web edition."""
    web_depth = app.config.pdf_web_numfig_secnum_depth
    if app.builder.format != "latex" or web_depth == app.config.numfig_secnum_depth:
        return []
    latex_numbers, latex_depth = env.toc_fignumbers, app.config.numfig_secnum_depth
    app.config.numfig_secnum_depth = web_depth
    try:
        TocTreeCollector().assign_figure_numbers(env)  # replaces env.toc_fignumbers
        web_numbers = env.toc_fignumbers
    finally:
        app.config.numfig_secnum_depth = latex_depth
        env.toc_fignumbers = latex_numbers
    for docname, numbers in web_numbers.items():
        if "exercise" in numbers:
            latex_numbers.setdefault(docname, {})["exercise"] = numbers["exercise"]
    return []


def setup(app):
    app.add_config_value("pdf_web_numfig_secnum_depth", None, "env")
    app.connect("config-inited", _remember_web_depth)
    app.connect("env-get-updated", exercise_numbers_as_on_the_web, priority=900)
    app.add_post_transform(HtmlTablesForLatex)
    app.add_post_transform(ExerciseNumbersForLatex)
    app.add_post_transform(NaturalWidthTables)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
