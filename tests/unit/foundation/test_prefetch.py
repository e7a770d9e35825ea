"""`prefetched`: same items in the same order, the next one read while the consumer works, errors raised in the
consumer, and closing it stops the source (a backup unit's two listings, a shard's pages)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from multicloud_ctl.operations.prefetch import prefetched


def test_order_and_items_are_unchanged() -> None:
    assert list(prefetched(iter(range(50)))) == list(range(50))
    assert list(prefetched(iter([]))) == []


def test_the_next_item_is_read_while_the_consumer_holds_this_one() -> None:
    second_read = threading.Event()

    def source() -> Iterator[int]:
        yield 1
        second_read.set()
        yield 2

    items = prefetched(source())
    assert next(items) == 1
    assert second_read.wait(5)  # read ahead before the consumer asked for it
    assert next(items) == 2


def test_two_sources_are_read_at_the_same_time() -> None:
    """What lets a unit's S3 and Blob listings overlap: each waits for the other inside its own thread."""
    both = threading.Barrier(2, timeout=5)

    def source(name: str) -> Iterator[str]:
        both.wait()  # only passes when the other source is being read at the same moment
        yield name

    a, b = prefetched(source("s3")), prefetched(source("blob"))
    assert (next(a), next(b)) == ("s3", "blob")


def test_an_error_in_the_source_is_raised_in_the_consumer() -> None:
    def source() -> Iterator[int]:
        yield 1
        raise RuntimeError("listing failed")

    items = prefetched(source())
    assert next(items) == 1
    with pytest.raises(RuntimeError, match="listing failed"):
        next(items)


def test_closing_stops_reading() -> None:
    reads: list[int] = []

    def source() -> Iterator[int]:
        for i in range(1000):
            reads.append(i)
            yield i

    items = prefetched(source())
    assert next(items) == 0
    items.close()
    assert len(reads) <= 2  # the item held and at most the one read ahead
