"""The GitHub workflows validate against the workflow schema shipped with check-jsonschema."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


def validate(path):
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema",
         "vendor.github-workflows", str(path)],
        capture_output=True, text=True, check=False,
    )


def test_there_are_workflows():
    assert WORKFLOWS, "keine Workflows unter .github/workflows"


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_matches_schema(workflow):
    result = validate(workflow)
    assert result.returncode == 0, result.stdout + result.stderr


def test_cpu_and_gpu_jobs_build_the_book():
    text = (ROOT / ".github" / "workflows" / "book.yml").read_text(encoding="utf-8")
    assert "runs-on: ubuntu-latest" in text
    assert "runs-on: [self-hosted, gpu]" in text
    assert text.count("jupyter-book build . -n -W --keep-going") == 2
    assert "torch.cuda.is_available()" in text


def test_broken_workflow_is_rejected(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text("name: kaputt\non: push\njobs:\n  a:\n    steps: []\n", encoding="utf-8")
    assert validate(broken).returncode != 0
