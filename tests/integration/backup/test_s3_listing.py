"""`S3Client.list` / `list_all` (presigned ListObjectsV2 parsed with ElementTree) against moto over HTTP.

The listing must agree with botocore's own paginator key for key, ETag for ETag, for awkward keys (spaces,
`+`, `%`, non-ASCII, control characters that only survive XML URL-encoded), across page boundaries, and
with the first level of prefixes listed in parallel; a missing bucket is our NotFound.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest

from multicloud_ctl.errors import NotFound
from multicloud_ctl.providers.aws.s3 import S3Client, parse_listing
from multicloud_ctl.providers.aws.session import CallCounter

pytestmark = pytest.mark.integration

AWKWARD = ["a b.txt", "plus+sign", "per%25cent", "dir/ünïcödé ✓", "dir/sub/deep", "ctl\x01char", "top", "z/", "z/z"]


def client(aws: str) -> Any:
    return boto3.client(
        "s3", endpoint_url=aws, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )


def botocore_listing(s3: Any, bucket: str) -> list[tuple[str, int, str]]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return [(o["Key"], o["Size"], o["ETag"].strip('"')) for p in pages for o in p.get("Contents", [])]


def seed(s3: Any, bucket: str, keys: list[str]) -> None:
    s3.create_bucket(Bucket=bucket)
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda k: s3.put_object(Bucket=bucket, Key=k, Body=k.encode()), keys))


def test_listing_matches_botocore_for_awkward_keys_and_pages(aws: str) -> None:
    s3 = client(aws)
    seed(s3, "tree", AWKWARD + [f"many/{i:05d}" for i in range(1100)])
    counter = CallCounter()
    ours = S3Client(s3, counter)

    expected = botocore_listing(s3, "tree")
    assert len(expected) == len(AWKWARD) + 1100
    assert [(o.key, o.size, o.etag) for o in ours.list("tree")] == expected
    assert counter.by_operation["ListObjectsV2"] == 2  # two pages

    counter.by_operation.clear()
    parallel = ours.list_all("tree", workers=4)
    assert [(o.key, o.size, o.etag) for o in parallel] == expected
    assert all(o.last_modified is not None and o.last_modified.tzinfo is not None for o in parallel)
    # one delimited page, then dir/ (1 page), many/ (2 pages) and z/ (1 page) in parallel
    assert counter.by_operation["ListObjectsV2"] == 5 and counter.mutating == 0
    assert [o.key for o in ours.list("tree", "dir/")] == ["dir/sub/deep", "dir/ünïcödé ✓"]


def test_raw_pages_follow_the_scanned_token_past_keys_that_imitate_it(aws: str) -> None:
    """`raw_pages` asks for the next page with the token a scan found; keys spelling the elements it scans
    for arrive URL-encoded and cannot fool it: the same keys as botocore's paginator, page for page."""
    s3 = client(aws)
    imitations = ["<IsTruncated>false</IsTruncated>", "<NextContinuationToken>x</NextContinuationToken>"]
    seed(s3, "imitate", imitations + [f"many/{i:05d}" for i in range(2100)])
    counter = CallCounter()
    ours = S3Client(s3, counter)
    pages = [parse_listing(data) for data in ours.raw_pages("imitate")]
    assert [more for _, _, more in pages] == [True, True, False]
    assert set(imitations) <= {o.key for o in pages[0][0]}
    assert [(o.key, o.size, o.etag) for page, _, _ in pages for o in page] == botocore_listing(s3, "imitate")
    assert counter.by_operation["ListObjectsV2"] == 3


def test_a_wide_top_level_is_listed_flat(aws: str) -> None:
    s3 = client(aws)
    seed(s3, "wide", [f"flat-{i:04d}" for i in range(1005)] + ["p/1", "q/2"])
    counter = CallCounter()
    listed = S3Client(s3, counter).list_all("wide")
    assert [(o.key, o.size, o.etag) for o in listed] == botocore_listing(s3, "wide")
    assert counter.by_operation["ListObjectsV2"] == 3  # the delimited first page, then 2 flat pages


def test_a_missing_bucket_is_not_found(aws: str) -> None:
    with pytest.raises(NotFound, match="NoSuchBucket"):
        list(S3Client(client(aws)).list("no-such-bucket"))
    with pytest.raises(NotFound):
        S3Client(client(aws)).list_all("no-such-bucket")
