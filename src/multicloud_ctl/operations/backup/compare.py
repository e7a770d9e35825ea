"""The first half of the daily pipeline: list both sides by prefix, in parallel, and compare them page by page.

Each bucket starts with one delimited probe of its first level (ListObjectsV2 and List Blobs with
`delimiter=/`). When that level fits in one page with none or 2 to `MAX_SPLIT` "directories", the objects found
there are compared with the mirror's first level, and every prefix seen on either side becomes a unit of
its own, listed flat on both sides by the listing threads (S3 and Blob both scale per prefix; a prefix that
only the mirror has was deleted at the source). Otherwise the bucket is one flat unit: a request per small
prefix would cost more than it saves, and one prefix has nothing to list beside it.

Both listings come in key order, so a unit is a merge join that holds one page of each side: an object whose
blob recorded the same size and ETag is kept, anything else is copied, and a blob with no object is gone at
the source. Decisions go through a bounded queue to the copy stage, so memory does not grow with the bucket.
"""

from __future__ import annotations

import contextlib
import dataclasses
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from multicloud_ctl.errors import OperationFailed
from multicloud_ctl.operations.backup.layout import META_ETAG, META_MTIME, matches_source
from multicloud_ctl.operations.backup.names import NOT_PLAIN, blob_name, key_of
from multicloud_ctl.operations.prefetch import prefetched
from multicloud_ctl.providers.aws.s3 import parse_listing

if TYPE_CHECKING:
    from multicloud_ctl.operations.backup.store import BackupStore
    from multicloud_ctl.providers.aws.s3 import S3Object
    from multicloud_ctl.providers.azure.blob import BlobInfo

MAX_SPLIT = 64  # more first-level prefixes than this: the bucket is listed flat
QUEUE = 2048  # decisions waiting for the copy stage (the bound that keeps memory flat)
LISTERS = 4  # units listed at once: each holds a page of each side (S3 at most 1,000 keys, Blob a unit's page)
BLOB_PAGE = 5000  # List Blobs maxresults (the service's most, rclone's choice) for a unit listed alone
BLOB_PAGE_MIN = 1000


