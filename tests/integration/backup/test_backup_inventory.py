"""`backup daily` from S3 Inventory reports (`spec.source.inventory`) on moto + Azurite.

The reports are delivered by `inventory_support` in S3's own layout and format (moto stores the inventory
configuration but never writes a report). Relative times only: a report's age is measured on the product's
clock (`default_clock`), and the reports are made relative to it.
"""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta
from typing import Any

import inventory_support as inv
import pytest
from backup_testkit import make_runtime, seed

from multicloud_ctl.config.specs.backup import BackupSource, BackupSpec, InventorySource
from multicloud_ctl.engine.clock import default_clock
from multicloud_ctl.errors import OperationFailed
from multicloud_ctl.operations.backup import run_daily
from multicloud_ctl.operations.backup.daily import DailyOptions
from multicloud_ctl.operations.backup.store import open_store
from multicloud_ctl.operations.backup.verify import verify_backup

pytestmark = pytest.mark.integration

DEST, PREFIX, CONFIG = "shop-inventory", "reports", "mcctl-daily"
TRICKY = {
    "a b.txt": b"space",
    "plus+sign.txt": b"plus",
    "pct%41.txt": b"percent",
    "\u00fc/\u00f1.bin": b"unicode",
    "k/0001.bin": b"one",
    "k/0002.bin": b"two",
    "k/0003.bin": b"three",
    "k/deep/0004.bin": b"four",
}


def _spec(container: str, config_id: str = CONFIG, **source: Any) -> BackupSpec:
    inventory = InventorySource(bucket=DEST, prefix=PREFIX, config_id=config_id, buckets=["src-a"], **source)
    return BackupSpec(
        buckets=["src-a", "src-b"],
        container=container,
        parallelism=4,
        block_size=256 * 1024,
        source=BackupSource(inventory=inventory),
    )


def _deliver(runtime: Any, hours_ago: float = 1.0, **kwargs: Any) -> str:
    made = default_clock().now() - timedelta(hours=hours_ago)
    return inv.deliver(runtime.aws.client("s3"), "src-a", DEST, PREFIX, CONFIG, made, **kwargs)


@pytest.fixture
def configured(runtime: Any) -> Any:
    seed(runtime, "src-a", TRICKY)
    seed(runtime, "src-b", {"b.txt": b"listed"})
    inv.configure(runtime.aws.client("s3"), "src-a", DEST, PREFIX, CONFIG)
    return runtime


def _mirror(runtime: Any, spec: BackupSpec) -> dict[str, bytes]:
    store = open_store(runtime, spec)
    prefix = store.layout.mirror_prefix("src-a")
    return {b.name[len(prefix) :]: store.blobs.read(b.name) for b in store.blobs.list(prefix, metadata=False)}


def test_daily_reads_the_report_sorted_and_decoded_not_the_listing(configured: Any, container: str) -> None:
    runtime, spec = configured, _spec(container)
    _deliver(runtime, files=3)  # rows shuffled over three files, keys URL-encoded
    seed(runtime, "src-a", {"late.txt": b"after the report"})  # not in the report: the next one will have it
    first = run_daily(runtime, spec)
    assert (first["copied"], first["failed"]) == (len(TRICKY) + 1, 0)  # src-a from the report + src-b listed
    assert first["sources"]["src-a"]["source"] == "inventory" and first["sources"]["src-a"]["objects"] == len(TRICKY)
    assert first["sources"]["src-a"]["report"].startswith(f"s3://{DEST}/{PREFIX}/src-a/{CONFIG}/")
    assert first["sources"]["src-b"] == {"source": "listing"}
    assert _mirror(runtime, spec) == TRICKY
    assert verify_backup(open_store(runtime, spec), first["id"]).ok
    again = run_daily(make_runtime(runtime.environment), spec)
    assert (again["copied"], again["skipped"]) == (0, len(TRICKY) + 1)


