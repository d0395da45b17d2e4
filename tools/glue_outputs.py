"""What myst-nb's ``glue`` leaves in an executed notebook, read the same way by
tools/compare_builds.py (the numbers of two builds) and tools/notebook_edition.py (the
values in the notebook edition's text)."""

GLUE_PREFIX = "application/papermill.record/"  # myst_nb.ext.glue: glue(..., display=False)


def joined(value):
    """A notebook field that nbformat may keep as a list of lines, as one string (other
    values, e.g. JSON data, as they are)."""
    return "".join(value) if isinstance(value, list) else value


def glue_bundle(output):
    """The mime bundle of a glue output without myst-nb's prefix, each value one string."""
    return {mime.removeprefix(GLUE_PREFIX): joined(value)
            for mime, value in output.get("data", {}).items()}


def glue_bundles(notebook):
    """``{name: mime bundle}`` of every glue call in an executed notebook."""
    bundles = {}
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            name = output.get("metadata", {}).get("scrapbook", {}).get("name")
            if name and "data" in output:
                bundles[name] = glue_bundle(output)
    return bundles
