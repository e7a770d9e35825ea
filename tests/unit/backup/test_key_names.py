"""S3 keys as Blob names (`operations/backup/names.py`) and the names the Blob client refuses (`blobnames`)."""

from __future__ import annotations

import random
from typing import Any

import pytest

from multicloud_ctl.operations.backup.names import QUOTE, blob_name, key_of, plain
from multicloud_ctl.providers.azure.blobnames import refusal

ALPHABET = ["a", "z", ".", "/", "\\", "\x00", "\t", "\n", "\x1f", "\x7f", " ", "\u2400", "\u2421", "\uff3c", "\uff0e"]


def test_every_key_comes_back_and_its_blob_name_is_one_azure_keeps() -> None:
    rng = random.Random(20261205)
    for _ in range(20_000):
        key = "".join(rng.choice([*ALPHABET, QUOTE]) for _ in range(rng.randint(1, 10)))
        name = blob_name(key)
        assert key_of(name) == key, (key, name)
        assert refusal("daily/b/" + name) is None, (key, name)
        assert (name == key) == plain(key), (key, name)


@pytest.mark.parametrize(
    ("key", "name"),
    [
        ("photos/2026/cat.jpg", "photos/2026/cat.jpg"),
        ("v1.", "v1\uff0e"),
        ("dir./x.txt", "dir\uff0e/x.txt"),
        ("a\\b", "a\uff3cb"),
        ("tab\there", "tab\u2409here"),
        ("del\x7f", "del\u2421"),
        ("sym\u2400", f"sym{QUOTE}\u2400"),
        (f"q{QUOTE}", f"q{QUOTE}{QUOTE}"),
        ("line\n", "line\u240a"),  # a final newline is not a final dot: `\Z`, not `$`
        ("a.b/c.d", "a.b/c.d"),
    ],
)
def test_the_replacements_are_rclones(key: str, name: str) -> None:
    assert blob_name(key) == name and key_of(name) == key


def test_distinct_keys_never_share_a_blob_name() -> None:
    keys = ["a\\b", "a/b", "a\uff3cb", "v1.", "v1", "v1\uff0e", f"v1{QUOTE}\uff0e", "x\t", "x\u2409"]
    assert len({blob_name(k) for k in keys}) == len(keys)


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("", "one character"),
        ("x" * 1025, "1,024 characters; this one has 1,025"),
        ("/".join(["s"] * 255), "254 path segments; this one has 255"),
        ("a\\b", "backslash"),
        ("v1.", "cannot end with '.'"),
        ("v1./x", "cannot end with '.'"),
        ("a\x01b", "control character '\\x01'"),
        ("a\x7fb", "control character '\\x7f'"),
    ],
)
def test_names_the_blob_service_refuses_or_changes(name: str, says: str) -> None:
    reason = refusal(name)
    assert reason is not None and says in reason


@pytest.mark.parametrize("name", ["x" * 1024, "/".join(["s"] * 254), "a.b", ".hidden/x", "a/.b", "\u2400", "日本"])
def test_names_the_blob_service_keeps(name: str) -> None:
    assert refusal(name) is None


def _decisions(objects: list[Any], blobs: list[Any]) -> list[tuple[str, str]]:
    """(decision kind, the blob name it concerns) for each decision of one unit."""
    from multicloud_ctl.operations.backup.compare import CopyTask, Gone, Keep, compare

    out = []
    for d in compare("b", "daily/b/", objects, blobs):
        if isinstance(d, CopyTask):
            out.append(("CopyTask", d.blob))
        elif isinstance(d, Keep | Gone):
            out.append((type(d).__name__, d.blob.name if isinstance(d, Keep) else d.blob))
    return out


@pytest.mark.parametrize("hold", [5, 10_000])
def test_held_names_join_alike_in_memory_and_spilled(monkeypatch: pytest.MonkeyPatch, hold: int) -> None:
    """Windows paths: every key holds a backslash. Spilled to SQLite past `HOLD_IN_MEMORY`, same decisions."""
    from multicloud_ctl.operations.backup import compare as compare_module
    from multicloud_ctl.operations.backup.layout import source_metadata
    from multicloud_ctl.providers.aws.s3 import S3Object
    from multicloud_ctl.providers.azure.blob import BlobInfo

    monkeypatch.setattr(compare_module, "HOLD_IN_MEMORY", hold)
    keys = sorted([f"C:\\data\\{i:03d}.txt" for i in range(40)] + [f"plain/{i:03d}" for i in range(10)])
    objects = [S3Object(k, 10, f"e{i}") for i, k in enumerate(keys)]
    # the mirror holds every third object unchanged, every fifth with another ETag, and two gone at the source
    blobs = []
    for i, k in enumerate(keys):
        if i % 3 == 0 or i % 5 == 0:
            etag = f"e{i}" if i % 3 == 0 else "old"
            blobs.append(BlobInfo("daily/b/" + blob_name(k), 10, source_metadata(etag, "ab" * 32, None)))
    blobs += [BlobInfo("daily/b/" + blob_name("C:\\gone\\x"), 1, {}), BlobInfo("daily/b/plain/zz-gone", 1, {})]
    blobs.sort(key=lambda b: b.name)
    got = _decisions(objects, blobs)
    by_kind: dict[str, set[str]] = {}
    for kind, name in got:
        by_kind.setdefault(kind, set()).add(name)
    names = ["daily/b/" + blob_name(k) for k in keys]
    assert by_kind["Keep"] == {n for i, n in enumerate(names) if i % 3 == 0}
    assert by_kind["CopyTask"] == {n for i, n in enumerate(names) if i % 3 != 0}
    assert by_kind["Gone"] == {"daily/b/" + blob_name("C:\\gone\\x"), "daily/b/plain/zz-gone"}
    assert len(got) == len(keys) + 2