def test_changes_after_a_report_wait_for_the_next_one(configured: Any, container: str, pin_clock: Any) -> None:
    """The product's clock runs 10 h ahead of moto's, so the objects seeded now are older than the reports by
    more than the settling margin: a mirror blob missing from the report is then deleted at the source."""
    runtime, spec = configured, _spec(container)
    s3 = runtime.aws.client("s3")
    pin_clock((datetime.now(UTC) + timedelta(hours=10)).isoformat())
    _deliver(runtime)
    run_daily(runtime, spec)
    s3.put_object(Bucket="src-a", Key="k/0001.bin", Body=b"one, changed before the report")
    s3.delete_object(Bucket="src-a", Key="a b.txt")  # deleted before the report
    seed(runtime, "src-a", {"short-lived.txt": b"x"})
    _deliver(runtime, hours_ago=0.0, seed=11)
    s3.delete_object(Bucket="src-a", Key="short-lived.txt")  # listed by the report, gone when copied
    s3.put_object(Bucket="src-a", Key="k/0002.bin", Body=b"two, changed after the report")
    run = run_daily(make_runtime(runtime.environment), spec, DailyOptions(mirror_deletes=True))
    assert run["vanished"] == 1 and run["failed"] == 0 and run["copied"] == 1  # k/0001.bin, as S3 holds it now
    assert run["deleted_at_source"] == 1 and run["deleted"] == 1  # "a b.txt"
    mirror = _mirror(runtime, spec)
    assert mirror["k/0001.bin"] == b"one, changed before the report"
    assert mirror["k/0002.bin"] == b"two"  # the report is a picture: the next one carries the change
    assert "a b.txt" not in mirror and "short-lived.txt" not in mirror
    assert verify_backup(open_store(runtime, spec), run["id"]).ok


def test_an_object_newer_than_the_report_is_kept_never_taken_for_deleted(configured: Any, container: str) -> None:
    runtime, spec = configured, _spec(container)
    _deliver(runtime, hours_ago=1.0)
    seed(runtime, "src-a", {"newer.txt": b"newer than the report"})
    listing = spec.model_copy(update={"source": BackupSource()})
    run_daily(runtime, listing)  # mirrored by a listing run
    run = run_daily(make_runtime(runtime.environment), spec, DailyOptions(mirror_deletes=True))
    assert (run["deleted_at_source"], run["deleted"], run["copied"]) == (0, 0, 0)
    assert _mirror(runtime, spec)["newer.txt"] == b"newer than the report"
    store = open_store(runtime, spec)
    report = verify_backup(store, run["id"])
    assert report.ok and report.checked == len(TRICKY) + 2  # newer.txt is in the manifest, from its blob


def _overwrite_first_data_file(runtime: Any, folder: str) -> None:
    import json

    s3 = runtime.aws.client("s3")
    manifest = json.loads(s3.get_object(Bucket=DEST, Key=f"{folder}manifest.json")["Body"].read())
    key = manifest["files"][0]["key"]
    s3.put_object(Bucket=DEST, Key=key, Body=gzip.compress(b'"src-a","zzz","1","2026-01-01T00:00:00.000Z","x","S"\n'))


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("missing", "no inventory report under"),
        ("stale", "is stale"),
        ("no checksum yet", "no complete inventory report"),
        ("checksum mismatch", "does not match its manifest.checksum"),
        ("data file changed", "does not match the manifest"),
        ("other bucket", "not of 'src-a'"),
        ("parquet", "only CSV is read"),
        ("no etag column", "fileSchema has no ETag"),
        ("filtered configuration", "covers only prefix"),
        ("no configuration", "has no inventory configuration"),
    ],
)
def test_an_unusable_report_falls_back_to_listing_or_fails_in_one_line(
    configured: Any, container: str, case: str, reason: str
) -> None:
    runtime = configured
    s3 = runtime.aws.client("s3")
    config = CONFIG
    if case == "stale":
        _deliver(runtime, hours_ago=48)
    elif case == "no checksum yet":
        _deliver(runtime, checksum=False)
    elif case == "checksum mismatch":
        folder = _deliver(runtime)
        s3.put_object(Bucket=DEST, Key=f"{folder}manifest.checksum", Body=b"0" * 32)
    elif case == "data file changed":
        _overwrite_first_data_file(runtime, _deliver(runtime))
    elif case == "other bucket":
        _deliver(runtime, source_name="src-z")
    elif case == "parquet":
        _deliver(runtime, file_format="Parquet")
    elif case == "no etag column":
        _deliver(runtime, schema="Bucket, Key, Size, LastModifiedDate")
    elif case == "filtered configuration":
        inv.configure(s3, "src-a", DEST, PREFIX, CONFIG, Filter={"Prefix": "k/"})
        _deliver(runtime)
    elif case == "no configuration":  # (moto 5 routes DeleteBucketInventoryConfiguration to DeleteBucket)
        config = "retired"
        _deliver(runtime)
    elif case == "missing":
        s3.create_bucket(Bucket=DEST)
    listed = run_daily(runtime, _spec(container, config))
    assert listed["sources"]["src-a"]["source"] == "listing"
    assert reason in listed["sources"]["src-a"]["inventory_unusable"]
    assert listed["copied"] == len(TRICKY) + 1 and _mirror(runtime, _spec(container)) == TRICKY
    with pytest.raises(OperationFailed) as refused:
        run_daily(make_runtime(runtime.environment), _spec(f"{container}x", config, if_unusable="fail"))
    assert reason in str(refused.value) and "\n" not in str(refused.value)
    assert "if_unusable: list" in (refused.value.hint or "")
