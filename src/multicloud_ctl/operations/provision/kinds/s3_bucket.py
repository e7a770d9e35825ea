"""S3 buckets (product-images, static-assets, artifacts) in the primary region and their secondary copies.

Versioning, SSE AES-256, the full public-access block, lifecycle to STANDARD_IA then INTELLIGENT_TIERING,
tags, and (with `aws.s3_replication`) replication of each primary bucket to its secondary-region copy.
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
            deps: list[str] = []
            if secondary:
                copy = secondary_name(bucket, secondary)
                out.append(self.make(ctx, copy, dict(base), region=secondary, inputs={"bucket": copy}))
                if ctx.env.aws.s3_replication:
                    role = f"arn:aws:iam::{ctx.env.aws.account_id}:role/{s.replication_role}"
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
            out.append(self.make(ctx, bucket, attrs, region=primary, inputs={"bucket": bucket}, depends_on=deps))
        return out

    def _admin(self, runtime: Any, res: Resource) -> Any:
        from multicloud_ctl.providers.aws.s3_admin import S3Admin

        return S3Admin(runtime.aws, res.region)

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
            "replication": lambda: s3.set_replication(bucket, a["replication"]),
        }
        done = []
        for key, setter in setters.items():  # versioning before replication (S3 requires it)
            if key in changed and key in a:
                setter()
                done.append(key)
        return {"updated": done}

    def delete(self, runtime: Any, res: Resource) -> Any:
        self._admin(runtime, res).delete(res.inputs["bucket"])
        return {"deleted": res.inputs["bucket"]}
