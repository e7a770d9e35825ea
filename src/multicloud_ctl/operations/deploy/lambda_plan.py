"""Plan the Lambda half of a deploy from read-only calls: what to upload, create, update, publish and shift.

Per service, the plan compares the function's `CodeSha256` with the package's and the `live` alias's version
with the versions already published: an unchanged function gets no step at all, and a package already in the
artifacts bucket (same hash-named key) is not uploaded again.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from multicloud_ctl.engine.plan import Step
from multicloud_ctl.humanize import size
from multicloud_ctl.providers.aws.lambda_ import ArtifactBucket, LambdaClient, LambdaRole

if TYPE_CHECKING:
    from multicloud_ctl.config.specs.deploy import DeploySpec
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.packaging.zipbuild import Artifact

HANDLER_PACKAGE = "multicloud_ctl.functions.aws_lambda"


def handler_for(service: str) -> str:
    """`product-service` -> `multicloud_ctl.functions.aws_lambda.product_service.handler`."""
    return f"{HANDLER_PACKAGE}.{service.replace('-', '_')}.handler"


def artifact_key(artifact: Artifact) -> str:
    return f"lambda/{artifact.name}"


def plan_artifact(runtime: Runtime, artifact: Artifact) -> list[Step]:
    """Steps that put the package in the artifacts bucket (none when the same hash is already there)."""
    env = runtime.environment
    bucket = ArtifactBucket(runtime.aws, env.aws.buckets.artifacts)
    key = artifact_key(artifact)
    steps: list[Step] = []
    exists = bucket.bucket_exists()
    if not exists:
        steps.append(
            Step(
                "aws.artifacts.bucket",
                "deploy.s3_create_bucket",
                f"create bucket {bucket.bucket}",
                provider="aws",
                resource=bucket.bucket,
                params={"bucket": bucket.bucket, "region": env.aws.regions.primary},
            )
        )
    if not exists or not bucket.has(key):
        steps.append(
            Step(
                "aws.artifacts.upload",
                "deploy.upload_artifact",
                f"upload {artifact.name} ({size(artifact.size)}) to s3://{bucket.bucket}/{key}",
                provider="aws",
                resource=f"{bucket.bucket}/{key}",
                params={
                    "bucket": bucket.bucket,
                    "key": key,
                    "path": str(artifact.path),
                    "sha256": artifact.sha256,
                },
            )
        )
    return steps


def plan_service(
    runtime: Runtime,
    spec: DeploySpec,
    service: str,
    artifact: Artifact,
    strategy: str,
    fn_env: Mapping[str, str],
    handler: str | None = None,
) -> list[Step]:
    """Steps for one function: create or update code/config, publish, shift the alias (with its rollback)."""
    env = runtime.environment
    lam = LambdaClient(runtime.aws)
    aws = spec.aws
    fn = lam.get_function(service)
    alias = lam.get_alias(service, aws.alias) if fn else None
    sha = artifact.code_sha256_b64
    bucket, key = env.aws.buckets.artifacts, artifact_key(artifact)
    handler = handler or handler_for(service)
    config = {"handler": handler, "memory": aws.memory_mb, "timeout": aws.timeout_s, "env": dict(fn_env)}
    steps: list[Step] = []
    sid = f"aws.{service}"
    if fn is None:
        steps.append(
            Step(
                f"{sid}.create",
                "deploy.lambda_create",
                f"create function {service} ({aws.runtime})",
                provider="aws",
                resource=service,
                params={
                    "name": service,
                    "role": aws.role,
                    "runtime": aws.runtime,
                    "bucket": bucket,
                    "key": key,
                    "tags": env.resource_tags(),
                    **config,
                },
            )
        )
    else:
        if fn.code_sha256 != sha:
            steps.append(
                Step(
                    f"{sid}.code",
                    "deploy.lambda_update_code",
                    f"update {service} code to {artifact.name}",
                    provider="aws",
                    resource=service,
                    params={"name": service, "bucket": bucket, "key": key},
                )
            )
        if (fn.handler, fn.memory, fn.timeout, dict(fn.env)) != (
            handler,
            aws.memory_mb,
            aws.timeout_s,
            dict(fn_env),
        ):
            steps.append(
                Step(
                    f"{sid}.config",
                    "deploy.lambda_update_config",
                    f"update {service} configuration (handler, memory, timeout, settings)",
                    provider="aws",
                    resource=service,
                    params={"name": service, **config},
                )
            )
    live_sha = _version_sha(lam, service, alias.version) if alias else None
    if alias is not None and live_sha == sha and not alias.weights and not any(s.id == f"{sid}.config" for s in steps):
        return steps  # the live alias already serves this package
    previous = alias.version if alias else None
    steps.append(
        Step(
            f"{sid}.publish",
            "deploy.lambda_publish",
            f"publish a version of {service}",
            provider="aws",
            resource=service,
            params={"name": service, "code_sha256": sha, "description": artifact.name},
        )
    )
    rollback = None
    if previous is not None:
        rollback = Step(
            f"{sid}.rollback",
            "deploy.lambda_route",
            f"put {service}:{aws.alias} back on {previous}",
            provider="aws",
            resource=f"{service}:{aws.alias}",
            params={"name": service, "alias": aws.alias, "version": previous},
        )
    what = {
        "all-at-once": "all traffic at once",
        "canary10": "10% canary, then 100%",
        "linear10": "10% steps to 100%",
    }[strategy]
    steps.append(
        Step(
            f"{sid}.shift",
            "deploy.lambda_shift",
            f"shift {service}:{aws.alias} from version {previous} to the new version: {what}, "
            f"bake {spec.bake.seconds:g}s per step"
            if previous
            else f"create alias {service}:{aws.alias} on the new version (first release: no canary)",
            provider="aws",
            resource=f"{service}:{aws.alias}",
            params={
                "name": service,
                "alias": aws.alias,
                "code_sha256": sha,
                "previous": previous,
                "strategy": strategy,
                **bake_params(spec),
            },
            rollback=rollback,
        )
    )
    return steps


def bake_params(spec: DeploySpec) -> dict[str, Any]:
    return {
        "bake_seconds": spec.bake.seconds,
        "poll_seconds": spec.bake.poll_seconds,
        "max_errors": spec.alarm.max_errors,
        "max_error_rate": spec.alarm.max_error_rate,
        "alarms": list(spec.alarm.alarms),
    }


def plan_role(runtime: Runtime, spec: DeploySpec, creating: bool) -> list[Step]:
    """Create the execution role when a new function needs it, and keep its least-privilege policy current."""
    from multicloud_ctl.operations.deploy.lambda_policy import POLICY_NAME, policy_json

    env = runtime.environment
    role = LambdaRole(runtime.aws)
    exists = role.arn(spec.aws.role) is not None
    steps = []
    if not exists and creating:
        steps.append(
            Step(
                "aws.role",
                "deploy.create_role",
                f"create IAM role {spec.aws.role} for the functions",
                provider="aws",
                resource=spec.aws.role,
                params={"role": spec.aws.role, "tags": env.resource_tags()},
            )
        )
    if not (exists or creating):
        return steps
    functions = [*env.aws.functions, *([spec.aws.cdc.function] if spec.aws.cdc.enabled else [])]
    document = policy_json(env, functions)
    if not exists or role.policy(spec.aws.role, POLICY_NAME) != json.loads(document):
        steps.append(
            Step(
                "aws.role.policy",
                "deploy.role_policy",
                f"set the least-privilege policy {POLICY_NAME} on IAM role {spec.aws.role}",
                provider="aws",
                resource=spec.aws.role,
                params={"role": spec.aws.role, "policy_name": POLICY_NAME, "document": document},
            )
        )
    return steps


def _version_sha(lam: LambdaClient, service: str, version: str) -> str | None:
    for v in lam.list_versions(service):
        if v.version == version:
            return v.code_sha256
    return None
