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
"""

from __future__ import annotations

import os
import threading
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


def main() -> None:
    make_strict()
    make_cognito_strict()
    make_iam_eventually_consistent()
    from moto.server import main as moto_main

    moto_main()


if __name__ == "__main__":
    main()
