"""The rows of an HTML table (a pandas table in a notebook output), for the editions that
cannot show HTML: the PDF (tools/pdf_edition.py, a docutils table) and the notebook
edition (tools/notebook_edition.py, a markdown table)."""

from html.parser import HTMLParser


class _TableParser(HTMLParser):
    """Collect the rows of the first ``<table>``: ``[(in_head, [cell text, ...]), ...]``."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.rows, self.caption, self.tables = [], "", 0
        self._in_head = self._cell = self._in_caption = self._in_style = False
        self._depth = 0

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._depth += 1
            self.tables += 1
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


def table_rows(html):
    """``(rows, caption, tables)`` of the first ``<table>`` in ``html``: rows as
    ``(in_head, cells)`` with the cells' text on one line, padded to the widest row
    (pandas leaves index-name rows short); ``tables`` counts the tables in ``html``."""
    parser = _TableParser()
    parser.feed(html)
    rows = [(head, [" ".join(cell.split()) for cell in cells]) for head, cells in parser.rows]
    rows = [(head, cells) for head, cells in rows if cells]
    if rows:
        width = max(len(cells) for _, cells in rows)
        rows = _merge_index_name_row([(head, cells + [""] * (width - len(cells)))
                                      for head, cells in rows])
    return rows, " ".join(parser.caption.split()), parser.tables


def _merge_index_name_row(rows):
    """pandas puts the index name in a second header row ("Merkmal" under an empty cell
    left of "Wert"); merge the two rows when no column has text in both."""
    heads = [cells for head, cells in rows if head]
    if len(heads) == 2 and all(not (a and b) for a, b in zip(*heads, strict=True)):
        merged = [a or b for a, b in zip(*heads, strict=True)]
        return [(True, merged)] + [(head, cells) for head, cells in rows if not head]
    return rows
