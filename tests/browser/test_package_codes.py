"""tools/package_codes.py: the zip of codes/ that the build ships (no build needed)."""

import sys
import zipfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
from package_codes import package_files, write_zip  # noqa: E402


def _fake_book(root):
    (root / "codes" / "sub").mkdir(parents=True)
    (root / "codes" / "__init__.py").write_text('"""Package."""\n')
    (root / "codes" / "sub" / "mod.py").write_text("X = 1\n")
    (root / "codes" / "__pycache__").mkdir()
    (root / "codes" / "__pycache__" / "mod.cpython-311.pyc").write_bytes(b"\0")
    (root / "requirements.txt").write_text("numpy\n")
    return root


def test_zip_holds_package_and_install_files_only(tmp_path):
    root = _fake_book(tmp_path / "book")
    archive = write_zip(tmp_path / "out" / "code.zip", root=root)
    with zipfile.ZipFile(archive) as zipped:
        names = zipped.namelist()
        assert zipped.read("nn-kursbuch-code/codes/sub/mod.py") == b"X = 1\n"
    assert names == [f"nn-kursbuch-code/{name}" for name in
                     ("codes/__init__.py", "codes/sub/mod.py", "requirements.txt", "LIESMICH.txt")]
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["code.zip"]  # no temporary file


def test_zip_is_reproducible(tmp_path):
    root = _fake_book(tmp_path / "book")
    first = write_zip(tmp_path / "a.zip", root=root).read_bytes()
    second = write_zip(tmp_path / "b.zip", root=root).read_bytes()
    assert first == second


def test_real_package_is_found():
    files = {path.as_posix() for path in package_files()}
    assert {"codes/__init__.py", "codes/activations.py", "pyproject.toml"} <= files


def test_missing_package_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="codes/__init__.py"):
        package_files(tmp_path)
