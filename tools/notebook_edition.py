"""Sphinx extension: the notebook edition, a page run as a notebook looks like the page.

The theme's download button ``.ipynb`` links ``_sources/<doc>.ipynb``. After an HTML build
(``build-finished``) this extension writes there, for every executed page, a notebook
that JupyterLab with jupyterlab-myst shows like the HTML page:

- code cells keep their code and the outputs of the build (from myst-nb's execution
  cache); cells the page hides (``remove-cell``, ``hide-input``, ...) are collapsed, not
  removed, so the notebook still runs; glue outputs that the page does not show are
  dropped; SVG figures get a PNG copy, which JupyterLab shows in an untrusted notebook;
- markdown cells are rewritten into MyST that jupyterlab-myst renders without Sphinx:
  glued values as the page shows them (``tools/german_numbers.py``), glued figures as
  PNG cell attachments with "**Abb. 2.2** caption", ``{numref}``, ``{eq}``, ``{ref}``,
  ``{doc}`` and citations as their text on the page, equation numbers as ``\\tag``,
  exercises and solutions as German boxes with the book's numbers ("Aufgabe 3.1",
  "Lösung zu Aufgabe 3.1", folded), notes with Sphinx's German title, literalincludes as
  code blocks (``tools/includes.py``), section numbers in the headings;
- a first cell says which build and edition the notebook comes from and what it needs.

Which solutions a notebook holds is decided by the build: the student edition
(tools/student_build.py) reads sources without them, and ``hide_solutions`` drops any
that are left. What cannot be rewritten becomes German plain text and is listed in the
notebook's metadata (``nn_kursbuch.ungeloest``); tests/test_notebook_edition.py fails on
it. The transformation is :func:`page_notebook`; it reads the book through :class:`Book`.
"""

import base64
import copy
import functools
import gettext
import json
import posixpath
import re
import shutil
import subprocess
import time
from datetime import date
from pathlib import Path

import nbformat

try:  # as tools.notebook_edition, or as notebook_edition from tools/ (Sphinx local extension)
    from tools.equation_numbers import equation_number
    from tools.german_numbers import format_german
    from tools.glue_outputs import GLUE_PREFIX, glue_bundle, glue_bundles, joined
    from tools.html_tables import table_rows
    from tools.includes import closing_line, included_text, parse_options
    from tools.package_codes import ZIP_NAME
except ImportError:
    from equation_numbers import equation_number
    from german_numbers import format_german
    from glue_outputs import GLUE_PREFIX, glue_bundle, glue_bundles, joined
    from html_tables import table_rows
    from includes import closing_line, included_text, parse_options
    from package_codes import ZIP_NAME

META_KEY = "nn_kursbuch"
# What jupyterlab-myst 2.7 renders by itself, without English words or its own numbers.
LAB_DIRECTIVES = {"admonition", "image", "code-block", "code", "math"}
LAB_ROLES = {"math", "sub", "sup", "abbr", "kbd", "u", "strike", "smallcaps", "del"}
# Sphinx's admonitions; jupyterlab-myst would title them in English ("Note").
ADMONITIONS = {"note": "Note", "warning": "Warning", "tip": "Tip", "hint": "Hint",
               "important": "Important", "seealso": "See also", "attention": "Attention",
               "caution": "Caution", "danger": "Danger", "error": "Error"}
# Options of a literalinclude that select or change its lines (Sphinx's reader).
READER_OPTIONS = {"start-after", "end-before", "start-at", "end-at", "lines", "pyobject",
                  "dedent", "tab-width", "encoding", "prepend", "append"}
HIDDEN_INPUT = {"remove-cell", "remove-input", "hide-input", "hide-cell"}
HIDDEN_OUTPUT = {"remove-cell", "remove-output", "hide-output", "hide-cell"}
PNG_ZOOM = 2  # figures as PNG at twice their size, shown at their size (sharp on HiDPI)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
EDITIONS = {"studierende": "Studierendenausgabe"}
INSTRUCTOR_EDITION = "Ausgabe für Lehrende, mit Lösungen"

FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,}|:{3,})(?P<info>.*)$")
DIRECTIVE = re.compile(r"^\s*\{(?P<name>[\w:.-]*)\}\s*(?P<arg>.*?)\s*$")
MATH_OPEN = re.compile(r"^(?P<indent>[ \t]*)\$\$(?P<rest>.*)$")
MATH_CLOSE = re.compile(r"^(?P<body>.*?)\$\$\s*(?:\((?P<label>[^()\s]+)\))?\s*$")
HEADING = re.compile(r"^(?P<hashes>#{1,6})[ \t]+(?P<text>.*?)[ \t]*$")
INLINE = re.compile(
    r"\{(?P<role>[A-Za-z][\w:.+-]*)\}(?P<rticks>`+)(?P<content>.+?)(?P=rticks)"
    r"|(?P<ticks>`+)(?P<code>.+?)(?<!`)(?P=ticks)(?!`)"
    r"|\{\{\s*(?P<sub>[\w.]+)\s*\}\}", re.DOTALL)