def blob_page(listing_at_once: int) -> int:
    """List Blobs `maxresults` for one of `listing_at_once` units: at most ~BLOB_PAGE blobs in flight in all.

    A page parsed with its metadata is ~3.4 KB a blob until its tree is dropped (4 listers x 5,000 would be
    ~70 MB for a moment), so units listed side by side share the budget, but never go under BLOB_PAGE_MIN.
    Bigger pages mean fewer List Blobs calls (billed per 10,000 on Azure, a round trip each) and, on Azurite,
    much less work: every page there filters and sorts the container's whole collection (LokiJS `find`
    with a name regex, then a JS sort), so a 32,000-blob listing in pages of 1,000 made 32 of those passes
    where rclone, asking for 5,000, made 7.
    """
    return max(BLOB_PAGE_MIN, BLOB_PAGE // max(1, min(listing_at_once, LISTERS)))


T = TypeVar("T")


@dataclass(frozen=True)
class Keep:
    """The mirror blob already holds this object (same size and ETag)."""

    bucket: str
    obj: S3Object
    blob: BlobInfo


@dataclass(frozen=True)
class CopyTask:
    """Copy `obj` to `blob`; `previous` is the current blob when the object changed."""

    bucket: str
    obj: S3Object
    blob: str
    previous: BlobInfo | None
    refresh: bool = False  # `obj` comes from an inventory report: the copy stage reads what S3 holds now


@dataclass(frozen=True)
class Gone:
    """A mirror blob whose object no longer exists at the source."""

    bucket: str
    blob: str
    info: BlobInfo | None = None  # the blob as listed


Decision = Keep | CopyTask | Gone


@dataclass(frozen=True)
class Unit:
    """One listing job: a bucket's first level (`root`, which finds the prefixes) or one prefix, flat."""

    bucket: str
    prefix: str = ""
    root: bool = False
    page_size: int = BLOB_PAGE  # the mirror listing's List Blobs maxresults (`blob_page`)


class _Stopped(Exception):
    """The consumer went away (done, failed or interrupted): listing threads stop at their next put."""


@dataclass(frozen=True)
class _Failed:
    error: BaseException


_DONE: Any = object()


def _ordered(
    items: Iterable[T], key: Callable[[T], str], what: str, hold: Callable[[str, T], None]
) -> Iterator[tuple[str, T]]:
    """(key, item) pairs of the plain keys, refusing a listing that is not in ascending order (a merge join
    would be wrong); an item whose key is not plain (`names.plain`) goes to `hold` instead."""
    last: str | None = None
    not_plain = NOT_PLAIN.search
    for item in items:
        k = key(item)
        if last is not None and k <= last:
            raise OperationFailed(f"{what}: listing out of key order ({last!r}, then {k!r}); cannot compare")
        last = k
        if not_plain(k) is None:
            yield k, item
        else:
            hold(k, item)


def compare(
    bucket: str, mirror_prefix: str, objects: Iterable[S3Object], blobs: Iterable[BlobInfo]
) -> Iterator[Decision]:
    """Merge-join one unit's objects with its mirror blobs (both in key order; code point = UTF-8 order).

    Only keys that are their own blob names (`names.plain`: nearly all) are merged as they come; the others
    (a backslash, a control character, a segment ending in `.`) have blob names that sort elsewhere, so both
    sides of those are held (`_Held`) until the unit's listings end and joined by blob name.
    """
    cut = len(mirror_prefix)
    held = _Held()
    try:
        src = _ordered(objects, lambda o: o.key, f"S3 bucket {bucket}", lambda k, o: held.add(blob_name(k), 0, o))
        dst = _ordered(blobs, lambda b: b.name[cut:], f"mirror of {bucket}", lambda n, b: held.add(n, 1, b))
        s = next(src, None)
        d = next(dst, None)
        while s is not None or d is not None:
            if d is None or (s is not None and s[0] < d[0]):
                assert s is not None
                yield CopyTask(bucket, s[1], mirror_prefix + s[0], None)
                s = next(src, None)
            elif s is None or d[0] < s[0]:
                yield Gone(bucket, d[1].name, d[1])
                d = next(dst, None)
            else:
                yield _pair(bucket, s[1], d[1])
                s, d = next(src, None), next(dst, None)
        for name, obj, blob in held.joined():
            if obj is None:
                assert blob is not None
                yield Gone(bucket, blob.name, blob)
            elif blob is None:
                yield CopyTask(bucket, obj, mirror_prefix + name, None)
            else:
                yield _pair(bucket, obj, blob)
    finally:
        held.close()


HOLD_IN_MEMORY = 10_000  # held names kept in memory; past this they go to a scratch SQLite file


class _Held:
    """A unit's objects (side 0) and blobs (side 1) whose names are not plain, by blob name, joined at the end.

    In memory up to HOLD_IN_MEMORY entries, then in a scratch SQLite file, so that a bucket whose keys are
    mostly not plain (Windows paths with backslashes, say) still compares in flat memory.
    """

    def __init__(self) -> None:
        self._memory: dict[tuple[str, int], Any] = {}
        self._spill: Any = None  # (TemporaryDirectory, sqlite3.Connection) once spilled

    def add(self, name: str, side: int, item: Any) -> None:
        if self._spill is None:
            self._memory[(name, side)] = item
            if len(self._memory) > HOLD_IN_MEMORY:
                self._spill_out()
            return
        import pickle

        self._spill[1].execute("INSERT INTO h VALUES (?, ?, ?)", (name, side, pickle.dumps(item)))

    def _spill_out(self) -> None:
        import pickle

        from multicloud_ctl.operations.sync.spill import scratch_database

        self._spill = scratch_database("mcctl-held-")
        db = self._spill[1]
        db.execute("CREATE TABLE h (name TEXT NOT NULL, side INTEGER NOT NULL, payload BLOB NOT NULL)")
        db.execute("BEGIN")
        db.executemany(
            "INSERT INTO h VALUES (?, ?, ?)", ((n, side, pickle.dumps(v)) for (n, side), v in self._memory.items())
        )
        self._memory.clear()

    def joined(self) -> Iterator[tuple[str, Any, Any]]:
        """(blob name, object or None, blob or None) in blob-name order (SQLite's BINARY = code point order)."""
        if self._spill is None:
            for name in sorted({n for n, _ in self._memory}):
                yield name, self._memory.get((name, 0)), self._memory.get((name, 1))
            return
        import pickle

        db = self._spill[1]
        db.execute("COMMIT")
        pair: list[Any] = [None, None]
        current: str | None = None
        for name, side, payload in db.execute("SELECT name, side, payload FROM h ORDER BY name, side"):
            if name != current and current is not None:
                yield current, pair[0], pair[1]
                pair = [None, None]
            current = name
            pair[side] = pickle.loads(payload)
        if current is not None:
            yield current, pair[0], pair[1]

    def close(self) -> None:
        if self._spill is not None:
            self._spill[1].close()
            self._spill[0].cleanup()
            self._spill = None


def _pair(bucket: str, obj: S3Object, blob: BlobInfo) -> Decision:
    if matches_source(blob.size, blob.metadata, obj.size, obj.etag):
        return Keep(bucket, obj, blob)
    return CopyTask(bucket, obj, blob.name, blob)


def _flat(store: BackupStore, unit: Unit, emit: Callable[[Decision], None]) -> None:
    """Both sides listed at once, each a page ahead in its own thread (`prefetched`), merged as pages arrive.

    Read in lockstep, one unit's listing took the S3 time plus the Blob time; overlapped, about the longer of
    the two (`bench/backup.py`, a no-change pass of 8,000 objects in one prefix: 3.3 s -> 2.4 s in the process).
    """
    mirror = store.layout.mirror_prefix(unit.bucket)
    # S3 pages are 1,000 keys: read as far ahead as the Blob page reaches, so the S3 listing (moto's or S3's
    # sequential pages: the pass's critical path) never waits while a 5,000-blob page is parsed and merged
    # the S3 thread only fetches (`raw_pages`: the next request leaves as soon as a page's token is found) and
    # this thread parses, so the pages follow one another without a parse between them
    s3_pages = prefetched(store.s3().raw_pages(unit.bucket, unit.prefix), ahead=max(1, unit.page_size // 1000))
    blob_pages = prefetched(store.blobs.pages(mirror + blob_name(unit.prefix), page_size=unit.page_size))
    objects = (o for data in s3_pages for o in parse_listing(data)[0])
    blobs = (b for page, _ in blob_pages for b in page)
    try:
        for decision in compare(unit.bucket, mirror, objects, blobs):
            emit(decision)
    finally:
        s3_pages.close()
        blob_pages.close()


def _from_inventory(store: BackupStore, bucket: str, emit: Callable[[Decision], None], page_size: int) -> bool:
    """Compare the mirror with the bucket's newest inventory report; False (nothing emitted) when unusable
    and the playbook says to list instead. See `inventory` for what makes a report usable."""

    from multicloud_ctl.operations.backup.inventory import (
        InventoryUnusable,
        SortedObjects,
        latest_report,
        rows,
        unusable_hint,
    )
    from multicloud_ctl.providers.aws.s3 import S3Object

    inv = store.spec.source.inventory
    assert inv is not None
    s3 = store.s3()
    sorted_objects = SortedObjects()
    try:
        try:
            report = latest_report(s3, inv, bucket, store.now())
            count = sorted_objects.load(rows(s3, inv, report))
        except InventoryUnusable as exc:
            if inv.if_unusable == "fail":
                raise OperationFailed(f"S3 Inventory of {bucket} is unusable: {exc}", hint=unusable_hint(inv)) from None
            store.sources[bucket] = {"source": "listing", "inventory_unusable": str(exc)}
            return False
        store.sources[bucket] = {**report.describe(), "objects": count}
        mirror = store.layout.mirror_prefix(bucket)
        blobs = (b for page, _ in store.blobs.pages(mirror, page_size=page_size) for b in page)
        for decision in compare(bucket, mirror, sorted_objects.objects(), blobs):
            if isinstance(decision, CopyTask):
                decision = dataclasses.replace(decision, refresh=True)
            elif isinstance(decision, Gone):
                blob = _newer_than(decision.info, report.created)
                if blob is not None:  # written after the report was made: its object is newer than the report
                    meta = blob.metadata
                    obj = S3Object(key_of(blob.name[len(mirror) :]), blob.size, meta[META_ETAG])
                    emit(Keep(bucket, obj, blob))
                    continue
            emit(decision)
        return True
    finally:
        sorted_objects.close()


def _newer_than(blob: BlobInfo | None, created: Any) -> BlobInfo | None:
    """The mirror blob when its source object was modified (or the blob written) after `created` - SETTLE."""
    from datetime import datetime

    if blob is None or META_ETAG not in blob.metadata:
        return None
    from multicloud_ctl.operations.backup.inventory import SETTLE

    stamp = blob.metadata.get(META_MTIME)
    when = datetime.fromisoformat(stamp) if stamp else blob.last_modified
    return blob if when is not None and when >= created - SETTLE else None


def run_unit(
    store: BackupStore, unit: Unit, emit: Callable[[Decision], None], add: Callable[[list[Unit]], None]
) -> None:
    """List and compare one unit; a root unit hands the prefixes it found to `add`."""
    if not unit.root:
        return _flat(store, unit, emit)
    inv = store.spec.source.inventory
    if inv is not None and inv.covers(unit.bucket) and _from_inventory(store, unit.bucket, emit, unit.page_size):
        return None
    store.sources.setdefault(unit.bucket, {"source": "listing"})
    pages = store.s3().pages(unit.bucket, "", delimiter="/")
    objects, s3_prefixes, more = next(pages)
    pages.close()  # only the probe page is read
    # one prefix: nothing to list side by side, and the mirror's delimited listing (on Azurite a filter of the
    # whole container: a 38 ms request in a no-change pass of 8,000 blobs in one prefix) finds nothing more
    if more or len(s3_prefixes) > MAX_SPLIT or len(s3_prefixes) == 1:
        return _flat(store, Unit(unit.bucket, page_size=unit.page_size), emit)
    # the source's prefixes are listed from now on (`add` sizes their pages), while this thread reads the
    # mirror's first level, which also finds the prefixes only the mirror has (deleted at the source): on
    # Azurite that delimited listing filters the whole container, so waiting for it delayed every unit
    add([Unit(unit.bucket, p) for p in s3_prefixes])
    mirror = store.layout.mirror_prefix(unit.bucket)
    blob_prefixes: set[str] = set()

    def mirror_level() -> Iterator[BlobInfo]:
        for page, prefixes in store.blobs.pages(mirror, delimiter="/", page_size=unit.page_size):
            blob_prefixes.update(key_of(p[len(mirror) :]) for p in prefixes)
            yield from page

    for decision in compare(unit.bucket, mirror, objects, mirror_level()):
        emit(decision)
    add([Unit(unit.bucket, p) for p in sorted(blob_prefixes - set(s3_prefixes))])
    return None


def decisions(store: BackupStore, buckets: list[str], *, workers: int, queue_size: int = QUEUE) -> Iterator[Decision]:
    """Every bucket's decisions as the listing threads produce them (at most `queue_size` waiting).

    Closing the iterator (the consumer finished, failed or was interrupted) stops the threads; an error in
    a listing thread is raised here, in the consumer.
    """
    out: queue.Queue[Any] = queue.Queue(maxsize=queue_size)
    units: queue.SimpleQueue[Unit | None] = queue.SimpleQueue()
    stop = threading.Event()
    lock = threading.Lock()
    pending = [len(buckets)]

    def put(item: Any) -> None:
        while not stop.is_set():
            try:
                out.put(item, timeout=0.2)
                return
            except queue.Full:
                continue
        raise _Stopped

    def add(new: list[Unit]) -> None:
        with lock:
            pending[0] += len(new)
            size = blob_page(pending[0] - 1)  # less the root that found them, which ends now
        for unit in new:
            units.put(dataclasses.replace(unit, page_size=size))

    def work() -> None:
        while (unit := units.get()) is not None:
            try:
                if not stop.is_set():
                    run_unit(store, unit, put, add)
            except _Stopped:
                pass
            except BaseException as exc:  # handed to the consumer
                with contextlib.suppress(_Stopped):
                    put(_Failed(exc))
            with lock:
                pending[0] -= 1
                last = pending[0] == 0
            if last:
                for _ in threads:
                    units.put(None)
                with contextlib.suppress(_Stopped):
                    put(_DONE)

    count = max(1, min(workers, LISTERS))
    threads = [threading.Thread(target=work, name=f"mcctl-list-{i}", daemon=True) for i in range(count)]
    for bucket in buckets:
        units.put(Unit(bucket, root=True, page_size=blob_page(len(buckets))))
    if not buckets:
        out.put(_DONE)
    for thread in threads:
        thread.start()
    try:
        while (item := out.get()) is not _DONE:
            if isinstance(item, _Failed):
                raise item.error
            yield item
    finally:
        stop.set()
        for _ in threads:
            units.put(None)
        for thread in threads:
            thread.join()
