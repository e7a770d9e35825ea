"""A thin typed client over the Lambda control plane (functions, versions, the `live` alias) and artifacts.

Only the calls `mcctl deploy` needs. Never `invoke`: in the sandbox moto's Lambda needs Docker to run code, so
handlers run in our own functions host instead. Weighted alias routing (canary/linear) goes through
`RoutingConfig.AdditionalVersionWeights`. Errors come out mapped by `aws_errors` with the request id.

IAM is eventually consistent: a role created (or a policy put) a moment ago is not yet visible to Lambda, which
answers CreateFunction with `InvalidParameterValueException: The role defined for the function cannot be assumed
by Lambda.` and CreateEventSourceMapping with `... Cannot access stream ... Please ensure the role can perform
the GetRecords, GetShardIterator, DescribeStream, and ListStreams Actions on your stream` until the change has
propagated (seconds; "Changes that I make are not always immediately visible", IAM troubleshooting guide).
Terraform's AWS provider and Waypoint retry exactly these; `_after_iam_change` does the same for up to
`IAM_PROPAGATION_S`, and only for these messages. The sandbox's moto refuses the first CreateFunction with a
new role the same way (`local/moto_strict.py`), so this path runs in every sandbox deploy.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from multicloud_ctl.errors import NotFound, ProviderError
from multicloud_ctl.providers.aws.errors import aws_errors

if TYPE_CHECKING:
    from multicloud_ctl.providers.aws.session import AwsClients

IAM_PROPAGATION_S = 120.0
_NOT_YET_PROPAGATED = re.compile(
    r"InvalidParameterValueException: (The role defined for the function cannot be assumed by Lambda"
    r"|.*Cannot access stream.*ensure the role can perform"
    r"|The provided execution role does not have permissions)",
    re.IGNORECASE,
)


def not_yet_propagated(exc: BaseException) -> bool:
    """Is `exc` Lambda saying that an IAM change it depends on has not propagated yet?"""
    return isinstance(exc, ProviderError) and bool(_NOT_YET_PROPAGATED.search(str(exc)))


def _after_iam_change(call: Callable[[], Any], *, budget_s: float = IAM_PROPAGATION_S) -> Any:
    """Run `call`, retrying while Lambda has not yet seen a new role or policy (1 s, 2 s, 4 s, ... 8 s)."""
    from tenacity import retry, retry_if_exception, stop_after_delay, wait_exponential

    retrying = retry(
        retry=retry_if_exception(not_yet_propagated),
        wait=wait_exponential(multiplier=1, max=8),
        stop=stop_after_delay(budget_s),
        reraise=True,
    )
    return retrying(call)()


@dataclass(frozen=True)
class FunctionInfo:
    """What we read back about one function ($LATEST)."""

    name: str
    code_sha256: str
    handler: str
    runtime: str
    memory: int
    timeout: int
    last_modified: str = ""
    env: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class AliasInfo:
    """An alias: its main version and the extra weighted versions (canary traffic)."""

    name: str
    version: str
    weights: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class VersionInfo:
    version: str
    code_sha256: str
    description: str = ""


def _info(conf: Mapping[str, Any]) -> FunctionInfo:
    return FunctionInfo(
        name=conf["FunctionName"],
        code_sha256=conf.get("CodeSha256", ""),
        handler=conf.get("Handler", ""),
        runtime=conf.get("Runtime", ""),
        memory=int(conf.get("MemorySize", 128)),
        timeout=int(conf.get("Timeout", 3)),
        last_modified=conf.get("LastModified", ""),
        env=dict(conf.get("Environment", {}).get("Variables", {})),
    )


class LambdaClient:
    """Lambda functions, versions and aliases in one region."""

    def __init__(self, clients: AwsClients, region: str | None = None) -> None:
        self._client = clients.client("lambda", region)

    def get_function(self, name: str) -> FunctionInfo | None:
        try:
            with aws_errors("GetFunction", name):
                conf = self._client.get_function(FunctionName=name)["Configuration"]
        except NotFound:
            return None
        return _info(conf)

    def create_function(
        self,
        name: str,
        *,
        role_arn: str,
        handler: str,
        runtime: str,
        bucket: str,
        key: str,
        memory: int,
        timeout: int,
        env: Mapping[str, str],
        tags: Mapping[str, str],
    ) -> FunctionInfo:
        def create() -> Any:
            with aws_errors("CreateFunction", name):
                return self._client.create_function(
                    FunctionName=name,
                    Runtime=runtime,
                    Role=role_arn,
                    Handler=handler,
                    Code={"S3Bucket": bucket, "S3Key": key},
                    MemorySize=memory,
                    Timeout=timeout,
                    Environment={"Variables": dict(env)},
                    Tags=dict(tags),
                    Publish=False,
                )

        return _info(_after_iam_change(create))

    def update_code(self, name: str, *, bucket: str, key: str) -> FunctionInfo:
        with aws_errors("UpdateFunctionCode", name):
            conf = self._client.update_function_code(FunctionName=name, S3Bucket=bucket, S3Key=key)
        return _info(conf)

    def update_configuration(
        self, name: str, *, handler: str, memory: int, timeout: int, env: Mapping[str, str]
    ) -> FunctionInfo:
        with aws_errors("UpdateFunctionConfiguration", name):
            conf = self._client.update_function_configuration(
                FunctionName=name,
                Handler=handler,
                MemorySize=memory,
                Timeout=timeout,
                Environment={"Variables": dict(env)},
            )
        return _info(conf)

    def wait_updated(self, name: str, *, delay: int = 1, attempts: int = 120) -> None:
        """Block until the last code/config update has finished (AWS refuses the next one meanwhile)."""
        with aws_errors("GetFunction (wait for update)", name):
            self._client.get_waiter("function_updated_v2").wait(
                FunctionName=name, WaiterConfig={"Delay": delay, "MaxAttempts": attempts}
            )

    def publish_version(self, name: str, *, code_sha256: str, description: str = "") -> str:
        """Publish $LATEST; `code_sha256` makes AWS refuse if the code changed under us."""
        with aws_errors("PublishVersion", name):
            out = self._client.publish_version(FunctionName=name, CodeSha256=code_sha256, Description=description)
        return str(out["Version"])

    def list_versions(self, name: str) -> list[VersionInfo]:
        """Published versions (not $LATEST), oldest first."""
        found: list[VersionInfo] = []
        paginator = self._client.get_paginator("list_versions_by_function")
        with aws_errors("ListVersionsByFunction", name):
            for page in paginator.paginate(FunctionName=name):
                for v in page.get("Versions", []):
                    if v["Version"] != "$LATEST":
                        found.append(VersionInfo(v["Version"], v.get("CodeSha256", ""), v.get("Description", "")))
        return sorted(found, key=lambda v: int(v.version))

    def get_alias(self, name: str, alias: str) -> AliasInfo | None:
        try:
            with aws_errors("GetAlias", f"{name}:{alias}"):
                out = self._client.get_alias(FunctionName=name, Name=alias)
        except NotFound:
            return None
        weights = out.get("RoutingConfig", {}).get("AdditionalVersionWeights", {}) or {}
        return AliasInfo(alias, str(out["FunctionVersion"]), {k: float(v) for k, v in weights.items()})

    def create_alias(self, name: str, alias: str, version: str) -> AliasInfo:
        with aws_errors("CreateAlias", f"{name}:{alias}"):
            self._client.create_alias(FunctionName=name, Name=alias, FunctionVersion=version)
        return AliasInfo(alias, version)

    def route_alias(self, name: str, alias: str, version: str, weights: Mapping[str, float] | None = None) -> AliasInfo:
        """Point `alias` at `version`, sending `weights` (version -> 0..1) of the traffic elsewhere."""
        extra = {k: round(float(v), 4) for k, v in (weights or {}).items() if v > 0}
        with aws_errors("UpdateAlias", f"{name}:{alias}"):
            self._client.update_alias(
                FunctionName=name,
                Name=alias,
                FunctionVersion=version,
                RoutingConfig={"AdditionalVersionWeights": extra},
            )
        return AliasInfo(alias, version, extra)


class ArtifactBucket:
    """The S3 bucket that holds hash-named deployment packages (an existing key is never re-uploaded)."""

    def __init__(self, clients: AwsClients, bucket: str) -> None:
        self._s3 = clients.client("s3")
        self.bucket = bucket

    def bucket_exists(self) -> bool:
        try:
            with aws_errors("HeadBucket", self.bucket):
                self._s3.head_bucket(Bucket=self.bucket)
        except NotFound:
            return False
        return True

    def create_bucket(self, region: str) -> None:
        kwargs: dict[str, Any] = {"Bucket": self.bucket}
        if region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
        with aws_errors("CreateBucket", self.bucket):
            self._s3.create_bucket(**kwargs)

    def has(self, key: str) -> bool:
        try:
            with aws_errors("HeadObject", f"{self.bucket}/{key}"):
                self._s3.head_object(Bucket=self.bucket, Key=key)
        except NotFound:
            return False
        return True

    def upload(self, key: str, data: bytes, sha256_hex: str) -> None:
        with aws_errors("PutObject", f"{self.bucket}/{key}"):
            self._s3.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=data,
                ContentType="application/zip",
                Metadata={"sha256": sha256_hex},
            )


class LambdaRole:
    """The execution role deploy assigns to new functions (created when missing)."""

    TRUST = (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":'
        '{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
    )

    def __init__(self, clients: AwsClients) -> None:
        self._iam = clients.client("iam")

    def arn(self, name: str) -> str | None:
        try:
            with aws_errors("GetRole", name):
                return str(self._iam.get_role(RoleName=name)["Role"]["Arn"])
        except NotFound:
            return None

    def create(self, name: str, tags: Mapping[str, str]) -> str:
        with aws_errors("CreateRole", name):
            role = self._iam.create_role(
                RoleName=name,
                AssumeRolePolicyDocument=self.TRUST,
                Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
            )
        return str(role["Role"]["Arn"])

    def policy(self, name: str, policy_name: str) -> dict[str, Any] | None:
        """The role's inline policy `policy_name` as a document, or None."""
        try:
            with aws_errors("GetRolePolicy", f"{name}/{policy_name}"):
                doc = self._iam.get_role_policy(RoleName=name, PolicyName=policy_name)["PolicyDocument"]
        except NotFound:
            return None
        return dict(json.loads(doc) if isinstance(doc, str) else doc)

    def put_policy(self, name: str, policy_name: str, document: str) -> None:
        """Create or replace the role's inline policy `policy_name`."""
        with aws_errors("PutRolePolicy", f"{name}/{policy_name}"):
            self._iam.put_role_policy(RoleName=name, PolicyName=policy_name, PolicyDocument=document)


