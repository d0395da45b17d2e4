"""The course file kurs.yml feeds every consumer: build config, landing pages, zip, sheets."""

from pathlib import Path

import pytest
import yaml

from tools.course import CourseFileError, load_course

ROOT = Path(__file__).resolve().parents[1]


def _course_file(tmp_path, change):
    data = yaml.safe_load((ROOT / "kurs.yml").read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "kurs.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_course_file_names_every_sheet_with_its_pdfs():
    course = load_course()
    assert [s.number for s in course.sheets] == [1, 2, 3, 4, 5, 6]
    sheet = course.sheet(3)
    assert (sheet.pdf_name, sheet.solutions_pdf_name) == ("blatt-03.pdf", "blatt-03-loesungen.pdf")
    assert sheet.docname == "psets/blatt_03_mlp" and sheet.total_points > 0


def test_solutions_of_an_unreleased_sheet_are_refused_in_german(tmp_path):
    def change(data):
        data["blaetter"][4].update(veroeffentlicht=False, loesungen_veroeffentlicht=True)
    with pytest.raises(CourseFileError, match="zuerst veroeffentlicht: true"):
        load_course(_course_file(tmp_path, change))


def test_the_course_file_is_the_only_place_of_title_semester_and_instructors():
    """_config.yml's strings are overridden at build time (tools/book_extras.py); the pages,
    LIESMICH.txt and the sheets take them from kurs.yml too."""
    from tools.package_codes import readme

    course = load_course()
    intro = (ROOT / "intro.md").read_text(encoding="utf-8")
    assert intro.splitlines()[0] == "# {{ kurs_titel }}"
    assert "{{ blatt_1_abgabe }}" in (ROOT / "psets" / "index.md").read_text(encoding="utf-8")
    text = readme()
    assert course.title in text and course.semester in text and course.instructors_text in text
    extras = (ROOT / "tools" / "book_extras.py").read_text(encoding="utf-8")
    for setting in ("config.html_title", "config.author", "config.copyright",
                    'logo["alt_text"]', "config.book_description", "config.latex_documents ="):
        assert setting in extras, setting


def test_build_config_follows_the_course_file(tmp_path):
    """The config-inited hook of tools/book_extras.py on a changed course file."""
    import sys
    from types import SimpleNamespace

    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import book_extras
    finally:
        sys.path.remove(str(ROOT / "tools"))

    def change(data):
        data["kurs"].update(titel="Deep Learning I", semester="Sommersemester 2027",
                            lehrende=["Prof. A", "Dr. B"])
    _course_file(tmp_path, change)  # tmp_path/kurs.yml, read by the hook
    config = SimpleNamespace(course_edition="studierende", html_theme_options={},
                             book_description="Ein Buch.", myst_substitutions={},
                             root_doc="intro", latex_documents=[
                                 ("intro", "kursbuch.tex", "alt", "alt", "manual"),
                                 ("psets/blatt_01_einfuehrung", "blatt-01.tex", "Blatt", "X",
                                  "manual")])
    app = SimpleNamespace(srcdir=str(tmp_path))
    book_extras._course_config(app, config)
    assert config.html_title == "Deep Learning I (Studierendenausgabe)"
    assert config.author == "Prof. A, Dr. B"
    assert config.copyright == "Sommersemester 2027, Prof. A, Dr. B"
    assert config.html_theme_options["logo"]["alt_text"].startswith("Deep Learning I")
    assert config.book_description.startswith("Deep Learning I, Sommersemester 2027.")
    app.config, app.builder = config, SimpleNamespace(format="latex")
    assert book_extras._course_title_page(app, None) == []
    assert config.latex_documents[0][2:4] == ("Deep Learning I (Studierendenausgabe)",
                                              "Prof. A, Dr. B")
    assert config.latex_documents[1][2] == "Blatt"   # the sheets keep their own titles
    assert config.myst_substitutions["kurs_titel"] == "Deep Learning I"
    assert config.myst_substitutions["blatt_3_abgabe"] == load_course().sheet(3).due_text
    assert "download" in config.myst_substitutions["blatt_3_pdf"]
    assert "loesungen" not in config.myst_substitutions["blatt_3_pdf"]
