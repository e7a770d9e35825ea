"""Pure logic of the backup verbs: sizes, cron, retention, rate limit, typed JSON, digests, sampling."""

from __future__ import annotations

import random
import threading
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from calendar_support import TEST_TODAY
from multicloud_ctl.config.specs.backup import BackupSpec, parse_size
from multicloud_ctl.engine.reclaim import dead_local_owner
from multicloud_ctl.operations.backup.dynamo import decode_value, encode_value, item_line
from multicloud_ctl.operations.backup.layout import (
    META_SHA256,
    matches_source,
    new_backup_id,
    parse_backup_id,
    source_metadata,
)
from multicloud_ctl.operations.backup.lines import TableDigest
from multicloud_ctl.operations.backup.manifest import BackupManifest, ManifestEntry, ManifestSummary, TableRecord
from multicloud_ctl.operations.backup.parallel import LARGE, for_each, interleave
from multicloud_ctl.operations.backup.prune import select_keep
from multicloud_ctl.operations.backup.ratelimit import RateLimiter
from multicloud_ctl.operations.backup.schedule import cron_to_oncalendar, export_cron, scheduled_playbooks
from multicloud_ctl.operations.backup.verify import sample_entries

T0 = datetime(2026, 11, 25, 2, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("4096", 4096),
        ("512K", 512 * 1024),
        ("8MiB", 8 * 1024**2),
        ("1.5G", int(1.5 * 1024**3)),
        ("20M/s", 20 * 1024**2),
        (77, 77),
    ],
)
def test_parse_size(text: str | int, size: int) -> None:
    assert parse_size(text) == size


def test_spec_validates_sizes_rates_and_cron() -> None:
    spec = BackupSpec(block_size="4MiB", bwlimit="10M", schedule="30 2 * * 1-5")
    assert (spec.block_size, spec.bwlimit) == (4 * 1024**2, 10 * 1024**2)
    for bad in (
        {"block_size": "1K"},
        {"block_size": "1G"},
        {"bwlimit": "fast"},
        {"schedule": "daily"},
        {"schedule": "1 2 3 4"},
        {"parallelism": 0},
        {"unknown": 1},
    ):
        with pytest.raises(ValidationError):
            BackupSpec(**bad)  # type: ignore[arg-type]
    assert BackupSpec(layout={"prefix": "/shop/"}).layout.prefix == "shop/"  # type: ignore[arg-type]


def test_backup_ids_round_trip_and_sort() -> None:
    bid = new_backup_id("daily", T0)
    assert bid == "daily-20261125T023000000Z"
    assert parse_backup_id(bid) == ("daily", T0)
    assert new_backup_id("daily", T0 + timedelta(seconds=1)) > bid
    later = new_backup_id("daily", T0 + timedelta(milliseconds=7))  # two runs in one second: distinct ids
    assert later == "daily-20261125T023000007Z" and later > bid
    assert parse_backup_id(later) == ("daily", T0 + timedelta(milliseconds=7))
    assert parse_backup_id("daily-20261125T023000Z") == ("daily", T0)  # ids written before millisecond precision


def test_skip_rule_needs_size_etag_and_hash() -> None:
    meta = source_metadata("abc", "f" * 64, T0)
    assert set(meta) == {"mcctl_src_etag", "mcctl_sha256", "mcctl_src_mtime"}  # three entries, not five
    assert matches_source(10, meta, 10, "abc")
    assert not matches_source(10, meta, 11, "abc") and not matches_source(10, meta, 10, "abd")
    assert not matches_source(11, meta, 10, "abc")  # the blob is not the source's size
    assert not matches_source(10, {k: v for k, v in meta.items() if k != META_SHA256}, 10, "abc")


