"""Grading with nbgrader, end to end: sheet notebooks, hidden tests, points, CSV, German feedback.

The submissions are made here from the students' notebook (nbgrader's release version of
the sheet): the model solution, each typical mistake the self-checks know, a crashing, a
hanging and an exiting one, one that calls the book's reference implementation, a
malformed notebook and a folder without a notebook. Sheets 1 and 3 are graded in one
module-scoped run each (about a minute together on 2 cores).
"""

import csv
import json
import os
import re
import sys
import textwrap

import nbformat
import numpy as np
import pytest

from codes.selfcheck import check_softmax
from codes.selfcheck.core import CheckResult
from codes.selfcheck.grading import TASKS, Bewertung
from tools.course import load_course
from tools.sheet_notebooks import build_source_notebook, release_notebook

sys.path.insert(0, os.path.dirname(__file__))
from test_hpo import postgres_url  # noqa: E402, F401 (the one way this project starts PostgreSQL)

# --- answers: function bodies (indented by 4) ------------------------------------------------

CORRECT = {
    "sigmoid_derivative": "s = np.exp(-np.logaddexp(0, -a))\nreturn s * (1 - s)",
    "tanh_derivative": "return 1 - np.tanh(a) ** 2",
    "relu_derivative": "return (np.asarray(a) > 0).astype(np.asarray(a).dtype)",
    "softmax": "z = np.exp(a - a.max(axis=1, keepdims=True))\nreturn z / z.sum(axis=1, keepdims=True)",
    "delta_softmax_ce": "return softmax(a) - y",
    "backprop": textwrap.dedent("""\
        pre, hs = [], [x]
        for W, b, sigma in zip(net.weights, net.biases, net.activations):
            pre.append(hs[-1] @ W + b)
            hs.append(sigma(pre[-1]))
        delta = net.loss.delta(pre[-1], hs[-1], y, net.activations[-1]) / SCALE
        gw, gb = [None] * len(net.weights), [None] * len(net.weights)
        for k in range(len(net.weights) - 1, -1, -1):
            gw[k], gb[k] = SIGN * (hs[k].T @ delta), SIGN * delta.sum(axis=0)
            if k > 0:
                delta = (delta @ WT(net.weights[k])) * net.activations[k - 1].gradient(pre[k - 1], hs[k])
        return gw, gb"""),
}


def backprop_variant(scale="len(x)", sign="1", transpose="W.T"):
    body = BACKPROP.replace("SCALE", scale).replace("SIGN", sign)
    return body.replace("WT(net.weights[k])", transpose.replace("W", "net.weights[k]"))


BACKPROP = CORRECT.pop("backprop")
CORRECT["backprop"] = backprop_variant()


S = "z = np.exp(a - a.max(axis=1, keepdims=True))\ns = z / z.sum(axis=1, keepdims=True)\n"

