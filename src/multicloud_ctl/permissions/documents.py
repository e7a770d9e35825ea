"""The documents `mcctl permissions` prints: an IAM policy, an Azure custom role, Cloudflare token groups.

Each is the union of what the calls found in `providers/` (`scan.py`) need according to `catalog.py`, so it
is as small as the code allows and grows only when the code does. Every permission keeps the operations that
need it (`Grant.needed_by`) for the table view. A call the catalog does not know (the test suite refuses
that, so only an edited installation sees it) is listed in `missing` and, for AWS, granted under its own
name so the policy errs on the side of working.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from multicloud_ctl.permissions import catalog

if TYPE_CHECKING:
    from multicloud_ctl.config.environment import Environment
    from multicloud_ctl.permissions.scan import ScanResult

# boto3 service name -> IAM service prefix, where they differ
IAM_PREFIX = {"dynamodbstreams": "dynamodb"}
ROLE_NAME = "mcctl operator"


@dataclass(frozen=True)
class Grant:
    """One permission and the operations (`service:Operation`, SDK method, ...) that need it."""

    cloud: str
    permission: str
    kind: str  # aws: "action"; azure: "action" | "dataAction"; cloudflare: "zone" | "account"
    needed_by: tuple[str, ...]
    files: tuple[str, ...] = ()  # the provider modules making those calls (`aws/s3.py`)


@dataclass
class Derived:
    """One cloud's grants, the operations found, and the operations the catalog does not know."""

    cloud: str
    grants: list[Grant] = field(default_factory=list)
    operations: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def permissions(self, kind: str | None = None) -> list[str]:
        return sorted({g.permission for g in self.grants if kind is None or g.kind == kind})


def _grants(cloud: str, needs: dict[tuple[str, str], set[str]], result: ScanResult) -> list[Grant]:
    sites = result.operations(cloud)
    return [
        Grant(cloud, perm, kind, tuple(sorted(ops)), tuple(sorted({c.file for op in ops for c in sites.get(op, [])})))
        for (perm, kind), ops in sorted(needs.items())
    ]


def derive_aws(result: ScanResult) -> Derived:
    """Every IAM action the AWS calls found need."""
    ops = result.operations("aws")
    out = Derived("aws", operations=list(ops))
    needs: dict[tuple[str, str], set[str]] = defaultdict(set)
    for op in ops:
        if op in catalog.AWS:
            actions = catalog.AWS[op]
        else:
            out.missing.append(op)
            service, name = op.split(":", 1)
            actions = (f"{IAM_PREFIX.get(service, service)}:{name}",)
        for action in actions:
            needs[(action, "action")].add(op)
    out.grants = _grants("aws", needs, result)
    return out


def derive_azure(result: ScanResult) -> Derived:
    """Every RBAC action and data action the Azure calls found need (ARM types expanded)."""
    ops = result.operations("azure")
    out = Derived("azure", operations=list(ops))
    needs: dict[tuple[str, str], set[str]] = defaultdict(set)
    for op in ops:
        grant = catalog.AZURE.get(op)
        if grant is None:
            out.missing.append(op)
            continue
        for action in grant.actions:
            needs[(action, "action")].add(op)
        for action in grant.data_actions:
            needs[(action, "dataAction")].add(op)
        if grant.arm_types:
            for arm_type, verbs in catalog.ARM_TYPES.items():
                if grant.arm_types in verbs:
                    needs[(f"{arm_type}/{grant.arm_types}", "action")].add(op)
    out.grants = _grants("azure", needs, result)
    return out


def derive_cloudflare(result: ScanResult) -> Derived:
    """Every API token permission group the Cloudflare calls found need, with its scope."""
    ops = result.operations("cloudflare")
    out = Derived("cloudflare", operations=list(ops))
    needs: dict[tuple[str, str], set[str]] = defaultdict(set)
    for op in ops:
        grant = catalog.CLOUDFLARE.get(op)
        if grant is None:
            out.missing.append(op)
        elif grant.group:
            needs[(grant.group, grant.scope)].add(op)
    out.grants = _grants("cloudflare", needs, result)
    return out


DERIVE = {"aws": derive_aws, "azure": derive_azure, "cloudflare": derive_cloudflare}


def aws_policy(derived: Derived) -> dict[str, Any]:
    """An IAM identity policy: one statement per service prefix, actions sorted, on every resource.

    `Resource: "*"`: mcctl names its buckets, tables, queues and functions per environment, but restores go to
    another environment (`--to-env`), exports to a playbook's bucket, and several calls have no resource-level
    permission (ListUserPools, ListDistributions, Cost Explorer); narrow by resource in your own copy if needed.
    """
    by_prefix: dict[str, list[str]] = defaultdict(list)
    for action in derived.permissions():
        by_prefix[action.split(":", 1)[0]].append(action)
    statements = [
        {
            "Sid": "Mcctl" + "".join(p.capitalize() for p in prefix.split("-")),
            "Effect": "Allow",
            "Action": actions,
            "Resource": "*",
        }
        for prefix, actions in sorted(by_prefix.items())
    ]
    return {"Version": "2012-10-17", "Statement": statements}


def azure_role(derived: Derived, env: Environment | None) -> dict[str, Any]:
    """An Azure custom role definition (the JSON `az role definition create --role-definition` takes).

    Assignable at the subscription: provision creates the resource groups (`<rg>`, `<rg>-<region>`) and Cost
    Management queries the subscription scope, so a resource-group scope would be too narrow.
    """
    sub = env.azure.subscription_id if env is not None else "<subscription-id>"
    name = f"{ROLE_NAME} ({env.name})" if env is not None else ROLE_NAME
    return {
        "Name": name,
        "IsCustom": True,
        "Description": "What mcctl's calls need (generated by `mcctl permissions --cloud azure`).",
        "Actions": derived.permissions("action"),
        "NotActions": [],
        "DataActions": derived.permissions("dataAction"),
        "NotDataActions": [],
        "AssignableScopes": [f"/subscriptions/{sub}"],
    }


def dashboard_name(group: str, scope: str) -> str:
    """How the dashboard's token form shows a group: "DNS Write" (zone) -> "Zone / DNS / Edit"."""
    base, _, level = group.rpartition(" ")
    return f"{scope.capitalize()} / {base} / {'Edit' if level == 'Write' else level}"


def cloudflare_token(derived: Derived, env: Environment | None) -> dict[str, Any]:
    """The API token's permission groups, each with its scope and the resource it should be limited to."""
    cf = env.cloudflare if env is not None else None
    resources = {
        "account": f"account {cf.account_id}" if cf else "the account",
        "zone": f"zone {cf.zone_name} ({cf.zone_id})" if cf else "the zone",
    }
    return {
        "permission_groups": [
            {
                "name": g.permission,
                "scope": g.kind,
                "dashboard": dashboard_name(g.permission, g.kind),
                "resources": resources[g.kind],
                "needed_by": list(g.needed_by),
            }
            for g in sorted(derived.grants, key=lambda g: (g.kind, g.permission))
        ]
    }


def document(derived: Derived, env: Environment | None) -> dict[str, Any]:
    """The cloud's document: IAM policy, Azure role definition or Cloudflare token groups."""
    if derived.cloud == "aws":
        return aws_policy(derived)
    if derived.cloud == "azure":
        return azure_role(derived, env)
    return cloudflare_token(derived, env)