def test_blobs_written_before_the_metadata_was_trimmed_still_match() -> None:
    """Until 2026-12-05 every copy also recorded `mcctl_src_size` and `mcctl_check`; before `mcctl_check`
    existed, a SHA-256 and no check. Such blobs are skipped as before, not copied again."""
    old = {"mcctl_src_size": "10", "mcctl_src_etag": "abc", "mcctl_sha256": "f" * 64, "mcctl_check": "sha256"}
    assert matches_source(10, old, 10, "abc")
    assert matches_source(10, {k: v for k, v in old.items() if k != "mcctl_check"}, 10, "abc")
    md5 = {"mcctl_src_size": "10", "mcctl_src_etag": "e", "mcctl_md5": "e", "mcctl_check": "md5"}
    assert matches_source(10, md5, 10, "e")
    assert not matches_source(10, {**md5, "mcctl_check": "sha256"}, 10, "e")  # its check names a hash it lacks
    assert matches_source(7, {"mcctl_src_size": "7", "mcctl_src_etag": "x-2", "mcctl_check": "etag"}, 7, "x-2")


def _summary(bid: str, created: datetime, status: str | None = None) -> ManifestSummary:
    return ManifestSummary(bid, bid.split("-")[0], created, 1, 1, created.isoformat() if status else None, status)


@pytest.mark.calendar
def test_retention_keeps_newest_per_day_week_month() -> None:
    """On the pinned date (`make test-calendar`: month, leap-day, year and DST edges): UTC days, ISO weeks
    and calendar months are counted from the backups' own timestamps."""
    now = datetime.combine(TEST_TODAY, time(2, 30), UTC)
    backups = []
    for day in range(10):  # two dailies a day for 10 days
        for hour in (1, 13):
            t = now - timedelta(days=day) + timedelta(hours=hour)
            backups.append(_summary(f"daily-{t:%Y%m%dT%H%M%SZ}", t))
    weekly_times = [now - timedelta(weeks=week) for week in range(10)]  # one weekly a week for 10 weeks
    backups += [_summary(f"weekly-{t:%Y%m%dT%H%M%SZ}", t) for t in weekly_times]
    keep = select_keep(backups, keep_daily=3, keep_weekly=2, keep_monthly=2)
    dailies = sorted(k for k in keep if k.startswith("daily"))
    assert len(dailies) == 3 and all(d.endswith("153000Z") for d in dailies)  # the newest of each day
    assert dailies[-1] == f"daily-{now + timedelta(hours=13):%Y%m%dT%H%M%SZ}"
    assert keep[f"weekly-{now:%Y%m%dT%H%M%SZ}"] == ["weekly", "monthly"]
    # the 2 newest weeks, plus the newest weekly of each of the 2 newest calendar months (the previous
    # month's may already be one of those two weeks when the pinned date is in the first week of a month)
    months = sorted({(t.year, t.month) for t in weekly_times}, reverse=True)[:2]
    monthly = {max(t for t in weekly_times if (t.year, t.month) == m) for m in months}
    expected = {f"weekly-{t:%Y%m%dT%H%M%SZ}" for t in {*weekly_times[:2], *monthly}}
    assert {k for k in keep if k.startswith("weekly")} == expected


def test_retention_never_drops_newest_verified() -> None:
    old = _summary("daily-20260101T000000Z", datetime(2026, 1, 1, tzinfo=UTC), "ok")
    failed = _summary("daily-20260102T000000Z", datetime(2026, 1, 2, tzinfo=UTC), "failed")
    new = _summary("daily-20260103T000000Z", datetime(2026, 1, 3, tzinfo=UTC))
    keep = select_keep([old, failed, new], keep_daily=0, keep_weekly=0, keep_monthly=0)
    assert keep == {old.id: ["newest verified"]}


@pytest.mark.parametrize(
    ("cron", "calendar"),
    [
        ("30 2 * * *", "*-*-* 02:30:00"),
        ("0 3 * * 0", "Sun *-*-* 03:00:00"),
        ("*/15 * * * 1-5", "Mon..Fri *-*-* *:0/15:00"),
        ("0 4 1 * *", "*-*-01 04:00:00"),
        ("5 1,13 * 6 *", "*-06-* 1,13:05:00"),
    ],
)
def test_cron_to_systemd_oncalendar(cron: str, calendar: str) -> None:
    assert cron_to_oncalendar(cron) == calendar