# Each typical mistake of the self-checks, with a phrase of its German diagnosis.
MISTAKES = {
    "softmax": [
        ("z = np.exp(a)\nreturn z / z.sum(axis=1, keepdims=True)", "exp(1000) über"),
        ("z = np.exp(a - a.max(axis=0, keepdims=True))\nreturn z / z.sum(axis=0, keepdims=True)",
         "über den Batch (axis=0)"),
        ("z = np.exp(a)\nreturn z / z.sum(axis=0, keepdims=True)", "ohne Verschiebung um das Maximum"),
        ("z = np.exp(a - a.max())\nreturn z / z.sum()", "über alle Einträge"),
        ("z = np.exp(a - a.max())\nreturn z / z.sum(axis=1, keepdims=True)",
         "Maximum des ganzen Arrays"),
        ("z = np.exp(a - a.max(axis=1, keepdims=True))\nreturn z / z.sum(axis=1)[None, :]",
         "keepdims=True vergessen"),
        ("return np.exp(a)", "Die Normierung fehlt"),
    ],
    "delta_softmax_ce": [  # with their own correct softmax (S), so that only delta is wrong
        (S + "return y - s", "Vorzeichen ist vertauscht"),
        (S + "return (s - y) / len(a)", "teilen durch die Batchgröße"),
        ("z = np.exp(a)\nreturn z / z.sum(axis=1, keepdims=True) - y", "ohne Verschiebung"),
        ("z = np.exp(a - a.max(axis=0, keepdims=True))\nreturn z / z.sum(axis=0, keepdims=True) - y",
         "normiert über den Batch"),
        (S + "return (s - y) * s * (1 - s)", "kürzt sich die Ableitung"),
        ("return 1 / (1 + np.exp(-a)) - y", "σ(a) (Sigmoid) statt softmax"),
    ],
    "backprop": [
        (backprop_variant(scale="1"), "Division durch die Batchgröße fehlt"),
        (backprop_variant(scale="len(x) ** 2"), "zweimal durch n"),
        (backprop_variant(sign="-1"), "falsche Vorzeichen"),
        (backprop_variant(transpose="W"), "Rekursion für δ_l"),
    ],
    "sigmoid_derivative": [
        ("return np.exp(-np.logaddexp(0, -a))", "nicht die Ableitung"),
        ("s = np.exp(-np.logaddexp(0, -a))\nreturn -s * (1 - s)", "Vorzeichen ist vertauscht"),
        ("s = np.exp(-np.logaddexp(0, -a))\nreturn 1 - s ** 2", "Form der tanh-Ableitung"),
        ("return np.exp(-a) / (1 + np.exp(-a)) ** 2", "läuft über"),
    ],
    "tanh_derivative": [
        ("return np.tanh(a)", "nicht die Ableitung"),
        ("return np.tanh(a) ** 2 - 1", "Vorzeichen ist vertauscht"),
        ("return 1 - a ** 2", "1 − a² statt"),
        ("return 1 - np.tanh(a)", "das Quadrat fehlt"),
    ],
    "relu_derivative": [
        ("return np.maximum(0, a)", "nicht die Ableitung"),
        ("return (np.asarray(a) < 0).astype(float)", "verkehrt herum"),
        ("return -(np.asarray(a) > 0).astype(float)", "Vorzeichen ist vertauscht"),
    ],
}

DISTURBED = {   # crash, hang, sys.exit (sheet 3)
    "softmax": ("raise ValueError('kaputt')", "ValueError: kaputt"),
    "delta_softmax_ce": ("while True:\n    pass", "Zeitüberschreitung"),
    "backprop": ("import sys\nsys.exit(3)", "SystemExit(3)"),
}
REFERENCE = {   # the book's reference implementations (sheet 3)
    "softmax": "from codes.activations import Softmax\nreturn Softmax()(a)",
    "delta_softmax_ce": "from codes.losses import CrossEntropy\nreturn CrossEntropy().delta(a, None, y, None)",
    "backprop": "return net.backprop(x, y)",
}
NETWORK = ("import socket\n"   # a connection to an address outside (no name lookup needed)
           "socket.create_connection(('93.184.216.34', 80), timeout=5)\nreturn a")
FUNCTIONS = {1: ["sigmoid_derivative", "tanh_derivative", "relu_derivative"],
             3: ["softmax", "delta_softmax_ce", "backprop"]}
ANSWER_TEXT = "Die Ableitung ist σ(a)(1 − σ(a)), siehe Rechnung."


def fill(release, bodies: dict, answer=None):
    """The release notebook with the stubs of ``bodies`` replaced (a student's submission)."""
    nb = nbformat.from_dict(json.loads(json.dumps(release)))
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if not meta.get("solution"):
            continue
        if cell.cell_type == "markdown":
            if answer:
                cell.source = answer
            continue
        name = re.search(r"^def (\w+)\(", cell.source, re.MULTILINE).group(1)
        if name in bodies:
            stub = re.search(r"^( *)# IHR CODE HIER\n\1raise NotImplementedError\(.*\)$",
                             cell.source, re.MULTILINE)
            indent = stub.group(1)
            cell.source = (cell.source[:stub.start()]
                           + textwrap.indent(bodies[name], indent) + cell.source[stub.end():])
    return nb