TITLE_TARGET = re.compile(r"^(?P<title>.*?)\s*<(?P<target>[^<>]+)>$", re.DOTALL)
ANCHOR = re.compile(r"<a\b[^>]*>(?P<text>.*?)</a>", re.DOTALL)


class Book:
    """What the notebook edition reads of a built book.

    ``env``: Sphinx's environment (numbers, titles, labels, citations, configuration);
    ``srcdir``: the sources the build read (``{literalinclude}``); ``execute_dir``:
    myst-nb's ``jupyter_execute`` folder (glued values of other pages); ``png``: SVG ->
    PNG bytes (``None`` if it cannot convert).
    """

    def __init__(self, env, srcdir=None, execute_dir=None, built=None, png=None):
        self.env = env
        self.config = env.config
        self.srcdir = Path(srcdir or env.srcdir)
        self.execute_dir = Path(execute_dir) if execute_dir else None
        self.built = built or date.today()
        self.png = png or svg_to_png
        self._glue = {}

    def glue(self, docname):
        """``{key: {mime: data}}``: the glued values of a page (``None`` if unknown)."""
        if docname not in self._glue:
            data = None
            path = self.execute_dir / f"{docname}.glue.json" if self.execute_dir else None
            if path and path.is_file():
                data = {key: glue_bundle(output) for key, output
                        in json.loads(path.read_text(encoding="utf-8")).items()}
            self._glue[docname] = data
        return self._glue[docname]

    def remember_glue(self, docname, glue):
        self._glue[docname] = glue

    @property
    def edition(self):
        return EDITIONS.get(getattr(self.config, "course_edition", ""), INSTRUCTOR_EDITION)


@functools.lru_cache(maxsize=64)  # a figure shown as an output and glued: converted once
def svg_to_png(svg):
    """PNG bytes of an SVG at PNG_ZOOM (rsvg-convert, Debian librsvg2-bin), or None."""
    program = shutil.which("rsvg-convert")
    if program is None:
        return None
    result = subprocess.run([program, "-z", str(PNG_ZOOM), "-f", "png"],
                            input=svg.encode("utf-8"), capture_output=True, check=False,
                            timeout=120)
    return result.stdout if result.returncode == 0 and result.stdout.startswith(PNG_MAGIC) else None


def png_size(data):
    """(width, height) in pixels from a PNG's header."""
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


@functools.lru_cache
def german_label(english, language="de"):
    """Sphinx's translation of an admonition title ("Note" -> "Bemerkung")."""
    import sphinx

    try:
        catalog = gettext.translation("sphinx", Path(sphinx.__file__).parent / "locale",
                                      languages=[language or "en"])
    except OSError:
        return english
    return catalog.gettext(english)


class _Open:
    def __init__(self, label):
        self.label = label


class _Close:
    pass


def _dedent(lines, indent):
    return [line[len(indent):] if line.startswith(indent) else line.lstrip() for line in lines]


def _indent(text, indent):
    if not indent:
        return text
    return "\n".join(indent + line if line.strip() else line for line in text.split("\n"))


def _fence(body, char=":"):
    """A fence of ``char`` longer than every run of it at the start of a line of ``body``."""
    runs = [len(m.group(1)) for m in re.finditer(rf"^\s*({re.escape(char)}{{3,}})", body, re.M)]
    return char * max([3] + [run + 1 for run in runs])


def _one_line(text):
    return " ".join(text.split())


def _norm(text):
    return re.sub(r"[\W_]+", "", text).lower()


def escape_markdown(text):
    """Plain text (a glued value) that markdown shows as it is."""
    return re.sub(r"([\\`*_\[\]<>|${}])", r"\\\1", text)


def _title_target(content):
    match = TITLE_TARGET.match(content.strip())
    if match:
        return match.group("title").strip(), match.group("target").strip()
    return "", content.strip()