def test_schedule_export_reads_only_scheduled_playbooks(tmp_path: Path) -> None:
    pb = tmp_path / "playbooks"
    pb.mkdir()
    (pb / "backup-daily.yaml").write_text(
        "apiVersion: mcctl/v1\nkind: Backup\nmetadata: {name: backup-daily}\n"
        "spec: {mode: daily, schedule: '30 2 * * *', buckets: [a]}\n"
    )
    (pb / "backup-adhoc.yaml").write_text(
        "apiVersion: mcctl/v1\nkind: Backup\nmetadata: {name: adhoc}\nspec: {mode: weekly}\n"
    )
    entries = scheduled_playbooks(pb, base=tmp_path)
    assert [(e.name, e.cron, e.args) for e in entries] == [
        ("backup-daily", "30 2 * * *", ("backup", "daily", "--playbook", "playbooks/backup-daily.yaml"))
    ]
    text = export_cron(entries, "prod", "/srv/mcctl dir", "mcctl")
    assert (
        "30 2 * * * cd '/srv/mcctl dir' && mkdir -p .mcctl/prod/logs && mcctl --env prod --output json --yes "
        "backup daily --playbook playbooks/backup-daily.yaml >> .mcctl/prod/logs/backup-daily.log 2>&1"
    ) in text


def test_rate_limiter_sleeps_for_the_debt() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(s: float) -> None:
        slept.append(s)
        now[0] += s

    limiter = RateLimiter(1000.0, clock=lambda: now[0], sleep=sleep)
    limiter.take(1000)  # the first second's burst is free
    assert slept == []
    limiter.take(500)
    assert slept == [pytest.approx(0.5)]
    RateLimiter(None).take(10**9)  # no limit: returns at once


def test_dynamodb_typed_json_round_trips_binary_and_sets() -> None:
    item = {
        "pk": {"S": "p1"},
        "b": {"B": b"\x00\xff"},
        "bs": {"BS": [b"\x02", b"\x01"]},
        "ns": {"NS": ["2", "10"]},
        "m": {"M": {"l": {"L": [{"N": "1.50"}, {"NULL": True}, {"BOOL": False}]}}},
    }
    encoded = {k: encode_value(v) for k, v in item.items()}
    assert encoded["b"] == {"B": "AP8="} and encoded["bs"] == {"BS": ["AQ==", "Ag=="]}
    decoded = {k: decode_value(v) for k, v in encoded.items()}
    assert decoded["b"] == {"B": b"\x00\xff"} and sorted(decoded["bs"]["BS"]) == [b"\x01", b"\x02"]
    assert decoded["m"] == item["m"]
    reordered = dict(reversed(list(item.items())))
    assert item_line(item) == item_line(reordered | {"bs": {"BS": [b"\x01", b"\x02"]}})


def test_table_digest_is_order_independent_and_counts_duplicates() -> None:
    a, b = TableDigest(), TableDigest()
    for line in (b"x", b"y", b"z"):
        a.add(line)
    for line in (b"z", b"x", b"y"):
        b.add(line)
    assert (a.count, a.hexdigest) == (b.count, b.hexdigest)
    b.add(b"x")
    assert b.hexdigest != a.hexdigest and b.count == 4


def test_manifest_json_round_trip() -> None:
    m = BackupManifest(
        "weekly-20261125T023000Z",
        "weekly",
        "local",
        T0,
        T0 + timedelta(minutes=3),
        [ManifestEntry("s3/b/k", "snapshots/x/s3/b/k", 3, "a" * 64, "e")],
        [TableRecord("T", "dynamodb", "dynamodb/T.jsonl", 2, "0" * 64, {"name": "T"})],
        ["b"],
        "stream",
    )
    again = BackupManifest.from_dict(m.to_dict())
    assert again == m and again.objects == 1 and again.bytes == 3
    # every field is written, in the shape `asdict` gives (a field added later must be added to to_dict)
    from dataclasses import asdict

    times = {"created": T0.isoformat(), "completed": (T0 + timedelta(minutes=3)).isoformat()}
    assert m.to_dict() == {**asdict(m), **times}


