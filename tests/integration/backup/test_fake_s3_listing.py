"""The synthetic bucket of the memory bench (`fake_s3_listing.py`) answers as moto does for the same keys.

The same 70 objects are put into moto; boto3's own paginator then lists both, page by page (small
`MaxKeys` so that pages, rolled-up prefixes and continuation tokens cross), with and without a prefix
and a delimiter; objects are read whole, by range and pinned by ETag; our `S3Client` lists it as it lists
moto; and a lookup in a bucket of 10 million keys stays a binary search.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from fake_s3_listing import FakeS3Listing, SyntheticBucket, key_of

from multicloud_ctl.providers.aws.s3 import S3Client

pytestmark = pytest.mark.integration

N = 70


def client(url: str) -> Any:
    return boto3.client(
        "s3", endpoint_url=url, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )


@pytest.fixture
def fake() -> Any:
    service = FakeS3Listing(SyntheticBucket("synthetic", N)).start()
    yield service
    service.stop()


def pages(s3: Any, **params: Any) -> list[tuple[list[tuple[str, int, str]], list[str], int, bool]]:
    out = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket="synthetic", **params):
        objects = [(o["Key"], o["Size"], o["ETag"]) for o in page.get("Contents", [])]
        prefixes = [p["Prefix"] for p in page.get("CommonPrefixes", [])]
        out.append((objects, prefixes, page["KeyCount"], page["IsTruncated"]))
    return out


def test_pages_match_moto_for_the_same_keys(aws: str, fake: Any) -> None:
    real, ours = client(aws), client(fake.url)
    real.create_bucket(Bucket="synthetic")

    def put(i: int) -> None:
        real.put_object(Bucket="synthetic", Key=key_of(i), Body=fake.bucket.content(i))

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(put, range(N)))
    cases: list[dict[str, Any]] = [
        {},
        {"Delimiter": "/"},
        {"Prefix": "p03/"},
        {"Prefix": "p0", "Delimiter": "/"},
        {"Prefix": "p1"},
        {"Prefix": "p05/obj-00000", "Delimiter": "0"},
        {"Prefix": "p99/"},
        {"StartAfter": "p02/obj-0000034.bin"},
        {"Delimiter": "obj"},
    ]
    for params in cases:
        for size in (1, 3, 7, 1000):
            config = {"PageSize": size}
            assert pages(ours, PaginationConfig=config, **params) == pages(real, PaginationConfig=config, **params), (
                params,
                size,
            )
    assert fake.unsupported == []


def test_objects_whole_by_range_and_pinned(fake: Any) -> None:
    s3 = client(fake.url)
    key, data = key_of(37), fake.bucket.content(37)
    got = s3.get_object(Bucket="synthetic", Key=key)
    assert got["Body"].read() == data and got["ETag"] == f'"{fake.bucket.etag(37)}"' and len(data) == 100
    assert s3.get_object(Bucket="synthetic", Key=key, Range="bytes=10-19")["Body"].read() == data[10:20]
    assert s3.get_object(Bucket="synthetic", Key=key, Range="bytes=-5")["Body"].read() == data[-5:]
    assert s3.head_object(Bucket="synthetic", Key=key)["ContentLength"] == 100
    s3.head_bucket(Bucket="synthetic")
    for bad in ({"Key": key, "IfMatch": '"0123"'}, {"Key": key_of(N)}, {"Key": "p01/obj-0000002.bin"}):
        with pytest.raises(ClientError) as caught:
            s3.get_object(Bucket="synthetic", **bad)
        assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] in (404, 412)
    assert fake.unsupported == []


def test_our_client_lists_it_and_pages_stay_cheap(fake: Any) -> None:
    ours = S3Client(client(fake.url))
    assert [o.key for o in ours.list_all("synthetic")] == sorted(key_of(i) for i in range(N))
    big = SyntheticBucket("big", 10_000_000)
    start = time.perf_counter()
    objects, prefixes, token = big.list_v2("p07/", "", 1000, start_after="p07/obj-5000007.bin")
    assert key_of(objects[0]) == "p07/obj-5000023.bin" and len(objects) == 1000 and token and not prefixes
    assert big.list_v2("", "/") == ([], [f"p{p:02d}/" for p in range(16)], "")
    assert time.perf_counter() - start < 0.5


def test_a_page_stops_at_1000_keys_as_in_s3() -> None:
    service = FakeS3Listing(SyntheticBucket("synthetic", 1001)).start()
    try:
        page = client(service.url).list_objects_v2(Bucket="synthetic", MaxKeys=5000)
        with pytest.raises(ClientError) as refused:  # S3 refuses a negative max-keys (`local/moto_strict.py`)
            client(service.url).list_objects_v2(Bucket="synthetic", MaxKeys=-1)
    finally:
        service.stop()
    assert (page["KeyCount"], page["IsTruncated"]) == (1000, True)
    assert refused.value.response["Error"]["Code"] == "InvalidArgument"
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
