"""Loading a benchmark under bench/ as a module, without running it (imported by name:
`from bench_support import load_bench`). Each bench keeps its work behind `if __name__ == "__main__"`, and
most put `src/` on `sys.path`, which is restored afterwards."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

BENCH = Path(__file__).resolve().parents[1] / "bench"


def load_bench(path: Path) -> ModuleType:
    """Execute the bench at `path` as module `bench_<stem>` and return it."""
    spec = importlib.util.spec_from_file_location(f"bench_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    saved = list(sys.path)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path[:] = saved
        sys.modules.pop(spec.name, None)
    return module