class PageWriter:
    """Rewrites one page's cells; collects what it could not resolve in ``unresolved``."""

    def __init__(self, docname, book, glue):
        self.doc, self.book, self.env, self.config = docname, book, book.env, book.config
        self.glue_data = glue
        self.unresolved = []
        self.attachments = {}
        self.gated = None                # exercise label of the open gated solution
        self.solution_parts = {}         # label -> boxes written for its solution
        self.exercise_captions = {}      # label -> "Aufgabe 3.1 (Titel)"
        self.hide_solutions = bool(getattr(self.config, "hide_solutions", False))
        self.rewritten = 0
        self.toc = self._toc_entries()

    # --- cells -------------------------------------------------------------------------

    def markdown_cell(self, cell):
        self.attachments = {}
        text = self.rewrite(cell.source, top=True)
        if text != cell.source:
            self.rewritten += 1
        if not text.strip():
            return None
        new = nbformat.v4.new_markdown_cell(text, metadata=copy.deepcopy(cell.get("metadata", {})))
        if self.attachments:
            new["attachments"] = self.attachments
        return new

    def code_cell(self, cell):
        if self.gated and self.hide_solutions:
            return None
        metadata = copy.deepcopy(cell.get("metadata", {}))
        tags = set(metadata.get("tags", []))
        outputs = self.outputs(cell.get("outputs", []), tags)
        jupyter = dict(metadata.get("jupyter", {}))
        if tags & HIDDEN_INPUT or self.gated:
            jupyter["source_hidden"] = True
        if outputs and (tags & HIDDEN_OUTPUT or self.gated):
            jupyter["outputs_hidden"] = True
        if jupyter:
            metadata["jupyter"] = jupyter
        return nbformat.v4.new_code_cell(cell.source, metadata=metadata, outputs=outputs,
                                         execution_count=cell.get("execution_count"))

    def outputs(self, outputs, tags=()):
        """The outputs the page shows: no hidden glue outputs, stderr and streams as
        myst-nb's settings say, a PNG next to every SVG."""
        nb_config = getattr(self.env, "mystnb_config", None)
        drop_stderr = ("remove-stderr" in tags
                       or getattr(nb_config, "output_stderr", "show") in ("remove", "remove-warn"))
        merge = getattr(nb_config, "merge_streams", False)
        kept = []
        for output in outputs:
            output = copy.deepcopy(output)
            data = output.get("data", {})
            if any(mime.startswith(GLUE_PREFIX) for mime in data):
                continue
            if output.get("output_type") == "stream":
                if output.get("name") == "stderr" and drop_stderr:
                    continue
                if (merge and kept and kept[-1].get("output_type") == "stream"
                        and kept[-1].get("name") == output.get("name")):
                    kept[-1]["text"] = joined(kept[-1]["text"]) + joined(output["text"])
                    continue
            if "image/svg+xml" in data and "image/png" not in data:
                png = self.book.png(joined(data["image/svg+xml"]))
                if png:
                    data["image/png"] = base64.b64encode(png).decode("ascii")
            kept.append(output)
        return kept

    # --- blocks ------------------------------------------------------------------------

    def rewrite(self, text, top=False):
        chunks = self._blocks(text, top)
        if not top:
            return _tidy("\n".join(chunks))
        groups = [(self.gated, [])]
        for chunk in chunks:
            if isinstance(chunk, _Open):
                self.gated = chunk.label
                groups.append((chunk.label, []))
            elif isinstance(chunk, _Close):
                self.gated = None
                groups.append((None, []))
            else:
                groups[-1][1].append(chunk)
        parts = []
        for label, group in groups:
            body = _tidy("\n".join(group))
            if not body:
                continue
            if label is None:
                parts.append(body)
            elif not self.hide_solutions:
                parts.append(self._solution_box(label, body))
        return _tidy("\n\n".join(parts))

    def _blocks(self, text, top):
        lines = text.split("\n")
        chunks, para = [], []

        def flush():
            if para:
                chunks.append(self.inline("\n".join(para)))
                para.clear()

        index = 0
        while index < len(lines):
            line = lines[index]
            fence = FENCE.match(line)
            if fence:
                end = closing_line(lines, index, fence.group("fence"), at_end=True)
                flush()
                directive = DIRECTIVE.match(fence.group("info"))
                if directive:
                    indent = fence.group("indent")
                    body = _dedent(lines[index + 1:end], indent)
                    result = self.directive(directive.group("name"), directive.group("arg"),
                                            body, top)
                    if isinstance(result, (_Open, _Close)):
                        chunks.append(result)
                    elif result.strip():
                        chunks.append("\n" + _indent(result, indent) + "\n")
                else:  # a code block: as it is
                    chunks.append("\n".join(lines[index:end + 1]))
                index = end + 1
                continue
            math = MATH_OPEN.match(line)
            if math:
                end, body, label = self._math_block(lines, index, math.group("rest"))
                if end is not None:
                    flush()
                    chunks.append("\n" + _indent(self.equation(body, label),
                                                 math.group("indent")) + "\n")
                    index = end + 1
                    continue
            heading = HEADING.match(line) if top else None
            if heading:
                flush()
                chunks.append(self.heading(heading.group("hashes"), heading.group("text")))
                index += 1
                continue
            para.append(line)
            index += 1
        flush()
        return chunks

    @staticmethod
    def _math_block(lines, start, rest):
        """(last line, body, label) of display math opened with ``$$`` at ``start``."""
        close = MATH_CLOSE.match(rest)
        if close and rest.strip():
            return start, close.group("body"), close.group("label")
        if "$$" in rest:  # "$$a$$ und ..." is inline math at the start of a paragraph
            return None, None, None
        body = [rest] if rest.strip() else []
        for index in range(start + 1, len(lines)):
            close = MATH_CLOSE.match(lines[index])
            if close:
                body.append(close.group("body"))
                return index, "\n".join(body), close.group("label")
            body.append(lines[index])
        return None, None, None

    def heading(self, hashes, text):
        text = self.inline(text)
        number = self._section_number(text)
        return f"{hashes} {number}{text}" if number else f"{hashes} {text}"

    def equation(self, body, label=None):
        """Display math as jupyterlab-myst shows it like the book: ``equation*`` (it numbers
        every ``$$`` block itself), with the book's number as ``\\tag``."""
        body = "\n".join(line.strip() for line in body.strip("\n").split("\n")).strip()
        if "\\\\" in body and "\\begin" not in body:
            body = f"\\begin{{split}}\n{body}\n\\end{{split}}"
        tag = ""
        if label:
            number = equation_number(self.env, label)
            if number is None:
                self._unresolved(f"Gleichung ({label}): keine Nummer im Buch")
            else:
                tag = f"\n\\tag{{{number}}}"
        return f"\\begin{{equation*}}\n{body}{tag}\n\\end{{equation*}}"

    # --- directives --------------------------------------------------------------------

    def directive(self, name, arg, body, top=False):
        options, count = parse_options(body)
        content = body[count:]
        while content and not content[0].strip():
            content = content[1:]
        text = "\n".join(content)
        handler = {
            "glue:figure": self._glue_figure, "glue:": self._glue_any, "glue": self._glue_any,
            "glue:any": self._glue_any, "glue:md": self._glue_md, "glue:text": self._glue_any,
            "exercise": self._exercise, "solution": self._solution,
            "admonition": self._admonition, "literalinclude": self._literalinclude,
            "only": self._only, "math": self._math_directive,
            "code-block": self._code_block, "code": self._code_block,
            "sourcecode": self._code_block,
            "nb-exec-table": lambda *_: ("*Die Tabelle der Laufzeiten steht auf dieser Seite "
                                         "in der Webausgabe des Buches.*"),
            "bibliography": lambda *_: ("*Das Literaturverzeichnis steht im Anhang "
                                        "„Literatur“ der Webausgabe des Buches.*"),
        }.get(name)
        if name == "solution-start":
            return _Open(arg.split()[0] if arg.split() else "") if top else ""
        if name == "solution-end":
            return _Close() if top else ""
        if name in ADMONITIONS:
            return self._admonition(german_label(ADMONITIONS[name], self.config.language),
                                    options, "\n".join(filter(None, [arg, text])), name)
        if handler:
            return handler(arg, options, text)
        self._unresolved(f"Direktive {{{name}}}")
        return self.rewrite(text)

    def _admonition(self, title, options, text, kind=None):
        title = _one_line(self.inline(title))
        body = self.rewrite(text)
        classes = options.get("class", kind or "")
        lines = [f":class: {classes}"] if classes else []
        label = options.get("name")
        box = _box(title, body, lines)
        return f"({label})=\n{box}" if label else box

    def _exercise(self, arg, options, text):
        label = options.get("label", "")
        caption = self._caption_for(label, self.inline(arg), numbered="nonumber" not in options)
        if label:
            self.exercise_captions[label] = caption
        if "hidden" in options:
            return ""
        box = _box(caption, self.rewrite(text), [])
        return f"({label})=\n{box}" if label else box

    def _solution(self, arg, options, text):
        if self.hide_solutions:
            return ""
        return self._solution_box(arg.split()[0] if arg.split() else "", self.rewrite(text))

    def _solution_box(self, label, body):
        part = self.solution_parts.get(label, 0)
        self.solution_parts[label] = part + 1
        title = f"Lösung zu {self.exercise_caption(label)}"
        if part:
            title += " (Fortsetzung)"
        return _box(title, body, [":class: dropdown"])

    def _caption_for(self, label, title, numbered=True):
        name = self.config.numfig_format.get("exercise", "Aufgabe %s").replace("%s", "").strip()
        number = self._fignumber(self._target(label), "exercise") if numbered and label else None
        caption = f"{name} {number}" if number else name
        title = _one_line(title)
        return f"{caption} ({title})" if title else caption

    def exercise_caption(self, label):
        """"Aufgabe 3.1 (Titel)", as the page titles the exercise ``label``."""
        if label in self.exercise_captions:
            return self.exercise_captions[label]
        entry = getattr(self.env, "sphinx_exercise_registry", {}).get(label)
        if entry is None:
            self._unresolved(f"Lösung zu unbekannter Aufgabe {label!r}")
            return "Aufgabe"
        title_node = entry["node"].children[0] if entry["node"].children else None
        title = title_node.astext() if title_node is not None else ""
        name = entry["node"].get("title", "")
        title = title[len(name):] if name and title.startswith(name) else title
        return self._caption_for(label, title)

    def _literalinclude(self, arg, options, text):
        path = arg.strip()
        if path.startswith("/"):
            target = self.book.srcdir / path.lstrip("/")
        else:
            target = self.book.srcdir / posixpath.dirname(self.doc) / path
        try:
            code = included_text(target, {k: v for k, v in options.items() if k in READER_OPTIONS})
        except (OSError, ValueError) as err:
            self._unresolved(f"{{literalinclude}} {path}: {err}")
            return f"*(Code aus `{path}`, im Buch an dieser Stelle eingebunden)*"
        fence = _fence(code, "`")
        caption = options.get("caption")
        block = f"{fence}{options.get('language', '')}\n{code.rstrip(chr(10))}\n{fence}"
        return f"**{self.inline(caption)}**\n\n{block}" if caption else block

    def _code_block(self, arg, options, text):
        fence = _fence(text, "`")
        return f"{fence}{arg}\n{text}\n{fence}"

    def _math_directive(self, arg, options, text):
        return self.equation("\n".join(filter(None, [arg, text])), options.get("label"))

    def _only(self, arg, options, text):
        from sphinx.util.tags import Tags

        try:
            shown = Tags(["html", "format_html", "builder_html"]).eval_condition(arg)
        except ValueError:
            self._unresolved(f"{{only}} {arg}")
            shown = False
        return self.rewrite(text) if shown else ""

    # --- glue --------------------------------------------------------------------------

    def glue_value(self, reference):
        """The mime bundle glued under ``reference`` (``key`` or ``path::key``), or None."""
        docname, key = self.doc, reference
        if "::" in reference:
            path, key = reference.split("::", 1)
            docname = posixpath.normpath(posixpath.join(posixpath.dirname(self.doc), path))
            docname = re.sub(r"\.(md|ipynb)$", "", docname)
        glue = self.glue_data if docname == self.doc else self.book.glue(docname)
        value = (glue or {}).get(key)
        if value is None:
            self._unresolved(f"Geklebter Wert {reference!r} fehlt")
        return value

    def glue_text(self, content):
        parts = content.rsplit(":", 1)
        key, spec = (parts[0], parts[1]) if len(parts) == 2 else (content, "s")
        value = self.glue_value(key)
        if value is None or "text/plain" not in value:
            return "(Wert fehlt)"
        return escape_markdown(format_german(value["text/plain"], spec))

    def glue_markdown(self, content):
        key = content.rsplit(":", 1)[0] if re.search(r":(commonmark|gfm|myst)$", content) else content
        value = self.glue_value(key)
        if value is None or "text/markdown" not in value:
            return "(Wert fehlt)"
        return value["text/markdown"].strip()

    def _glue_md(self, arg, options, text):
        return self.glue_markdown(arg.strip())

    def _glue_any(self, arg, options, text, inline=False):
        key = arg.strip()
        value = self.glue_value(key)
        if value is None:
            return "(Wert fehlt)"
        if "text/html" in value:
            return html_table(value["text/html"]) or value["text/html"]
        if any(mime in value for mime in ("image/png", "image/svg+xml", "image/jpeg")):
            return self.image(key, value, options.get("alt", ""))
        if "text/markdown" in value:
            return value["text/markdown"].strip()
        if "text/latex" in value:
            return value["text/latex"].strip()
        plain = value.get("text/plain", "")
        return escape_markdown(plain) if inline else f"```\n{plain}\n```"

    def _glue_figure(self, arg, options, text):
        key = arg.strip()
        value = self.glue_value(key)
        name = options.get("name", "")
        alt = _one_line(options.get("alt", ""))
        number = self._fignumber(self._target(name), "figure") if name else None
        label = self.config.numfig_format.get("figure", "Abb. %s") % number if number else ""
        parts = [f"({name})="] if name else []
        if value is None:
            parts.append("*(Abbildung fehlt)*")
        else:
            parts.append(self.image(key.split("::")[-1], value, alt or label))
        caption = self.rewrite(text)
        if caption or label:
            parts.append("")
            parts.append(f"**{label}** {caption}".strip() if label else caption)
        return "\n".join(parts)

    def image(self, key, value, alt):
        """A glued image as a cell attachment, shown at its size in the book."""
        name = re.sub(r"[^\w.-]", "_", key)
        png = None
        if "image/png" in value:
            png = base64.b64decode(joined(value["image/png"]))
        elif "image/svg+xml" in value:
            png = self.book.png(value["image/svg+xml"])
        if png:
            self.attachments[f"{name}.png"] = {"image/png": base64.b64encode(png).decode("ascii")}
            width = png_size(png)[0] // (PNG_ZOOM if "image/png" not in value else 1)
            return f"```{{image}} attachment:{name}.png\n:alt: {alt}\n:width: {width}px\n```"
        for mime, suffix in (("image/jpeg", "jpg"), ("image/svg+xml", "svg")):
            if mime in value:  # an SVG attachment only when there is no rsvg-convert
                data = value[mime]
                if mime == "image/svg+xml":
                    data = base64.b64encode(data.encode("utf-8")).decode("ascii")
                self.attachments[f"{name}.{suffix}"] = {mime: joined(data)}
                return f"![{alt}](attachment:{name}.{suffix})"
        self._unresolved(f"Abbildung {key!r} ohne Bild")
        return "*(Abbildung fehlt)*"

    # --- inline ------------------------------------------------------------------------

    def inline(self, text):
        return INLINE.sub(self._inline_match, text)

    def _inline_match(self, match):
        if match.group("ticks"):
            return match.group(0)
        if match.group("sub"):
            return self.substitution(match.group("sub"), match.group(0))
        return self.role(match.group("role"), match.group("content"), match.group(0))

    def substitution(self, name, raw):
        values = getattr(self.config, "myst_substitutions", {}) or {}
        if name not in values:
            self._unresolved(f"Ersetzung {raw}")
            return raw.replace("{{", "").replace("}}", "").strip()
        return ANCHOR.sub(lambda m: m.group("text"), str(values[name]))

    def role(self, name, content, raw):
        if name in LAB_ROLES:
            return raw
        if name == "glue:text":
            return self.glue_text(content)
        if name == "glue:md":
            return self.glue_markdown(content)
        if name in ("glue", "glue:any"):
            return self._glue_any(content, {}, "", inline=True)
        if name == "numref":
            return self.numref(content)
        if name == "eq":
            number = equation_number(self.env, content.strip())
            if number is None:
                self._unresolved(f"{{eq}}`{content}`")
                return f"({content.strip()})"
            return self.config.math_eqref_format.format(number=number)
        if name == "ref":
            return self.ref(content)
        if name == "doc":
            return self.doc_title(content)
        if name == "cite" or name.startswith("cite:"):
            return self.citation(name.partition(":")[2] or "p", content)
        if name in ("codes-zip", "download"):
            title, target = _title_target(content)
            return title or (target if name == "codes-zip" else posixpath.basename(target))
        self._unresolved(f"Rolle {{{name}}}")
        return _title_target(content)[0] or content

    # --- references --------------------------------------------------------------------

    def _target(self, label):
        """(docname, id) of a label of the std domain, or None."""
        std = self.env.domaindata["std"]
        label = label.lower()
        if label in std["labels"]:
            return std["labels"][label][:2]
        if label in std["anonlabels"]:
            return std["anonlabels"][label][:2]
        return None

    def _fignumber(self, target, figtype=None):
        if target is None:
            return None
        docname, labelid = target
        numbers = self.env.toc_fignumbers.get(docname, {})
        for kind, ids in numbers.items():
            if (figtype is None or kind == figtype) and labelid in ids:
                return ".".join(map(str, ids[labelid]))
        if figtype in (None, "section"):
            sections = self.env.toc_secnumbers.get(docname, {})
            if "#" + labelid in sections:
                return ".".join(map(str, sections["#" + labelid]))
            title = self.env.domaindata["std"]["labels"].get(labelid, (None, None, None))[2]
            for text, number in self._toc_entries(docname):
                if title and text == _norm(title) and number:
                    return number
        return None

    def _figtype(self, target):
        docname, labelid = target
        for kind, ids in self.env.toc_fignumbers.get(docname, {}).items():
            if labelid in ids:
                return kind
        return "section"

    def numref(self, content):
        title, label = _title_target(content)
        target = self._target(label)
        number = self._fignumber(target)
        if number is None:
            self._unresolved(f"{{numref}}`{content}`")
            return title or label
        figtype = self._figtype(target)
        fmt = title or self.config.numfig_format.get(figtype, "%s")
        name = _one_line(self.env.domaindata["std"]["labels"].get(label.lower(), ("", "", ""))[2])
        if "{number}" in fmt or "{name}" in fmt:
            return fmt.format(number=number, name=name)
        return fmt % number if "%s" in fmt else fmt

    def ref(self, content):
        title, label = _title_target(content)
        target = self._target(label)
        if target is None:
            self._unresolved(f"{{ref}}`{content}`")
            return title or label
        if title:
            return title
        name = self.env.domaindata["std"]["labels"].get(label.lower(), ("", "", ""))[2]
        if not name:
            self._unresolved(f"{{ref}}`{content}` ohne Titel")
            return label
        return _one_line(name)

    def doc_title(self, content):
        title, target = _title_target(content)
        if target.startswith("/"):
            docname = target.lstrip("/")
        else:
            docname = posixpath.normpath(posixpath.join(posixpath.dirname(self.doc), target))
        docname = re.sub(r"\.(md|ipynb)$", "", docname)
        if docname not in self.env.titles:
            self._unresolved(f"{{doc}}`{content}`")
            return title or target
        return title or self.env.titles[docname].astext()

    def citation(self, kind, content):
        """The citation as the page shows it ("He u. a. (2015)", "(Rumelhart u. a., 1986)")."""
        from pybtex_docutils import Backend
        from sphinxcontrib.bibtex.style.referencing import format_references
        from sphinxcontrib.bibtex.style.template import SphinxReferenceInfo

        keys = [key.strip() for key in content.split(",")]
        citations = {}
        for citation in self.env.domaindata["cite"]["citations"]:
            if citation.key in keys:
                citations.setdefault(citation.key, citation)
        missing = [key for key in keys if key not in citations]
        if missing:
            self._unresolved(f"{{cite}}: unbekannte Quelle {', '.join(missing)}")
            return f"({', '.join(keys)})"
        style = reference_style(self.config.bibtex_reference_style)
        references = [(citations[key].entry, citations[key].formatted_entry,
                       SphinxReferenceInfo(builder=_TextBuilder(), fromdocname=self.doc,
                                           todocname=citations[key].bibliography_key.docname,
                                           citation_id=citations[key].citation_id, title=None,
                                           pre_text="", post_text=""))
                      for key in citations]  # in the bibliography's order, as on the page
        rendered = format_references(style, kind, references).render(Backend())
        return escape_markdown("".join(node.astext() for node in rendered))

    # --- sections ----------------------------------------------------------------------

    def _toc_entries(self, docname=None):
        from docutils import nodes

        toc = getattr(self.env, "tocs", {}).get(docname or self.doc)
        if toc is None:
            return []
        return [(_norm(ref.astext()), ".".join(map(str, ref["secnumber"]))
                 if ref.get("secnumber") else "") for ref in toc.findall(nodes.reference)]

    def _section_number(self, text):
        wanted = _norm(re.sub(r"\{[\w:]+\}", "", text))
        for index, (title, number) in enumerate(self.toc):
            if title == wanted:
                self.toc = self.toc[index + 1:]
                return number + self.config.html_secnumber_suffix if number else ""
        return ""

    def _unresolved(self, what):
        self.unresolved.append(what)


