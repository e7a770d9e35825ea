"""The sandbox's S3 cuts a listing page at 1,000 entries, as S3 does whatever `max-keys` asks for.

moto alone returns as many keys as a request asks for; S3 returns "up to 1,000" (`local/moto_strict.py`), so a
lister that asked for more would make fewer requests here than in AWS. 1,001 objects: one more than a page.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest

pytestmark = pytest.mark.integration

N = 1001


def test_a_page_holds_at_most_1000_keys_whatever_max_keys_asks(aws: str) -> None:
    s3 = boto3.client(
        "s3", endpoint_url=aws, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    s3.create_bucket(Bucket="pages")
    with ThreadPoolExecutor(8) as pool:  # the slow part (~5 s): done once for every call below
        list(pool.map(lambda i: s3.put_object(Bucket="pages", Key=f"k/{i:04d}", Body=b"x"), range(N)))

    v2 = s3.list_objects_v2(Bucket="pages", MaxKeys=5000)
    assert (v2["KeyCount"], len(v2["Contents"]), v2["IsTruncated"]) == (1000, 1000, True)
    rest = s3.list_objects_v2(Bucket="pages", MaxKeys=5000, ContinuationToken=v2["NextContinuationToken"])
    assert [o["Key"] for o in rest["Contents"]] == ["k/1000"] and not rest["IsTruncated"]

    v1 = s3.list_objects(Bucket="pages", MaxKeys=5000)
    assert (len(v1["Contents"]), v1["IsTruncated"]) == (1000, True)

    versions = s3.list_object_versions(Bucket="pages", MaxKeys=5000)
    assert (len(versions["Versions"]), versions["IsTruncated"]) == (1000, True)

    # fewer than a page is still what was asked for, and S3's default is 1,000
    small = s3.list_objects_v2(Bucket="pages", MaxKeys=7)
    assert (small["KeyCount"], small["MaxKeys"], small["IsTruncated"]) == (7, 7, True)
    assert len(s3.list_objects_v2(Bucket="pages")["Contents"]) == 1000
