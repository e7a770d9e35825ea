"""A thin typed S3 client: list, stream, presign, put and delete objects; errors mapped to ours."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

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
        """The object's streaming body (read it in blocks); `if_match` pins the version we listed."""
        kwargs: dict[str, Any] = {"Bucket": bucket, "Key": key}
        if if_match:
            kwargs["IfMatch"] = f'"{if_match}"'
        with aws_errors("GetObject", f"{bucket}/{key}"):
            return self.client.get_object(**kwargs)["Body"]

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
            self.client.generate_presigned_url(
                "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=expires
            )
        )

    def put(self, bucket: str, key: str, data: bytes) -> str:
        """Write an object; returns its ETag."""
        with aws_errors("PutObject", f"{bucket}/{key}"):
            return str(self.client.put_object(Bucket=bucket, Key=key, Body=data)["ETag"]).strip('"')

    def delete(self, bucket: str, keys: list[str]) -> None:
        """Delete keys in batches of 1,000."""
        for start in range(0, len(keys), 1000):
            batch = [{"Key": k} for k in keys[start : start + 1000]]
            with aws_errors("DeleteObjects", bucket):
                self.client.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