def reference_style(name):
    """sphinxcontrib-bibtex's referencing style ``name`` (the book's German one is
    registered by tools/german_bibtex.py)."""
    from sphinxcontrib.bibtex.plugin import find_plugin

    try:
        return find_plugin("sphinxcontrib.bibtex.style.referencing", name)()
    except ImportError:
        try:
            import tools.german_bibtex  # noqa: F401 - registers author_year_de
        except ImportError:
            import german_bibtex  # noqa: F401
        return find_plugin("sphinxcontrib.bibtex.style.referencing", name)()


class _TextBuilder:
    """Enough of a builder for sphinxcontrib-bibtex to render a citation's text."""

    name = "html"

    def get_relative_uri(self, fromdocname, todocname):
        return ""

    def get_target_uri(self, docname):
        return ""


def _box(title, body, option_lines):
    fence = _fence(body)
    head = "\n".join([f"{fence}{{admonition}} {title}", *option_lines])
    return f"{head}\n\n{body}\n{fence}" if body else f"{head}\n{fence}"


def _tidy(text):
    return re.sub(r"\n[ \t]*\n(?:[ \t]*\n)+", "\n\n", text).strip("\n")


def html_table(html):
    """A pandas/HTML table as a markdown table (jupyterlab-myst draws it like the book's
    tables); ``None`` if ``html`` holds no single table."""
    rows, _, tables = table_rows(html)
    head = [cells for is_head, cells in rows if is_head]
    body = [cells for is_head, cells in rows if not is_head]
    if tables != 1 or not rows:
        return None
    if not head:
        head, body = [body[0]], body[1:]
    # Markdown has one header row: several are joined column by column.
    header = [" ".join(filter(None, column)) for column in zip(*head, strict=True)]

    def line(cells):
        return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"

    return "\n".join([line(header), "|" + "---|" * len(header)] + [line(row) for row in body])


