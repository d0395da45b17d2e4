"""The built-HTML check (tools/html_check.py) catches planted slips and lets German forms pass."""

import pytest

from tools.html_check import check_build, check_page, main, number_slips, svg_texts

PAGE = """<!DOCTYPE html><html lang="de"><head><title>Seite</title></head><body>
<nav class="bd-header">{nav}</nav>
<main><article class="bd-article">
<h1><span class="section-number">3.1. </span>Theorie</h1>
<p>{prose}</p>
<div class="cell docutils container">
 <div class="cell_input docutils container"><div class="highlight"><pre>eta = 0.1; n = 130831</pre></div></div>
 <div class="cell_output docutils container"><div class="output stream highlight-myst-ansi">
 <div class="highlight"><pre></pre></div></div></div>
</div>
<p>Code wie <code class="docutils literal notranslate"><span class="pre">lr=0.001</span></code>,
die Datei <a class="reference external" href="https://example.org/v1.2/x.html">example.org/v1.2</a>,
Gleichung <a class="reference internal" href="#eq"><span class="eqno">(3.11)</span></a>,
Abschnitt <a class="reference internal" href="#s">3.1</a>, Python 3.11, Version 2.4.1.</p>
<div class="math notranslate nohighlight">\\[ a = 0{{,}}5 \\tag{{3.11}} \\]</div>
<div class="math notranslate nohighlight" id="equation-x"><span class="eqno">(3.12)<a class="headerlink" href="#equation-x">#</a></span>\\[ b = 1 \\]</div>
{table}
{figure}
</article></main></body></html>"""


def page(prose="", nav="Kapitel", table="", figure="", output=""):
    html = PAGE.format(prose=prose, nav=nav, table=table, figure=figure)
    return html.replace('<div class="highlight"><pre></pre>',
                        f'<div class="highlight"><pre>{output}</pre>')


def rules(html, figure_text=None):
    return [f.rule for f in check_page(html, "x.html", figure_text)]


def test_german_forms_pass():
    prose = ("Genauigkeit 97,8\u202f%, 130\u202f831 Moleküle, 9943 Bilder, η = 0,1, "
             "−0,5, 3,1 · 10⁻³⁰, am 01.12.2026, arXiv:1702.05532, Kapitel 3.2, "
             "<span class=\"pasted-text\">23\u202f860</span>, Datei model.pt, 2026.")
    table = ("<table><thead><tr><th>Modell</th><th>Genauigkeit (%)</th></tr></thead>"
             "<tbody><tr><td>MLP</td><td>96,65\u00a0±\u00a00,30</td></tr></tbody></table>")
    assert check_page(page(prose, table=table, output="Genauigkeit: 95,66\u202f%")) == []
    styled = ('</pre><style>#T_1 td {{ width: 12345px; opacity: 0.5 }}</style><pre>'
              .replace("{{", "{").replace("}}", "}"))
    assert check_page(page(output=styled)) == []


@pytest.mark.parametrize(("prose", "rule"), [
    ('<span class="pasted-text">130831</span> Moleküle', "ohne schmales Leerzeichen"),
    ("Es sind 9\u202f943 Bilder.", "vierstellige Zahl getrennt"),
    ("Der Fehler MAE 1.73 ist klein.", "Dezimalpunkt"),
    ('η = <span class="pasted-text">0.1</span>', "Dezimalpunkt"),
    ("Das Verhältnis 3,1e-30 ist winzig.", "E-Notation"),
    ("schrumpft um das 2,1e-05-Fache", "E-Notation"),
    ("Der Wert ist -0,5.", "Minuszeichen"),
    ("1,234,567 Schritte", "Zifferngruppen"),
    ("Launch on Binder", "Oberflächentext"),
    ('<span class="pasted-text">96,65</span> ± <span class="pasted-text">0,30</span>',
     "Umbruch nach ±"),
])
def test_planted_slips_in_prose_are_caught(prose, rule):
    assert any(rule in r for r in rules(page(prose))), rules(page(prose))


