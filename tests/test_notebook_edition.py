"""The notebook edition (tools/notebook_edition.py): a page run as a notebook looks like the page.

- unit tests of the transformation on small fake notebooks and a fake Sphinx environment:
  glue (text, markdown, figure), {numref}, {eq} and equation numbers, exercises and
  solutions with German numbers, notes, literalinclude, citations, hidden cells, what is
  left unresolved;
- checks of every generated notebook of the built editions (_build/html,
  _build_student/html; skipped without a build): valid nbformat, nothing jupyterlab-myst
  cannot render, no glue key, no English box title, every glued figure attached, no
  solution text in the student edition, the page's .ipynb button links the notebook.

tests/browser/test_notebook_in_jupyterlab.py opens notebooks in a real JupyterLab (another
name: pytest collects tests/ and tests/browser/ as one package-less tree).
"""

import base64
import json
import os
import re
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
from docutils import nodes
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from tools.notebook_edition import (
    GLUE_PREFIX,
    META_KEY,
    Book,
    html_table,
    leftover_myst,
    page_notebook,
)

ROOT = Path(__file__).resolve().parents[1]
EDITIONS = {
    "lehrende": Path(os.environ.get("BOOK_HTML_DIR", ROOT / "_build" / "html")),
    "studierende": Path(os.environ.get("STUDENT_HTML_DIR", ROOT / "_build_student" / "html")),
}
# A 1×1 PNG stands in for rsvg-convert's output.
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAIAAAABCAYAAAD0In+KAAAAC0lEQVR42mNgQAcAAA4AAR"
                       "Ly1lQAAAAASUVORK5CYII=")
ENGLISH = re.compile(r"\b(Exercise|Solution|Note|Figure|Table|Warning|Tip)\b|Unknown Directive")


# --- a small fake book ---------------------------------------------------------------------


def _toc(*entries):
    """env.tocs of a page: (title, anchor, section number) in document order."""
    items = [nodes.list_item("", nodes.reference("", title, anchorname=anchor, secnumber=number))
             for title, anchor, number in entries]
    return nodes.bullet_list("", *items)


def _citation(key, surnames, year):
    from pybtex.database import Entry, Person

    entry = Entry("article", fields={"title": "Titel", "year": year, "journal": "J"},
                  persons={"author": [Person(f"{name}, A.") for name in surnames]})
    return SimpleNamespace(key=key, entry=entry, formatted_entry=None, citation_id=f"id-{key}",
                           bibliography_key=SimpleNamespace(docname="anhang/literatur"))


def fake_env(**config):
    settings = dict(
        language="de", numfig=True, math_numfig=True, math_eqref_format="({number})", math_numsep=".",
        numfig_format={"figure": "Abb. %s", "table": "Tab. %s", "code-block": "Quellcode %s",
                       "section": "Abschnitt %s", "exercise": "Aufgabe %s"},
        html_secnumber_suffix=". ", hide_solutions=False, project="Testbuch",
        course_edition="", bibtex_reference_style="author_year_de",
        myst_substitutions={"kurs_semester": "Wintersemester 2026/27",
                            "blatt_3_pdf": '<a href="../blaetter/b3.pdf" download>PDF</a>'})
    settings.update(config)
    labels = {"fig-netz": ("kap/seite", "fig-netz", "Ein Netz."),
              "sec-training": ("kap/seite", "sec-training", "Training"),
              "ex-softmax": ("kap/blatt", "ex-softmax", "Aufgabe")}
    return SimpleNamespace(
        config=SimpleNamespace(**settings),
        srcdir="/nirgends",
        titles={"kap/seite": nodes.title("", "Die Seite"), "kap/blatt": nodes.title("", "Blatt 3"),
                "kap/index": nodes.title("", "Einleitung")},
        tocs={"kap/seite": _toc(("Die Seite", "", (2, 1)), ("Training", "#sec-training", (2, 1, 1))),
              "kap/blatt": _toc(("Blatt 3", "", (3, 6)))},
        toc_fignumbers={"kap/seite": {"figure": {"fig-netz": (2, 4)},
                                      "displaymath": {"equation-eq-loss": (2, 11)}},
                        "kap/blatt": {"exercise": {"ex-softmax": (3, 1)}}},
        toc_secnumbers={"kap/seite": {"": (2, 1), "#sec-training": (2, 1, 1)}},
        domaindata={"std": {"labels": labels, "anonlabels": {k: v[:2] for k, v in labels.items()}},
                    "math": {"objects": {"eq:loss": ("kap/seite", 1)}},
                    "cite": {"citations": [_citation("glorot2010", ["Glorot", "Bengio"], "2010"),
                                           _citation("he2015", ["He", "Zhang", "Ren"], "2015")]}},
        metadata={"kap/seite": {"kernelspec": {}}},
        sphinx_exercise_registry={},
        mystnb_config=SimpleNamespace(output_stderr="remove-warn", merge_streams=True),
    )


