"""Glued numbers use German separators; other glued text is untouched."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
from german_numbers import format_german  # noqa: E402


@pytest.mark.parametrize(
    ("text", "spec", "expected"),
    [
        ("97.84", ".1f", "97,8"),
        ("23860", ",d", "23.860"),
        ("1234567.891", ",.2f", "1.234.567,89"),
        ("1.5e-09", ".1e", "1,5e-09"),
        ("0.9784", ".1%", "97,8%"),
        ("'3.13'", "", "3.13"),
        ("'v1.2'", "s", "v1.2"),
    ],
)
def test_format_german(text, spec, expected):
    assert format_german(text, spec) == expected
