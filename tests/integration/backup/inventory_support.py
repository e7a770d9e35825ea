"""Deliver an S3 Inventory report for a moto bucket the way S3 does (moto keeps the configuration, never reports).

The shape follows the AWS S3 User Guide ("Amazon S3 Inventory", "Locating your inventory list"): the
configuration (PutBucketInventoryConfiguration: CSV to `arn:aws:s3:::{dest}` under `prefix`, Size and ETag
included), then under `{prefix}/{source}/{config id}/`: gzipped CSV data files in `data/` (rows in no
particular order, keys URL-encoded, every value quoted), and `YYYY-MM-DDTHH-MMZ/manifest.json` naming them
with their size and MD5, and `manifest.checksum` (the manifest's MD5) last.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import hashlib
import io
import json
import random
import uuid
from datetime import datetime
from typing import Any
from urllib.parse import quote_plus

SCHEMA = "Bucket, Key, Size, LastModifiedDate, ETag, StorageClass"


def configure(s3: Any, source: str, dest: str, prefix: str, config_id: str, **overrides: Any) -> None:
    with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou):
        s3.create_bucket(Bucket=dest)
    config: dict[str, Any] = {
        "Id": config_id,
        "IsEnabled": True,
        "IncludedObjectVersions": "Current",
        "Destination": {"S3BucketDestination": {"Bucket": f"arn:aws:s3:::{dest}", "Format": "CSV", "Prefix": prefix}},
        "Schedule": {"Frequency": "Daily"},
        "OptionalFields": ["Size", "LastModifiedDate", "ETag", "StorageClass"],
    }
    config.update(overrides)
    s3.put_bucket_inventory_configuration(Bucket=source, Id=config_id, InventoryConfiguration=config)


def current_rows(s3: Any, source: str) -> list[list[str]]:
    rows = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=source):
        for item in page.get("Contents", []):
            modified = item["LastModified"].strftime("%Y-%m-%dT%H:%M:%S.000Z")
            rows.append(
                [source, quote_plus(item["Key"]), str(item["Size"]), modified, item["ETag"].strip('"'), "STANDARD"]
            )
    return rows


def deliver(
    s3: Any,
    source: str,
    dest: str,
    prefix: str,
    config_id: str,
    created: datetime,
    *,
    rows: list[list[str]] | None = None,
    files: int = 3,
    schema: str = SCHEMA,
    file_format: str = "CSV",
    source_name: str | None = None,
    checksum: bool = True,
    seed: int = 7,
) -> str:
    """Write one report of `source` (its current objects, or `rows`) made at `created`; its folder's key."""
    rows = current_rows(s3, source) if rows is None else rows
    random.Random(seed).shuffle(rows)  # S3 documents no order: the reader must sort
    base = f"{prefix.strip('/') + '/' if prefix.strip('/') else ''}{source}/{config_id}/"
    listed = []
    for i in range(files):
        part = rows[i::files]
        text = io.StringIO()
        csv.writer(text, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(part)
        data = gzip.compress(text.getvalue().encode())
        key = f"{base}data/{uuid.uuid4()}.csv.gz"
        s3.put_object(Bucket=dest, Key=key, Body=data)
        listed.append({"key": key, "size": len(data), "MD5checksum": hashlib.md5(data).hexdigest()})
    stamp = created.strftime("%Y-%m-%dT%H-%MZ")
    manifest = {
        "sourceBucket": source_name or source,
        "destinationBucket": f"arn:aws:s3:::{dest}",
        "version": "2016-11-30",
        "creationTimestamp": str(int(created.timestamp() * 1000)),
        "fileFormat": file_format,
        "fileSchema": schema,
        "files": listed,
    }
    raw = json.dumps(manifest, indent=2).encode()
    folder = f"{base}{stamp}/"
    s3.put_object(Bucket=dest, Key=f"{folder}manifest.json", Body=raw)
    if checksum:
        s3.put_object(Bucket=dest, Key=f"{folder}manifest.checksum", Body=hashlib.md5(raw).hexdigest().encode())
    return folder
