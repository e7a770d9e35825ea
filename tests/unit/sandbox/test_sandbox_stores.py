"""The fake ARM and edge stores without HTTP: ids, types, merge semantics, references, pool health."""

from __future__ import annotations

from pathlib import Path

import pytest

from multicloud_ctl.local.arm.store import ArmStore, canonical, resource_type
from multicloud_ctl.local.edge.store import EdgeError, EdgeStore

RG = "/subscriptions/s/resourceGroups/rg"


def test_resource_type_and_canonical_ids() -> None:
    assert resource_type(["Microsoft.Web", "sites", "a", "slots", "b"]) == "Microsoft.Web/sites/slots"
    assert canonical("/subscriptions/S/resourceGroups/RG/") == "/subscriptions/s/resourcegroups/rg"


def test_arm_patch_merges_properties_and_replaces_tags() -> None:
    store = ArmStore()
    store.put_group("s", "rg", {"location": "eastus"})
    rid = f"{RG}/providers/Microsoft.Web/sites/app"
    created, new = store.put_resource(
        rid, "Microsoft.Web/sites", {"location": "eastus", "tags": {"a": "1"}, "properties": {"x": 1, "y": 2}}
    )
    assert new and created["properties"] == {"x": 1, "y": 2, "provisioningState": "Succeeded"}
    patched = store.patch_resource(rid.upper(), {"tags": {"b": "2"}, "properties": {"y": 3}})
    assert patched is not None and patched["tags"] == {"b": "2"}
    assert patched["properties"] == {"x": 1, "y": 3, "provisioningState": "Succeeded"}
    assert patched["id"] == rid  # first spelling is kept


def test_arm_operation_reports_in_progress_then_succeeded() -> None:
    store = ArmStore(lro_polls=2)
    op = store.new_operation("/x")
    assert [store.poll_operation(op.op_id).status for _ in range(3)] == [  # type: ignore[union-attr]
        "InProgress",
        "InProgress",
        "Succeeded",
    ]


def test_edge_references_protect_pools_and_monitors() -> None:
    store = EdgeStore()
    mon = store.create("monitors", "acc", {"path": "/health"})
    pool = store.create(
        "pools", "acc", {"name": "aws", "origins": [{"name": "a", "address": "h:1"}], "monitor": mon["id"]}
    )
    store.create("load_balancers", "zone", {"name": "api", "default_pools": [pool["id"]], "fallback_pool": pool["id"]})
    for kind, item in (("pools", pool), ("monitors", mon)):
        with pytest.raises(EdgeError) as info:
            store.delete(kind, "acc", item["id"])
        assert info.value.status == 400
    with pytest.raises(EdgeError) as missing:
        store.get("pools", "other-account", pool["id"])  # scoped to its account
    assert missing.value.status == 404


def test_edge_pool_health_respects_minimum_origins_and_enabled() -> None:
    store = EdgeStore()
    pool = store.create(
        "pools",
        "acc",
        {
            "name": "p",
            "minimum_origins": 2,
            "origins": [{"name": "a", "address": "h:1"}, {"name": "b", "address": "h:2"}],
        },
    )
    assert store.pool_healthy(pool["id"])
    store.set_origin_health(pool["id"], "h:2", False)
    assert not store.pool_healthy(pool["id"])
    store.update("pools", "acc", pool["id"], {"minimum_origins": 1}, partial=True)
    assert store.pool_healthy(pool["id"])
    store.update("pools", "acc", pool["id"], {"enabled": False}, partial=True)
    assert not store.pool_healthy(pool["id"])


def test_edge_store_reloads_from_its_file_and_notifies(tmp_path: Path) -> None:
    seen: list[tuple[str, str]] = []
    store = EdgeStore(path=tmp_path / "edge.json")
    store.listeners.append(lambda kind, item_id: seen.append((kind, item_id)))
    rec = store.create("dns_records", "zone", {"type": "A", "name": "www", "content": "127.0.0.1"})
    assert seen == [("dns_records", rec["id"])]
    again = EdgeStore(path=tmp_path / "edge.json")
    assert again.get("dns_records", "zone", rec["id"])["zone_id"] == "zone"


def test_arm_operations_move_provisioning_state_by_poll_count_and_a_later_put_supersedes_a_delete() -> None:
    store = ArmStore(lro_polls=1)
    rid = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Sql/servers/db"
    store.put_resource(rid, "Microsoft.Sql/servers", {"location": "eastus"})
    op = store.new_operation(rid, "create")
    seen = [store.get_resource(rid)["properties"]["provisioningState"]]  # type: ignore[index]
    seen += [store.get_resource(rid, poll=True)["properties"]["provisioningState"] for _ in range(2)]  # type: ignore[index]
    assert seen == ["Accepted", "Creating", "Succeeded"] and store.operations[op.op_id].status == "Succeeded"
    gone = store.new_operation(rid, "delete")
    assert store.get_resource(rid)["properties"]["provisioningState"] == "Deleting"  # type: ignore[index]
    store.put_resource(rid, "Microsoft.Sql/servers", {"location": "eastus"})  # re-created before the delete ends
    assert [store.poll_operation(gone.op_id).status for _ in range(2)] == ["InProgress", "Succeeded"]  # type: ignore[union-attr]
    assert store.get_resource(rid) is not None
    store.new_operation(rid, "delete")
    for _ in range(2):
        store.get_resource(rid, poll=True)
    assert store.get_resource(rid) is None