def glue_output(key, data):
    return new_output("display_data", data={GLUE_PREFIX + mime: value for mime, value in data.items()},
                      metadata={"scrapbook": {"name": key, "mime_prefix": GLUE_PREFIX}})


def convert(cells, docname="kap/seite", srcdir=None, **config):
    executed = new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3",
                                                                  "display_name": "Python 3"}})
    book = Book(fake_env(**config), srcdir=srcdir, png=lambda svg: PNG)
    notebook, writer = page_notebook(executed, docname, book)
    nbformat.validate(notebook)
    return notebook, writer


def markdown(notebook):
    return "\n\n".join(cell.source for cell in notebook.cells[1:] if cell.cell_type == "markdown")


# --- unit tests ------------------------------------------------------------------------------


def test_glued_text_and_markdown_appear_as_on_the_page_and_hidden_glue_outputs_go():
    code = new_code_cell("glue(...)", outputs=[
        new_output("stream", name="stdout", text="Epoche 1\n"),
        new_output("stream", name="stdout", text="Epoche 2\n"),
        new_output("stream", name="stderr", text="Warnung\n"),
        glue_output("acc", {"text/plain": "np.float64(0.97812)"}),
        glue_output("n", {"text/plain": "60000"}),
        glue_output("best", {"text/markdown": "**ReLU** mit $\\eta = 0{,}1$", "text/plain": "x"})])
    text = new_markdown_cell("Genauigkeit {glue:text}`acc:.1%`, {glue:text}`n` Bilder, "
                             "am besten {glue:md}`best`; Code: `{glue:text}`roh``.")
    notebook, writer = convert([code, text])
    out = markdown(notebook)
    assert "Genauigkeit 97,8 %, 60 000 Bilder" in out.replace("\u202f", " ")
    assert "am besten **ReLU** mit $\\eta = 0{,}1$" in out
    assert "`{glue:text}`roh``" in out  # inline code stays as it is
    outputs = notebook.cells[1].outputs
    assert [o.output_type for o in outputs] == ["stream"]  # glue gone, stderr gone, merged
    assert outputs[0].text == "Epoche 1\nEpoche 2\n"
    assert writer.unresolved == []


def test_glued_figure_becomes_an_attachment_with_the_books_caption():
    code = new_code_cell("glue('fig_netz', fig)", metadata={"tags": ["remove-cell"]}, outputs=[
        glue_output("fig_netz", {"image/svg+xml": "<svg/>", "text/plain": "<Figure>"}),
        glue_output("d", {"text/plain": "8"})])
    figure = new_markdown_cell("```{glue:figure} fig_netz\n:name: fig-netz\n:alt: Kreise und Linien\n\n"
                               "Ein Netz mit {glue:text}`d` Neuronen.\n```\n\n{numref}`fig-netz` zeigt"
                               " es, {numref}`Bild %s <fig-netz>` auch.")
    notebook, _ = convert([code, figure])
    cell = notebook.cells[2]
    assert set(cell.attachments) == {"fig_netz.png"}
    assert base64.b64decode(cell.attachments["fig_netz.png"]["image/png"]) == PNG
    assert "```{image} attachment:fig_netz.png\n:alt: Kreise und Linien\n:width: 1px\n```" in cell.source
    assert "(fig-netz)=" in cell.source
    assert "**Abb. 2.4** Ein Netz mit 8 Neuronen." in cell.source
    assert "Abb. 2.4 zeigt es, Bild 2.4 auch." in cell.source
    hidden = notebook.cells[1].metadata["jupyter"]
    assert hidden == {"source_hidden": True}  # kept to run, collapsed like the page hides it