class StreamMappings:
    """Event source mappings from DynamoDB streams to a function (the CDC Lambda)."""

    def __init__(self, clients: AwsClients) -> None:
        self._lambda = clients.client("lambda")
        self._dynamodb = clients.client("dynamodb")

    def stream_arn(self, table: str) -> str | None:
        try:
            with aws_errors("DescribeTable", table):
                arn = self._dynamodb.describe_table(TableName=table)["Table"].get("LatestStreamArn")
        except NotFound:
            return None
        return str(arn) if arn else None

    def on_stream(self, stream_arn: str) -> list[dict[str, Any]]:
        """Every mapping reading `stream_arn`, whatever its function (ListEventSourceMappings, paginated)."""
        out: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"EventSourceArn": stream_arn}
        while True:
            with aws_errors("ListEventSourceMappings", stream_arn):
                page = self._lambda.list_event_source_mappings(**kwargs)
            out.extend(page.get("EventSourceMappings", []))
            if not page.get("NextMarker"):
                return out
            kwargs["Marker"] = page["NextMarker"]

    def sources(self, function: str) -> list[str]:
        """Stream ARNs already mapped onto `function` (name or name:alias)."""
        with aws_errors("ListEventSourceMappings", function):
            out = self._lambda.list_event_source_mappings(FunctionName=function)
        return [str(m["EventSourceArn"]) for m in out.get("EventSourceMappings", [])]

    def create(self, function: str, stream_arn: str, config: dict[str, Any]) -> str:
        """A mapping from `stream_arn` to `function` starting at TRIM_HORIZON with `config` (API field names)."""

        def create() -> Any:
            with aws_errors("CreateEventSourceMapping", function):
                return self._lambda.create_event_source_mapping(
                    FunctionName=function, EventSourceArn=stream_arn, StartingPosition="TRIM_HORIZON", **config
                )

        return str(_after_iam_change(create)["UUID"])

    def update(self, uuid: str, config: dict[str, Any]) -> None:
        """Change a mapping's settings in place (its position in the stream is kept)."""
        with aws_errors("UpdateEventSourceMapping", uuid):
            self._lambda.update_event_source_mapping(UUID=uuid, **config)


