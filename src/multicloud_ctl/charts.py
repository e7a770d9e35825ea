"""Axis and layout arithmetic for the SVG charts of the cost report and the dashboard (no drawing here).

- `nice_ticks`: axis ticks at 1, 2, 2.5 or 5 x 10^k from zero to at least the data's maximum (the cost chart's
  y axis said 499 / 998 / 1,497: a quarter of the maximum, which nobody reads at a glance).
- `every`: show every k-th label so that neighbouring labels never overlap (90 daily dates at 10 px a bar
  were printed on top of each other).
- `text_width`: a deliberately generous estimate of a label's width in the pages' sans-serif font, used to
  reserve room for labels (a budget's "% spent, % forecast" ran past the right edge); the headless-Chromium
  test measures the real glyphs (tests/e2e/observability/test_chart_layout.py).
- `PALETTE`: ten distinguishable colours (Tableau 10) for series that are not a cloud's own colour.
Standard library only.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
)
CHAR_EM = 0.62  # average advance of a label character, in em: above system-ui's digits and lower case (~0.55)


def text_width(text: str, size: float = 11) -> float:
    """Estimated width in px of `text` at `size` px."""
    return len(text) * size * CHAR_EM


def widest(texts: Iterable[str], size: float = 11) -> float:
    return max((text_width(t, size) for t in texts), default=0.0)


def nice_ticks(top: float, count: int = 5) -> list[float]:
    """Ticks from 0 to the first nice value >= `top`: the finest step of 1, 2, 2.5 or 5 x 10^k that needs at most
    `count` intervals (so the axis wastes little room: 2,037 -> 0..2,500 by 500, not 0..3,000 by 1,000)."""
    if not math.isfinite(top) or top <= 0:
        return [0.0, 1.0]
    power = 10 ** math.floor(math.log10(top / count))
    step = next(m * power for m in (1, 2, 2.5, 5, 10, 20) if math.ceil(top / (m * power) - 1e-9) <= count)
    n = math.ceil(top / step - 1e-9)
    return [round(i * step, 10) for i in range(n + 1)]


def tick_label(value: float, ticks: list[float]) -> str:
    """`value` with the decimals its tick step needs (2.5 steps need one) and thousands separators."""
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    decimals = 0 if step >= 1 and float(step).is_integer() else max(0, -math.floor(math.log10(step)) + 1)
    text = f"{value:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def every(count: int, slot: float, label_width: float, gap: float = 8) -> int:
    """Show every k-th of `count` labels spaced `slot` px apart so that labels `label_width` wide never touch."""
    if count <= 1 or slot <= 0:
        return 1
    return max(1, math.ceil((label_width + gap) / slot))