# --- the notebook --------------------------------------------------------------------------


def intro_cell(book, title):
    """The first cell: where the notebook comes from and what it needs to run."""
    config = book.config
    built = book.built.strftime("%d.%m.%Y")
    edition = "" if book.edition in config.project else f"{book.edition}, "
    repository = ("" if getattr(config, "course_edition", "") == "studierende" else
                  " Im Repositorium des Buches startet `make lab` JupyterLab in der Umgebung "
                  "des Buches.")
    text = (
        f"Diese Seite „{title}“ stammt aus dem Buch „{config.project}“ ({edition}gebaut am "
        f"{built}). Zahlen, Abbildungen und Verweise im Text sind die dieses "
        "Baus, wie auf der Webseite; die Code-Zellen berechnen sie neu, wenn Sie sie "
        "ausführen. Dafür brauchen Sie das Paket `codes` und die Daten: Laden Sie das "
        f"Code-Archiv `{ZIP_NAME}` (auf der Startseite des Buches) herunter, entpacken Sie "
        "es und richten Sie die Umgebung ein, wie die Datei `LIESMICH.txt` darin "
        "beschreibt; öffnen Sie dieses Notebook dann in JupyterLab aus dieser Umgebung."
        + repository)
    return nbformat.v4.new_markdown_cell(_box("Dieses Notebook", text, [":class: note"]))


