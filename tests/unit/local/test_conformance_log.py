"""The fakes' conformance record: marks survive a `clear()`, and memory is bounded on a long-running fake."""

from __future__ import annotations

from multicloud_ctl.local.jsonhttp import Checked, ConformanceLog, Request


def req(path: str, violations: tuple[str, ...] = ()) -> Request:
    return Request("PUT", path, {}, {}, checked=Checked("op", violations))


def test_a_mark_taken_before_a_clear_still_finds_what_came_after() -> None:
    log = ConformanceLog("svc", directory="")
    log.record(req("/a"), 200)
    mark = log.total
    log.clear()  # a test clearing the record mid-way must not hide its later requests from the check
    log.record(req("/b", ("x: bad",)), 400)
    assert [e["path"] for e in log.entries(since=mark)] == ["/b"]
    assert log.entries(since=mark)[0]["violations"] == ["x: bad"]


def test_only_the_newest_records_are_kept_in_memory() -> None:
    log = ConformanceLog("svc", directory="")
    for i in range(ConformanceLog.KEPT + 5):
        log.record(req(f"/{i}"), 200)
    kept = log.entries()
    assert len(kept) == ConformanceLog.KEPT and kept[0]["path"] == "/5" and log.total == ConformanceLog.KEPT + 5
