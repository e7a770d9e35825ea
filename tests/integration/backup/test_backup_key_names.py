"""S3 keys that are not Blob names as they are: a backslash, a segment's final dot, control characters.

On Azure `a\\b` is stored as `a/b` and `v1.` as `v1`, so each pair was one blob; Azurite kept them apart, and a
control character in a blob name made Azurite fail every later listing of the container. The mirror now holds
these keys under rclone-style replacement names (`operations/backup/names.py`), the blob client refuses the
names Azure would change or refuse (`providers/azure/blobnames.py`), and everything here runs against moto and
Azurite with the real SDKs.
"""

from __future__ import annotations

from typing import Any

import pytest
from backup_testkit import bucket_contents, make_runtime, seed

from multicloud_ctl.errors import ProviderError
from multicloud_ctl.operations.backup import run_daily
from multicloud_ctl.operations.backup.daily import DailyOptions
from multicloud_ctl.operations.backup.names import blob_name
from multicloud_ctl.operations.backup.store import open_store
from multicloud_ctl.operations.backup.verify import verify_backup

pytestmark = pytest.mark.integration

# pairs that are one blob on Azure when written as they are, a control character, a replacement character and
# the quote written as themselves, a "directory" whose name ends with a dot, and plain keys around them
AWKWARD = {
    "a\\b": b"backslash",
    "a/b": b"slash",
    "v1.": b"trailing dot",
    "v1": b"no dot",
    "dir./inner.txt": b"dot directory",
    "dir/inner.txt": b"plain directory",
    "tab\tname": b"control",
    "sym\u2400bol": b"replacement as itself",
    "q\u201bq": b"the quote",
    "plain.txt": b"plain",
    "..": b"two dots",  # dot segments: read with the path as presigned (urllib3's parser would remove them)
    "a/../b": b"dot dot segment",
    "a/./c": b"dot segment",
    "zzz": b"last",
}


def _mirror_names(store: Any, bucket: str) -> set[str]:
    prefix = store.layout.mirror_prefix(bucket)
    return {b.name[len(prefix) :] for b in store.blobs.list(prefix)}


def test_every_key_gets_its_own_blob_and_a_second_run_copies_nothing(runtime: Any, spec: Any) -> None:
    seed(runtime, "src-a", AWKWARD)
    seed(runtime, "src-b", {"k/1.bin": b"one"})
    first = run_daily(runtime, spec)
    assert (first["copied"], first["failed"]) == (len(AWKWARD) + 1, 0)
    store = open_store(runtime, spec)
    names = _mirror_names(store, "src-a")
    assert names == {blob_name(k) for k in AWKWARD} and len(names) == len(AWKWARD)
    # no name the Blob service would change: no backslash, no control character, no segment ending in '.'
    assert not any("\\" in n or "\t" in n or n.endswith(".") or "./" in n for n in names)
    for key, data in AWKWARD.items():
        assert store.blobs.read(store.layout.mirror_blob("src-a", blob_name(key))) == data
    second = run_daily(make_runtime(runtime.environment), spec)
    assert (second["copied"], second["skipped"], second["deleted_at_source"]) == (0, len(AWKWARD) + 1, 0)
    assert verify_backup(store, second["id"]).ok


def test_a_changed_or_deleted_awkward_key_is_seen_as_such(runtime: Any, spec: Any) -> None:
    seed(runtime, "src-a", AWKWARD)
    seed(runtime, "src-b", {})
    run_daily(runtime, spec)
    seed(runtime, "src-a", {"v1.": b"trailing dot, version two"})
    runtime.aws.client("s3").delete_object(Bucket="src-a", Key="a\\b")
    again = run_daily(make_runtime(runtime.environment), spec, DailyOptions(mirror_deletes=True))
    assert (again["copied"], again["deleted"], again["skipped"]) == (1, 1, len(AWKWARD) - 2)
    store = open_store(runtime, spec)
    assert store.blobs.read(store.layout.mirror_blob("src-a", blob_name("v1."))) == b"trailing dot, version two"
    assert store.blobs.read(store.layout.mirror_blob("src-a", "v1")) == b"no dot"
    assert blob_name("a\\b") not in _mirror_names(store, "src-a")
    assert store.blobs.read(store.layout.mirror_blob("src-a", "a/b")) == b"slash"


