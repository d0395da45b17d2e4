"""Sphinx extension for the course book (``local_extensions`` in ``_config.yml``).

- writes the zip of ``codes/`` (tools/package_codes.py) into the HTML output at every
  build and adds the role ``{codes-zip}`Text``` that links to it from any page;
- gives every page a ``<meta name="description">`` (config value ``book_description``);
- takes the course's title, semester and instructors from the course file ``kurs.yml``
  (tools/course.py) at every build: HTML and PDF title, author, copyright, logo text,
  meta description and the substitutions ``{{ kurs_titel }}``, ``{{ kurs_semester }}``,
  ``{{ kurs_lehrende }}`` and per sheet ``{{ blatt_3_abgabe }}``, ``{{ blatt_3_punkte }}``, ``{{ blatt_3_pdf }}``
  (links to the sheet's PDFs of ``make sheets``, in psets/); ``course_edition: studierende`` (set by
  tools/student_build.py) adds "(Studierendenausgabe)" to the title;
- names the tasks of the sheets "Aufgabe 3.1" (sphinx-exercise says "Übung"), one name
  in headings, references and the PDF;
- makes the theme's source download buttons (``.md``, ``.ipynb``) real downloads;
- drops the inline scripts that Sphinx 7.4 puts twice into every page;
- renders myst-nb's ``{nb-exec-table}`` in German, in book order, with page titles, a
  total and each run time as a multiple of the build's calibration (tools/calibrate.py,
  stored next to the execution cache), and re-reads the pages that hold such a table at
  every build, so that the environment they report (device, date) is the one of the
  current build.
"""

import gettext
import json
import posixpath
import re
from datetime import datetime
from html import escape
from pathlib import Path

import sphinx.locale
from course import load_course
from docutils import nodes
from myst_nb.ext.execution_tables import METADATA_KEY, ExecutionStatsNode, make_stat_table
from myst_nb.sphinx_ import NbMetadataCollector
from package_codes import ZIP_NAME, write_zip
from sphinx import addnodes
from sphinx.transforms.post_transforms import SphinxPostTransform

from codes.plotting import german_number, germanize

GERMAN_HEADERS = {
    "Document": "Seite",
    "Modified": "Ausgeführt am",
    "Method": "Modus",
    "Run Time (s)": "Laufzeit (s)",
    "Status": "Status",
}
GERMAN_STATUS = {"✅": "fehlerfrei", "❌": "Fehler"}


def codes_zip_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    """``{codes-zip}`Text``` -> a link from the current page to the zip in the output root."""
    docname = inliner.document.settings.env.docname
    uri = "../" * docname.count("/") + ZIP_NAME
    return [nodes.reference(rawtext, text, refuri=uri, classes=["codes-zip"])], []


class GermanExecutionTable(SphinxPostTransform):
    """Replace the ``{nb-exec-table}`` placeholder by the table in German, before myst-nb does."""

    default_priority = 7  # myst-nb's own (English) transform runs at 8

    def run(self, **kwargs):
        data = NbMetadataCollector.get_doc_data(self.env)
        calibration = _calibration(self.env)
        for placeholder in list(self.document.findall(ExecutionStatsNode)):
            table = make_stat_table(self.env.docname, data)
            _sort_in_book_order(table, self.env)
            _add_multiples(table, calibration)
            _translate(table)
            _append_total(table, data, calibration)
            placeholder.replace_self([table, _calibration_note(calibration)])


def _calibration(env):
    """The calibration of this build (dict of tools/calibrate.py) next to the cache, or None."""
    cache = env.mystnb_config.execution_cache_path  # myst-nb's default filled in
    if not cache:
        return None
    path = Path(env.srcdir, cache).parent / "calibration.json"  # an absolute cache path wins
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _add_multiples(table, calibration):
    """A column "× Kalibrierung" after the run time: seconds / calibration seconds."""
    tgroup = table.next_node(nodes.tgroup)
    tgroup["cols"] += 1
    colspecs = [c for c in tgroup.children if isinstance(c, nodes.colspec)]
    tgroup.insert(tgroup.index(colspecs[-1]) + 1, nodes.colspec(colwidth=colspecs[-1]["colwidth"]))
    for row in table.findall(nodes.row):
        entries = [e for e in row.children if isinstance(e, nodes.entry)]
        if row.parent.tagname == "thead":
            text = "× Kalibrierung"
        else:
            seconds = entries[3].astext()
            text = (german_number(float(seconds) / calibration["seconds"], ".1f")
                    if calibration and _is_number(seconds) else "–")
        row.insert(row.index(entries[3]) + 1, nodes.entry("", nodes.paragraph(text=text)))


