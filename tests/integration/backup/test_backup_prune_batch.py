"""Prune's deletes as Blob Batch requests: on Azurite (which serves the container batch), and on a strict
wire-level fake that fails chosen subrequests with 500 (retried, then reported; nothing kept is touched)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fake_blob_batch import FakeBatchBlobService

from multicloud_ctl.config.specs.backup import BackupSpec
from multicloud_ctl.engine.runtime import Runtime
from multicloud_ctl.errors import OperationFailed
from multicloud_ctl.operations.backup.bulkdelete import BatchPolicy, delete_all
from multicloud_ctl.operations.backup.manifest import ManifestSummary
from multicloud_ctl.operations.backup.prune import PrunePlan, apply_prune
from multicloud_ctl.operations.backup.store import open_store
from multicloud_ctl.providers.azure.blob import backup_container

pytestmark = pytest.mark.integration


def quick(**kw: Any) -> BatchPolicy:
    slept: list[float] = []
    return BatchPolicy(sleep=slept.append, jitter=lambda: 1.0, **kw)


@pytest.fixture
def fake() -> Iterator[FakeBatchBlobService]:
    service = FakeBatchBlobService().start()
    yield service
    service.stop()


@pytest.fixture
def wired(local_env: Any, fake: FakeBatchBlobService) -> Runtime:
    storage = local_env.azure.storage.model_copy(
        update={"blob_endpoint": f"http://127.0.0.1:{fake.port}/devstoreaccount1"}
    )
    env = local_env.model_copy(update={"azure": local_env.azure.model_copy(update={"storage": storage})})
    return Runtime(environment=env)


def test_azurite_serves_the_container_batch(runtime: Any, container: str) -> None:
    blobs = backup_container(runtime, container)
    blobs.ensure()
    for i in range(600):
        blobs.upload(f"old/{i:04d}", b"x", {})
    blobs.upload("keep/me", b"y", {})
    before = blobs.guard.total

    report = delete_all(blobs, ((f"old/{i:04d}", None) for i in range(600)), quick(workers=3))

    assert report.deleted == 600 and report.batches == 3 and not report.failed
    assert blobs.guard.total - before == 3  # three POST ?comp=batch, not 600 Delete Blob
    assert [b.name for b in blobs.list()] == ["keep/me"]


def test_subrequests_failing_with_500_are_resent_and_the_persistent_ones_reported(
    wired: Runtime, fake: FakeBatchBlobService
) -> None:
    fake.blobs.update({f"d/{i:04d}": b"x" for i in range(600)} | {"keep/a": b"k"})
    for i in range(0, 600, 30):
        fake.fail_blob(f"d/{i:04d}", 500, times=1)  # 20 transient failures
    fake.fail_blob("d/0007", 503, times=99)  # never succeeds
    blobs = backup_container(wired, "ccc")

    report = delete_all(blobs, ((f"d/{i:04d}", None) for i in range(600)), quick(workers=2, attempts=4))

    assert report.deleted == 599 and report.resent == 20 + 3  # the 20 once; d/0007 three more times
    assert report.failed == [{"blob": "d/0007", "snapshot": None, "status": 503, "code": "ServerBusy"}]
    assert set(fake.blobs) == {"d/0007", "keep/a"}  # nothing else touched, the failure still there
    assert all(len(lines) <= 256 for lines in fake.batches) and fake.single_deletes == 0
    assert report.batches == len(fake.batches) == 3 + 3 + 1 + 1  # chunk 0 resent 3 times, chunks 1 and 2 once


def test_prune_keeps_the_data_of_a_manifest_it_could_not_delete(wired: Runtime, fake: FakeBatchBlobService) -> None:
    store = open_store(wired, BackupSpec(container="ccc"))
    layout = store.layout
    gone, stuck = "weekly-20261101T000000Z", "weekly-20261108T000000Z"
    for bid in (gone, stuck):
        fake.blobs[layout.manifest_blob(bid)] = b"{}"
        fake.blobs.update({layout.snapshot_blob(bid, f"s3/b/{i}"): b"d" for i in range(300)})
    fake.fail_blob(layout.manifest_blob(stuck), 500, times=99)
    when = datetime(2026, 11, 1, tzinfo=UTC)
    plan = PrunePlan({}, [ManifestSummary(bid, "weekly", when, 300, 300, None, None) for bid in (gone, stuck)])

    with pytest.raises(OperationFailed) as caught:
        apply_prune(store, plan, quick(attempts=3))

    assert str(caught.value) == (
        f"backup prune: 1 blob delete(s) still failing after 3 attempts "
        f"(first: {layout.manifest_blob(stuck)} HTTP 500 InternalError); removed 301"
    )
    left = set(fake.blobs)
    assert layout.manifest_blob(stuck) in left and not any(n.startswith(layout.snapshot_prefix(gone)) for n in left)
    assert sum(n.startswith(layout.snapshot_prefix(stuck)) for n in left) == 300  # still restorable


def test_the_fake_refuses_what_the_service_refuses(wired: Runtime, fake: FakeBatchBlobService) -> None:
    from multicloud_ctl.errors import ProviderError

    fake.blobs.update({f"m/{i}": b"" for i in range(300)})
    blobs = backup_container(wired, "ccc")
    container = blobs.container
    answers = list(container.delete_blobs(*[f"m/{i}" for i in range(257)], raise_on_any_failure=False))
    assert [(a.status_code, a.headers.get("x-ms-error-code")) for a in answers] == [
        (400, "ExceedsMaxBatchRequestCount")
    ]
    assert len(fake.blobs) == 300 and fake.refused == ["ExceedsMaxBatchRequestCount"]
    with pytest.raises(ValueError):
        blobs.delete_batch([(f"m/{i}", None) for i in range(257)])  # never sent
    # a whole batch refused: 503 is resent (by the SDK's retry policy, then by ours), 400 is raised as our
    # error (never read as a short answer)
    fake.refuse_batches += [(503, "ServerBusy")] * 5  # the SDK's 1 + 4 tries of our first batch request
    report = delete_all(blobs, [("m/1", None)], quick(attempts=3))
    assert report.deleted == 1 and report.batches == 2 and report.resent == 1
    fake.refuse_batches.append((400, "InvalidInput"))
    with pytest.raises(ProviderError, match="InvalidInput"):
        delete_all(blobs, [("m/2", None)], quick(attempts=3))
    assert "m/2" in fake.blobs
