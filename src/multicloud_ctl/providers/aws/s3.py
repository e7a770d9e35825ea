"""A thin typed S3 client: list, stream, presign, put and delete objects; errors mapped to ours."""

from __future__ import annotations

import builtins
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from multicloud_ctl.errors import AuthError, EndpointUnreachable, NotFound, ProviderError
from multicloud_ctl.providers.aws.errors import aws_errors


@dataclass(frozen=True)
class S3Object:
    """One object from a listing; `etag` without the quotes."""

    key: str
    size: int
    etag: str
    last_modified: datetime | None = None


@dataclass
class S3Client:
    """The S3 calls mcctl uses, over one guarded boto3 client."""

    client: Any
    _http: Any = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def bucket_exists(self, bucket: str) -> bool:
        from multicloud_ctl.errors import NotFound

        try:
            with aws_errors("HeadBucket", bucket):
                self.client.head_bucket(Bucket=bucket)
        except NotFound:
            return False
        return True

    def ensure_bucket(self, bucket: str, region: str) -> bool:
        """Create `bucket` when missing; True when it was created."""
        if self.bucket_exists(bucket):
            return False
        kwargs: dict[str, Any] = {"Bucket": bucket}
        if region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
        with aws_errors("CreateBucket", bucket):
            self.client.create_bucket(**kwargs)
        return True

    def list(self, bucket: str, prefix: str = "") -> Iterator[S3Object]:
        """Every object in `bucket` under `prefix`, in key order."""
        paginator = self.client.get_paginator("list_objects_v2")
        with aws_errors("ListObjectsV2", bucket):
            for page in paginator.paginate(Bucket=bucket, Prefix=prefix, PaginationConfig={"PageSize": 1000}):
                for item in page.get("Contents", []):
                    yield S3Object(
                        item["Key"], int(item["Size"]), str(item["ETag"]).strip('"'), item.get("LastModified")
                    )

    def open(self, bucket: str, key: str, *, if_match: str | None = None) -> Any:
        """The object's streaming body (read it in blocks); `if_match` pins the version we listed.

        A presigned GET on a urllib3 pool rather than `get_object`: the bytes and status are the same, and
        botocore's per-call machinery is about half the client CPU of copying a small object.
        """
        import urllib3

        what = f"{bucket}/{key}"
        url = self.presign_get(bucket, key, 900)
        headers = {"If-Match": f'"{if_match}"'} if if_match else {}
        try:
            response = self._pool().request("GET", url, headers=headers, preload_content=False)
        except urllib3.exceptions.HTTPError as exc:
            raise EndpointUnreachable(
                f"AWS GetObject {what}: {exc}",
                provider="aws",
                operation="GetObject",
                hint="is the endpoint up? for the sandbox run `mcctl local up`",
            ) from exc
        if response.status != 200:
            body = response.read()
            response.release_conn()
            raise _status_error(response.status, what, body, response.headers.get("x-amz-request-id"))
        return _Body(response, what)

    def _pool(self) -> Any:
        with self._lock:
            if self._http is None:
                import os

                import urllib3

                retries = urllib3.Retry(
                    total=4,
                    backoff_factor=0.2,
                    status_forcelist=(500, 502, 503, 504),
                    allowed_methods=("GET",),
                    raise_on_status=False,
                )
                self._http = urllib3.PoolManager(
                    maxsize=32, retries=retries, ca_certs=os.environ.get("AWS_CA_BUNDLE") or None
                )
            return self._http

    def read(self, bucket: str, key: str) -> bytes:
        body = self.open(bucket, key)
        with aws_errors("GetObject", f"{bucket}/{key}"):
            return bytes(body.read())

    def sha256_checksum(self, bucket: str, key: str) -> str | None:
        """The object's full-object SHA-256 (hex) when S3 stored one at upload, else None."""
        import base64

        with aws_errors("HeadObject", f"{bucket}/{key}"):
            head = self.client.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
        value = head.get("ChecksumSHA256")
        if not value or "-" in value or head.get("ChecksumType", "FULL_OBJECT") != "FULL_OBJECT":
            return None
        return base64.b64decode(value).hex()

    def presign_get(self, bucket: str, key: str, expires: int = 3600) -> str:
        """A presigned GET URL (a local signature: no request is sent)."""
        return str(
            self.client.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=expires)
        )

    def put(self, bucket: str, key: str, data: bytes) -> str:
        """Write an object; returns its ETag."""
        with aws_errors("PutObject", f"{bucket}/{key}"):
            return str(self.client.put_object(Bucket=bucket, Key=key, Body=data)["ETag"]).strip('"')

    def delete(self, bucket: str, keys: builtins.list[str]) -> None:
        """Delete keys in batches of 1,000."""
        for start in range(0, len(keys), 1000):
            batch = [{"Key": k} for k in keys[start : start + 1000]]
            with aws_errors("DeleteObjects", bucket):
                self.client.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})


class _Body:
    """A streaming object body whose transport errors become ours."""

    def __init__(self, response: Any, what: str) -> None:
        self._response = response
        self._what = what

    def read(self, amount: int | None = None) -> bytes:
        import urllib3

        try:
            return bytes(self._response.read(amount))
        except urllib3.exceptions.HTTPError as exc:
            raise ProviderError(
                f"AWS GetObject {self._what}: read failed: {exc}", provider="aws", operation="GetObject"
            ) from exc

    def close(self) -> None:
        self._response.release_conn()


def _status_error(status: int, what: str, body: bytes, request_id: str | None) -> ProviderError:
    import re

    code = (re.search(rb"<Code>([^<]+)</Code>", body) or [b"", str(status).encode()])[1].decode()
    message = f"AWS GetObject {what}: {code} (HTTP {status})"
    kwargs: dict[str, Any] = {"provider": "aws", "operation": "GetObject", "request_id": request_id, "status": status}
    if status == 404:
        return NotFound(message, **kwargs)
    if status == 403:
        return AuthError(message, hint="check the AWS credentials and IAM permissions for this call", **kwargs)
    if status == 412:
        return ProviderError(
            f"AWS GetObject {what}: changed since it was listed (ETag no longer matches)",
            hint="the next run copies the new version",
            **kwargs,
        )
    return ProviderError(message, **kwargs)