def test_equations_carry_the_books_number_and_eq_shows_it():
    cell = new_markdown_cell("Der Verlust\n\n$$\nL = \\sum_i \\ell_i\n$$ (eq:loss)\n\nohne Nummer\n\n"
                             "$$ a = b \\\\ c = d $$\n\nnach {eq}`eq:loss` und Gleichung {eq}`eq:loss`.\n\n"
                             "$$x$$ steht im Satz,\nwie $$y$$.")
    out = markdown(convert([cell])[0])
    assert "\\begin{equation*}\nL = \\sum_i \\ell_i\n\\tag{2.11}\n\\end{equation*}" in out
    assert "\\begin{equation*}\n\\begin{split}\na = b \\\\ c = d\n\\end{split}\n\\end{equation*}" in out
    # jupyterlab-myst would number every $$ block itself: (1), (2), ...
    assert not [line for line in out.split("\n") if line.strip().startswith("$$ ")]
    assert "nach (2.11) und Gleichung (2.11)." in out
    assert "$$x$$ steht im Satz,\nwie $$y$$." in out  # inline, not a block


def test_exercises_and_solutions_get_the_books_german_numbers():
    exercise = new_markdown_cell("````{exercise} Softmax und $\\delta_L$\n:label: ex-softmax\n\n"
                                 "Zeigen Sie {eq}`eq:loss`.\n\n```python\ncheck(softmax)\n```\n````\n\n"
                                 "```{solution} ex-softmax\n:class: dropdown\n\nSo geht es.\n```\n\n"
                                 "Siehe {numref}`ex-softmax`.")
    notebook, writer = convert([exercise], docname="kap/blatt")
    out = markdown(notebook)
    assert "(ex-softmax)=\n:::{admonition} Aufgabe 3.1 (Softmax und $\\delta_L$)\n\nZeigen Sie (2.11)." in out
    assert "```python\ncheck(softmax)\n```" in out
    assert ":::{admonition} Lösung zu Aufgabe 3.1 (Softmax und $\\delta_L$)\n:class: dropdown\n\nSo geht es.\n:::" in out
    assert "Siehe Aufgabe 3.1." in out
    assert writer.unresolved == []


def test_a_gated_solution_spans_cells_and_its_code_is_collapsed():
    cells = [new_markdown_cell("```{exercise} Rechnen\n:label: ex-softmax\n\nRechnen Sie.\n```\n\n"
                               "````{solution-start} ex-softmax\n:class: dropdown\n````\n\nErst das."),
             new_code_cell("print(42)", outputs=[new_output("stream", name="stdout", text="42\n")]),
             new_markdown_cell("Dann das.\n\n```{solution-end}\n```\n\nWeiter im Text.")]
    notebook, _ = convert(cells, docname="kap/blatt")
    first, code, last = notebook.cells[1:]
    assert first.source.endswith(":::{admonition} Lösung zu Aufgabe 3.1 (Rechnen)\n"
                                 ":class: dropdown\n\nErst das.\n:::")
    assert code.metadata["jupyter"] == {"source_hidden": True, "outputs_hidden": True}
    assert last.source == (":::{admonition} Lösung zu Aufgabe 3.1 (Rechnen) (Fortsetzung)\n"
                           ":class: dropdown\n\nDann das.\n:::\n\nWeiter im Text.")
    # hide_solutions (the student edition's second guard): no solution text, no solution code.
    hidden, _ = convert(cells, docname="kap/blatt", hide_solutions=True)
    text = "\n".join(cell.source for cell in hidden.cells)
    assert "Erst das" not in text and "Dann das" not in text and "print(42)" not in text
    assert "Weiter im Text." in text and "Aufgabe 3.1 (Rechnen)" in text


def test_notes_get_sphinx_german_title_and_other_admonitions_stay():
    cell = new_markdown_cell("```{note}\nEin Hinweis.\n```\n\n:::{admonition} Merke\n:class: tip\n\n"
                             "Text\n:::\n\n```{warning}\nVorsicht.\n```")
    out = markdown(convert([cell])[0])
    assert ":::{admonition} Bemerkung\n:class: note\n\nEin Hinweis.\n:::" in out  # as on the HTML page
    assert ":::{admonition} Merke\n:class: tip\n\nText\n:::" in out
    assert ":::{admonition} Warnung\n:class: warning" in out
    assert not ENGLISH.search(out)


