"""The Lambda deploy actions a plan step may name (registered in the closed action registry at import)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from multicloud_ctl.engine.actions import ACTIONS
from multicloud_ctl.errors import OperationFailed
from multicloud_ctl.operations.deploy.traffic import BakePolicy, Shift
from multicloud_ctl.providers.aws.cloudwatch_alarms import LambdaMetrics
from multicloud_ctl.providers.aws.lambda_ import ArtifactBucket, LambdaClient, LambdaRole

if TYPE_CHECKING:
    from multicloud_ctl.engine.runtime import Runtime

P = Mapping[str, Any]


@ACTIONS.register("deploy.s3_create_bucket")
def create_bucket(runtime: Runtime, p: P) -> dict[str, Any]:
    bucket = ArtifactBucket(runtime.aws, p["bucket"])
    if not bucket.bucket_exists():
        bucket.create_bucket(p["region"])
    return {"bucket": p["bucket"]}


@ACTIONS.register("deploy.upload_artifact")
def upload_artifact(runtime: Runtime, p: P) -> dict[str, Any]:
    bucket = ArtifactBucket(runtime.aws, p["bucket"])
    if bucket.has(p["key"]):  # uploaded meanwhile (same hash, same bytes): nothing to do
        return {"key": p["key"], "uploaded": False}
    data = Path(p["path"]).read_bytes()
    bucket.upload(p["key"], data, p["sha256"])
    return {"key": p["key"], "uploaded": True, "bytes": len(data)}


@ACTIONS.register("deploy.create_role")
def create_role(runtime: Runtime, p: P) -> dict[str, Any]:
    role = LambdaRole(runtime.aws)
    arn = role.arn(p["role"]) or role.create(p["role"], p.get("tags", {}))
    return {"role": arn}


@ACTIONS.register("deploy.role_policy")
def role_policy(runtime: Runtime, p: P) -> dict[str, Any]:
    LambdaRole(runtime.aws).put_policy(p["role"], p["policy_name"], p["document"])
    return {"role": p["role"], "policy": p["policy_name"]}


@ACTIONS.register("deploy.lambda_create")
def lambda_create(runtime: Runtime, p: P) -> dict[str, Any]:
    arn = LambdaRole(runtime.aws).arn(p["role"])
    if arn is None:
        raise OperationFailed(f"IAM role {p['role']} does not exist", hint="deploy creates it; was it deleted?")
    lam = LambdaClient(runtime.aws)
    info = lam.create_function(
        p["name"],
        role_arn=arn,
        handler=p["handler"],
        runtime=p["runtime"],
        bucket=p["bucket"],
        key=p["key"],
        memory=int(p["memory"]),
        timeout=int(p["timeout"]),
        env=p["env"],
        tags=p.get("tags", {}),
    )
    lam.wait_updated(p["name"])
    return {"function": info.name, "code_sha256": info.code_sha256}


@ACTIONS.register("deploy.lambda_update_code")
def lambda_update_code(runtime: Runtime, p: P) -> dict[str, Any]:
    lam = LambdaClient(runtime.aws)
    info = lam.update_code(p["name"], bucket=p["bucket"], key=p["key"])
    lam.wait_updated(p["name"])
    return {"function": info.name, "code_sha256": info.code_sha256}


@ACTIONS.register("deploy.lambda_update_config")
def lambda_update_config(runtime: Runtime, p: P) -> dict[str, Any]:
    lam = LambdaClient(runtime.aws)
    info = lam.update_configuration(
        p["name"], handler=p["handler"], memory=int(p["memory"]), timeout=int(p["timeout"]), env=p["env"]
    )
    lam.wait_updated(p["name"])
    return {"function": info.name, "memory": info.memory, "timeout": info.timeout}


@ACTIONS.register("deploy.lambda_publish")
def lambda_publish(runtime: Runtime, p: P) -> dict[str, Any]:
    version = LambdaClient(runtime.aws).publish_version(
        p["name"], code_sha256=p["code_sha256"], description=p.get("description", "")
    )
    return {"function": p["name"], "version": version}


def newest_version_with(lam: LambdaClient, name: str, code_sha256: str) -> str:
    """The newest published version of `name` whose code is `code_sha256` (what the publish step made)."""
    matching = [v.version for v in lam.list_versions(name) if v.code_sha256 == code_sha256]
    if not matching:
        raise OperationFailed(f"{name}: no published version carries code {code_sha256}")
    return matching[-1]


@ACTIONS.register("deploy.lambda_shift")
def lambda_shift(runtime: Runtime, p: P) -> dict[str, Any]:
    lam = LambdaClient(runtime.aws)
    new = newest_version_with(lam, p["name"], p["code_sha256"])
    shift = Shift(lam, LambdaMetrics(runtime.aws), p["name"], p["alias"], runtime.clock)
    out = shift.run(new, p.get("previous"), p["strategy"], BakePolicy.from_params(p))
    if p.get("previous") is None:  # a new alias: the REST API may invoke it (provision could not grant it before)
        from multicloud_ctl.operations.provision.kinds.apigateway_rest_api import grant_after_deploy

        region = runtime.environment.aws.regions.primary
        out["api_invoke_granted"] = grant_after_deploy(runtime, region, p["name"], p["alias"])
    return out


@ACTIONS.register("deploy.lambda_route")
def lambda_route(runtime: Runtime, p: P) -> dict[str, Any]:
    alias = LambdaClient(runtime.aws).route_alias(p["name"], p["alias"], p["version"])
    return {"function": p["name"], "alias": alias.name, "version": alias.version}
