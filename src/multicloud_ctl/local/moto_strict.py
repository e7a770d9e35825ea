"""moto server with CloudWatch's exact-dimension rule: `python -m multicloud_ctl.local.moto_strict -H HOST -p PORT`.

CloudWatch treats every distinct dimension set as its own metric: GetMetricStatistics "must specify the same
dimensions that were used when the metrics were created" (GetMetricStatistics API reference, Dimensions;
"Amazon CloudWatch concepts: Dimension combinations"). moto 5.2 answers GetMetricStatistics for any *subset* of
the published dimensions (and, with no dimensions, for all of them), so a reader that names the wrong dimension
set (`{FunctionName, ExecutedVersion}` for what Lambda publishes as `{FunctionName, Resource, ExecutedVersion}`)
sees data here and nothing in AWS. This entry point tightens that one call before it starts moto's own
server; GetMetricData already matches exactly in moto, and ListMetrics keeps its (correct) subset filter.

Cognito's UpdateUserPoolClient is a full replacement: "If you don't provide a value for an attribute, Amazon
Cognito sets it to its default value" (UpdateUserPoolClient API reference). moto merges the new settings
into the old ones; here it resets the client to moto's defaults plus what the call sent, as Cognito does.
(moto's UpdateUserPool already replaces.)

IAM is eventually consistent and moto is not: in AWS a role created a moment ago cannot be assumed by Lambda
yet, and CreateFunction answers `InvalidParameterValueException: The role defined for the function cannot be
assumed by Lambda.` for a few seconds (aws/aws-cli#7700, aws/aws-sdk-js#3498; Terraform's AWS provider retries
it). Here the first `MCCTL_MOTO_IAM_PROPAGATION` (default 1) CreateFunction calls naming a newly created role
are refused with that error, counted rather than timed, so a deploy that does not retry fails in the sandbox.

Lambda event source mappings on a DynamoDB stream: CreateEventSourceMapping and UpdateEventSourceMapping refuse
what the API reference refuses for a stream source (BatchSize 1-10,000, MaximumBatchingWindowInSeconds 0-300,
ParallelizationFactor 1-10, MaximumRecordAgeInSeconds -1 or 60-604,800, MaximumRetryAttempts -1-10,000,
FunctionResponseTypes only `ReportBatchItemFailures`, StartingPosition required, an on-failure destination that is
a standard SQS queue or SNS topic, one mapping per function and stream: ResourceConflictException); moto stores any
value. A mapping onto an alias keeps the alias in its FunctionArn (`...:function:NAME:ALIAS`, the qualifier it was
created with, as ListEventSourceMappings shows it); moto resolves it to the alias's current version.
And moto "fires" a stream mapping on every write without running the code, then *empties* the shard: in
AWS records stay in the stream for 24 hours whoever reads them. Here the mapping is stored and never fired, so
the stream keeps its records (for the reader that `mcctl sync replay` is, or a second consumer).

S3 listings stop at 1,000 entries a page (ListObjectsV2, ListObjects, ListObjectVersions), as S3 does whatever
`max-keys` asks for; moto returns as many as asked. A `max-keys` S3 cannot read as an integer from 0 to 2^31-1
is refused with 400 InvalidArgument, where moto answered 500 or listed.

Speed, not behaviour: moto 5.2's dispatcher lists its own package directory (an `isdir` per backend, ~160) on
every request, under the lock every request takes, and each AWS service's botocore model is loaded (a new
botocore loader, which scans its data directories again) on that service's first request. Here the backend
list is read once, and the models of the services the sandbox uses are loaded in a background thread at
start. A sandbox `provision apply` (191 AWS calls) cost moto 1.55-2.0 s of CPU before, on a two-CPU machine
where moto's one process was what a parallel apply waited for (`bench/provision_bench.py`).
"""

from __future__ import annotations

import os
import re
import sys
import threading
from collections.abc import Callable
from typing import Any

_lock = threading.Lock()