def _calibration_note(calibration):
    """The sentence under the table that gives the calibration of this build."""
    if not calibration:
        return nodes.paragraph(text="Für diesen Bau liegt keine Kalibrierung vor "
                                    "(tools/calibrate.py lief nicht), daher fehlen die Vielfachen.")
    return nodes.paragraph(text=(
        f"Kalibrierung dieses Baus: {german_number(calibration['seconds'], '.2f')} s "
        f"(eine Epoche des NumPy-MLP {german_number(calibration['numpy_mlp_seconds'], '.2f')} s, "
        f"eine Epoche des LSTM in PyTorch {german_number(calibration['torch_lstm_seconds'], '.2f')} s, "
        f"je auf einem Thread; {calibration.get('cpu', 'unbekannter Prozessor')}, gemessen "
        f"am {_german_date(calibration.get('date', ''))})."))


def _german_date(text):
    try:
        return datetime.strptime(text, "%Y-%m-%d %H:%M UTC").strftime("%d.%m.%Y, %H:%M UTC")
    except ValueError:
        return text


def _sort_in_book_order(table, env):
    """Rows in the order of the table of contents instead of by file name."""
    order = {}

    def walk(docname):
        order.setdefault(docname, len(order))
        for child in env.toctree_includes.get(docname, []):
            walk(child)

    walk(env.config.root_doc)
    here = posixpath.dirname(env.docname)

    def position(row):
        xref = row.next_node(addnodes.pending_xref)
        docname = posixpath.normpath(posixpath.join(here, xref["reftarget"]))
        return order.get(docname, len(order))

    body = table.next_node(nodes.tbody)
    rows = sorted(body.children, key=position)
    body.clear()
    body.extend(rows)


def _translate(table):
    """German headers, titles instead of file names, words instead of emoji, German dates."""
    for entry in table.findall(nodes.entry):
        paragraph = entry.next_node(nodes.paragraph)
        text = paragraph.astext() if paragraph else ""
        if text in GERMAN_HEADERS:
            paragraph.replace_self(nodes.paragraph(text=GERMAN_HEADERS[text]))
        elif text in GERMAN_STATUS:  # the symbol may sit in an abbreviation with the error
            symbol = next(iter(paragraph.findall(nodes.Text)))
            symbol.parent.replace(symbol, nodes.Text(GERMAN_STATUS[text]))
        elif _is_number(text):  # run time in seconds, German decimal comma
            paragraph.replace_self(nodes.paragraph(text=germanize(text)))
        elif _is_timestamp(text):
            paragraph.replace_self(nodes.paragraph(
                text=datetime.strptime(text, "%Y-%m-%d %H:%M").strftime("%d.%m.%Y %H:%M")))
    for xref in table.findall(addnodes.pending_xref):
        xref["refexplicit"] = False  # Sphinx then shows the page title


def _is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def _is_timestamp(text):
    try:
        datetime.strptime(text, "%Y-%m-%d %H:%M")
    except ValueError:
        return False
    return True


def _append_total(table, data, calibration=None):
    """A last row with the number of notebooks, their summed run time and its multiple."""
    runs = [d["exec_data"] for d in data.values() if d.get("exec_data")]
    seconds = sum(run["runtime"] or 0.0 for run in runs)
    multiple = german_number(seconds / calibration["seconds"], ".1f") if calibration else "–"
    row = nodes.row()
    cells = [f"Summe ({len(runs)} Notebooks)", "", "", german_number(seconds, ".2f"), multiple, ""]
    for text in cells:
        row += nodes.entry("", nodes.paragraph("", "", nodes.strong(text=text)))
    table.next_node(nodes.tbody).append(row)


def _reread_exec_table_pages(app, env, added, changed, removed):
    """Pages with an execution table run again at every build (their report stays current)."""
    return [name for name, data in NbMetadataCollector.get_doc_data(env).items()
            if data.get(METADATA_KEY) and name in env.found_docs]


def _write_codes_zip(app):
    if app.builder.format == "html":
        write_zip(Path(app.outdir) / ZIP_NAME, root=app.srcdir)


def _add_description(app, pagename, templatename, context, doctree):
    description = app.config.book_description
    if description and 'name="description"' not in context.get("metatags", ""):
        context["metatags"] = (context.get("metatags", "")
                               + f'\n    <meta name="description" content="{escape(description)}" />')