def submissions(number, tmp_path):
    """{student: (bodies, expected phrases)}; writes the notebooks under tmp_path/abgaben."""
    release = nbformat.read(release_notebook(load_course().sheet(number), tmp_path / "release"),
                            as_version=4)
    folder = tmp_path / "abgaben"
    folder.mkdir()
    names = FUNCTIONS[number]
    plan = {"richtig": ({name: CORRECT[name] for name in names}, [])}
    rounds = max(len(MISTAKES[name]) for name in names)
    for k in range(rounds):  # mistake k of every function in one notebook
        bodies, phrases = {}, []
        for name in names:
            body, phrase = MISTAKES[name][k % len(MISTAKES[name])]
            bodies[name] = body
            phrases.append(phrase)
        if number == 3:  # delta_softmax_ce uses the student's own softmax: keep that one right
            bodies.setdefault("softmax", CORRECT["softmax"])
        plan[f"fehler{k + 1}"] = (bodies, phrases)
    if number == 3:
        plan["stoerung"] = ({n: body for n, (body, _) in DISTURBED.items()},
                            [phrase for _, phrase in DISTURBED.values()])
        plan["referenz"] = (dict(REFERENCE), ["Referenzimplementierung"])
        plan["netz"] = ({"softmax": NETWORK}, [])
        (folder / "kaputt.ipynb").write_text('{"cells": [', encoding="utf-8")
        (folder / "ohne_datei").mkdir()
    for student, (bodies, _) in plan.items():
        target = folder / f"{student}.ipynb"
        if student == "richtig":  # a folder per student works as well
            (folder / student).mkdir()
            target = folder / student / "abgabe.ipynb"
        nbformat.write(fill(release, bodies, ANSWER_TEXT if student == "richtig" else None), target)
    return folder, plan


def outputs(course, student, name):
    nb = json.loads((course / "autograded" / student / name / f"{name}.ipynb").read_text())
    texts = {}
    for cell in nb["cells"]:
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id", "")
        if "-test-" in grade_id:
            texts[grade_id.split("-test-")[1]] = "".join(
                "".join(o.get("text", "")) + "".join(o.get("data", {}).get("text/plain", ""))
                for o in cell.get("outputs", []))
    return texts


def graded(number, tmp_path_factory, db_url=None):
    from tools.grade import grade
    tmp = tmp_path_factory.mktemp(f"blatt{number}")
    folder, plan = submissions(number, tmp)
    course = tmp / "kurs"
    os.environ["NN_SELBSTTEST_ZEITLIMIT"] = "1"   # the hanging submission: 1 s per case
    try:
        path, rows, times = grade(number, folder, course, db_url=db_url, cell_timeout=30,
                                  notebook_timeout=90, quiet=True)
    finally:
        os.environ.pop("NN_SELBSTTEST_ZEITLIMIT", None)
    with open(path, encoding="utf-8") as handle:
        table = {row["Matrikelnummer"]: row for row in csv.DictReader(handle)}
    return course, plan, table


@pytest.fixture(scope="module")
def sheet3(tmp_path_factory):
    return graded(3, tmp_path_factory)


@pytest.fixture(scope="module")
def sheet1(tmp_path_factory):
    return graded(1, tmp_path_factory)


def auto_points(sheet):
    return sum(points for parts in sheet.parts.values() for part, points in parts.items()
               if part != "herleitung")


# --- end to end ------------------------------------------------------------------------------

@pytest.mark.parametrize("number", [1, 3])
def test_correct_submission_gets_every_autograded_point(number, sheet1, sheet3):
    course, plan, table = {1: sheet1, 3: sheet3}[number]
    sheet = load_course().sheet(number)
    row = table["richtig"]
    assert float(row["Punkte"]) == auto_points(sheet)
    assert float(row["Maximum"]) == sheet.total_points
    assert row["Status"] == "von Hand offen"   # the derivation answer waits for a tutor
    assert list(row)[:3] == ["Matrikelnummer", "Punkte", "Maximum"]


@pytest.mark.parametrize("number", [1, 3])
def test_each_typical_mistake_is_diagnosed_and_costs_points(number, sheet1, sheet3):
    course, plan, table = {1: sheet1, 3: sheet3}[number]
    name = f"blatt_{number:02d}"
    sheet = load_course().sheet(number)
    for student, (_bodies, phrases) in plan.items():
        if not student.startswith("fehler"):
            continue
        texts = " ".join("\n".join(outputs(course, student, name).values()).split())
        for phrase in phrases:
            assert phrase in texts, f"{student}: '{phrase}' fehlt in\n{texts}"
        assert float(table[student]["Punkte"]) < auto_points(sheet), student
        assert "Seed 2026" in texts   # the hidden cases ran