def page_notebook(executed, docname, book, glue=None):
    """The notebook edition of the page ``docname`` from its executed notebook.

    Returns ``(notebook, writer)``; ``writer.unresolved`` lists what could not be
    rewritten (also in the notebook's metadata), ``writer.rewritten`` counts the markdown
    cells that changed.
    """
    glue = glue_bundles(executed) if glue is None else glue
    book.remember_glue(docname, glue)
    writer = PageWriter(docname, book, glue)
    title = book.env.titles[docname].astext() if docname in book.env.titles else docname
    number = writer._section_number(title)
    cells = [intro_cell(book, f"{number}{title}")]
    writer.toc = writer._toc_entries()
    for cell in executed.cells:
        if cell.cell_type == "markdown":
            new = writer.markdown_cell(cell)
        elif cell.cell_type == "code":
            new = writer.code_cell(cell)
        else:
            new = nbformat.v4.new_raw_cell(cell.source, metadata=copy.deepcopy(cell.metadata))
        if new is not None:
            cells.append(new)
    for index, cell in enumerate(cells):
        cell["id"] = f"zelle-{index}"
    metadata = {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python",
                       **{k: v for k, v in executed.metadata.get("kernelspec", {}).items()
                          if k == "display_name"}},
        "title": title,
        META_KEY: {"seite": docname, "ausgabe": book.edition, "buch": book.config.project,
                   "gebaut": book.built.isoformat(), "ungeloest": writer.unresolved},
    }
    if "language_info" in executed.metadata:
        metadata["language_info"] = executed.metadata["language_info"]
    notebook = nbformat.v4.new_notebook(cells=cells, metadata=metadata)
    return notebook, writer