def exact_dimensions(dimensions: Any) -> list[tuple[str, str]]:
    """The dimension set as a sorted list of (name, value) pairs (the identity CloudWatch compares)."""
    return sorted((str(d["Name"]), str(d.get("Value", ""))) for d in dimensions or [])


def make_strict() -> None:
    """Make moto's GetMetricStatistics count only datapoints whose dimension set equals the requested one."""
    from moto.cloudwatch.models import CloudWatchBackend

    if getattr(CloudWatchBackend.get_metric_statistics, "_mcctl_strict", False):
        return
    lenient = CloudWatchBackend.get_metric_statistics

    def strict(self: Any, *args: Any, **kwargs: Any) -> Any:
        dims = kwargs["dimensions"] if "dimensions" in kwargs else args[6]
        wanted = exact_dimensions(dims)
        everything = type(self).get_all_metrics

        def matching(backend: Any) -> list[Any]:
            return [
                md
                for md in everything(backend)
                if exact_dimensions({"Name": d.name, "Value": d.value} for d in md.dimensions) == wanted
            ]

        with _lock:  # the instance attribute is seen by this call only (moto's server is threaded)
            self.get_all_metrics = matching.__get__(self)
            try:
                return lenient(self, *args, **kwargs)
            finally:
                del self.get_all_metrics

    strict._mcctl_strict = True  # type: ignore[attr-defined]
    CloudWatchBackend.get_metric_statistics = strict  # type: ignore[method-assign]


def make_cognito_strict() -> None:
    """Make moto's UpdateUserPoolClient replace the client's settings instead of merging them."""
    from moto.cognitoidp.models import CognitoIdpBackend, CognitoIdpUserPoolClient

    if getattr(CognitoIdpBackend.update_user_pool_client, "_mcctl_strict", False):
        return
    merging = CognitoIdpBackend.update_user_pool_client

    def replacing(self: Any, user_pool_id: str, client_id: str, extended_config: dict[str, Any]) -> Any:
        client = merging(self, user_pool_id, client_id, {})  # existence checks and errors stay moto's
        defaults = CognitoIdpUserPoolClient(user_pool_id, False, None).extended_config
        client.extended_config = {**defaults, **(extended_config or {})}
        return client

    replacing._mcctl_strict = True  # type: ignore[attr-defined]
    CognitoIdpBackend.update_user_pool_client = replacing  # type: ignore[method-assign]


ALARM_PAGE_DEFAULT = 50  # DescribeAlarms without MaxRecords (the API reference bounds MaxRecords to 1-100)


def make_alarm_pages_strict() -> None:
    """Make moto's DescribeAlarms page as CloudWatch does: MaxRecords 1-100 a page and a NextToken (moto
    answers every alarm at once, so a reader that ignores NextToken would pass here and miss alarms in
    AWS), and refuse AlarmNames with AlarmNamePrefix ("If this parameter is specified, you cannot specify
    AlarmNames", DescribeAlarms API reference)."""
    from moto.cloudwatch.exceptions import ValidationError
    from moto.cloudwatch.responses import CloudWatchResponse
    from moto.core.responses import ActionResult

    if getattr(CloudWatchResponse.describe_alarms, "_mcctl_strict", False):
        return
    everything = CloudWatchResponse.describe_alarms

    def paged(self: Any) -> Any:
        if self._get_param("AlarmNamePrefix") and self._get_param("AlarmNames", []):
            raise ValidationError("AlarmNamePrefix and AlarmNames cannot be specified together.")
        size = int(self._get_param("MaxRecords") or ALARM_PAGE_DEFAULT)
        if not 1 <= size <= 100:
            raise ValidationError(
                f"1 validation error detected: Value '{size}' at 'maxRecords' failed to satisfy constraint: "
                "Member must have value between 1 and 100"
            )
        token = str(self._get_param("NextToken") or "")
        offset = int(token) if token.isdigit() else 0
        found: dict[str, list[Any]] = everything(self).result  # type: ignore[assignment]
        alarms = [("MetricAlarms", a) for a in found["MetricAlarms"]] + [
            ("CompositeAlarms", a) for a in found["CompositeAlarms"]
        ]
        page = alarms[offset : offset + size]
        out: dict[str, Any] = {
            "MetricAlarms": [a for k, a in page if k == "MetricAlarms"],
            "CompositeAlarms": [a for k, a in page if k == "CompositeAlarms"],
        }
        if offset + size < len(alarms):
            out["NextToken"] = str(offset + size)
        return ActionResult(out)

    paged._mcctl_strict = True  # type: ignore[attr-defined]
    CloudWatchResponse.describe_alarms = paged  # type: ignore[method-assign]