def test_crash_hang_and_exit_are_caught_and_get_no_points(sheet3):
    course, plan, table = sheet3
    texts = outputs(course, "stoerung", "blatt_03")
    for name, (_, phrase) in DISTURBED.items():
        assert phrase in " ".join(texts[name].split()), texts[name]
        assert texts[name].rstrip().endswith("0.0")
    assert float(table["stoerung"]["Punkte"]) == 0
    assert table["stoerung"]["Status"] == "bewertet"   # the notebook ran to its end


def test_calling_the_reference_implementation_earns_nothing(sheet3):
    course, plan, table = sheet3
    texts = outputs(course, "referenz", "blatt_03")
    for name in REFERENCE:
        assert "ruft die Referenzimplementierung" in " ".join(texts[name].split()), texts[name]
    assert float(table["referenz"]["Punkte"]) == 0


def test_no_network_in_the_grading_kernel(sheet3):
    course, plan, table = sheet3
    text = " ".join(outputs(course, "netz", "blatt_03")["softmax"].split())
    assert "Kein Netzwerk in der Bewertung" in text or "Network is unreachable" in text, text
    assert float(table["netz"]["Aufgabe 1"]) == 0


def test_malformed_and_missing_notebooks(sheet3):
    course, plan, table = sheet3
    assert table["kaputt"]["Status"].startswith("nicht lesbar")
    assert table["ohne_datei"]["Status"] == "keine Abgabe"
    assert float(table["kaputt"]["Punkte"]) == float(table["ohne_datei"]["Punkte"]) == 0


def test_csv_columns_and_points_per_task(sheet3):
    course, plan, table = sheet3
    row = table["richtig"]
    sheet = load_course().sheet(3)
    tasks = {f"Aufgabe {number}" for number in range(1, len(sheet.points) + 1)}
    assert set(row) == {"Matrikelnummer", "Punkte", "Maximum", "Status"} | tasks
    parts = sheet.parts
    assert float(row["Aufgabe 1"]) == parts["ex-b3-softmax-ce"]["softmax"] + parts["ex-b3-softmax-ce"]["delta_softmax_ce"]
    assert float(row["Aufgabe 2"]) == parts["ex-b3-backprop"]["backprop"]
    assert float(row["Aufgabe 3"]) == 0
    assert len(table) == len(plan) + 2


def test_german_feedback_file(sheet3):
    course, plan, table = sheet3
    page = course / "feedback" / "richtig" / "blatt_03" / "blatt_03.html"
    text = page.read_text(encoding="utf-8")
    assert '<html lang="de"' in text
    assert "Punkte:" in text and "Score:" not in text
    assert "Selbsttest check_softmax: bestanden" in text
    wrong = (course / "feedback" / "fehler1" / "blatt_03" / "blatt_03.html").read_text(encoding="utf-8")
    assert "Tipp:" in wrong and "noch nicht bestanden" in wrong


def test_gradebook_has_the_autograded_and_the_manual_cells(sheet3):
    from nbgrader.api import Gradebook
    course, plan, table = sheet3
    with Gradebook(f"sqlite:///{course / 'gradebook' / 'gradebook.db'}", "nn-kurs") as gb:
        submission = gb.find_submission("blatt_03", "richtig")
        grades = {grade.name: grade for nb in submission.notebooks for grade in nb.grades}
        assert grades["ex-b3-softmax-ce-test-softmax"].score == 3
        assert grades["ex-b3-softmax-ce-antwort"].needs_manual_grade
        assert (course / "nbgrader_config.py").is_file()


def test_tutor_points_from_the_formgrader_join_the_csv(sheet3):
    """What the formgrader does when a tutor enters points: manual_score in the gradebook."""
    from nbgrader.api import Gradebook

    from tools.grade import export_csv
    course, plan, table = sheet3
    url = f"sqlite:///{course / 'gradebook' / 'gradebook.db'}"
    with Gradebook(url, "nn-kurs") as gb:
        submission = gb.find_submission("blatt_03", "richtig")
        for nb in submission.notebooks:
            for grade in nb.grades:
                if grade.name.endswith("-antwort"):
                    grade.manual_score = 2          # as the formgrader stores it
                    grade.needs_manual_grade = False
        gb.db.commit()
    with open(export_csv(3, course), encoding="utf-8") as handle:
        row = {r["Matrikelnummer"]: r for r in csv.DictReader(handle)}["richtig"]
    sheet = load_course().sheet(3)
    assert float(row["Punkte"]) == auto_points(sheet) + 2 * len(sheet.points)  # one answer cell per task
    assert float(row["Aufgabe 3"]) == 2
    assert row["Status"] == "bewertet"