def executed_notebook(path, nb_config=None):
    """The executed notebook of a page: myst-nb's copy in ``jupyter_execute`` (without
    outputs when they came from the execution cache), merged with the cached outputs."""
    notebook = nbformat.read(path, as_version=4)
    has_outputs = any(cell.get("outputs") for cell in notebook.cells)
    cache_path = getattr(nb_config, "execution_cache_path", "")
    if has_outputs or not cache_path or not Path(cache_path).is_dir():
        return notebook
    from jupyter_cache import get_cache

    try:
        return get_cache(cache_path).merge_match_into_notebook(notebook)[1]
    except KeyError:  # not in the cache (execution off or failed): the notebook without outputs
        return notebook


def notebook_pages(env, execute_dir):
    """The executed pages (a kernel in their header and myst-nb's notebook on disk)."""
    return sorted(docname for docname in env.found_docs
                  if "kernelspec" in env.metadata.get(docname, {})
                  and (Path(execute_dir) / f"{docname}.ipynb").is_file())


def _execute_dir(app):
    folder = Path(app.env.mystnb_config.output_folder)
    return folder if folder.is_absolute() else Path(app.outdir).parent / folder


def _offer_notebook(app, pagename, templatename, context, doctree):
    """The theme's ``.ipynb`` button on every executed page (the student edition, which has
    no launch buttons, gets it too); the file is written at build-finished."""
    if app.builder.format != "html" or doctree is None:
        return
    if pagename in notebook_pages_cached(app):
        context["ipynb_source"] = pagename + ".ipynb"


