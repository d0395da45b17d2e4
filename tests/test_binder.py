"""Binder (repo2docker) builds the same environment as make venv and opens pages as notebooks.

mybinder.org itself cannot be reached from the test machine; these tests check what
repo2docker reads from binder/ and run its postBuild step here.
"""

import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"


def test_binder_installs_the_pinned_requirements_of_make_venv():
    lines = [line.strip() for line in (BINDER / "requirements.txt").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    assert lines == ["-r ../requirements.txt"]
    assert (BINDER / "../requirements.txt").resolve() == ROOT / "requirements.txt"
    runtime = (BINDER / "runtime.txt").read_text().strip()
    assert runtime.startswith("python-3.")


@pytest.mark.skipif(not os.environ.get("NN_DATA_DIR") and not (ROOT.parent / "shared/data/mnist").is_dir(),
                    reason="postBuild lädt sonst MNIST herunter (kein Netz im Test)")
def test_post_build_sets_the_notebook_viewer_and_finds_the_data(tmp_path):
    assert os.access(BINDER / "postBuild", os.X_OK)
    env = {**os.environ, "NB_PYTHON_PREFIX": str(tmp_path)}
    env.setdefault("NN_DATA_DIR", str(ROOT.parent / "shared/data"))
    env["PATH"] = f"{ROOT / '.venv/bin'}{os.pathsep}{env['PATH']}"
    subprocess.run([str(BINDER / "postBuild")], cwd=ROOT, env=env, check=True,
                   capture_output=True, text=True, timeout=300)
    settings = json.loads((tmp_path / "share/jupyter/lab/settings/overrides.json").read_text())
    viewers = settings["@jupyterlab/docmanager-extension:plugin"]["defaultViewers"]
    assert viewers["markdown"] == "Jupytext Notebook"
