"""S3 buckets (product-images, static-assets, artifacts) in the primary region and their secondary copies.

Versioning, SSE AES-256, the full public-access block, lifecycle to STANDARD_IA then INTELLIGENT_TIERING,
tags, and (with `aws.s3_replication`) replication of each primary bucket to its secondary-region copy.
Replication runs as the IAM role `replication_role` (trusting s3.amazonaws.com), created here before the
replication configuration is put: one least-privilege inline policy per source bucket, named after it.
Bucket names are global, so the secondary copy is `<name>-<secondary-region>`.
"""

from __future__ import annotations

from typing import Any

from multicloud_ctl.operations.provision.kind import (
    DesiredContext,
    KindSettings,
    ResourceKind,
    only_keys,
    tag_list,
)
from multicloud_ctl.operations.provision.model import Resource

BLOCK_ALL = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}


class Settings(KindSettings):
    infrequent_access_days: int = 30
    intelligent_tiering_days: int = 90
    noncurrent_expire_days: int = 90
    replication_role: str = "mcctl-s3-replication"


def secondary_name(bucket: str, region: str) -> str:
    return f"{bucket}-{region}"


REPLICATION_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sts:AssumeRole"},
    ],
}


def replication_policy(source: str, destination: str) -> dict[str, Any]:
    """Least privilege for S3 to replicate `source` into `destination` (AWS "Setting up permissions")."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["s3:GetReplicationConfiguration", "s3:ListBucket"],
                "Resource": [f"arn:aws:s3:::{source}"],
            },
            {
                "Effect": "Allow",
                "Action": [
                    "s3:GetObjectVersionForReplication",
                    "s3:GetObjectVersionAcl",
                    "s3:GetObjectVersionTagging",
                ],
                "Resource": [f"arn:aws:s3:::{source}/*"],
            },
            {
                "Effect": "Allow",
                "Action": ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"],
                "Resource": [f"arn:aws:s3:::{destination}/*"],
            },
        ],
    }


class S3Bucket(ResourceKind):
    name = "s3_bucket"
    provider = "aws"
    settings = Settings
    description = "S3 bucket: versioning, SSE AES256, public-access block, lifecycle, replication"

    def desired(self, ctx: DesiredContext) -> list[Resource]:
        s: Settings = ctx.settings(self.name)
        b = ctx.env.aws.buckets
        lifecycle = [
            {
                "ID": "mcctl-tiering",
                "Status": "Enabled",
                "Filter": {"Prefix": ""},
                "Transitions": [
                    {"Days": s.infrequent_access_days, "StorageClass": "STANDARD_IA"},
                    {"Days": s.intelligent_tiering_days, "StorageClass": "INTELLIGENT_TIERING"},
                ],
                "NoncurrentVersionExpiration": {"NoncurrentDays": s.noncurrent_expire_days},
            }
        ]
        out = []
        primary, secondary = ctx.regions[0], (ctx.regions[1] if len(ctx.regions) > 1 else None)
        for bucket in (b.product_images, b.static_assets, b.artifacts):
            base = {
                "versioning": "Enabled",
                "encryption": "AES256",
                "public_access_block": BLOCK_ALL,
                "lifecycle": lifecycle,
                "tags": ctx.tags,
            }
            attrs = dict(base)
            inputs = {"bucket": bucket}
            deps: list[str] = []
            if secondary:
                copy = secondary_name(bucket, secondary)
                out.append(self.make(ctx, copy, dict(base), region=secondary, inputs={"bucket": copy}))
                if ctx.env.aws.s3_replication:
                    role = f"arn:aws:iam::{ctx.env.aws.account_id}:role/{s.replication_role}"
                    inputs["replication_role"] = s.replication_role
                    attrs["replication_role"] = {
                        "trust": REPLICATION_TRUST,
                        "policy": replication_policy(bucket, copy),
                    }
                    attrs["replication"] = {
                        "Role": role,
                        "Rules": [
                            {
                                "ID": "mcctl-to-secondary",
                                "Priority": 1,
                                "Status": "Enabled",
                                "Filter": {"Prefix": ""},
                                "Destination": {"Bucket": f"arn:aws:s3:::{copy}"},
                                "DeleteMarkerReplication": {"Status": "Disabled"},
                            }
                        ],
                    }
                    deps.append(f"{self.name}/{copy}")
            out.append(self.make(ctx, bucket, attrs, region=primary, inputs=inputs, depends_on=deps))
        return out

    def _admin(self, runtime: Any, res: Resource) -> Any:
        from multicloud_ctl.providers.aws.s3_admin import S3Admin

        return S3Admin(runtime.aws, res.region)

    def _iam(self, runtime: Any) -> Any:
        from multicloud_ctl.providers.aws.iam_admin import IamAdmin

        return IamAdmin(runtime.aws)

    def _read_role(self, runtime: Any, res: Resource) -> dict[str, Any]:
        iam, role = self._iam(runtime), res.inputs["replication_role"]
        return {"trust": iam.trust_policy(role), "policy": iam.inline_policy(role, res.inputs["bucket"])}

    def _put_role(self, runtime: Any, res: Resource) -> None:
        iam, role, want = self._iam(runtime), res.inputs["replication_role"], res.attrs["replication_role"]
        trust = iam.trust_policy(role)
        # every bucket's replication shares the role: in a parallel apply another bucket's step may create it
        # between the read and the create, so "already exists" reads it again instead of failing
        if trust is None and not iam.create_role(role, want["trust"], "mcctl: S3 cross-region replication"):
            trust = iam.trust_policy(role)
        if trust is not None and trust != want["trust"]:
            iam.set_trust_policy(role, want["trust"])
        iam.put_inline_policy(role, res.inputs["bucket"], want["policy"])

    def read(self, runtime: Any, res: Resource) -> dict[str, Any] | None:
        s3 = self._admin(runtime, res)
        bucket = res.inputs["bucket"]
        if not s3.exists(bucket):
            return None
        live: dict[str, Any] = {
            "versioning": s3.versioning(bucket),
            "encryption": s3.encryption(bucket),
            "public_access_block": s3.public_access_block(bucket),
            "lifecycle": s3.lifecycle(bucket),
            "tags": only_keys(s3.tags(bucket), res.tags),
        }
        if "replication" in res.attrs:
            live["replication"] = s3.replication(bucket)
        if "replication_role" in res.attrs:
            live["replication_role"] = self._read_role(runtime, res)
        return live

    def create(self, runtime: Any, res: Resource) -> Any:
        self._admin(runtime, res).create(res.inputs["bucket"])
        return self.update(runtime, res, list(res.attrs))

    def update(self, runtime: Any, res: Resource, changed: list[str]) -> Any:
        s3 = self._admin(runtime, res)
        bucket, a = res.inputs["bucket"], res.attrs
        setters = {
            "tags": lambda: s3.set_tags(bucket, tag_list(res.tags)),
            "versioning": lambda: s3.set_versioning(bucket, a["versioning"]),
            "encryption": lambda: s3.set_encryption(bucket, a["encryption"]),
            "public_access_block": lambda: s3.set_public_access_block(bucket, a["public_access_block"]),
            "lifecycle": lambda: s3.set_lifecycle(bucket, a["lifecycle"]),
            "replication_role": lambda: self._put_role(runtime, res),
            "replication": lambda: s3.set_replication(bucket, a["replication"]),
        }
        done = []
        # versioning and the role before replication (S3 requires both to exist)
        for key, setter in setters.items():
            if key in changed and key in a:
                setter()
                done.append(key)
        return {"updated": done}

    def delete(self, runtime: Any, res: Resource) -> Any:
        self._admin(runtime, res).delete(res.inputs["bucket"])
        if "replication_role" in res.inputs:
            iam, role = self._iam(runtime), res.inputs["replication_role"]
            iam.delete_inline_policy(role, res.inputs["bucket"])
            iam.delete_role_if_unused(role)
        return {"deleted": res.inputs["bucket"]}