def notebook_pages_cached(app):
    if not hasattr(app, "_notebook_pages"):
        app._notebook_pages = set(notebook_pages(app.env, _execute_dir(app)))
    return app._notebook_pages


def _write_notebooks(app, exception):
    if exception or app.builder.format != "html":
        return
    from sphinx.util import logging

    logger = logging.getLogger(__name__)
    start = time.perf_counter()
    execute_dir = _execute_dir(app)
    book = Book(app.env, srcdir=app.srcdir, execute_dir=execute_dir)
    if shutil.which("rsvg-convert") is None:
        logger.info("Notebook-Ausgabe: rsvg-convert (Debian-Paket librsvg2-bin) fehlt; die "
                    "Abbildungen liegen als SVG-Anhang bei, den JupyterLab nicht anzeigt.")
    count, rewritten, unresolved = 0, 0, []
    for docname in notebook_pages(app.env, execute_dir):
        executed = executed_notebook(execute_dir / f"{docname}.ipynb", app.env.mystnb_config)
        notebook, writer = page_notebook(executed, docname, book)
        target = Path(app.outdir, "_sources", f"{docname}.ipynb")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(nbformat.writes(notebook), encoding="utf-8")
        count += 1
        rewritten += writer.rewritten
        unresolved += [f"{docname}: {what}" for what in writer.unresolved]
    seconds = f"{time.perf_counter() - start:.1f}".replace(".", ",")
    logger.info(f"Notebook-Ausgabe: {count} Notebooks nach _sources/ geschrieben, "
                f"{rewritten} Markdown-Zellen umgeschrieben, {seconds} s.")
    if unresolved:
        logger.info("Notebook-Ausgabe, nicht aufgelöst (als Text übernommen):\n  "
                    + "\n  ".join(unresolved))


# --- checks (tests/test_notebook_edition.py) -------------------------------------------------


def leftover_myst(text):
    """What in a markdown cell jupyterlab-myst would not render like the book: roles and
    directives it does not know, and substitutions."""
    found = []
    lines = text.split("\n")
    index, prose = 0, []
    while index < len(lines):
        fence = FENCE.match(lines[index])
        if not fence:
            prose.append(lines[index])
            index += 1
            continue
        end = closing_line(lines, index, fence.group("fence"), at_end=True)
        directive = DIRECTIVE.match(fence.group("info"))
        if directive:  # a code block is skipped; a directive's body is MyST again
            if directive.group("name") not in LAB_DIRECTIVES:
                found.append(f"Direktive {{{directive.group('name')}}}")
            if directive.group("name") not in ("code-block", "code", "math"):
                found += leftover_myst("\n".join(lines[index + 1:end]))
        index = end + 1
    for match in INLINE.finditer("\n".join(prose)):
        if match.group("role") and match.group("role") not in LAB_ROLES:
            found.append(f"Rolle {{{match.group('role')}}}")
        elif match.group("sub"):
            found.append(f"Ersetzung {match.group(0)}")
    return found


def setup(app):
    app.connect("html-page-context", _offer_notebook, priority=500)  # before the theme's buttons
    app.connect("build-finished", _write_notebooks)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
