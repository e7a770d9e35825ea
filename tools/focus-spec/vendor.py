"""Vendor the machine-readable part of the FOCUS 1.2 specification: its columns and their allowed values.

    python tools/focus-spec/vendor.py SPEC_DIR COMMIT TAG > \
        src/multicloud_ctl/operations/cost/focus_spec_data/focus-1.2-columns.json

SPEC_DIR is `specification/` of https://github.com/FinOps-Open-Cost-and-Usage-Spec/FOCUS_Spec at TAG (v1.2,
COMMIT 7296e314...). For each `columns/<name>.md` the output keeps the Column ID, the "Content Constraints"
table (column type, feature level, allows nulls, data type, value format) and, where the column has one, the
"Allowed values" table's values (for ServiceSubcategory: [category, subcategory] pairs). The normative
requirement text itself stays upstream; `operations/cost/focus_spec.py` implements the rules from it.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

_ROW = re.compile(r"^\|(.+)\|\s*$")


def _cells(line: str) -> list[str]:
    match = _ROW.match(line.strip())
    return [c.strip() for c in match.group(1).split("|")] if match else []


def _section(lines: list[str], heading: str) -> list[str]:
    """Lines under a `## heading` up to the next `## ` heading."""
    out: list[str] = []
    inside = False
    for line in lines:
        if line.startswith("## "):
            inside = line[3:].strip().lower() == heading.lower()
            continue
        if inside:
            out.append(line)
    return out


def _table_after(lines: list[str], marker: str) -> list[list[str]]:
    """The body rows of the first markdown table after a line starting with `marker`."""
    rows: list[list[str]] = []
    started = False
    for line in lines:
        if not started:
            started = line.strip().lower().startswith(marker.lower())
            continue
        cells = _cells(line)
        if cells:
            rows.append(cells)
        elif rows:
            break
    return [r for r in rows[1:] if not set("".join(r)) <= set(":- ")]  # drop the header and rule


def column_entry(path: Path) -> dict[str, Any]:
    lines = path.read_text(encoding="utf-8").splitlines()
    column_id = next(line.strip() for line in _section(lines, "Column ID") if line.strip())
    constraints = {
        cells[0]: re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", cells[1])
        for cells in map(_cells, _section(lines, "Content Constraints"))
        if len(cells) >= 2 and cells[0] not in ("Constraint",) and not cells[0].startswith(":")
    }
    entry: dict[str, Any] = {
        "column_id": column_id,
        "column_type": constraints.get("Column type"),
        "feature_level": constraints.get("Feature level"),
        "allows_nulls": constraints.get("Allows nulls") == "True",
        "data_type": constraints.get("Data type"),
        "value_format": constraints.get("Value format"),
        "introduced": next((x.strip() for x in _section(lines, "Introduced (version)") if x.strip()), None),
    }
    allowed = _table_after(lines, "Allowed values")
    if allowed:
        entry["allowed_values"] = (
            [r[:2] for r in allowed] if column_id == "ServiceSubcategory" else [r[0] for r in allowed]
        )
    return entry


def main(spec_dir: str, commit: str, tag: str) -> None:
    columns = sorted(
        (column_entry(p) for p in sorted(Path(spec_dir, "columns").glob("*.md"))), key=lambda c: c["column_id"]
    )
    document = {
        "source": "https://github.com/FinOps-Open-Cost-and-Usage-Spec/FOCUS_Spec",
        "tag": tag,
        "commit": commit,
        "path": "specification/columns/*.md",
        "license": "CC-BY-4.0 (see LICENSE.txt beside this file)",
        "focus_version": tag.lstrip("v"),
        "columns": columns,
    }
    json.dump(document, sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(*sys.argv[1:4])
