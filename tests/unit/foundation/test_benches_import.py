"""Every benchmark under bench/ still imports (issue 16/17 notes: `bench/drill.py` imported a function that a
refactor had removed and nobody noticed, because CI never runs the benches). Importing a bench starts nothing:
each keeps its work behind `if __name__ == "__main__"`."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench_support import BENCH, load_bench


@pytest.mark.parametrize("path", sorted(BENCH.glob("*.py")), ids=lambda p: p.name)
def test_bench_imports(path: Path) -> None:
    module = load_bench(path)
    assert module.__doc__, f"{path.name}: a bench says what it measures and how to run it"
