"""Every cloud call in `providers/` has its permission in the catalog, and the catalog holds nothing else.

This is the test that fails when someone adds a provider call without saying what it needs: the scan of
`providers/` (permissions/scan.py) finds the call, and its operation must be a key of `catalog.AWS`,
`catalog.AZURE` or `catalog.CLOUDFLARE`. The message names the file, the line and the operation.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from multicloud_ctl.permissions import catalog
from multicloud_ctl.permissions.scan import ScanResult, scan

REPO = Path(__file__).resolve().parents[3]
CATALOGS: dict[str, set[str]] = {
    "aws": set(catalog.AWS),
    "azure": set(catalog.AZURE),
    "cloudflare": set(catalog.CLOUDFLARE),
}


@pytest.fixture(scope="module")
def found() -> ScanResult:
    return scan()


@pytest.mark.parametrize("cloud", sorted(CATALOGS))
def test_every_provider_call_has_a_catalog_entry(found: ScanResult, cloud: str) -> None:
    missing = [
        f"{c.where}: {c.operation}"
        for ops in found.operations(cloud).values()
        for c in ops
        if c.operation not in CATALOGS[cloud]
    ]
    assert not missing, (
        f"{cloud} calls without a permission in src/multicloud_ctl/permissions/catalog.py "
        f"(add what each needs, in the cloud's own names):\n  " + "\n  ".join(missing)
    )


@pytest.mark.parametrize("cloud", sorted(CATALOGS))
def test_the_catalog_has_no_entry_for_a_call_no_longer_made(found: ScanResult, cloud: str) -> None:
    stale = sorted(CATALOGS[cloud] - set(found.operations(cloud)))
    assert not stale, f"{cloud} catalog entries no provider call needs any more (remove them): {stale}"


def test_every_aws_call_has_a_known_service(found: ScanResult) -> None:
    listing = "\n  ".join(f"{c.where}: .{c.operation[2:]}()" for c in found.unresolved)
    assert not found.unresolved, (
        "calls that look like boto3 calls on a client whose service the scan cannot tell (bind the client with "
        f'`.client("service")` in the module, or add the module to scan.RECEIVER_HINTS):\n  {listing}'
    )


def test_the_scan_sees_what_the_code_is_known_to_call(found: ScanResult) -> None:
    aws, azure, cf = (set(found.operations(c)) for c in ("aws", "azure", "cloudflare"))
    assert {
        "s3:ListObjectsV2",  # presigned (generate_presigned_url)
        "s3:GetBucketPolicy",  # passed as a method, called later (s3_admin._get)
        "dynamodbstreams:GetRecords",  # sent by JsonWire
        "dynamodb:DescribeTable",  # through a waiter too
        "dynamodbstreams:DescribeStream",  # a factory method with the service as its parameter
        "lambda:GetFunction",  # the function_updated_v2 waiter
        "iam:SimulatePrincipalPolicy",  # a paginator
        "ce:GetCostAndUsage",  # a client handed in (RECEIVER_HINTS)
    } <= aws
    assert len(aws) >= 130
    assert {
        "web.web_apps.begin_swap_slot",
        "resources.resources.begin_create_or_update_by_id",
        "BlobClient.stage_block_from_url",
        "ContainerClient.delete_blobs",
        "blob.BlobContainer PUT",
        "keyvault.KeyVaultSecrets GET",
        "cost.query.usage",
    } <= azure
    assert {"load_balancers.pools.edit", "dns.records.list", "d1.database.query", "rulesets.phases.update"} <= cf


def test_aws_actions_are_well_formed() -> None:
    for op, actions in catalog.AWS.items():
        for action in actions:
            assert re.fullmatch(r"[a-z0-9-]+:[A-Z][A-Za-z0-9]+|apigateway:(GET|POST|PUT|PATCH|DELETE)", action), (
                op,
                action,
            )


def test_azure_permissions_are_well_formed() -> None:
    shape = re.compile(r"Microsoft\.[A-Za-z]+(/[A-Za-z]+)+")
    for op, grant in catalog.AZURE.items():
        assert grant.actions or grant.data_actions or grant.arm_types, op
        for action in (*grant.actions, *grant.data_actions):
            assert shape.fullmatch(action), (op, action)
            assert action.rsplit("/", 1)[1] in ("read", "write", "delete", "action", "Write"), (op, action)
    for arm_type, verbs in catalog.ARM_TYPES.items():
        assert shape.fullmatch(arm_type) and set(verbs) <= {"read", "write", "delete"}, arm_type


def test_cloudflare_groups_have_a_scope() -> None:
    for op, grant in catalog.CLOUDFLARE.items():
        assert grant.scope in ("zone", "account"), op
        assert grant.group == "" or grant.group.endswith((" Write", " Read")), op


def arm_type(resource_id: str) -> str:
    """`.../providers/Microsoft.Sql/servers/a/databases/b` -> `Microsoft.Sql/servers/databases`."""
    parts = [p for p in resource_id.split("/") if p]
    lowered = [p.lower() for p in parts]
    if "providers" not in lowered:
        return "Microsoft.Resources/subscriptions/resourceGroups"
    rest = parts[len(lowered) - 1 - lowered[::-1].index("providers") + 1 :]  # after the last /providers/
    return "/".join([rest[0], *rest[1::2]])


def test_every_arm_type_provision_writes_is_in_the_catalog() -> None:
    from multicloud_ctl.config.loader import known_environments, load_environment
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.operations.provision import load_spec
    from multicloud_ctl.operations.provision.planner import Provisioner

    env = load_environment("local", REPO / "config")
    spec = load_spec(REPO / "playbooks" / "provision.yaml", known_environments(REPO / "config"))
    ids = [
        r.inputs["id"]
        for r in Provisioner(Runtime(environment=env), spec).desired()
        if str(r.inputs.get("id", "")).startswith("/subscriptions/")
    ]
    assert len(ids) > 20
    missing = sorted(
        {t for t in map(arm_type, ids) if not {"read", "write", "delete"} <= set(catalog.ARM_TYPES.get(t, ()))}
    )
    assert not missing, f"ARM types provision writes without read/write/delete in catalog.ARM_TYPES: {missing}"


def test_arm_type_of_an_extension_resource() -> None:
    site = "/subscriptions/s/resourceGroups/g/providers/Microsoft.Web/sites/a"
    rid = f"{site}/providers/Microsoft.Authorization/roleAssignments/x"
    assert arm_type(rid) == "Microsoft.Authorization/roleAssignments"
    assert arm_type("/subscriptions/s/resourceGroups/g") == "Microsoft.Resources/subscriptions/resourceGroups"