def test_printed_outputs_tables_figures_and_ui_are_checked():
    (finding,) = check_page(page(output="{'val_acc': 0.922}\nη0 = 0.3"))
    assert finding.rule == "Dezimalpunkt statt Komma" and finding.text.endswith("(und 1 weitere)")
    table = "<table><tr><th>train_loss</th><th>epoch</th></tr><tr><td>0.25</td><td>1</td></tr></table>"
    found = rules(page(table=table))
    assert found.count("englische Spaltenüberschrift") == 2 and "Dezimalpunkt statt Komma" in found
    found = rules(page(figure='<img src="fig.svg" alt="Parität">'), lambda src: ["MAE 1.73", "0,5"])
    assert found == ["Abbildungstext: Dezimalpunkt statt Komma"]
    found = rules(page(nav='<button title="Toggle primary sidebar">Search</button>'))
    assert "englisches Attribut title" in found and "englisches Wort in der Oberfläche" in found
    found = rules(page(figure='<a class="headerlink" title="Link to this heading">#</a>'))
    assert "englisches Attribut title" in found


def test_findings_name_file_element_and_text(tmp_path, capsys):
    (tmp_path / "intro.html").write_text(page("MAE 1.73"), encoding="utf-8")
    (tmp_path / "_static").mkdir()
    (tmp_path / "_static" / "x.html").write_text(page("MAE 1.73"), encoding="utf-8")
    (findings,) = check_build(tmp_path)
    assert (findings.file, findings.element, findings.text) == ("intro.html", "p", "MAE 1.73")
    assert main([str(tmp_path)]) == 1
    assert "intro.html: <p>: Dezimalpunkt statt Komma: „MAE 1.73“" in capsys.readouterr().out


def test_matplotlib_svg_text_is_read():
    import io

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from codes.plotting import use_book_style

    use_book_style()
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 60000])
    ax.set_title("MAE 1.73")
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg")
    plt.close(fig)
    texts = svg_texts(buffer.getvalue())
    assert "MAE 1.73" in texts and "60\u202f000" in texts
    assert [rule for text in texts for rule, _ in number_slips(text)] == [
        "Dezimalpunkt statt Komma"]


def test_build_fixes_of_a11y_pass_the_check():
    """tools/a11y.py's German interface and no-break ± make a page pass."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
    from a11y import accessible_html

    raw = page('<span class="pasted-text">96,65</span> ± <span class="pasted-text">0,30</span>',
               nav='<button title="Toggle primary sidebar" aria-label="Launch on Binder">'
                   '<a class="headerlink" title="Link to this heading">#</a></button>')
    assert len(check_page(raw)) == 4
    fixed = accessible_html(raw)
    assert check_page(fixed) == [] and "96,65</span>\u00a0±\u00a0<span" in fixed


def test_named_citation_prints_the_authors_once():
    """"He et al. {cite}`he2015`" would print "He et al. (He u. a., 2015)"; tools/german_bibtex.py
    makes it the textual citation "He u. a. (2015)", only where the name is the first author."""
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(root / "tools"))
    from german_bibtex import _first_authors, textual_citations

    authors = _first_authors([root / "assets" / "references.bib"])
    assert authors["he2015"] == "He"
    assert textual_citations("He et al. {cite}`he2015` für ReLU", authors) == "{cite:t}`he2015` für ReLU"
    assert textual_citations("Glorot und Bengio\n{cite}`glorot2010`", authors) == "{cite:t}`glorot2010`"
    assert textual_citations("von Nielsen {cite:p}`nielsen2015`", authors) == "von {cite:t}`nielsen2015`"
    for untouched in ("Datensatz MNIST {cite}`lecun1998`", "Optuna {cite:p}`akiba2019`",
                      "He et al. {cite}`glorot2010`"):
        assert textual_citations(untouched, authors) == untouched
