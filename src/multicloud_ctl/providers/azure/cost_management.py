"""A thin typed client over Azure Cost Management `query.usage` (azure-mgmt-costmanagement), paginated.

`query.usage` returns one page (`columns`, `rows`, `nextLink`); further pages are fetched by posting the
same definition again with the `$skiptoken` taken from `nextLink`. 429 answers are retried by azure-core's
retry policy, which honours `Retry-After`; when retries run out the 429 becomes `Throttled`. 401/403 become
`AuthError` with the role to grant.

`cost_management_client(env)` takes the SDK client from the shared factory (`providers/azure/clients.py`).
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from multicloud_ctl.errors import AuthError, EndpointUnreachable, ProviderError, Throttled

if TYPE_CHECKING:
    from multicloud_ctl.config.environment import Environment

MAX_PAGES = 1000


def cost_management_client(env: Environment) -> Any:
    """The azure-mgmt-costmanagement client from the shared factory (`providers/azure/clients.py`): the
    sandbox's fake ARM with a static token on `local`, the real ARM with the environment's credential
    otherwise; azure-core's retry policy honours Retry-After."""
    from multicloud_ctl.config.secrets import SecretResolver
    from multicloud_ctl.providers.azure.clients import AzureClients

    return AzureClients(env, SecretResolver()).cost


def map_error(exc: Exception, operation: str) -> Exception:
    """Our error for an azure-core exception."""
    from azure.core.exceptions import HttpResponseError, ServiceRequestError

    if isinstance(exc, HttpResponseError):
        status = exc.status_code
        response: Any = exc.response
        request_id = None
        if response is not None:
            request_id = response.headers.get("x-ms-request-id") or response.headers.get("x-ms-correlation-request-id")
        code = getattr(exc.error, "code", None) if exc.error else None
        text = f"Cost Management {operation}: HTTP {status}" + (f" {code}" if code else "")
        if status in (401, 403):
            return AuthError(
                text,
                hint="assign the 'Cost Management Reader' role on the subscription to this identity",
                provider="azure",
                operation=operation,
                request_id=request_id,
                status=status,
            )
        if status == 429:
            return Throttled(
                text + " (still throttled after honouring Retry-After)",
                hint="Cost Management limits queries per scope; retry in a minute",
                provider="azure",
                operation=operation,
                request_id=request_id,
                status=status,
            )
        return ProviderError(text, provider="azure", operation=operation, request_id=request_id, status=status)
    if isinstance(exc, ServiceRequestError):
        return EndpointUnreachable(
            f"Cost Management {operation}: {exc}",
            provider="azure",
            operation=operation,
            hint="check azure.arm_endpoint / the network; on the sandbox: `mcctl local status`",
        )
    return exc


@dataclass(frozen=True)
class QueryPage:
    """One page of a Cost Management query: column names and rows."""

    columns: list[str]
    rows: list[list[Any]]


@dataclass(frozen=True)
class CostManagement:
    """The Cost Management calls mcctl uses, over one SDK client."""

    client: Any

    def query(
        self,
        scope: str,
        start: date,
        end: date,
        *,
        cost_type: str = "ActualCost",
        granularity: str = "Daily",
        grouping: tuple[tuple[str, str], ...] = (
            ("Dimension", "ServiceName"),
            ("Dimension", "ResourceLocation"),
        ),
    ) -> Iterator[QueryPage]:
        """Every page of `query.usage` for [start, end) (end exclusive; the API's `to` is inclusive)."""
        from datetime import timedelta

        definition = {
            "type": cost_type,
            "timeframe": "Custom",
            "timePeriod": {
                "from": f"{start.isoformat()}T00:00:00Z",
                "to": f"{(end - timedelta(days=1)).isoformat()}T23:59:59Z",
            },
            "dataset": {
                "granularity": granularity,
                "aggregation": {
                    "totalCost": {"name": "Cost", "function": "Sum"},
                    "totalQuantity": {"name": "UsageQuantity", "function": "Sum"},
                },
                "grouping": [{"type": t, "name": n} for t, n in grouping],
            },
        }
        skiptoken: str | None = None
        for _ in range(MAX_PAGES):
            params = {"$skiptoken": skiptoken} if skiptoken else {}
            try:
                # stream + cls: the SDK's typed models cost seconds per thousand rows; we parse the wire JSON
                raw = self.client.query.usage(scope.lstrip("/"), definition, params=params, stream=True, cls=_raw_json)
            except Exception as exc:
                raise map_error(exc, "query.usage") from exc
            props = (raw or {}).get("properties") or {}
            if not raw:
                return
            yield QueryPage(
                [str(c.get("name")) for c in props.get("columns") or []], [list(r) for r in props.get("rows") or []]
            )
            skiptoken = _skiptoken(props.get("nextLink"))
            if not skiptoken:
                return
        raise ProviderError(
            f"Cost Management returned more than {MAX_PAGES} pages", provider="azure", operation="query.usage"
        )

    def benefit_recommendations(self, scope: str) -> list[Any]:
        """Savings plan / reservation purchase recommendations for the scope."""
        try:
            return list(self.client.benefit_recommendations.list(scope.lstrip("/"), expand="properties/usage"))
        except Exception as exc:
            raise map_error(exc, "benefitRecommendations.list") from exc


def _raw_json(pipeline_response: Any, body: Any, _headers: Any) -> Any:
    """The answer's JSON (with `stream=True` the SDK hands over the body's bytes without building models)."""
    if pipeline_response.http_response.status_code != 200 or body is None:
        return None
    return json.loads(b"".join(body))


def _skiptoken(next_link: str | None) -> str | None:
    if not next_link:
        return None
    query = urllib.parse.parse_qs(urllib.parse.urlparse(next_link).query)
    values = query.get("$skiptoken") or query.get("$skipToken")
    return values[0] if values else None
