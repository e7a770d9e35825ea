"""The sandbox's S3 cuts a listing page at 1,000 entries, as S3 does whatever `max-keys` asks for.

moto alone returns as many keys as a request asks for; S3 returns "up to 1,000" (`local/moto_strict.py`), so a
lister that asked for more would make fewer requests here than in AWS. 1,001 objects: one more than a page.
A `max-keys` S3 cannot parse as an integer from 0 to 2^31-1 is a 400 InvalidArgument, not moto's 500.
"""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest
from botocore.exceptions import ClientError

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


@pytest.mark.parametrize("asked", ["abc", "", "1_000", " 5", "2147483648", "-1"])
def test_a_max_keys_s3_cannot_parse_is_invalid_argument(aws: str, asked: str) -> None:
    s3 = boto3.client(
        "s3", endpoint_url=aws, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    s3.create_bucket(Bucket="pages")
    s3.put_object(Bucket="pages", Key="k", Body=b"x")
    for query in ("list-type=2&", "", "versions&"):  # boto3 sends only integers: the request is built by hand
        url = f"{aws}/pages?{query}max-keys={urllib.parse.quote(asked)}"
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url, timeout=10)
        body = refused.value.read().decode()
        assert refused.value.code == 400, (url, body)
        assert "<Code>InvalidArgument</Code>" in body and "<ArgumentName>maxKeys</ArgumentName>" in body, (url, body)


def test_max_keys_from_0_to_int32_max_is_accepted(aws: str) -> None:
    s3 = boto3.client(
        "s3", endpoint_url=aws, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    s3.create_bucket(Bucket="pages")
    s3.put_object(Bucket="pages", Key="k", Body=b"x")
    empty = s3.list_objects_v2(Bucket="pages", MaxKeys=0)  # S3: no keys, not truncated
    assert (empty["KeyCount"], empty["IsTruncated"], "Contents" in empty) == (0, False, False)
    assert s3.list_objects_v2(Bucket="pages", MaxKeys=2**31 - 1)["KeyCount"] == 1
    # leading zeros: still an integer to S3, however many (twelve characters here, past int32's ten digits)
    with urllib.request.urlopen(f"{aws}/pages?list-type=2&max-keys=000000000002", timeout=10) as page:
        assert b"<KeyCount>1</KeyCount>" in page.read()
    with pytest.raises(ClientError) as refused:  # botocore sends a negative integer as it is
        s3.list_object_versions(Bucket="pages", MaxKeys=-1)
    assert refused.value.response["Error"]["Code"] == "InvalidArgument"
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
