"""DynamoDB tables (Products, Users, Inventory, Orders, Idempotency) in each AWS region.

Streams NEW_AND_OLD_IMAGES (the CDC sync reads them), point-in-time recovery, SSE. With
`aws.global_tables` the primary table gets a replica in the secondary region (global tables 2019.11.21)
instead of a separate secondary table. Key schemas match `functions/adapters/dynamo_schema.py`.
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

CATEGORY_INDEX = "category-index"


class Settings(KindSettings):
    billing_mode: str = "PAY_PER_REQUEST"
    stream_view_type: str = "NEW_AND_OLD_IMAGES"
    point_in_time_recovery: bool = True


def key_spec(key: str, *, category_index: bool = False) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "KeySchema": [{"AttributeName": key, "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": key, "AttributeType": "S"}],
    }
    if category_index:
        spec["AttributeDefinitions"].append({"AttributeName": "category", "AttributeType": "S"})
        spec["GlobalSecondaryIndexes"] = [
            {
                "IndexName": CATEGORY_INDEX,
                "KeySchema": [
                    {"AttributeName": "category", "KeyType": "HASH"},
                    {"AttributeName": key, "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ]
    return spec


class DynamoDbTable(ResourceKind):
    name = "dynamodb_table"
    provider = "aws"
    settings = Settings
    description = "DynamoDB table with streams, PITR, SSE and (global tables) a secondary-region replica"

    def desired(self, ctx: DesiredContext) -> list[Resource]:
        s: Settings = ctx.settings(self.name)
        t = ctx.env.aws.tables
        tables = [
            (t.products, key_spec("product_id", category_index=True)),
            (t.users, key_spec("user_id")),
            (t.inventory, key_spec("product_id")),
            (t.orders, key_spec("order_id")),
            (t.idempotency, key_spec("key")),
        ]
        regions = ctx.regions[:1] if ctx.env.aws.global_tables else ctx.regions
        out = []
        for region in regions:
            for table, spec in tables:
                attrs: dict[str, Any] = {
                    "billing_mode": s.billing_mode,
                    "stream": s.stream_view_type,
                    "pitr": s.point_in_time_recovery,
                    "sse": True,
                    "tags": ctx.tags,
                }
                if ctx.env.aws.global_tables and len(ctx.regions) > 1:
                    attrs["replicas"] = ctx.regions[1:]
                out.append(
                    self.make(ctx, f"{table}@{region}", attrs, region=region, inputs={"table": table, "spec": spec})
                )
        return out

    def _admin(self, runtime: Any, res: Resource) -> Any:
        from multicloud_ctl.providers.aws.dynamodb_admin import DynamoDbAdmin

        return DynamoDbAdmin(runtime.aws, res.region)

    def read(self, runtime: Any, res: Resource) -> dict[str, Any] | None:
        admin = self._admin(runtime, res)
        if res.inputs["table"] not in admin.table_names():  # one ListTables per region, not a call per table
            return None
        table = admin.describe(res.inputs["table"])
        if table is None:
            return None
        stream = table.get("StreamSpecification") or {}
        live: dict[str, Any] = {
            "billing_mode": (table.get("BillingModeSummary") or {}).get("BillingMode", "PROVISIONED"),
            "stream": stream.get("StreamViewType") if stream.get("StreamEnabled") else None,
            "pitr": admin.pitr_enabled(res.inputs["table"]),
            "sse": (table.get("SSEDescription") or {}).get("Status") in ("ENABLED", "ENABLING"),
            "tags": only_keys(admin.tags(table["TableArn"]), res.tags),
            "replicas": sorted(r["RegionName"] for r in table.get("Replicas", [])),
            "arn": table["TableArn"],
        }
        return live

    def create(self, runtime: Any, res: Resource) -> Any:
        a = res.attrs
        spec = {
            **res.inputs["spec"],
            "BillingMode": a["billing_mode"],
            "SSESpecification": {"Enabled": bool(a["sse"]), "SSEType": "KMS"},
        }
        if a.get("stream"):
            spec["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": a["stream"]}
        out = self._admin(runtime, res).create(res.inputs["table"], spec, tag_list(res.tags))
        self.update(runtime, res, ["pitr", "replicas"])
        return out

    def update(self, runtime: Any, res: Resource, changed: list[str]) -> Any:
        admin = self._admin(runtime, res)
        table = res.inputs["table"]
        done = []
        if "billing_mode" in changed:
            admin.set_billing_mode(table, res.attrs["billing_mode"])
            done.append("billing_mode")
        if "stream" in changed:
            admin.set_stream(table, res.attrs["stream"])
            done.append("stream")
        if "sse" in changed:
            admin.set_sse(table, bool(res.attrs["sse"]))
            done.append("sse")
        if "pitr" in changed:
            admin.set_pitr(table, bool(res.attrs["pitr"]))
            done.append("pitr")
        if "tags" in changed:
            admin.tag(admin.describe(table)["TableArn"], tag_list(res.tags))
            done.append("tags")
        if "replicas" in changed and res.attrs.get("replicas"):
            live = admin.describe(table) or {}
            have = {r["RegionName"] for r in live.get("Replicas", [])}
            for region in res.attrs["replicas"]:
                if region not in have:
                    admin.add_replica(table, region)
            done.append("replicas")
        return {"updated": done}

    def delete(self, runtime: Any, res: Resource) -> Any:
        self._admin(runtime, res).delete(res.inputs["table"])
        return {"deleted": res.inputs["table"]}