def test_literalinclude_becomes_the_code_the_page_shows(tmp_path):
    (tmp_path / "codes").mkdir()
    (tmp_path / "kap").mkdir()
    (tmp_path / "codes" / "demo.py").write_text(
        "import numpy\n\n# ANCHOR: f\ndef f(x):\n    return x\n# ANCHOR_END: f\n\n\ndef g():\n"
        "    return \"\"\"\n```\n\"\"\"\n", encoding="utf-8")
    cell = new_markdown_cell(
        "```{literalinclude} ../codes/demo.py\n:language: python\n:start-after: \"# ANCHOR: f\"\n"
        ":end-before: \"# ANCHOR_END: f\"\n```\n\n```{literalinclude} ../codes/demo.py\n"
        ":pyobject: g\n```\n\n```{literalinclude} /codes/demo.py\n:lines: 1\n```")
    out = markdown(convert([cell], srcdir=tmp_path)[0])
    assert "```python\ndef f(x):\n    return x\n```" in out
    assert '````\ndef g():\n    return """\n```\n"""\n````' in out  # a longer fence around ```
    assert "```\nimport numpy\n```" in out


def test_citations_numbers_references_and_substitutions_as_on_the_page():
    cell = new_markdown_cell(
        "# Die Seite\n\nNach {cite:t}`he2015` und {cite:p}`he2015` sowie {cite}`he2015,glorot2010`; "
        "{ref}`sec-training`, {ref}`dort <sec-training>`, {doc}`index`, {doc}`Start <index>`, "
        "{numref}`sec-training`. Im {{ kurs_semester }}: {{ blatt_3_pdf }}; "
        "{codes-zip}`ZIP-Archiv`.\n\n(sec-training)=\n## Training")
    notebook, writer = convert([cell])
    out = markdown(notebook)
    assert out.startswith("# 2.1. Die Seite\n")
    assert "Nach He u. a. (2015) und (He u. a., 2015) sowie (Glorot und Bengio, 2010, He u. a., 2015)" in out.replace("\u00a0", " ")
    assert "Training, dort, Einleitung, Start, Abschnitt 2.1.1." in out
    assert "Im Wintersemester 2026/27: PDF; ZIP-Archiv." in out
    assert "## 2.1.1. Training" in out
    assert writer.unresolved == []
    first = notebook.cells[0].source
    assert "„2.1. Die Seite“" in first and "LIESMICH.txt" in first
    assert "„Testbuch“ (Ausgabe für Lehrende, mit Lösungen, gebaut am" in first
    student, _ = convert([cell], project="Testbuch (Studierendenausgabe)", course_edition="studierende")
    assert "„Testbuch (Studierendenausgabe)“ (gebaut am" in student.cells[0].source
    assert notebook.metadata["kernelspec"]["name"] == "python3"
    assert notebook.metadata["title"] == "Die Seite"


def test_what_cannot_be_rewritten_becomes_text_and_is_reported():
    cell = new_markdown_cell("Ein {term}`Begriff`, ein {numref}`fig-fehlt`, {glue:text}`fehlt`.\n\n"
                             "```{margin}\nRandnotiz\n```\n\nDazu {{ unbekannt }}.")
    notebook, writer = convert([cell])
    out = markdown(notebook)
    assert "Ein Begriff, ein fig-fehlt, (Wert fehlt)." in out and "Randnotiz" in out
    assert leftover_myst(out) == []
    assert len(writer.unresolved) == 5, writer.unresolved
    assert notebook.metadata[META_KEY]["ungeloest"] == writer.unresolved
    assert leftover_myst(cell.source) == ["Direktive {margin}", "Rolle {term}", "Rolle {numref}",
                                          "Rolle {glue:text}", "Ersetzung {{ unbekannt }}"]


def test_hidden_inputs_and_outputs_are_collapsed_and_svg_outputs_get_a_png():
    cells = [new_code_cell("x", metadata={"tags": [tag]}, outputs=[new_output(
        "display_data", data={"image/svg+xml": "<svg/>", "text/plain": "<Figure>"})])
        for tag in ("remove-cell", "hide-input", "remove-output")]
    notebook, _ = convert(cells)
    hidden = [cell.metadata["jupyter"] for cell in notebook.cells[1:]]
    assert hidden == [{"source_hidden": True, "outputs_hidden": True}, {"source_hidden": True},
                      {"outputs_hidden": True}]
    assert all(cell.outputs[0].data["image/png"] for cell in notebook.cells[1:])
    assert [cell.id for cell in notebook.cells] == [f"zelle-{i}" for i in range(4)]