S3_PAGE_MAX = 1000  # the most entries S3 puts in one listing page, whatever max-keys asks
INT32_MAX = 2**31 - 1  # the largest max-keys S3 accepts
_INT32 = re.compile(r"[+-]?0*[0-9]{1,10}")  # what S3 parses as an integer (no spaces, no underscores: not int())


def s3_max_keys(asked: str, versions: bool = False) -> int:
    """`max-keys` as S3 reads it: an integer from 0 to 2^31-1, else ValueError with S3's message."""
    value = int(asked) if _INT32.fullmatch(asked) else None
    if versions and value is not None and value < 0:
        raise ValueError("max-keys cannot be negative")  # ListObjectVersions' wording (versity/versitygw#1809)
    if value is None or not 0 <= value <= INT32_MAX:
        raise ValueError(f"Argument maxKeys must be an integer between 0 and {INT32_MAX}")
    return value


def make_s3_pages_strict() -> None:
    """Cut an S3 listing page at 1,000 entries as S3 does, whatever `max-keys` asks for.

    ListObjectsV2, ListObjects and ListObjectVersions return "up to 1,000" keys (versions) a page: "The
    response might contain fewer keys but will never contain more" (API reference, MaxKeys; boto/boto3#1927:
    "the actual max of any individual response is the minimum between the requested max and service max").
    moto returns as many as asked, so a lister that asked for 5,000 a page would make a fifth of the requests
    here that it makes in AWS (and a bench would time a chain S3 never serves). The page's `MaxKeys` element
    then says 1,000, the value the page was cut to; what S3 echoes there is not documented, and nothing here
    reads it.

    A `max-keys` that is not an integer from 0 to 2,147,483,647 is refused with 400 InvalidArgument
    (`ArgumentName` maxKeys), as S3 does (measured against S3 in floci-io/floci#3510 and brekkylab/backlot#192;
    ListObjectVersions words a negative one "max-keys cannot be negative", versity/versitygw#1809). moto calls
    `int()` on it: a 500 for `abc`, and a negative value is accepted."""
    from moto.s3.exceptions import InvalidArgumentError
    from moto.s3.responses import S3Response

    for name in ("list_objects", "list_objects_v2", "list_object_versions"):
        lenient = getattr(S3Response, name)
        if getattr(lenient, "_mcctl_strict", False):
            continue

        def capped(self: Any, _lenient: Callable[[Any], Any] = lenient, _name: str = name) -> Any:
            asked = self.querystring.get("max-keys")
            if asked:
                try:
                    value = s3_max_keys(asked[0], versions=_name == "list_object_versions")
                except ValueError as refused:
                    raise InvalidArgumentError(str(refused), "maxKeys", asked[0]) from None
                if value > S3_PAGE_MAX:
                    self.querystring["max-keys"] = [str(S3_PAGE_MAX)]
            return _lenient(self)

        capped._mcctl_strict = True  # type: ignore[attr-defined]
        setattr(S3Response, name, capped)


ROLE_NOT_ASSUMABLE = "The role defined for the function cannot be assumed by Lambda."
_unpropagated: dict[str, int] = {}  # role ARN -> CreateFunction calls still to refuse


