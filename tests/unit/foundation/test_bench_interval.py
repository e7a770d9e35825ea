"""The confidence interval `bench/backup.py` prints for the median of its pairs' ratios (issue 16's measure)."""

from __future__ import annotations

import random
from types import ModuleType

import pytest

from bench_support import BENCH, load_bench


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return load_bench(BENCH / "backup.py")


@pytest.mark.parametrize(
    ("n", "k", "coverage"),
    [
        (15, 4, 1 - 2 * 576 / 2**15),  # P(B <= 3) = (1 + 15 + 105 + 455) / 2^15: the 4th and the 12th
        (9, 2, 1 - 2 * 10 / 2**9),  # the 2nd and the 8th
        (6, 1, 1 - 2 / 2**6),  # only the whole range reaches 95 %
        (5, 1, 1 - 2 / 2**5),  # not even the whole range: its coverage (93.75 %) is what is said
    ],
)
def test_the_interval_is_the_sign_tests_order_statistics(bench: ModuleType, n: int, k: int, coverage: float) -> None:
    values = [1.0 + i / 100 for i in range(n)]
    shuffled = values[:]
    random.Random(n).shuffle(shuffled)
    low, high, got = bench.median_interval(shuffled)
    assert (low, high) == (values[k - 1], values[n - k])
    assert got == pytest.approx(coverage)


def test_a_lower_level_narrows_the_interval(bench: ModuleType) -> None:
    values = [float(v) for v in range(45)]
    wide = bench.median_interval(values, 0.99)
    narrow = bench.median_interval(values, 0.90)
    assert wide[0] < narrow[0] <= 22.0 <= narrow[1] < wide[1]
    assert wide[2] >= 0.99 and 0.90 <= narrow[2] < wide[2]
