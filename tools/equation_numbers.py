"""The number of a labelled equation as the web edition prints it ("3.4"), read from
Sphinx's environment; used where references leave the HTML: the sheet PDFs
(tools/pdf_edition.py) and the notebook edition (tools/notebook_edition.py)."""

from docutils.nodes import make_id


def equation_number(env, label, fignumbers=None):
    """The number of the equation ``label`` ("3.4"), or None if it has none.

    With ``numfig`` and ``math_numfig`` the number is counted per chapter like figures
    (``fignumbers``, default ``env.toc_fignumbers``); otherwise it is the page's own count.
    """
    found = env.domaindata["math"]["objects"].get(label)
    if not found:
        return None
    docname, plain_number = found
    config = env.config
    if not (config.math_numfig and config.numfig):
        return str(plain_number)
    numbers = env.toc_fignumbers if fignumbers is None else fignumbers
    number = numbers.get(docname, {}).get("displaymath", {}).get(make_id(f"equation-{label}"))
    if not number:
        return None
    return config.math_numsep.join(".".join(map(str, number)).rsplit(".", 1))
