# Two commands matter on a new machine: `make book` (build the whole book with
# execution) and `make test` (run the tests). Both create and reuse .venv.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Use the course data next to the project when it is there (CI, course machines);
# otherwise the loaders fall back to the cache and then to a download.
SHARED_DATA := $(abspath ../shared/data)
ifeq ($(origin NN_DATA_DIR), undefined)
  ifneq ($(wildcard $(SHARED_DATA)/mnist),)
    export NN_DATA_DIR := $(SHARED_DATA)
  endif
endif
BUILD_FLAGS ?= -n -W --keep-going
# Before Sphinx: the notebooks run in parallel into the execution cache (one process per
# core, one thread each, the longest first; NN_JOBS=2 caps the processes), with progress
# lines; jupyter-book then finds every page in the cache. PRE_EXECUTE=true: serial as before.
PRE_EXECUTE ?= $(BIN)/python -m tools.parallel_build
# Options for jupyter-lab, e.g. `make lab LAB_OPTS="--port 8890 --no-browser"`. As root
# (containers, course machines) JupyterLab refuses to start without --allow-root.
LAB_OPTS ?= $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: help venv data lab book book-fresh student pdf sheets test browser-test lint bench clean grade

help:
	@echo "make book    – Umgebung anlegen und das ganze Buch mit Ausführung bauen"
	@echo "make test    – Umgebung anlegen und alle Tests ausführen"
	@echo "make data    – Daten (MNIST, QM9) holen und prüfen; make book tut das zuerst"
	@echo "make lab     – JupyterLab: die Kapitel als Notebooks öffnen und ausführen"
	@echo "make student – Studierendenausgabe ohne Lösungen nach _build_student/"
	@echo "make pdf     – beide Ausgaben als PDF (nach make book und make student)"
	@echo "make sheets  – je Blatt ein PDF für Studierende und eines mit Lösungen (Tutorien)"
	@echo "make bench   – Kalibrierung und Geschwindigkeitsvergleich der MLP-Implementierungen"
	@echo "make grade BLATT=3 ABGABEN=ordner/ – Abgaben mit nbgrader bewerten (CSV, Rückmeldungen)"

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

venv: $(STAMP)

# The data come first: a missing data set stops here within seconds with one German
# message (python -m codes.data), not as a notebook traceback deep in the Sphinx log.
data: $(STAMP)
	@$(BIN)/python -m codes.data || { echo "make: Abbruch vor dem Buchbau, siehe oben." >&2; exit 1; }

book: data
	$(PRE_EXECUTE)
	$(BIN)/jupyter-book build . $(BUILD_FLAGS)

# Build from scratch: no cached notebook outputs, every notebook executes (and the
# calibration is measured anew).
book-fresh: data
	rm -rf _build
	$(PRE_EXECUTE)
	$(BIN)/jupyter-book build . $(BUILD_FLAGS)

# JupyterLab in the project's environment; jupytext opens the MyST pages (.md) as
# notebooks on a double click (tools/lab/overrides.json sets the default viewer). To read
# and run a page as it looks in the book (glued values, figures, numbers), open its
# notebook edition, which make book writes to _build/html/_sources/ (tools/notebook_edition.py).
# Without the data JupyterLab still starts (chapter 1 needs none). The kernel is registered
# as "Python 3", the name in the pages' headers: with jupytext.toml, running and saving a
# page leaves its file as it was.
lab: $(STAMP)
	@$(BIN)/python -m codes.data || echo "make lab: ohne die Daten läuft nur Kapitel 1 (die anderen brauchen MNIST oder QM9); JupyterLab startet trotzdem." >&2
	@$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3" >/dev/null
	@echo "make lab: Die Seiten als Notebooks wie im Buch (mit Werten und Abbildungen des Baus) liegen nach make book in _build/html/_sources/; die .md-Seiten sind die Quellen."
	$(BIN)/jupyter-lab --LabApp.app_settings_dir=$(CURDIR)/tools/lab $(LAB_OPTS)

student: data
	$(BIN)/python -m tools.student_build

# PDF edition (XeLaTeX; the TeX packages are listed in the README), after `make book`:
# the pages come from the execution cache, nothing executes again. Each PDF lands next
# to its HTML: _build/html/kursbuch.pdf, _build_student/html/kursbuch-studierende.pdf.
pdf: $(STAMP)
	$(BIN)/jupyter-book build . --builder pdflatex $(BUILD_FLAGS)
	mkdir -p _build/html && cp _build/latex/kursbuch.pdf _build/html/kursbuch.pdf
	$(BIN)/python -m tools.student_build --pdf

# One PDF per released sheet (kurs.yml): for students into _build_student/html/blaetter/
# (the student edition's sheets overview links them), with solutions for tutors into
# _build/html/blaetter/. Only the sheets execute (from the cache of make book, if any).
sheets: data
	$(BIN)/python -m tools.sheets

test: $(STAMP)
	$(BIN)/python -m pytest -m "not browser"

# Needs both editions: make book and make student first.
browser-test: $(STAMP)
	$(BIN)/python -m pytest -m browser

lint: $(STAMP)
	$(BIN)/ruff check .

# The calibration (reference workload behind the run-time budgets), then the MLP comparison.
bench: $(STAMP)
	$(BIN)/python -m tools.calibrate
	$(BIN)/python -m codes.bench_mlp

# Grade the handed-in notebooks of one sheet with nbgrader (README: "Abgaben bewerten").
# Options of tools/grade.py in GRADE_FLAGS, e.g. GRADE_FLAGS="--db-url postgresql+psycopg://…".
grade: $(STAMP)
	@test -n "$(BLATT)" && test -n "$(ABGABEN)" || { echo "Aufruf: make grade BLATT=3 ABGABEN=ordner/" >&2; exit 1; }
	PYTHONPATH=$(CURDIR) $(BIN)/python -m tools.grade $(BLATT) $(ABGABEN) $(GRADE_FLAGS)

clean:
	rm -rf _build _build_student