def make_iam_eventually_consistent(refusals: int | None = None) -> None:
    """Refuse the first `refusals` CreateFunction calls that name a newly created role, as Lambda does."""
    from moto.awslambda.exceptions import InvalidParameterValueException
    from moto.awslambda.models import LambdaBackend
    from moto.iam.models import IAMBackend

    if getattr(LambdaBackend.create_function, "_mcctl_strict", False):
        return
    count = int(os.environ.get("MCCTL_MOTO_IAM_PROPAGATION", "1")) if refusals is None else refusals
    creating_role, creating_function = IAMBackend.create_role, LambdaBackend.create_function

    def create_role(self: Any, *args: Any, **kwargs: Any) -> Any:
        role = creating_role(self, *args, **kwargs)
        with _lock:
            _unpropagated[role.arn] = count
        return role

    def create_function(self: Any, spec: dict[str, Any]) -> Any:
        role = str(spec.get("Role", ""))
        with _lock:
            left = _unpropagated.get(role, 0)
            if left > 0:
                _unpropagated[role] = left - 1
        if left > 0:
            raise InvalidParameterValueException(ROLE_NOT_ASSUMABLE)
        return creating_function(self, spec)

    create_function._mcctl_strict = True  # type: ignore[attr-defined]
    IAMBackend.create_role = create_role  # type: ignore[method-assign]
    LambdaBackend.create_function = create_function  # type: ignore[method-assign]