@pytest.mark.postgres
def test_gradebook_in_postgresql(tmp_path_factory, postgres_url):  # noqa: F811 (fixture)
    course, plan, table = graded(1, tmp_path_factory, db_url=postgres_url)
    assert float(table["richtig"]["Punkte"]) == auto_points(load_course().sheet(1))
    from nbgrader.api import Gradebook
    with Gradebook(postgres_url, "nn-kurs") as gb:
        assert {s.id for s in gb.students} >= {"richtig", "fehler1"}




# --- the notebooks -----------------------------------------------------------------------------

def test_release_notebook_has_no_solution_and_no_hidden_tests(tmp_path):
    sheet = load_course().sheet(3)
    path = release_notebook(sheet, tmp_path)
    assert path == tmp_path / "blatt_03.ipynb"
    text = path.read_text(encoding="utf-8")
    source = json.dumps(build_source_notebook(sheet), ensure_ascii=False)
    for secret in ["BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "verdeckt=True",
                   "a.max(axis=1, keepdims=True)", "Jacobi-Matrix der Softmax"]:
        assert secret not in text, secret
        assert secret in source or secret.replace(" der Softmax", "") in source, secret
    nb = nbformat.read(path, as_version=4)
    assert "IHR CODE HIER" in text and "IHRE ANTWORT HIER" in text
    tests = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code"]
    assert [c.metadata["nbgrader"]["points"] for c in tests] == [3, 3, 5]
    assert "## Aufgabe 2: Backpropagation in Matrixform (10 Punkte)" in text


def test_every_sheet_makes_a_notebook_and_points_add_up():
    for sheet in load_course().sheets:
        nb = build_source_notebook(sheet)
        points = sum(c.metadata["nbgrader"].get("points", 0) for c in nb.cells
                     if c.metadata.get("nbgrader", {}).get("grade"))
        assert points == sheet.total_points, sheet.number
        assert all("{eq}" not in c.source and "{numref}" not in c.source for c in nb.cells)


# --- the self-checks as graders (no nbgrader) ---------------------------------------------------

