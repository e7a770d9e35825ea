"""The CDC apply core shared by `mcctl sync` and the CDC Lambda: DynamoDB stream records -> SQL rows.

Effectively-once and order-safe by construction:

- every SQL row carries the stream sequence number it came from (`_seq`, zero-padded to 40 digits so that
  string order is numeric order in every dialect); an upsert only wins when its `_seq` is greater, so a
  replayed or reordered record never overwrites a newer one;
- deletes leave a tombstone row (`_deleted`, with its `_seq`), so update-delete-update ends right;
- the caller writes the shard checkpoint in the same SQL transaction as the batch (`checkpoint.py`).

Imports nothing from `multicloud_ctl` outside `functions/` (the Lambda zip ships this package alone).
"""

from __future__ import annotations

from multicloud_ctl.functions.cdc.apply import ApplyResult, StreamRecord, apply_records, normalize_record
from multicloud_ctl.functions.cdc.schema import (
    KeyColumn,
    ProjectedColumn,
    SyncTables,
    TableMapping,
    build_metadata,
)

__all__ = [
    "ApplyResult",
    "KeyColumn",
    "ProjectedColumn",
    "StreamRecord",
    "SyncTables",
    "TableMapping",
    "apply_records",
    "build_metadata",
    "normalize_record",
]