def esm_refusal(spec: dict[str, Any], *, creating: bool) -> str | None:
    """Why Lambda would refuse these event source mapping settings for a DynamoDB stream, or None."""
    if creating and ":dynamodb:" in str(spec.get("EventSourceArn", "")) and not spec.get("StartingPosition"):
        return "StartingPosition is required for a DynamoDB stream event source."
    ranges = {
        "BatchSize": (1, 10_000),
        "MaximumBatchingWindowInSeconds": (0, 300),
        "ParallelizationFactor": (1, 10),
        "MaximumRecordAgeInSeconds": (-1, 604_800),
        "MaximumRetryAttempts": (-1, 10_000),
    }
    for key, (low, high) in ranges.items():
        value = spec.get(key)
        if value is None:
            continue
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            field = key[0].lower() + key[1:]
            return (
                f"1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: "
                f"Member must have value between {low} and {high}"
            )
    age = spec.get("MaximumRecordAgeInSeconds")
    if isinstance(age, int) and 0 <= age < 60:
        return f"MaximumRecordAgeInSeconds must be -1 or between 60 and 604800 (got {age})."
    for kind in spec.get("FunctionResponseTypes") or []:
        if kind != "ReportBatchItemFailures":
            return f"Unsupported FunctionResponseType: {kind}."
    destination = ((spec.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
    if destination is not None:
        service = str(destination).split(":")[2] if str(destination).count(":") >= 5 else ""
        if service not in ("sqs", "sns") or str(destination).endswith(".fifo"):
            return f"Unsupported OnFailure destination {destination}: a standard SQS queue or SNS topic is expected."
    return None


def qualified(function_arn: str, name: str) -> str:
    """The mapping's FunctionArn as Lambda keeps it: the alias it was created with, not the alias's version."""
    qualifier = name.rsplit(":", 1)[1] if name.count(":") in (1, 7) else None
    if qualifier and not qualifier.isdigit() and qualifier != "$LATEST":
        return f"{function_arn.rsplit(':', 1)[0]}:{qualifier}"
    return function_arn


def make_stream_mappings_strict() -> None:
    """Validate stream mapping settings as Lambda does; store the mapping but never fire it (records stay)."""
    from moto.awslambda.exceptions import InvalidParameterValueException, LambdaClientError
    from moto.awslambda.models import LambdaBackend
    from moto.dynamodb.models.table import StreamRecord, StreamShard

    if getattr(LambdaBackend.create_event_source_mapping, "_mcctl_strict", False):
        return

    class Conflict(LambdaClientError):
        code = 409

    creating, updating = LambdaBackend.create_event_source_mapping, LambdaBackend.update_event_source_mapping

    def create(self: Any, spec: dict[str, Any]) -> Any:
        refusal = esm_refusal(spec, creating=True)
        if refusal:
            raise InvalidParameterValueException(refusal)
        source, name = spec.get("EventSourceArn"), str(spec.get("FunctionName", ""))
        wanted = qualified(self._lambdas.get_function_by_name_or_arn_with_qualifier(name).function_arn, name)
        if ":dynamodb:" in str(source):
            for esm in self._event_source_mappings.values():
                if esm.event_source_arn == source and esm.function_arn == wanted:
                    raise Conflict(
                        "ResourceConflictException",
                        f"An event source mapping with event source ({source}) and function ({wanted}) already "
                        f"exists. Please update or delete the existing mapping with UUID {esm.uuid}",
                    )
        esm = creating(self, spec)
        esm.function_arn = wanted
        return esm

    def update(self: Any, uuid: str, spec: dict[str, Any]) -> Any:
        refusal = esm_refusal(spec, creating=False)
        if refusal:
            raise InvalidParameterValueException(refusal)
        return updating(self, uuid, spec)

    shard_init = StreamShard.__init__

    def init(self: Any, account_id: str, table: Any) -> None:
        """A shard id unique to this stream, as AWS's are (moto gives every shard of every stream one fixed id).

        AWS's ids are `shardId-` + the creation time in ms, 20 digits, + `-` + 8 hex digits; moto's fixed one
        let a stream created after a restart of the sandbox (or a table re-created) be mistaken for the old
        one, whose checkpoints then pointed past the new stream's records (`make demo` run twice).
        """
        import secrets

        shard_init(self, account_id, table)
        self.id = f"shardId-{secrets.randbelow(10**20):020d}-{secrets.token_hex(4)}"  # the shape, not the clock

    def add(self: Any, old: Any, new: Any) -> None:
        t = self.table.stream_specification["StreamViewType"]
        event = "INSERT" if old is None else "REMOVE" if new is None else "MODIFY"
        seq = len(self.items) + self.starting_sequence_number
        self.items.append(StreamRecord(self.table, t, event, old, new, seq))

    create._mcctl_strict = True  # type: ignore[attr-defined]
    LambdaBackend.create_event_source_mapping = create  # type: ignore[method-assign]
    LambdaBackend.update_event_source_mapping = update  # type: ignore[method-assign]
    StreamShard.add = add  # type: ignore[method-assign]
    StreamShard.__init__ = init  # type: ignore[method-assign]


SANDBOX_SERVICES = (
    "dynamodb",
    "dynamodbstreams",
    "s3",
    "sqs",
    "ec2",
    "elasticache",
    "cloudwatch",
    "logs",
    "lambda",
    "iam",
    "sts",
    "cognito-idp",
    "wafv2",
    "cloudfront",
    "kms",
    "secretsmanager",
    "apigateway",
    "ce",
)


def make_dispatch_faster(warm: tuple[str, ...] = SANDBOX_SERVICES) -> threading.Thread:
    """List moto's backends once (not per request), and load the sandbox services' models in the background."""
    import moto.backends as backends
    from moto.core.utils import get_service_model

    modules = tuple(backends.list_of_moto_modules())
    backends.list_of_moto_modules = lambda: modules  # type: ignore[assignment]  # a pure function of the package

    def load() -> None:
        for service in warm:
            try:
                get_service_model(service)  # cached by moto (functools.cache): its first request finds it loaded
            except Exception:  # a model this botocore lacks: its first request reports it, as before
                continue

    thread = threading.Thread(target=load, name="moto-warm-models", daemon=True)
    thread.start()
    return thread


class _AfterImport:
    """A `sys.meta_path` finder that runs callbacks once a watched module has been executed (a post-import hook).

    moto imports a service's package on that service's first request; patching it eagerly at start-up imported
    EC2, Lambda, API Gateway... whether the sandbox or test used them (moto's start-up went from 0.55 s to over
    2 s of CPU with the strict layers). Here each layer is applied right after its package is imported, inside
    that import (so under its import lock: no request sees the package unpatched).
    """

    def __init__(self) -> None:
        self.hooks: dict[str, list[Callable[[], None]]] = {}
        self.state = threading.local()  # per importing thread: watched imports under way, layers waiting

    def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
        hooks = self.hooks.pop(name, None)
        if hooks is None:
            return None
        for finder in sys.meta_path:  # the real spec, from the finders after this one (as the import system asks)
            find = getattr(finder, "find_spec", None)
            if finder is self or find is None:
                continue
            spec = find(name, path, target)
            if spec is not None:
                break
        else:
            return None
        if spec.loader is None:
            return None
        loader = spec.loader
        run = loader.exec_module
        state = self.state

        def exec_module(module: Any) -> None:
            # moto's packages import each other while they load (awslambda.models imports moto.dynamodb): a
            # layer run when the inner one finishes would import the outer one half-initialized, so the layers
            # wait until the outermost watched import of this thread has finished
            state.depth = getattr(state, "depth", 0) + 1
            try:
                run(module)
            finally:
                state.depth -= 1
            pending = state.__dict__.setdefault("pending", [])
            pending.extend(hooks)
            while state.depth == 0 and pending:
                pending.pop(0)()

        loader.exec_module = exec_module  # type: ignore[method-assign]  # this spec's own loader instance
        return spec


def after_import(modules: tuple[str, ...], layer: Callable[[], None]) -> None:
    """Apply `layer` (idempotent) once the first of `modules` is imported, or now if one already is."""
    if any(m in sys.modules for m in modules):
        layer()
        return
    finder = next((f for f in sys.meta_path if isinstance(f, _AfterImport)), None)
    if finder is None:
        finder = _AfterImport()
        sys.meta_path.insert(0, finder)
    for m in modules:
        finder.hooks.setdefault(m, []).append(layer)


def _vpn() -> None:
    from multicloud_ctl.local.moto_vpn import make_vpn_strict

    make_vpn_strict()  # customer gateways and VPN connections as EC2 checks and answers them (local/moto_vpn.py)


def _endpoints() -> None:
    from multicloud_ctl.local.moto_endpoints import make_endpoints_strict

    make_endpoints_strict()  # VPC endpoints as EC2 checks them (local/moto_endpoints.py)


def _waf() -> None:
    from multicloud_ctl.local.moto_waf import make_waf_strict

    make_waf_strict()  # a distribution's WebACLId as CloudFront checks it (local/moto_waf.py)


def _elasticache() -> None:
    from multicloud_ctl.local.moto_elasticache import make_elasticache_strict

    make_elasticache_strict()  # replication and cache subnet groups as ElastiCache checks them


def _apigateway() -> None:
    from multicloud_ctl.local.moto_apigateway import make_apigateway_strict

    make_apigateway_strict()  # REST API definitions as API Gateway refuses them (local/moto_apigateway.py)


# moto package -> the layers it needs; a layer that patches two packages is listed under both (roles created
# before Lambda's first request must still be counted, a stream written before any mapping must keep records)
LAYERS: tuple[tuple[tuple[str, ...], Callable[[], None]], ...] = (
    (("moto.cloudwatch",), make_strict),
    (("moto.cloudwatch",), make_alarm_pages_strict),
    (("moto.awslambda", "moto.dynamodb"), make_stream_mappings_strict),
    (("moto.cognitoidp",), make_cognito_strict),
    (("moto.awslambda", "moto.iam"), make_iam_eventually_consistent),
    (("moto.ec2",), _vpn),
    (("moto.ec2",), _endpoints),
    (("moto.wafv2", "moto.cloudfront"), _waf),
    (("moto.elasticache",), _elasticache),
    (("moto.apigateway",), _apigateway),
    (("moto.s3",), make_s3_pages_strict),
)


def main() -> None:
    make_dispatch_faster()
    for modules, layer in LAYERS:
        after_import(modules, layer)
    from moto.server import main as moto_main

    moto_main()


if __name__ == "__main__":
    main()