def stable_softmax(a):
    z = np.exp(a - a.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


def test_grading_gives_points_per_case_and_hidden_cases(capsys):
    grading = Bewertung("softmax", punkte=3)
    grading.pruefe({"softmax": stable_softmax})
    grading.pruefe({"softmax": stable_softmax}, verdeckt=True)
    assert grading.punkte() == 3
    data = grading.as_dict()
    assert data["points"] == 3 and len(data["results"]) == 3
    assert all(case["passed"] for result in data["results"] for case in result["cases"])
    assert "Punkte für softmax: 3 von 3" in capsys.readouterr().out


def test_grading_reference_call_costs_all_points():
    from codes.activations import Softmax
    softmax = Softmax()
    grading = Bewertung("softmax", punkte=3)
    grading.pruefe({"softmax": lambda a: softmax(a)}, verdeckt=True)
    assert grading.punkte() == 0
    assert grading.results[0].references == ["codes.activations.Softmax.__call__"]
    # self-study: the reference passes as before
    assert check_softmax(Softmax(), verbose=False).passed


def test_grading_of_a_missing_function():
    grading = Bewertung("backprop", punkte=5)
    grading.pruefe({})
    assert grading.punkte() == 0 and "fehlt" in grading.problems[0]


@pytest.mark.parametrize("error, phrase", [
    (SystemExit(2), "SystemExit(2)"), (KeyboardInterrupt(), "KeyboardInterrupt"),
])
def test_base_exceptions_are_reported_in_german(error, phrase):
    def student(a):
        raise error
    result = check_softmax(student, verbose=False)
    assert not result.passed and phrase in "\n".join(result.messages)


def test_time_limit_per_case(monkeypatch):
    import time

    from codes.selfcheck import core
    monkeypatch.setattr(core, "TIME_LIMIT", 0.2)

    def slow(a):
        time.sleep(5)

    started = time.monotonic()
    result = check_softmax(slow, verbose=False)
    assert time.monotonic() - started < 2
    assert "Zeitüberschreitung" in "\n".join(result.messages)
    assert result.score == 0


def test_check_result_is_german_and_machine_readable():
    result = check_softmax(stable_softmax, verbose=False)
    assert repr(result) == "<Selbsttest check_softmax: bestanden, 5 von 5 Fällen richtig>"
    assert result.as_dict()["score"] == 1.0 and result.points(4) == 4
    empty = CheckResult("x")
    assert empty.score == 0.0


def test_every_graded_function_has_a_self_check():
    import codes.selfcheck as selfcheck
    for part, task in TASKS.items():
        assert callable(getattr(selfcheck, task.check)), part


REFERENCES = {  # each graded function answered with the book's own implementation
    "sigmoid_derivative": lambda r: r.sigmoid_derivative,
    "tanh_derivative": lambda r: r.activation_gradient("tanh"),
    "relu_derivative": lambda r: r.activation_gradient("relu"),
    "logreg_gradient": lambda r: r.logreg_gradient,
    "bce": lambda r: r.binary_cross_entropy,
    "softmax": lambda r: r.softmax,
    "delta_softmax_ce": lambda r: r.cross_entropy_delta,
    "backprop": lambda r: r.backprop,
    "parameter_count": lambda r: r.parameter_count,
    "ResidualBlock": lambda r: __import__("codes.torch_mlp", fromlist=["x"]).ResidualBlock,
    "attention": lambda r: r.attention,
    "grid": lambda r: r.grid,
}


@pytest.mark.parametrize("part", sorted(TASKS))
def test_reference_passes_self_study_but_earns_nothing_when_graded(part):
    from codes.selfcheck import reference
    fn = REFERENCES[part](reference)
    task = TASKS[part]
    import codes.selfcheck as selfcheck
    assert getattr(selfcheck, task.check)(fn, *task.args, verbose=False).passed   # self-study
    grading = Bewertung(part, punkte=2)
    grading.pruefe({task.function: fn}, verdeckt=True)
    assert grading.punkte() == 0
    assert grading.results[0].references, part


@pytest.mark.parametrize("number", [1, 2, 3, 4, 5, 6])
def test_model_solutions_of_every_sheet_pass_visible_and_hidden_cases(number, capsys):
    """The solution cells of the sheet (grade-solution) earn every autograded point."""
    nb = build_source_notebook(load_course().sheet(number))
    namespace = {"np": np}
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.metadata["nbgrader"].get("solution"):
            exec(cell.source, namespace)
    parts = load_course().sheet(number).parts
    graded_parts = [p for task in parts.values() for p in task if p != "herleitung"]
    assert graded_parts, number
    for part in graded_parts:
        grading = Bewertung(part, punkte=1)
        grading.pruefe(namespace)
        grading.pruefe(namespace, verdeckt=True)
        assert grading.punkte() == 1, capsys.readouterr().out


def test_course_file_points_per_part(tmp_path):
    from tools.course import ROOT, CourseFileError, load_course
    sheet = load_course().sheet(3)
    assert sheet.points["ex-b3-backprop"] == 10          # the total per task stays as before
    assert sheet.parts["ex-b3-backprop"] == {"backprop": 5, "herleitung": 5}
    assert "ex-b3-relu-tanh" not in sheet.parts          # one number: all by hand
    text = (ROOT / "kurs.yml").read_text(encoding="utf-8").replace(
        "{backprop: 5, herleitung: 5}", "{backprop: fünf}").replace("datei: psets/", f"datei: {ROOT}/psets/")
    (tmp_path / "kurs.yml").write_text(text, encoding="utf-8")
    with pytest.raises(CourseFileError, match="Teil backprop"):
        load_course(tmp_path / "kurs.yml")


def test_notebook_time_limit_caps_every_cell():
    import time

    from tools.grade import _execute_class
    execute = _execute_class()(timeout=60, notebook_timeout=100)
    cell = nbformat.v4.new_code_cell("1")
    execute._deadline = time.monotonic() + 100
    assert execute._get_timeout(cell) == 60            # the per-cell limit
    execute._deadline = time.monotonic() + 5
    assert execute._get_timeout(cell) <= 5             # what is left of the notebook's limit
    execute._deadline = time.monotonic() - 50
    assert execute._get_timeout(cell) == 1
