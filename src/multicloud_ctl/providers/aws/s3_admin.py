"""S3 bucket configuration calls provision uses: create, versioning, encryption, public-access block,
lifecycle, replication, bucket policy, tags, delete. (Object reads/writes live in `s3.py`, owned by the backup code.)

Getters return None when the configuration is absent (S3 answers those with a 404-class error code).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from multicloud_ctl.errors import NotFound
from multicloud_ctl.providers.aws.errors import aws_errors

if TYPE_CHECKING:
    from multicloud_ctl.providers.aws.session import AwsClients

ABSENT = {
    "NoSuchBucket",
    "ServerSideEncryptionConfigurationNotFoundError",
    "NoSuchLifecycleConfiguration",
    "NoSuchPublicAccessBlockConfiguration",
    "NoSuchTagSet",
    "ReplicationConfigurationNotFoundError",
    "NoSuchBucketPolicy",
}


@dataclass
class S3Admin:
    """Bucket administration; `region` is where new buckets are created."""

    clients: AwsClients
    region: str

    @property
    def _c(self) -> Any:
        return self.clients.client("s3", self.region)

    def _get(self, operation: str, bucket: str, call: Any) -> Any:
        from botocore.exceptions import ClientError

        try:
            with aws_errors(operation, bucket):
                return call(Bucket=bucket)
        except NotFound:
            return None
        except Exception as exc:
            cause = exc.__cause__
            if isinstance(cause, ClientError) and cause.response.get("Error", {}).get("Code") in ABSENT:
                return None
            raise

    def exists(self, bucket: str) -> bool:
        return self._get("HeadBucket", bucket, self._c.head_bucket) is not None

    def create(self, bucket: str) -> None:
        kwargs: dict[str, Any] = {"Bucket": bucket}
        if self.region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
        with aws_errors("CreateBucket", bucket):
            self._c.create_bucket(**kwargs)

    def versioning(self, bucket: str) -> str:
        out = self._get("GetBucketVersioning", bucket, self._c.get_bucket_versioning) or {}
        return str(out.get("Status") or "Disabled")

    def set_versioning(self, bucket: str, status: str) -> None:
        with aws_errors("PutBucketVersioning", bucket):
            self._c.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": status})

    def encryption(self, bucket: str) -> str | None:
        out = self._get("GetBucketEncryption", bucket, self._c.get_bucket_encryption)
        if not out:
            return None
        rules = out["ServerSideEncryptionConfiguration"].get("Rules", [])
        return rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] if rules else None

    def set_encryption(self, bucket: str, algorithm: str) -> None:
        with aws_errors("PutBucketEncryption", bucket):
            self._c.put_bucket_encryption(
                Bucket=bucket,
                ServerSideEncryptionConfiguration={
                    "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": algorithm}}]
                },
            )

    def public_access_block(self, bucket: str) -> dict[str, bool] | None:
        out = self._get("GetPublicAccessBlock", bucket, self._c.get_public_access_block)
        return dict(out["PublicAccessBlockConfiguration"]) if out else None

    def set_public_access_block(self, bucket: str, config: dict[str, bool]) -> None:
        with aws_errors("PutPublicAccessBlock", bucket):
            self._c.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=config)

    def lifecycle(self, bucket: str) -> list[dict[str, Any]] | None:
        out = self._get("GetBucketLifecycleConfiguration", bucket, self._c.get_bucket_lifecycle_configuration)
        return list(out.get("Rules", [])) if out else None

    def set_lifecycle(self, bucket: str, rules: list[dict[str, Any]]) -> None:
        with aws_errors("PutBucketLifecycleConfiguration", bucket):
            self._c.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": rules})

    def replication(self, bucket: str) -> dict[str, Any] | None:
        out = self._get("GetBucketReplication", bucket, self._c.get_bucket_replication)
        return dict(out["ReplicationConfiguration"]) if out else None

    def set_replication(self, bucket: str, config: dict[str, Any]) -> None:
        with aws_errors("PutBucketReplication", bucket):
            self._c.put_bucket_replication(Bucket=bucket, ReplicationConfiguration=config)

    def policy(self, bucket: str) -> dict[str, Any] | None:
        """The bucket policy as a document, or None when the bucket has none."""
        import json

        out = self._get("GetBucketPolicy", bucket, self._c.get_bucket_policy)
        return dict(json.loads(out["Policy"])) if out else None

    def set_policy(self, bucket: str, document: dict[str, Any]) -> None:
        import json

        with aws_errors("PutBucketPolicy", bucket):
            self._c.put_bucket_policy(Bucket=bucket, Policy=json.dumps(document))

    def delete_policy(self, bucket: str) -> None:
        with aws_errors("DeleteBucketPolicy", bucket):
            self._c.delete_bucket_policy(Bucket=bucket)

    def tags(self, bucket: str) -> dict[str, str]:
        out = self._get("GetBucketTagging", bucket, self._c.get_bucket_tagging) or {}
        return {t["Key"]: t["Value"] for t in out.get("TagSet", [])}

    def set_tags(self, bucket: str, tags: list[dict[str, str]]) -> None:
        with aws_errors("PutBucketTagging", bucket):
            self._c.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": tags})

    def delete(self, bucket: str) -> None:
        """Delete every object version, then the bucket."""
        with aws_errors("DeleteBucket", bucket):
            pages = self._c.get_paginator("list_object_versions").paginate(Bucket=bucket)
            for page in pages:
                keys = [
                    {"Key": v["Key"], "VersionId": v["VersionId"]}
                    for v in page.get("Versions", []) + page.get("DeleteMarkers", [])
                ]
                if keys:
                    self._c.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
            self._c.delete_bucket(Bucket=bucket)
