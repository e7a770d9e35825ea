"""`providers/aws/sigv4.py` signs what botocore signs: the same request at the same instant gets the same headers."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from multicloud_ctl.providers.aws.sigv4 import EMPTY_SHA256, StaticCredentials, canonical_query, sign

KEY, SECRET, TOKEN = "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "FQoGZXIvYXdzEXAMPLETOKEN=="


def botocore_headers(auth: type, method: str, url: str, headers: dict[str, str], body: bytes, service: str,
                     token: str = "") -> dict[str, str]:  # fmt: skip
    request = AWSRequest(method=method, url=url, data=body, headers=dict(headers))
    auth(Credentials(KEY, SECRET, token or None), service, "eu-west-1").add_auth(request)
    return {k: str(v) for k, v in request.headers.items()}


def ours(method: str, url: str, headers: dict[str, str], body: bytes, service: str, when: datetime, token: str = "",
         payload: str | None = None) -> dict[str, str]:  # fmt: skip
    digest = payload or hashlib.sha256(body).hexdigest()
    return sign(method, url, headers, StaticCredentials(KEY, SECRET, token), service=service, region="eu-west-1",
                when=when, payload_hash=digest)  # fmt: skip


def instant(headers: dict[str, Any]) -> datetime:
    return datetime.strptime(headers["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


@pytest.mark.parametrize("token", ["", TOKEN])
def test_a_dynamodb_json_post_is_signed_as_botocore_signs_it(token: str) -> None:
    url = "http://127.0.0.1:5000/"
    body = b'{"TableName":"locks","Key":{"lock":{"S":"backup"}}}'
    headers = {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810.UpdateItem"}
    theirs = botocore_headers(SigV4Auth, "POST", url, headers, body, "dynamodb", token)
    mine = ours("POST", url, headers, body, "dynamodb", instant(theirs), token)
    assert mine["Authorization"] == theirs["Authorization"]
    assert mine.get("X-Amz-Security-Token") == theirs.get("X-Amz-Security-Token")


@pytest.mark.parametrize(
    "query",
    [
        "list-type=2&max-keys=1000&encoding-type=url",
        "list-type=2&prefix=a%20b%2Fc%2B%C3%A9&delimiter=%2F&max-keys=1000&encoding-type=url",
        "continuation-token=1%2Fabc%3D%3D&list-type=2&max-keys=1000&encoding-type=url&prefix=x%26y%3Dz~_.-",
    ],
)
def test_an_s3_listing_get_is_signed_as_botocore_signs_it(query: str) -> None:
    url = f"http://127.0.0.1:5000/my-bucket?{query}"
    theirs = botocore_headers(S3SigV4Auth, "GET", url, {}, b"", "s3")
    assert theirs["X-Amz-Content-SHA256"] == EMPTY_SHA256  # the empty body's hash, signed (not UNSIGNED-PAYLOAD)
    mine = ours("GET", url, {}, b"", "s3", instant(theirs))
    assert mine["Authorization"] == theirs["Authorization"]


def test_a_non_s3_path_is_encoded_twice_and_s3_keeps_it_as_sent() -> None:
    url = "https://example.eu-west-1.amazonaws.com/a%20b/c"
    theirs = botocore_headers(SigV4Auth, "GET", url, {}, b"", "execute-api")
    assert ours("GET", url, {}, b"", "execute-api", instant(theirs))["Authorization"] == theirs["Authorization"]
    s3 = botocore_headers(S3SigV4Auth, "GET", url, {}, b"", "s3")
    assert ours("GET", url, {}, b"", "s3", instant(s3))["Authorization"] == s3["Authorization"]


def test_a_changed_byte_changes_the_signature() -> None:
    when = datetime(2026, 12, 4, 13, 0, tzinfo=UTC)
    base = ours("POST", "http://h/", {"X-Amz-Target": "T.A"}, b"{}", "dynamodb", when)
    assert (
        ours("POST", "http://h/", {"X-Amz-Target": "T.B"}, b"{}", "dynamodb", when)["Authorization"]
        != base["Authorization"]
    )
    assert (
        ours("POST", "http://h/", {"X-Amz-Target": "T.A"}, b"{ }", "dynamodb", when)["Authorization"]
        != base["Authorization"]
    )
    assert (
        base["X-Amz-Date"] == "20261204T130000Z"
        and "/20261204/eu-west-1/dynamodb/aws4_request" in base["Authorization"]
    )


def test_the_canonical_query_sorts_encoded_names_and_values() -> None:
    assert canonical_query("b=2&a=z&a=y&c=a%20b&d=") == "a=y&a=z&b=2&c=a%20b&d="