def test_sampling_is_deterministic_with_a_seeded_rng() -> None:
    entries = [ManifestEntry(f"k{i}", f"b{i}", 1, "h") for i in range(200)]
    one = list(sample_entries(iter(entries), 200, 10, random.Random(7)))
    assert len(one) == 20 and one == list(sample_entries(iter(entries), 200, 10, random.Random(7)))
    assert len(list(sample_entries(iter(entries), 200, 0.1, random.Random(1)))) == 1
    assert list(sample_entries(iter(entries), 200, 100, random.Random(1))) == entries
    # uniform: over many seeds every entry is drawn about as often (10% each), including the last ones
    drawn = [0] * 200
    for seed in range(400):
        for e in sample_entries(iter(entries), 200, 10, random.Random(seed)):
            drawn[int(e.key[1:])] += 1
    assert min(drawn) >= 15 and max(drawn) <= 70, (min(drawn), max(drawn))


def test_dead_owner_detection() -> None:
    assert dead_local_owner("me@host-a:999999999:abcd1234", hostname="host-a")
    assert not dead_local_owner("me@host-b:999999999:abcd1234", hostname="host-a")
    import os

    assert not dead_local_owner(f"me@host-a:{os.getpid()}:abcd1234", hostname="host-a")
    assert not dead_local_owner("garbage", hostname="host-a")


def test_for_each_bounds_inflight_work_and_reports_errors() -> None:
    running, peak = [0], [0]
    lock = threading.Lock()
    results: dict[int, object] = {}

    def work(i: int) -> int:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        try:
            if i == 13:
                raise ValueError("thirteen")
            return i * 2
        finally:
            with lock:
                running[0] -= 1

    for_each(range(50), work, workers=3, on_done=lambda i, r, e: results.__setitem__(i, e or r))
    assert peak[0] <= 3 and len(results) == 50
    assert isinstance(results[13], ValueError) and results[7] == 14


def test_interleave_spreads_large_items_evenly_and_keeps_every_item_in_order() -> None:
    items = [("L", i, LARGE) for i in range(4)] + [("s", i, 10) for i in range(20)]
    mixed = interleave(items, lambda t: t[2])
    assert sorted(mixed) == sorted(items)
    assert [t for t in mixed if t[0] == "L"] == items[:4] and [t for t in mixed if t[0] == "s"] == items[4:]
    positions = [n for n, t in enumerate(mixed) if t[0] == "L"]
    assert positions == [0, 6, 12, 18]  # one large item before every five small ones
    only_small = items[4:]
    assert interleave(only_small, lambda t: t[2]) == only_small
    assert interleave([], lambda t: 0) == []


def test_for_each_starts_nothing_more_once_the_consumer_fails() -> None:
    import time

    started: list[int] = []

    def work(i: int) -> int:
        started.append(i)
        time.sleep(0.02)
        return i

    def on_done(i: int, r: object, e: object) -> None:
        raise KeyboardInterrupt  # as Ctrl-C in the consumer would

    with pytest.raises(KeyboardInterrupt):
        for_each(range(100), work, workers=2, on_done=on_done)
    assert len(started) <= 4  # at most the in-flight bound ran; the queued rest was cancelled


def test_effective_config_hides_passwords_inlined_in_urls() -> None:
    from multicloud_ctl.operations.backup.weekly import URL_PASSWORD

    text = '{"url": "postgresql+psycopg://app:s3cr3t@db.example:5432/shop", "ref": "env:SQL_URL"}'
    assert URL_PASSWORD.sub(r"\1***@", text) == (
        '{"url": "postgresql+psycopg://app:***@db.example:5432/shop", "ref": "env:SQL_URL"}'
    )
