"""Where the documentation lives, for tests that hold it to the code."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


README = ROOT / "README.md"


def documentation() -> str:
    """The README, which documents every setting and the importable pieces."""
    return README.read_text()