@dataclass
class LambdaPermissions:
    """A function's resource-based policy (per qualifier): who may invoke it, e.g. API Gateway."""

    clients: AwsClients
    region: str

    @property
    def _c(self) -> Any:
        return self.clients.client("lambda", self.region)

    def statements(self, function: str, qualifier: str) -> list[dict[str, Any]] | None:
        """The policy statements on `function:qualifier`; [] when it has none, None when it does not exist."""
        try:
            with aws_errors("GetFunction", f"{function}:{qualifier}"):
                self._c.get_function(FunctionName=function, Qualifier=qualifier)
        except NotFound:
            return None
        try:
            with aws_errors("GetPolicy", f"{function}:{qualifier}"):
                policy = self._c.get_policy(FunctionName=function, Qualifier=qualifier)["Policy"]
        except NotFound:
            return []
        return [dict(s) for s in json.loads(policy).get("Statement", [])]

    def allow(self, function: str, qualifier: str, sid: str, principal: str, source_arn: str) -> None:
        """Let `principal` invoke `function:qualifier` from `source_arn` only."""
        with aws_errors("AddPermission", f"{function}:{qualifier}"):
            self._c.add_permission(
                FunctionName=function,
                Qualifier=qualifier,
                StatementId=sid,
                Action="lambda:InvokeFunction",
                Principal=principal,
                SourceArn=source_arn,
            )

    def revoke(self, function: str, qualifier: str, sid: str) -> None:
        try:
            with aws_errors("RemovePermission", f"{function}:{qualifier}"):
                self._c.remove_permission(FunctionName=function, Qualifier=qualifier, StatementId=sid)
        except NotFound:
            pass