def test_restore_brings_back_the_keys_as_they_were(runtime: Any, spec: Any) -> None:
    from multicloud_ctl.operations.backup.run import run_restore

    seed(runtime, "src-a", AWKWARD)
    seed(runtime, "src-b", {})
    backup = run_daily(runtime, spec)["id"]
    s3 = runtime.aws.client("s3")
    for key in AWKWARD:
        s3.delete_object(Bucket="src-a", Key=key)
    result = run_restore(open_store(runtime, spec), backup, make_runtime(runtime.environment), buckets=["src-a"])
    assert result["comparison"]["ok"]
    assert bucket_contents(runtime, "src-a") == AWKWARD


def test_a_key_too_long_for_a_blob_name_is_reported_and_the_rest_is_committed(runtime: Any, spec: Any) -> None:
    """A rerun could not copy it either: the run commits what it copied and ends degraded (exit 3)."""
    from multicloud_ctl.errors import Degraded
    from multicloud_ctl.operations.backup.manifest import list_manifests, read_manifest

    long_key = "deep/" + "x" * 1015  # 1,020 bytes: an S3 key; with "daily/src-a/" over 1,024 characters
    seed(runtime, "src-a", {long_key: b"long", "short.txt": b"short"})
    seed(runtime, "src-b", {})
    reads = runtime.aws.counter.by_operation["GetObject"]
    with pytest.raises(Degraded) as caught:
        run_daily(runtime, spec)
    assert runtime.aws.counter.by_operation["GetObject"] - reads == 1  # short.txt: the long one is never read
    message = str(caught.value)
    assert message.startswith("backup daily: 1 object(s) not backed up, their keys cannot be blob names")
    assert "the limit of a blob name is 1,024 characters; this one has 1,032" in message
    assert len(message) < 400 and "rename them at the source" in str(caught.value.hint)
    store = open_store(runtime, spec)
    assert _mirror_names(store, "src-a") == {"short.txt"}  # nothing was sent for it
    (committed,) = [m.id for m in list_manifests(store.blobs, store.layout)]
    assert committed in message
    entries = {e.key for e in read_manifest(store.blobs, store.layout, committed).entries}
    assert entries == {"s3/src-a/short.txt"}
    again = make_runtime(runtime.environment)
    with pytest.raises(Degraded):  # reported again, nothing copied again
        run_daily(again, spec)


def test_the_blob_client_refuses_names_azure_would_change(runtime: Any, spec: Any) -> None:
    store = open_store(runtime, spec)
    store.blobs.ensure()
    for name, says in [
        ("a\\b", "cannot hold a backslash"),
        ("v1.", "cannot end with '.'"),
        ("dir./x", "cannot end with '.'"),
        ("tab\tx", "control character '\\t'"),
        ("/".join(["s"] * 255), "is 254 path segments; this one has 255"),
    ]:
        with pytest.raises(ProviderError, match="refused: ") as caught:
            store.blobs.upload(name, b"x", {})
        assert says in str(caught.value) and caught.value.status == 400
    assert list(store.blobs.list("")) == []


def test_a_weekly_snapshot_names_its_blobs_the_same_way_and_restores_the_keys(runtime: Any, spec: Any) -> None:
    from multicloud_ctl.config.specs.backup import BackupSpec
    from multicloud_ctl.operations.backup import run_weekly
    from multicloud_ctl.operations.backup.manifest import read_manifest
    from multicloud_ctl.operations.backup.run import run_restore

    seed(runtime, "src-a", AWKWARD)
    weekly = BackupSpec(mode="weekly", buckets=["src-a"], container=spec.container, parallelism=4)
    summary = run_weekly(runtime, weekly)
    store = open_store(runtime, weekly)
    entries = {e.key: e.blob for e in read_manifest(store.blobs, store.layout, summary["id"]).entries}
    for key in AWKWARD:
        assert entries[f"s3/src-a/{key}"] == store.layout.snapshot_blob(summary["id"], f"s3/src-a/{blob_name(key)}")
    s3 = runtime.aws.client("s3")
    for key in AWKWARD:
        s3.delete_object(Bucket="src-a", Key=key)
    result = run_restore(store, summary["id"], make_runtime(runtime.environment))
    assert result["comparison"]["ok"]
    assert bucket_contents(runtime, "src-a") == AWKWARD