def test_glued_tables_become_markdown_tables():
    html = ("<div><style scoped>th {x}</style><table class='dataframe'><thead><tr><th></th>"
            "<th>η = 0,5</th></tr><tr><th>Variante</th><th></th></tr></thead><tbody><tr>"
            "<th>ReLU | BN</th><td>95,5 ± 0,1</td></tr></tbody></table></div>")
    assert html_table(html) == ("| Variante | η = 0,5 |\n|---|---|\n| ReLU \\| BN | 95,5 ± 0,1 |")
    assert html_table("<p>kein Bild</p>") is None


# --- the built editions ----------------------------------------------------------------------


def built_notebooks(edition):
    html = EDITIONS[edition]
    if not (html / "intro.html").is_file():
        pytest.skip(f"keine gebaute Ausgabe unter {html} (make book, make student)")
    notebooks = sorted((html / "_sources").rglob("*.ipynb"))
    if not any(META_KEY in json.loads(p.read_text(encoding="utf-8"))["metadata"] for p in notebooks):
        pytest.skip(f"{html} wurde vor der Notebook-Ausgabe gebaut")
    return html, notebooks


@pytest.mark.parametrize("edition", EDITIONS)
def test_every_built_notebook_renders_like_its_page(edition):
    html, notebooks = built_notebooks(edition)
    assert len(notebooks) >= 20
    problems = []
    for path in notebooks:
        name = path.relative_to(html / "_sources").as_posix()
        notebook = nbformat.read(path, as_version=4)
        nbformat.validate(notebook)
        meta = notebook.metadata.get(META_KEY)
        if meta is None:
            problems.append(f"{name}: kein Notebook der Notebook-Ausgabe")
            continue
        problems += [f"{name}: nicht aufgelöst: {what}" for what in meta["ungeloest"]]
        text = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
        problems += [f"{name}: {what}" for cell in notebook.cells if cell.cell_type == "markdown"
                     for what in leftover_myst(cell.source)]
        problems += [f"{name}: englischer Titel {title!r}" for title in
                     re.findall(r"\{admonition\}\s*(.*)", text) if ENGLISH.search(title)]
        for cell in notebook.cells:
            images = re.findall(r"attachment:([\w.-]+)", cell.source)
            missing = [image for image in images if image not in cell.get("attachments", {})]
            problems += [f"{name}: Anhang {image} fehlt" for image in missing]
            problems += [f"{name}: {image} ist kein PNG" for image in images
                         if not image.endswith(".png")]
            problems += [f"{name}: Glue-Ausgabe in einer Code-Zelle" for output in cell.get("outputs", [])
                         if any(mime.startswith(GLUE_PREFIX) for mime in output.get("data", {}))]
        source = (html / "_sources" / name).with_suffix(".md")
        if source.is_file():
            figures = source.read_text(encoding="utf-8").count("{glue:figure}")
            attached = sum(len(cell.get("attachments", {})) for cell in notebook.cells)
            if attached < figures:
                problems.append(f"{name}: {figures} Abbildungen, {attached} angehängt")
    assert not problems, "\n".join(problems[:40])


@pytest.mark.parametrize("edition", EDITIONS)
def test_the_ipynb_button_of_each_page_links_its_notebook(edition):
    html, notebooks = built_notebooks(edition)
    missing = []
    for path in notebooks:
        stem = path.relative_to(html / "_sources").with_suffix("").as_posix()
        page = (html / f"{stem}.html").read_text(encoding="utf-8")
        link = "../" * stem.count("/") + f"_sources/{stem}.ipynb"
        if f'<a href="{link}" download' not in page:
            missing.append(stem)
    assert not missing, missing


def test_the_student_notebooks_hold_no_solution():
    from tools.course import load_course
    from tools.student_build import find_leaks, public_text, split_solutions

    html, notebooks = built_notebooks("studierende")
    released = {s.path for s in load_course().sheets if s.solutions_released}
    blocks = [block for page in sorted(ROOT.glob("[!_.]*/**/*.md")) if page not in released
              for block in split_solutions(page.read_text(encoding="utf-8"))[1]]
    public = public_text(ROOT, {s.source for s in load_course().sheets if s.solutions_released})
    leaks = find_leaks(html / "_sources", blocks, public)
    assert not leaks, "\n".join(leaks[:20])
    solved = {s.docname for s in load_course().sheets if s.solutions_released}
    for path in notebooks:
        docname = path.relative_to(html / "_sources").with_suffix("").as_posix()
        if docname not in solved:
            assert "Lösung zu" not in path.read_text(encoding="utf-8"), docname
