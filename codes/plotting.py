"""One plotting style for every chapter: crisp SVG figures on a white background.

Call ``use_book_style()`` once at the top of a notebook. Figures then render as SVG
(sharp on phones, small to download), keep a white background so that they stay
legible in the theme's dark mode, and are byte-identical from build to build.
"""

import matplotlib as mpl

BOOK_STYLE = {
    "figure.figsize": (6.4, 4.0),
    "figure.dpi": 100,
    "font.size": 11,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "savefig.bbox": "tight",
    "svg.fonttype": "path",        # no dependency on the reader's fonts
    "svg.hashsalt": "nn-kursbuch",  # deterministic element ids
    "axes.formatter.use_locale": False,
}


def use_book_style(vector=True):
    """Apply the book's matplotlib style; ``vector=False`` keeps PNG (dense scatter plots)."""
    mpl.rcParams.update(BOOK_STYLE)
    try:
        from matplotlib_inline.backend_inline import set_matplotlib_formats
    except ImportError:  # plain Python, not a notebook
        return
    set_matplotlib_formats("svg" if vector else "png", metadata={"Date": None})
