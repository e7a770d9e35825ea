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


def test_ahead_reads_that_many_while_the_consumer_waits_and_no_more() -> None:
    """A backup unit's S3 side reads as many 1,000-key pages ahead as one Blob page holds (5): the S3 listing
    then never waits while the consumer merges a long Blob page."""
    reads: list[int] = []
    fifth = threading.Event()

    def source() -> Iterator[int]:
        for i in range(100):
            reads.append(i)
            if i == 5:
                fifth.set()
            yield i

    items = prefetched(source(), ahead=5)
    assert next(items) == 0
    assert fifth.wait(5)  # items 1-5 read while the consumer holds 0
    threading.Event().wait(0.2)
    assert reads == list(range(6))  # and not one more
    assert list(items) == list(range(1, 100))
    reads.clear()
    items = prefetched(source(), ahead=5)
    next(items)
    items.close()
    assert len(reads) <= 6  # the item held and the five read ahead: closing dropped them, read no more
