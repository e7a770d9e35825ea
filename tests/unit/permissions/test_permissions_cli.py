"""`mcctl permissions`: the documents, end to end through the CLI, with no cloud account or sandbox."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[3]
MANAGED_POLICY_LIMIT = 6144  # characters, whitespace excluded (IAM quotas: managed policy size)


def run(cli: Any, *args: str) -> Any:
    res = cli("--config-dir", str(REPO / "config"), "permissions", *args)
    assert res.exit_code == 0, res.stderr
    return res


def test_aws_json_is_an_iam_policy_with_the_actions_the_code_needs(cli: Any) -> None:
    policy = json.loads(run(cli, "--cloud", "aws", "-o", "json").stdout)
    assert policy["Version"] == "2012-10-17"
    actions = [a for st in policy["Statement"] for a in st["Action"]]
    assert len(actions) == len(set(actions))
    assert all(st["Effect"] == "Allow" and st["Resource"] == "*" for st in policy["Statement"])
    assert {"s3:ListBucket", "s3:GetObject", "dynamodb:UpdateItem", "dynamodb:GetRecords", "iam:PassRole"} <= set(
        actions
    )
    assert "s3:ListObjectsV2" not in actions and "s3:HeadObject" not in actions  # API names, not IAM actions
    assert not any(a.startswith(("dynamodbstreams:", "sts:")) for a in actions)
    assert len(json.dumps(policy, separators=(",", ":"))) <= MANAGED_POLICY_LIMIT


def test_azure_json_is_a_custom_role_definition(cli: Any) -> None:
    role = json.loads(run(cli, "--cloud", "azure", "-o", "json").stdout)
    assert set(role) == {
        "Name",
        "IsCustom",
        "Description",
        "Actions",
        "NotActions",
        "DataActions",
        "NotDataActions",
        "AssignableScopes",
    }
    assert "Microsoft.Resources/subscriptions/resourceGroups/write" in role["Actions"]
    assert "Microsoft.Web/sites/slots/slotsswap/action" in role["Actions"]
    assert "Microsoft.CostManagement/query/action" in role["Actions"]
    assert "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write" in role["DataActions"]
    assert "Microsoft.KeyVault/vaults/secrets/getSecret/action" in role["DataActions"]
    assert not set(role["Actions"]) & set(role["DataActions"])
    assert role["AssignableScopes"][0].startswith("/subscriptions/")


def test_cloudflare_lists_token_groups_with_their_scope(cli: Any) -> None:
    token = json.loads(run(cli, "--cloud", "cloudflare", "-o", "json").stdout)
    groups = {(g["name"], g["scope"]) for g in token["permission_groups"]}
    assert groups == {
        ("Load Balancers Write", "zone"),
        ("Load Balancing: Monitors and Pools Write", "account"),
        ("DNS Write", "zone"),
        ("Zone Settings Write", "zone"),
        ("Zone WAF Write", "zone"),
        ("D1 Write", "account"),
    }
    dns = next(g for g in token["permission_groups"] if g["name"] == "DNS Write")
    assert dns["dashboard"] == "Zone / DNS / Edit" and "dns.records.create" in dns["needed_by"]


def test_without_cloud_all_three_and_a_readable_table(cli: Any) -> None:
    docs = json.loads(run(cli, "-o", "json").stdout)
    assert set(docs) == {"aws", "azure", "cloudflare"}
    table = run(cli, "--cloud", "cloudflare")
    assert "Zone / Load Balancers / Edit" in table.stdout and "needed by" in table.stdout
    assert "--cloud cloudflare -o json" in table.stderr


def test_an_unknown_cloud_is_a_usage_error(cli: Any) -> None:
    res = cli("permissions", "--cloud", "gcp")
    assert res.exit_code == 2 and "error: --cloud must be aws, azure or cloudflare" in res.stderr


def test_it_needs_no_environment_file(cli: Any, tmp_path: Path) -> None:
    res = cli("--config-dir", str(tmp_path), "permissions", "--cloud", "azure", "-o", "json")
    assert res.exit_code == 0, res.stderr
    assert json.loads(res.stdout)["AssignableScopes"] == ["/subscriptions/<subscription-id>"]
