"""A thin typed client over AWS Cost Explorer: cost and usage pages, forecast, purchase recommendations.

Only the calls `mcctl cost` uses. Pagination (`NextPageToken`) is followed here; errors are mapped to ours
with the request id: AccessDenied -> AuthError (with the IAM permission to grant), throttling -> Throttled,
an unreachable endpoint -> EndpointUnreachable. Cost Explorer is a global API served from us-east-1.

`ce_client(env)` gets the client from the provider session factory (`providers/aws/session.py`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from multicloud_ctl.errors import AuthError, EndpointUnreachable, ProviderError, Throttled

if TYPE_CHECKING:
    from multicloud_ctl.config.environment import Environment

COST_METRICS = ("UnblendedCost", "AmortizedCost", "UsageQuantity")
MAX_PAGES = 1000


def ce_client(env: Environment, *, max_attempts: int | None = None) -> Any:
    """A boto3 Cost Explorer client for `env`: the shared session factory's, or (with `max_attempts`) a
    separate one with its own retry budget (the forecast probe must not retry an emulator's HTTP 500)."""
    from multicloud_ctl.config.secrets import SecretResolver

    if max_attempts is None:
        from multicloud_ctl.providers.aws.session import AwsClients

        return AwsClients(env, SecretResolver()).client("ce", region="us-east-1")
    import boto3
    from botocore.config import Config

    resolver = SecretResolver()
    kwargs: dict[str, Any] = {}
    if env.aws.access_key_id and env.aws.secret_access_key:
        kwargs["aws_access_key_id"] = resolver.resolve(env.aws.access_key_id)
        kwargs["aws_secret_access_key"] = resolver.resolve(env.aws.secret_access_key)
    session = boto3.session.Session(profile_name=env.aws.profile, **kwargs)
    from multicloud_ctl.providers.deadline import boto_config_kwargs, bound_boto_client

    config = Config(retries={"mode": "standard", "max_attempts": max_attempts}, **boto_config_kwargs(env.network))
    client = session.client("ce", region_name="us-east-1", endpoint_url=env.endpoints().aws, config=config)
    return bound_boto_client(client, env.network)


@contextmanager
def mapped_errors(operation: str) -> Iterator[None]:
    """Turn botocore errors into ours, keeping the request id."""
    from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError

    try:
        yield
    except ClientError as exc:
        code, message = _code_and_message(exc.response.get("Error", {}))
        request_id = exc.response.get("ResponseMetadata", {}).get("RequestId")
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        text = f"Cost Explorer {operation}: {code}: {message}"
        if code in AUTH_CODES or status == 403:
            raise AuthError(
                text,
                hint=f"grant ce:{_camel(operation)} to this identity (and enable Cost Explorer in the payer account)",
                provider="aws",
                operation=operation,
                request_id=request_id,
                status=status,
            ) from exc
        if code in ("ThrottlingException", "LimitExceededException", "TooManyRequestsException"):
            raise Throttled(
                text,
                hint="Cost Explorer allows few requests per second; retry later",
                provider="aws",
                operation=operation,
                request_id=request_id,
                status=status,
            ) from exc
        raise ProviderError(text, provider="aws", operation=operation, request_id=request_id, status=status) from exc
    except (EndpointConnectionError, ReadTimeoutError) as exc:
        raise EndpointUnreachable(
            f"Cost Explorer {operation}: {exc}",
            provider="aws",
            operation=operation,
            hint="check aws.endpoint_url / the network; on the sandbox: `mcctl local status`",
        ) from exc


AUTH_CODES = {"AccessDeniedException", "AccessDenied", "UnrecognizedClientException", "InvalidClientTokenId"}
_XML_FIELD = re.compile(r"<(Code|Message)>(.*?)</\1>", re.DOTALL)


def _code_and_message(err: dict[str, Any]) -> tuple[str, str]:
    """The error code and message, also when an emulator put an XML error document into a JSON API's body."""
    code, message = str(err.get("Code", "")), str(err.get("Message", ""))
    fields = dict(_XML_FIELD.findall(message))
    if fields:
        code, message = fields.get("Code", code), fields.get("Message", message)
    elif "<html" in message.lower():  # an HTML error page (an emulator's 500): the status says it all
        message = "the endpoint answered with an HTML error page, not an API error"
    return code, message or code


def _camel(snake: str) -> str:
    return "".join(part.capitalize() for part in snake.split("_"))


@dataclass(frozen=True)
class CostExplorer:
    """The Cost Explorer calls mcctl uses, over one boto3 client."""

    client: Any

    def cost_and_usage(
        self,
        start: date,
        end: date,
        *,
        granularity: str = "DAILY",
        group_by: tuple[tuple[str, str], ...] = (("DIMENSION", "SERVICE"), ("DIMENSION", "REGION")),
        metrics: tuple[str, ...] = COST_METRICS,
    ) -> Iterator[dict[str, Any]]:
        """Every page of `get_cost_and_usage` for [start, end) (NextPageToken followed), one dict per page."""
        params: dict[str, Any] = {
            "TimePeriod": {"Start": start.isoformat(), "End": end.isoformat()},
            "Granularity": granularity,
            "Metrics": list(metrics),
            "GroupBy": [{"Type": t, "Key": k} for t, k in group_by],
        }
        token: str | None = None
        for _ in range(MAX_PAGES):
            call = dict(params, NextPageToken=token) if token else params
            with mapped_errors("get_cost_and_usage"):
                page = self.client.get_cost_and_usage(**call)
            yield page
            token = page.get("NextPageToken")
            if not token:
                return
        raise ProviderError(
            f"Cost Explorer returned more than {MAX_PAGES} pages",
            provider="aws",
            operation="get_cost_and_usage",
        )

    def cost_forecast(
        self, start: date, end: date, *, metric: str = "UNBLENDED_COST", granularity: str = "DAILY"
    ) -> dict[str, Any]:
        """`get_cost_forecast` for [start, end): total and per-period mean with the 80 % interval."""
        with mapped_errors("get_cost_forecast"):
            return dict(
                self.client.get_cost_forecast(
                    TimePeriod={"Start": start.isoformat(), "End": end.isoformat()},
                    Metric=metric,
                    Granularity=granularity,
                    PredictionIntervalLevel=80,
                )
            )

    def savings_plans_recommendation(self) -> dict[str, Any]:
        """Compute Savings Plans purchase recommendation (1 year, no upfront, 30-day lookback)."""
        with mapped_errors("get_savings_plans_purchase_recommendation"):
            return dict(
                self.client.get_savings_plans_purchase_recommendation(
                    SavingsPlansType="COMPUTE_SP",
                    TermInYears="ONE_YEAR",
                    PaymentOption="NO_UPFRONT",
                    LookbackPeriodInDays="THIRTY_DAYS",
                )
            )

    def reservation_recommendation(self, service: str) -> dict[str, Any]:
        """Reserved capacity purchase recommendation for one service (e.g. 'Amazon DynamoDB Service')."""
        with mapped_errors("get_reservation_purchase_recommendation"):
            return dict(
                self.client.get_reservation_purchase_recommendation(
                    Service=service,
                    TermInYears="ONE_YEAR",
                    PaymentOption="NO_UPFRONT",
                    LookbackPeriodInDays="THIRTY_DAYS",
                )
            )
