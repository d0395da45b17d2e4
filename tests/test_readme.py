"""README, landing page and pyproject.toml state the same supported Python version."""

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_one_supported_python_version_everywhere():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    minimum = re.fullmatch(r">=(\d+\.\d+)", pyproject["project"]["requires-python"]).group(1)
    statement = f"Python {minimum} oder neuer"
    for page in ("README.md", "intro.md"):
        text = " ".join((ROOT / page).read_text(encoding="utf-8").replace("*", "").split())
        assert statement in text, f"{page}: „{statement}“ fehlt"
        assert set(re.findall(r"Python (\d+\.\d+)", text)) == {minimum}, page
    assert sys.version_info[:2] >= tuple(map(int, minimum.split(".")))


def test_readme_names_what_a_new_user_needs():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    for needed in ("make lab", "make data", "python -m codes.data", "_build_student/html",
                   "NN_DATA_DIR", "Ohne Internet", "löscht `.venv`", "GB", "Minuten"):
        assert needed in text, needed