def _drop_duplicate_scripts(app, pagename, templatename, context, doctree):
    """Keep each <script> once.

    Sphinx 7.4 registers inline scripts added after the builder started (sphinx-thebe,
    sphinx-togglebutton) a second time with filename '' instead of None; the copy of
    ``const THEBE_JS_URL`` then throws a JavaScript error on every page.
    """
    seen, unique = set(), []
    for script in context.get("script_files", []):
        key = (getattr(script, "filename", script) or "", getattr(script, "priority", 0),
               tuple(sorted(getattr(script, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


class TaskNames(gettext.NullTranslations):
    """sphinx-exercise's catalog with the book's names: "Aufgabe 3.1", "Lösung zu Aufgabe 3.1"."""

    NAMES = {"Exercise": "Aufgabe", "Solution to": "Lösung zu"}

    def gettext(self, message):
        return self.NAMES.get(message) or super().gettext(message)


STUDENT_SUFFIX = " (Studierendenausgabe)"


def _course_config(app, config):
    """Course title, semester and instructors from kurs.yml into the Sphinx configuration."""
    course = load_course(Path(app.srcdir) / "kurs.yml")
    title = course.title + (STUDENT_SUFFIX if config.course_edition == "studierende" else "")
    config.project = config.html_title = title
    config.author = course.instructors_text
    config.copyright = f"{course.semester}, {course.instructors_text}"
    config.today = course.semester  # the date line of the PDF title page
    logo = config.html_theme_options.setdefault("logo", {})
    logo["alt_text"] = f"{title}: zur Startseite"
    config.book_description = f"{course.title}, {course.semester}. {config.book_description}".strip()
    sheets = {}
    for sheet in course.sheets:
        sheets[f"blatt_{sheet.number}_abgabe"] = sheet.due_text
        sheets[f"blatt_{sheet.number}_punkte"] = str(sheet.total_points)
        # make sheets (tools/sheets.py) puts the PDFs into blaetter/ of each edition.
        links = [f'<a href="../blaetter/{sheet.pdf_name}" download>PDF</a>']
        if config.course_edition != "studierende":
            links.append(f'<a href="../blaetter/{sheet.solutions_pdf_name}" download>'
                         "mit Lösungen</a>")
        sheets[f"blatt_{sheet.number}_pdf"] = ", ".join(links)
    config.myst_substitutions = {**config.myst_substitutions, **sheets,
                                 "kurs_titel": course.title, "kurs_semester": course.semester,
                                 "kurs_lehrende": course.instructors_text}


SOURCE_LINK = re.compile(r'(<a href="[^"]*_sources/[^"]+")\s+target="_blank"')


def download_source_links(text):
    """The theme's ``.md``/``.ipynb`` buttons download the file instead of opening it in
    a tab (where a server without a charset shows the umlauts garbled)."""
    return SOURCE_LINK.sub(r"\1 download", text)


def _download_sources(app, exception):
    if exception or app.builder.format != "html":
        return
    for page in Path(app.outdir).rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        fixed = download_source_links(text)
        if fixed != text:
            page.write_text(fixed, encoding="utf-8")


def _course_title_page(app, env):
    """The PDF title page of the book with the course's title and instructors.

    Set after reading (env-updated): jupyter-book fills in its own title only after Sphinx
    started, and ``latex_documents`` must not be read before the root document is known.
    The sheets of tools/sheets.py start elsewhere and keep their titles.
    """
    config = app.config
    if app.builder.format == "latex":
        config.latex_documents = [
            (start, target, config.html_title, config.author, *rest)
            if start == config.root_doc else (start, target, title, author, *rest)
            for start, target, title, author, *rest in config.latex_documents]
    return []


def setup(app):
    app.setup_extension("sphinx_exercise")
    app.connect("env-updated", _course_title_page)
    app.connect("build-finished", _download_sources)
    # First registered catalog wins; sphinx-exercise's German one becomes our fallback.
    sphinx.locale.translators[("general", "exercise")] = TaskNames()
    app.add_config_value("book_description", "", "html")
    app.add_config_value("course_edition", "", "env")
    app.connect("config-inited", _course_config, priority=400)
    app.add_role("codes-zip", codes_zip_role)
    app.add_post_transform(GermanExecutionTable)
    app.connect("env-get-outdated", _reread_exec_table_pages)
    app.connect("builder-inited", _write_codes_zip)
    app.connect("html-page-context", _add_description)
    app.connect("html-page-context", _drop_duplicate_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
