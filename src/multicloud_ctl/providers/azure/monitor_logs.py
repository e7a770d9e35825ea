"""Azure Monitor logs: upload through the Logs Ingestion API (azure-monitor-ingestion) and query a Log
Analytics workspace (`POST {base}/v1/workspaces/{id}/query`, KQL in, tables out).

On the sandbox both endpoints are the fake ARM (loopback http allowed for the bearer token there only);
in the cloud the ingestion endpoint is the data collection endpoint and the query base is
https://api.loganalytics.io.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from multicloud_ctl import errors
from multicloud_ctl.providers.azure.errors import azure_errors

if TYPE_CHECKING:
    from multicloud_ctl.providers.azure.clients import AzureClients

MONITOR_SCOPE = "https://monitor.azure.com/.default"
QUERY_SCOPE = "https://api.loganalytics.io/.default"


def _policies(clients: AzureClients, scope: str) -> dict[str, Any]:
    from multicloud_ctl.providers.azure.clients import retry_settings
    from multicloud_ctl.providers.azure.credential import authentication_policy
    from multicloud_ctl.providers.azure.guard import DryRunPolicy

    return {
        "authentication_policy": authentication_policy(clients.credential, scope),
        "per_call_policies": [DryRunPolicy(clients.guard)],
        **retry_settings(clients.environment),
    }


@dataclass
class LogsIngestion:
    clients: AzureClients
    endpoint: str

    def upload(self, rule_id: str, stream: str, rows: Sequence[dict[str, Any]]) -> int:
        """Send `rows` to the DCR stream (the SDK gzips and splits into 1 MB requests)."""
        if not rows:
            return 0
        from azure.monitor.ingestion import LogsIngestionClient

        client = LogsIngestionClient(self.endpoint, self.clients.credential, **_policies(self.clients, MONITOR_SCOPE))
        with azure_errors(f"upload logs to {stream}"), client:
            client.upload(rule_id=rule_id, stream_name=stream, logs=list(rows))
        return len(rows)


@dataclass
class LogAnalyticsQuery:
    clients: AzureClients
    base_url: str

    def query(self, workspace: str, kql: str, timespan: str | None = None) -> list[dict[str, Any]]:
        """The primary result table as a list of dicts."""
        from azure.core import PipelineClient
        from azure.core.exceptions import ServiceRequestError
        from azure.core.pipeline.policies import RetryPolicy
        from azure.core.rest import HttpRequest

        from multicloud_ctl.providers.azure.clients import retry_settings
        from multicloud_ctl.providers.azure.credential import authentication_policy

        policies = [
            RetryPolicy(**retry_settings(self.clients.environment)),
            authentication_policy(self.clients.credential, QUERY_SCOPE),
        ]
        client: Any = PipelineClient(base_url=self.base_url, policies=policies)
        body: dict[str, Any] = {"query": kql}
        if timespan:
            body["timespan"] = timespan
        # the ARM-hosted sandbox store insists on an api-version, as every ARM route does; the cloud ignores it
        url = f"{self.base_url.rstrip('/')}/v1/workspaces/{workspace}/query?api-version=2022-10-27"
        try:
            resp = client.send_request(HttpRequest("POST", url, json=body))
        except ServiceRequestError as exc:
            raise errors.EndpointUnreachable(f"Log Analytics {self.base_url} unreachable: {exc}") from exc
        if resp.status_code >= 400:
            raise errors.ProviderError(f"Log Analytics query failed: HTTP {resp.status_code}: {resp.text()[:200]}")
        tables = json.loads(resp.text()).get("tables") or []
        if not tables:
            return []
        names = [c["name"] for c in tables[0]["columns"]]
        return [dict(zip(names, row, strict=False)) for row in tables[0]["rows"]]


def query_base(clients: AzureClients) -> str:
    env = clients.environment
    arm = env.endpoints().arm
    return f"{arm.rstrip('/')}/loganalytics" if env.is_local and arm else "https://api.loganalytics.io"


def ingestion_endpoint(clients: AzureClients, configured: str | None) -> str:
    env = clients.environment
    if configured:
        return configured
    arm = env.endpoints().arm
    if env.is_local and arm:
        return arm
    raise errors.ConfigError(
        "log_shipping.ingestion_endpoint is not set",
        hint="the data collection endpoint URL (https://<dce>.<region>.ingest.monitor.azure.com)",
    )
